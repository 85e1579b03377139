//! Every message exists in both languages and renders; plurals are right.

use rezerv_bot::config::Campaign;
use rezerv_bot::domain::{Lang, Way};
use rezerv_bot::i18n::{Args, Locales, SOURCES, message_ids};

fn ids(lang: Lang) -> std::collections::BTreeSet<String> {
    SOURCES.iter().filter(|(l, _, _)| *l == lang).flat_map(|(_, _, source)| message_ids(source)).collect()
}

/// Every argument any message uses, with a plausible value.
fn sample_args() -> Args<'static> {
    let mut args = Args::new();
    for name in [
        "city",
        "way",
        "date",
        "link",
        "deadline",
        "results",
        "qrt",
        "application",
        "pkrezerv",
        "code",
        "opens",
        "closes",
        "language",
        "commands",
        "month",
        "weekday",
        "test_date",
        "source",
    ] {
        args = args.with(name, format!("<{name}>"));
    }
    for name in ["days", "step", "total", "day", "year"] {
        args = args.with(name, 5);
    }
    args
}

#[test]
fn both_languages_define_the_same_messages() {
    let kk = ids(Lang::Kk);
    let ru = ids(Lang::Ru);
    let only_kk: Vec<_> = kk.difference(&ru).collect();
    let only_ru: Vec<_> = ru.difference(&kk).collect();
    assert!(only_kk.is_empty() && only_ru.is_empty(), "only kk: {only_kk:?}; only ru: {only_ru:?}");
    assert!(kk.len() > 100, "{} messages", kk.len());
}

#[test]
fn every_message_renders_in_both_languages_without_isolation_marks() {
    let locales = Locales::load().unwrap();
    let args = sample_args();
    for lang in Lang::ALL {
        for id in ids(lang) {
            let text = locales.render(lang, &id, Some(&args)).unwrap();
            assert!(!text.trim().is_empty(), "{lang} {id} is empty");
            assert!(!text.contains(['\u{2068}', '\u{2069}']), "{lang} {id} has isolation marks");
            assert!(text.chars().count() <= 4096, "{lang} {id} is too long for Telegram");
        }
    }
}

/// Ids the code builds at run time from data: ways, steps, commands, months, weekdays.
#[test]
fn every_generated_id_exists() {
    let locales = Locales::load().unwrap();
    let campaign = Campaign::embedded().unwrap();
    let mut needed: Vec<String> = Vec::new();
    for way in Way::ALL {
        let code = way.code();
        needed.extend([format!("way-{code}"), format!("btn-way-{code}"), format!("way-{code}-line")]);
        needed.extend([format!("way-{code}-closed"), format!("next-{code}")]);
        for step in campaign.steps(way) {
            needed.extend([format!("step-{}", step.id), format!("step-{}-hint", step.id)]);
        }
    }
    needed.extend(rezerv_bot::bot::Command::NAMES.iter().map(|name| format!("cmd-{name}")));
    needed.extend((1..=12).map(|month| format!("month-{month}")));
    needed.extend((1..=7).flat_map(|day| [format!("weekday-{day}"), format!("weekday-short-{day}")]));
    for lang in Lang::ALL {
        for id in &needed {
            assert!(locales.has(lang, id), "{lang} lacks {id}");
        }
    }
}

/// Ids written as literals in the bot's sources.
#[test]
fn every_literal_id_in_the_sources_exists() {
    let locales = Locales::load().unwrap();
    let mut files = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/i18n.rs"))];
    let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/bot"))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    let mut checked = 0;
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for literal in source.split('"').skip(1).step_by(2) {
            let looks_like_id = literal.contains('-')
                && literal.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && literal.starts_with(|c: char| c.is_ascii_lowercase());
            if !looks_like_id || literal.ends_with('-') {
                continue;
            }
            for lang in Lang::ALL {
                assert!(locales.has(lang, literal), "{} uses `{literal}`, missing in {lang}", file.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} literal ids found");
}

fn deadline_text(locales: &Locales, lang: Lang, days: i64) -> String {
    locales.t_args(lang, "status-deadline", &Args::new().with("date", "D").with("days", days))
}

#[test]
fn russian_plurals_follow_one_few_many() {
    let locales = Locales::load().unwrap();
    let expected = [
        (1, "остался 1 день"),
        (2, "осталось 2 дня"),
        (5, "осталось 5 дней"),
        (11, "осталось 11 дней"),
        (21, "остался 21 день"),
        (22, "осталось 22 дня"),
    ];
    for (days, text) in expected {
        let rendered = deadline_text(&locales, Lang::Ru, days);
        assert!(rendered.contains(text), "{days}: {rendered}");
    }
    assert!(deadline_text(&locales, Lang::Ru, 0).contains("последний день"));
    let delay =
        |days: i64| locales.t_args(Lang::Ru, "results-delay", &Args::new().with("days", days).with("results", "R"));
    assert!(delay(1).contains("1 рабочего дня"), "{}", delay(1));
    assert!(delay(21).contains("21 рабочего дня"), "{}", delay(21));
    for days in [2, 5, 7, 11, 22] {
        assert!(delay(days).contains(&format!("{days} рабочих дней")), "{}", delay(days));
    }
}

#[test]
fn kazakh_counts_take_the_singular_noun() {
    let locales = Locales::load().unwrap();
    for days in [1, 2, 5, 11, 21, 22] {
        let rendered = deadline_text(&locales, Lang::Kk, days);
        assert!(rendered.contains(&format!("{days} күн қалды")), "{days}: {rendered}");
    }
    assert!(deadline_text(&locales, Lang::Kk, 0).contains("соңғы күн"));
}

#[test]
fn dates_read_naturally() {
    let locales = Locales::load().unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2023, 9, 17).unwrap();
    assert_eq!(locales.date(Lang::Ru, date), "17 сентября 2023 (воскресенье)");
    assert_eq!(locales.date(Lang::Kk, date), "2023 жылғы 17 қыркүйек (жексенбі)");
    assert_eq!(locales.date_short(Lang::Ru, date), "17.09 вс");
}
