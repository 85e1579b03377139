//! Every message exists in both languages and renders; plurals are right.

use rezerv_bot::config::Campaign;
use rezerv_bot::domain::{Lang, Stage, Way};
use rezerv_bot::export::{ExportFormat, ExportKind};
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
        "period",
        "from",
        "to",
        "from_month",
        "to_month",
        "chat",
        "lang",
        "stage",
        "phone",
        "issued",
        "reason",
        "old",
        "new",
        "what",
        "kind",
        "format",
        "zone",
        "caption",
        "file",
        "value",
        "problem",
        // the FAQ's answers (locales/*/faq.ftl)
        "support",
        "cutoffs",
        "delays",
        "cutoff",
        "results_date",
        "places",
        "cities",
        "time",
        "name",
        "started",
        "chose_language",
        "chose_city",
        "chose_way",
        "chosen",
        "done",
        "codes",
        "applied",
        "test_dates",
        "qrt_left",
        "qrt_issued",
        "qaztest_left",
        "qaztest_issued",
        "qrt_kept",
        "qaztest_kept",
        "blocked",
    ]
    .into_iter()
    .chain(CONSOLE_TEXT_ARGS)
    {
        args = args.with(name, format!("<{name}>"));
    }
    for (name, value) in [
        ("faq_way", "none"),
        ("kind", "both"),
        ("support_known", "no"),
        ("city_known", "no"),
        ("deadline_known", "no"),
        ("results_known", "no"),
    ] {
        args = args.with(name, value);
    }
    for name in [
        "days",
        "step",
        "total",
        "day",
        "year",
        "from_day",
        "to_day",
        "sent",
        "pending",
        "failed",
        "max",
        "rows",
        "present",
        "duplicates",
        "left",
        "line",
        "first",
        "count",
        "mb",
    ]
    .into_iter()
    .chain(CONSOLE_NUMBER_ARGS)
    {
        args = args.with(name, 5);
    }
    args
}

/// The console's arguments (organisers only): texts, and counts.
const CONSOLE_TEXT_ARGS: [&str; 18] = [
    "chat", "lang", "stage", "phone", "issued", "old", "new", "reason", "segment", "eta", "until", "tag", "expected",
    "found", "current", "group", "cutoff", "kind",
];
const CONSOLE_NUMBER_ARGS: [&str; 17] = [
    "sent",
    "pending",
    "failed",
    "max",
    "kk",
    "ru",
    "count",
    "chars",
    "id",
    "blocked",
    "stopped",
    "left",
    "minutes",
    "hours",
    "imported",
    "broadcast",
    "sends",
];

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
    needed.extend(rezerv_bot::bot::ConsoleCommand::NAMES.iter().map(|name| format!("console-cmd-{name}")));
    needed.extend(Stage::ALL.iter().map(|stage| format!("console-stage-{stage}")));
    for kind in ExportKind::ALL {
        needed.push(format!("export-what-{kind}"));
        needed.extend(ExportFormat::ALL.iter().map(|format| format!("console-btn-export-{kind}-{format}")));
    }
    // Every FAQ entry's answer and button.
    let faq = rezerv_bot::faq::Faq::embedded().unwrap();
    needed.extend(
        faq.ids().flat_map(|id| [rezerv_bot::faq::answer::message_id(id), rezerv_bot::faq::answer::title_id(id)]),
    );
    // The dashboard's labels: its stages, the campaign's city groups, a line per way.
    for stage in rezerv_bot::dashboard::FunnelStage::ALL {
        if stage != rezerv_bot::dashboard::FunnelStage::Step {
            needed.push(format!("console-dash-{}", stage.as_str().replace('_', "-")));
        }
    }
    needed.extend(campaign.groups().iter().map(|group| format!("console-dash-group-{}", group.id)));
    needed.extend(Way::ALL.map(|way| format!("console-dash-way-{}", way.code())));
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
    // (src/faq/answer.rs names entry ids in its tests; its messages are rendered by them.)
    let mut files = vec![
        std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/i18n.rs")),
        std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/faq/report.rs")),
    ];
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

#[test]
fn short_dates_pad_the_day_as_they_pad_the_month() {
    let locales = Locales::load().unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2023, 9, 1).unwrap();
    assert_eq!(locales.date_short(Lang::Ru, date), "01.09 пт");
    assert_eq!(locales.date_short(Lang::Kk, date), "01.09 жм");
}

fn day(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[test]
fn a_period_reads_as_one_compact_range() {
    let locales = Locales::load().unwrap();
    let range = |lang, from, to| locales.date_range(lang, day(from), day(to));
    assert_eq!(range(Lang::Ru, "2023-09-01", "2023-09-22"), "1–22 сентября 2023");
    assert_eq!(range(Lang::Kk, "2023-09-01", "2023-09-22"), "2023 жылғы 1–22 қыркүйек");
    assert_eq!(range(Lang::Ru, "2023-08-28", "2023-09-03"), "28 августа – 3 сентября 2023");
    assert_eq!(range(Lang::Kk, "2023-08-28", "2023-09-03"), "2023 жылғы 28 тамыз – 3 қыркүйек");
    assert_eq!(range(Lang::Ru, "2023-12-28", "2024-01-03"), "28 декабря 2023 – 3 января 2024");
    assert_eq!(range(Lang::Kk, "2023-12-28", "2024-01-03"), "2023 жылғы 28 желтоқсан – 2024 жылғы 3 қаңтар");
    assert_eq!(range(Lang::Ru, "2023-09-22", "2023-09-22"), locales.date(Lang::Ru, day("2023-09-22")));
}

#[test]
fn the_test_date_prompt_and_the_opening_reminder_give_the_window_as_a_compact_range() {
    let locales = Locales::load().unwrap();
    let campaign = Campaign::embedded().unwrap();
    let args = serde_json::json!({ "opens": "2023-09-01", "closes": "2023-09-22" });
    for (lang, period) in [(Lang::Ru, "1–22 сентября 2023"), (Lang::Kk, "2023 жылғы 1–22 қыркүйек")]
    {
        let reminder = rezerv_bot::reminders::render(&locales, &campaign, lang, "reminder-window-open", &args).unwrap();
        assert!(reminder.contains(period), "{reminder}");
        assert!(!reminder.contains(&locales.date(lang, day("2023-09-22"))), "no full dates: {reminder}");
        let prompt = locales.t_args(lang, "test-date-prompt", &Args::new().with("period", period));
        assert!(!prompt.contains("<period>") && prompt.contains(period), "{prompt}");
    }
}

/// Every message rendered with the values it really gets: full dates, way names, ranges.
fn rendered_messages(locales: &Locales, lang: Lang) -> Vec<(String, String)> {
    let date = locales.date(lang, day("2023-09-17"));
    let mut args = Args::new()
        .with("period", locales.date_range(lang, day("2023-09-01"), day("2023-09-22")))
        .with("way", locales.t(lang, "way-qaztest"))
        .with("days", 12);
    for name in ["date", "deadline", "opens", "closes", "test_date"] {
        args = args.with(name, date.clone());
    }
    for name in ["city", "link", "results", "qrt", "application", "pkrezerv", "code", "language", "commands"] {
        args = args.with(name, format!("{name}-value"));
    }
    for name in ["chat", "lang", "stage", "phone", "issued", "reason", "old", "new", "time", "name"] {
        args = args.with(name, format!("{name}-value"));
    }
    // The dashboard's counts, grouped by thousands as the bot writes them.
    for name in [
        "started",
        "chose_language",
        "chose_city",
        "chose_way",
        "chosen",
        "done",
        "codes",
        "applied",
        "test_dates",
        "qrt_left",
        "qrt_issued",
        "qaztest_left",
        "qaztest_issued",
        "qrt_kept",
        "qaztest_kept",
        "blocked",
    ] {
        args = args.with(name, "1\u{a0}234");
    }
    for name in ["step", "total", "day", "year", "from_day", "to_day", "sent", "pending", "failed", "max"] {
        args = args.with(name, 5);
    }
    // Export and imports.
    for name in ["what", "kind", "format", "zone", "caption", "file", "value", "problem"] {
        args = args.with(name, format!("{name}-value"));
    }
    for name in ["cutoff", "results_date"] {
        args = args.with(name, date.clone());
    }
    for name in ["support", "cutoffs", "delays", "places", "cities"] {
        args = args.with(name, format!("{name}-value"));
    }
    // What the FAQ knows of a candidate who chose QAZTEST in a city and a test date.
    for (name, value) in [
        ("faq_way", "qaztest"),
        ("kind", "both"),
        ("support_known", "yes"),
        ("city_known", "yes"),
        ("deadline_known", "yes"),
        ("results_known", "yes"),
    ] {
        args = args.with(name, value);
    }
    for name in
        ["rows", "present", "duplicates", "left", "line", "first", "count", "mb"].into_iter().chain(CONSOLE_NUMBER_ARGS)
    {
        args = args.with(name, 5);
    }
    for name in ["month", "weekday", "from", "to", "from_month", "to_month"].into_iter().chain(CONSOLE_TEXT_ARGS) {
        args = args.with(name, format!("{name}-value"));
    }
    // The default mode: the bot issues the code (the cabinet mode has its own tests).
    args = args.with("source", "pool");
    ids(lang)
        .into_iter()
        .map(|id| (locales.render(lang, &id, Some(&args)).unwrap(), id))
        .map(|(text, id)| (id, text))
        .collect()
}

#[test]
fn no_message_nests_brackets_or_sets_two_side_by_side() {
    let locales = Locales::load().unwrap();
    for lang in Lang::ALL {
        for (id, text) in rendered_messages(&locales, lang) {
            let mut depth = 0_i32;
            for ch in text.chars() {
                match ch {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                assert!(depth <= 1, "{lang} {id} nests brackets: {text}");
            }
            assert!(!text.contains(") ("), "{lang} {id} sets brackets side by side: {text}");
        }
    }
}

/// The step before the last of QAZTEST: the code comes after step 7, not at the next step.
#[test]
fn the_qaztest_answer_step_says_the_code_comes_after_the_last_step() {
    let locales = Locales::load().unwrap();
    for (lang, wrong, right) in
        [(Lang::Ru, "на следующем шаге", "после последнего шага"), (Lang::Kk, "келесі қадамда", "соңғы қадамнан кейін")]
    {
        let hint = locales.t_args(lang, "step-qaztest-answer-hint", &Args::new().with("source", "pool"));
        assert!(!hint.contains(wrong) && hint.contains(right), "{lang}: {hint}");
    }
}

#[test]
fn results_are_due_no_later_than_the_day_the_bot_names() {
    let locales = Locales::load().unwrap();
    let args = Args::new().with("date", "D").with("test_date", "T").with("results", "R");
    let due = |lang, id| locales.t_args(lang, id, &args);
    assert!(due(Lang::Ru, "results-due").contains("не позднее D"), "{}", due(Lang::Ru, "results-due"));
    assert!(due(Lang::Kk, "results-due").contains("соңғы күн — D"), "{}", due(Lang::Kk, "results-due"));
    // The reminder names the day itself, so that it stays true when it is sent late.
    let reminder = due(Lang::Ru, "reminder-results");
    assert!(reminder.contains("не позднее D") && !reminder.contains("готовы сегодня"), "{reminder}");
    let reminder = due(Lang::Kk, "reminder-results");
    assert!(reminder.contains("соңғы мерзім — D") && !reminder.contains("бүгін шығуы"), "{reminder}");
}

#[test]
fn russian_qaztest_deadlines_say_the_day_is_included() {
    let locales = Locales::load().unwrap();
    let date = locales.date(Lang::Ru, day("2023-09-17"));
    let args = Args::new()
        .with("deadline", date.clone())
        .with("date", date.clone())
        .with("days", 3)
        .with("city", "C")
        .with("way", "W")
        .with("application", "A")
        .with("results", "R");
    for id in ["way-qaztest-line", "next-qaztest", "status-deadline", "reminder-deadline"] {
        let text = locales.t_args(Lang::Ru, id, &args);
        assert!(text.contains(&format!("по {date} включительно")), "{id}: {text}");
        assert!(!text.contains(&format!("до {date}")), "{id}: {text}");
    }
}

#[test]
fn the_texts_convey_what_the_announcement_says() {
    let locales = Locales::load().unwrap();
    let args = Args::new()
        .with("deadline", "D")
        .with("date", "D")
        .with("days", 7)
        .with("city", "C")
        .with("application", "APPLICATION")
        .with("results", "R")
        .with("pkrezerv", "P")
        .with("commands", "")
        .with("qrt", "Q")
        .with("closes", "CLOSES")
        .with("test_date", "T");
    let text = |lang, id| locales.render(lang, id, Some(&args)).unwrap();
    for id in ["welcome", "help"] {
        assert!(text(Lang::Ru, id).contains("не ниже B1"), "ru {id}: {}", text(Lang::Ru, id));
        assert!(text(Lang::Kk, id).contains("төмен емес"), "kk {id}: {}", text(Lang::Kk, id));
        assert!(text(Lang::Ru, id).contains("государственного языка"), "ru {id}: {}", text(Lang::Ru, id));
    }
    let academy = [
        (Lang::Ru, "в региональных филиалах Академии государственного управления при Президенте Республики Казахстан"),
        (
            Lang::Kk,
            "Қазақстан Республикасы Президентінің жанындағы Мемлекеттік басқару академиясының өңірлік филиалдарында",
        ),
    ];
    for (lang, fact) in academy {
        assert!(text(lang, "way-qaztest-line").contains(fact), "{lang}: {}", text(lang, "way-qaztest-line"));
    }
    // Certificate or reference letter, both PDF, in «Менің тарихым».
    for id in
        ["results-due", "results-delay", "reminder-results", "city-closed", "next-qaztest", "step-qaztest-results-hint"]
    {
        let ru = text(Lang::Ru, id).to_lowercase();
        assert!(ru.contains("сертификат") && ru.contains("справк") && ru.contains("(анықтама)"), "ru {id}: {ru}");
        assert!(ru.contains("pdf") && ru.contains("«менің тарихым»"), "ru {id}: {ru}");
        let kk = text(Lang::Kk, id).to_lowercase();
        assert!(kk.contains("сертификат") && kk.contains("анықтама") && kk.contains("pdf"), "kk {id}: {kk}");
        assert!(kk.contains("«менің тарихым»"), "kk {id}: {kk}");
    }
    // The next-steps message the candidate keeps carries where the mobile testing schedule is.
    for (lang, schedule) in [(Lang::Ru, "Расписание выездного тестирования"), (Lang::Kk, "көшпелі тестілеу кестесі")]
    {
        let next = text(lang, "next-qaztest");
        let line = next.lines().find(|line| line.contains(schedule)).unwrap_or_else(|| panic!("{lang}: {next}"));
        assert!(line.contains("APPLICATION"), "{lang}: {line}");
    }
}

#[test]
fn the_texts_make_no_claim_the_announcement_does_not() {
    let locales = Locales::load().unwrap();
    let claims: [(Lang, &[&str]); 2] = [
        (
            Lang::Ru,
            &[
                "ИИН",
                "логин",
                "парол",
                "записаться на тест",
                "за свой счёт, например",
                "уже знают",
                "публику",
                "уже сейчас",
            ],
        ),
        (
            Lang::Kk,
            &["ЖСН", "логин", "құпиясөз", "Тестке жазылу", "өз қаражатыңызбен", "хабардар", "жариялан", "қазірден"],
        ),
    ];
    for (lang, fragments) in claims {
        for (id, text) in rendered_messages(&locales, lang) {
            for fragment in fragments {
                assert!(!text.contains(fragment), "{lang} {id} says {fragment:?}: {text}");
            }
        }
    }
}

#[test]
fn one_thing_has_one_name_in_each_language() {
    let locales = Locales::load().unwrap();
    for lang in Lang::ALL {
        for (id, text) in rendered_messages(&locales, lang) {
            let lower = text.to_lowercase();
            for (at, _) in lower.match_indices("кабинет") {
                let before = &lower[..at];
                let named = match lang {
                    Lang::Ru => {
                        before.ends_with("личный ") || before.ends_with("личном ") || before.ends_with("личного ")
                    }
                    Lang::Kk => before.ends_with("жеке ") || before.ends_with("жеке кабинет"),
                };
                assert!(named, "{lang} {id} says a bare cabinet: {text}");
            }
            if lang == Lang::Kk {
                for (at, _) in text.match_indices("өз қаражат") {
                    assert!(text[at..].starts_with("өз қаражатыңыз есебінен"), "kk {id}: {text}");
                }
            }
            assert!(!text.contains("казахского языка") && !text.contains("казахскому языку"), "{lang} {id}: {text}");
        }
    }
    // The kk help entry must not share its name with the result document (анықтама).
    assert_ne!(locales.t(Lang::Kk, "cmd-help").to_lowercase(), "анықтама");
    assert!(!locales.t(Lang::Kk, "cmd-help").to_lowercase().contains("анықтама"));
}

#[test]
fn before_the_window_the_note_does_not_invite_registration_already_now() {
    let locales = Locales::load().unwrap();
    for (lang, starts) in [
        (Lang::Ru, "Отбор в резерв и тестирование начнутся"),
        (Lang::Kk, "Резервке іріктеу мен тестілеудің басталу күні"),
    ] {
        let note = locales.t_args(lang, "campaign-not-open", &Args::new().with("opens", "O"));
        assert!(note.starts_with(starts), "{lang}: {note}");
    }
}

/// CLDR's plural categories for cardinal numbers: kk has one/other, ru one/few/many/other.
fn plural_categories(lang: &str) -> &'static [&'static str] {
    match lang {
        "kk" => &["one", "other"],
        "ru" => &["one", "few", "many", "other"],
        other => panic!("no plural rules known for locale directory {other}"),
    }
}

const CLDR_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// Every select expression of a pattern, however deeply placed.
fn selects<'a>(
    pattern: &'a fluent_syntax::ast::Pattern<&'a str>,
    found: &mut Vec<&'a fluent_syntax::ast::Expression<&'a str>>,
) {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    fn inline<'a>(expression: &'a InlineExpression<&'a str>, found: &mut Vec<&'a Expression<&'a str>>) {
        if let InlineExpression::Placeable { expression } = expression {
            walk(expression, found);
        }
    }
    fn walk<'a>(expression: &'a Expression<&'a str>, found: &mut Vec<&'a Expression<&'a str>>) {
        match expression {
            Expression::Select { selector, variants } => {
                found.push(expression);
                inline(selector, found);
                for variant in variants {
                    selects(&variant.value, found);
                }
            }
            Expression::Inline(expression) => inline(expression, found),
        }
    }
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            walk(expression, found);
        }
    }
}

/// Whether a select chooses by a number: `NUMBER($x)`, or a variable with plural or number keys.
fn is_numeric_select(expression: &fluent_syntax::ast::Expression<&str>) -> bool {
    use fluent_syntax::ast::{Expression, InlineExpression, VariantKey};
    let Expression::Select { selector, variants } = expression else { return false };
    match selector {
        InlineExpression::FunctionReference { id, .. } => id.name == "NUMBER",
        InlineExpression::VariableReference { .. } => variants.iter().any(|variant| match &variant.key {
            VariantKey::NumberLiteral { .. } => true,
            VariantKey::Identifier { name } => CLDR_CATEGORIES.contains(name),
        }),
        _ => false,
    }
}

#[test]
fn every_plural_selector_has_exactly_the_cldr_categories_of_its_language() {
    use fluent_syntax::ast::{Entry, Expression, VariantKey};
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/locales"));
    let mut problems = Vec::new();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    for dir in std::fs::read_dir(root).unwrap() {
        let dir = dir.unwrap().path();
        let lang = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let required = plural_categories(&lang);
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_none_or(|ext| ext != "ftl") {
                continue;
            }
            let source = std::fs::read_to_string(&file).unwrap();
            let resource = fluent_syntax::parser::parse(source.as_str())
                .unwrap_or_else(|(_, errors)| panic!("{} does not parse: {errors:?}", file.display()));
            for entry in &resource.body {
                let (id, value, attributes) = match entry {
                    Entry::Message(message) => (message.id.name, message.value.as_ref(), &message.attributes),
                    Entry::Term(term) => (term.id.name, Some(&term.value), &term.attributes),
                    _ => continue,
                };
                let mut found = Vec::new();
                for pattern in value.into_iter().chain(attributes.iter().map(|attribute| &attribute.value)) {
                    selects(pattern, &mut found);
                }
                for select in found.into_iter().filter(|select| is_numeric_select(select)) {
                    let Expression::Select { variants, .. } = select else { continue };
                    *checked.entry(lang.clone()).or_default() += 1;
                    let keys: Vec<&str> = variants
                        .iter()
                        .filter_map(|variant| match &variant.key {
                            VariantKey::Identifier { name } => Some(*name),
                            VariantKey::NumberLiteral { .. } => None,
                        })
                        .collect();
                    let missing: Vec<_> = required.iter().filter(|category| !keys.contains(category)).collect();
                    let foreign: Vec<_> = keys.iter().filter(|key| !required.contains(key)).collect();
                    if !missing.is_empty() || !foreign.is_empty() {
                        problems
                            .push(format!("{lang} {id}: lacks {missing:?}, has keys {lang} never selects {foreign:?}"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "plural selectors off CLDR:\n{}", problems.join("\n"));
    assert!(checked.get("ru").is_some_and(|n| *n >= 4), "too few ru selectors found: {checked:?}");
    assert!(checked.get("kk").is_some_and(|n| *n >= 1), "too few kk selectors found: {checked:?}");
}
