//! An entry's answer in a language, with what the bot knows of the candidate: their city's
//! cutoff, their way, their results date. Without it the answer gives every city's dates.

use chrono::NaiveDate;

use super::EntryId;
use crate::config::{Campaign, City, CityKind};
use crate::domain::{Lang, Way};
use crate::i18n::{Args, Locales, MessageError, html_escape};

/// What the bot knows of the candidate who asks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known<'a> {
    pub city: Option<&'a City>,
    pub way: Option<Way>,
    pub test_date: Option<NaiveDate>,
}

/// The locale message of an entry's answer.
pub fn message_id(id: &EntryId) -> String {
    format!("faq-{id}")
}

/// The locale message of an entry's button.
pub fn title_id(id: &EntryId) -> String {
    format!("faq-{id}-title")
}

/// The entry's button label.
pub fn title(locales: &Locales, lang: Lang, id: &EntryId) -> String {
    locales.t(lang, &title_id(id))
}

/// The answer, or why it cannot be rendered (the locale tests keep that from shipping).
pub fn render(
    locales: &Locales,
    campaign: &Campaign,
    lang: Lang,
    id: &EntryId,
    known: &Known<'_>,
) -> Result<String, MessageError> {
    let text = locales.render(lang, &message_id(id), Some(&args(locales, campaign, lang, known)))?;
    Ok(tidy(&text))
}

/// The answer; a message that cannot be rendered is logged and shows its id.
pub fn answer(locales: &Locales, campaign: &Campaign, lang: Lang, id: &EntryId, known: &Known<'_>) -> String {
    tidy(&locales.t_args(lang, &message_id(id), &args(locales, campaign, lang, known)))
}

/// An optional line left empty leaves no blank line behind.
fn tidy(text: &str) -> String {
    text.lines().map(str::trim_end).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("\n")
}

fn yes(known: bool) -> &'static str {
    if known { "yes" } else { "no" }
}

/// Every argument any answer takes (see the top of `locales/ru/faq.ftl`).
pub fn args(locales: &Locales, campaign: &Campaign, lang: Lang, known: &Known<'_>) -> Args<'static> {
    let links = &campaign.links;
    let window = campaign.window;
    let date = |day: NaiveDate| locales.date(lang, day);
    let mut args = Args::new()
        .with("pkrezerv", links.pkrezerv.clone())
        .with("qrt", links.qrt.clone())
        .with("application", links.qaztest_application.clone())
        .with("results", links.qaztest_results.clone())
        .with("opens", date(window.opens))
        .with("closes", date(window.closes))
        .with("period", locales.date_range(lang, window.opens, window.closes))
        .with("source", campaign.code_source.as_str())
        .with("support_known", yes(campaign.support.is_some()))
        .with(
            "support",
            campaign.support.as_deref().map(|contact| html_escape(contact).into_owned()).unwrap_or_default(),
        )
        .with("cutoffs", group_lines(locales, campaign, lang, GroupLine::Cutoff))
        .with("delays", group_lines(locales, campaign, lang, GroupLine::Delay));
    args = args
        .with("faq_way", known.way.map_or("none", Way::code))
        .with("way", known.way.map(|way| locales.t(lang, &format!("way-{}", way.code()))).unwrap_or_default())
        .with("city_known", yes(known.city.is_some()))
        .with("city", known.city.map(|city| html_escape(city.name(lang)).into_owned()).unwrap_or_default());
    let group = known.city.map(|city| campaign.group_of(city));
    args = args
        .with("cutoff", group.map(|group| date(group.cutoff)).unwrap_or_default())
        .with("days", group.map_or(0, |group| group.results_working_days));
    // QRT's deadline is the same in every city; QAZTEST's is the city's cutoff.
    let deadline = match (known.way, known.city) {
        (Some(Way::Qrt), _) => Some(window.closes),
        (Some(Way::Qaztest), Some(city)) => Some(campaign.deadline(city, Way::Qaztest)),
        _ => None,
    };
    args =
        args.with("deadline_known", yes(deadline.is_some())).with("deadline", deadline.map(date).unwrap_or_default());
    let results_due = match (known.city, known.way, known.test_date) {
        (Some(city), Some(way), Some(test_date)) => campaign.results_due(city, way, test_date),
        _ => None,
    };
    args.with("results_known", yes(results_due.is_some()))
        .with("test_date", known.test_date.map(date).unwrap_or_default())
        .with("results_date", results_due.map(date).unwrap_or_default())
}

#[derive(Clone, Copy)]
enum GroupLine {
    Cutoff,
    Delay,
}

/// A line per group of cities: its QAZTEST application cutoff or its results delay.
fn group_lines(locales: &Locales, campaign: &Campaign, lang: Lang, line: GroupLine) -> String {
    let regional_total = campaign.cities_of_kind(CityKind::Regional).count();
    campaign
        .groups()
        .iter()
        .map(|group| {
            let cities: Vec<&City> = campaign.cities_of_group(group).collect();
            let regional = cities.iter().filter(|city| city.kind == CityKind::Regional).count();
            // Every regional centre in one group is named as "the regional centres".
            let all_regional = regional > 0 && regional == regional_total;
            let named: Vec<String> = cities
                .iter()
                .filter(|city| !(all_regional && city.kind == CityKind::Regional))
                .map(|city| html_escape(city.name(lang)).into_owned())
                .collect();
            let kind = match (named.is_empty(), all_regional) {
                (false, true) => "both",
                (true, _) => "regional",
                (false, false) => "cities",
            };
            let places =
                locales.t_args(lang, "faq-places", &Args::new().with("kind", kind).with("cities", named.join(", ")));
            let args = Args::new().with("places", places);
            match line {
                GroupLine::Cutoff => {
                    locales.t_args(lang, "faq-group-cutoff", &args.with("date", locales.date(lang, group.cutoff)))
                }
                GroupLine::Delay => {
                    locales.t_args(lang, "faq-group-delay", &args.with("days", group.results_working_days))
                }
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CodeSource;
    use crate::faq::Faq;

    fn campaigns() -> Vec<Campaign> {
        let shipped = crate::config::campaign_embedded_text();
        let cabinet = shipped.replacen("code_source = \"pool\"", "code_source = \"cabinet\"", 1);
        let support = format!("{shipped}\n[support]\ncontact = \"support@example.kz <24/7>\"\n");
        [shipped.to_owned(), cabinet, support].iter().map(|text| Campaign::from_toml(text).unwrap()).collect()
    }

    /// Every entry renders in both languages, with nothing known of the candidate and with
    /// each thing the bot may know, in both code sources, with and without a support contact.
    #[test]
    fn every_entry_renders_in_both_languages_with_and_without_the_candidates_data() {
        let locales = Locales::load().unwrap();
        let faq = Faq::embedded().unwrap();
        let test_date = NaiveDate::from_ymd_opt(2023, 9, 12);
        for campaign in campaigns() {
            let almaty = campaign.city(&"almaty".parse().unwrap());
            let astana = campaign.city(&"astana".parse().unwrap());
            let knowns = [
                Known::default(),
                Known { city: almaty, ..Known::default() },
                Known { city: astana, way: Some(Way::Qaztest), test_date },
                Known { city: almaty, way: Some(Way::Qrt), test_date },
                Known { city: None, way: Some(Way::Qrt), test_date: None },
                Known { city: astana, way: Some(Way::Qaztest), test_date: None },
            ];
            for lang in Lang::ALL {
                for entry in faq.entries() {
                    let title = locales.render(lang, &title_id(&entry.id), None).unwrap();
                    assert!(!title.is_empty() && title.chars().count() <= 40, "{lang} {}: {title}", entry.id);
                    for known in &knowns {
                        let text = render(&locales, &campaign, lang, &entry.id, known)
                            .unwrap_or_else(|err| panic!("{lang} {} {known:?}: {err}", entry.id));
                        assert!(text.starts_with("<b>"), "{lang} {}: {text}", entry.id);
                        assert!(text.chars().count() <= 4096, "{lang} {} is too long", entry.id);
                        assert!(!text.contains("\n\n") && !text.ends_with(char::is_whitespace), "{text}");
                    }
                }
            }
        }
    }

    #[test]
    fn answers_use_the_candidates_data_when_the_bot_has_it() {
        let locales = Locales::load().unwrap();
        let campaign = Campaign::embedded().unwrap();
        let astana = campaign.city(&"astana".parse().unwrap());
        let id = |text: &str| EntryId::parse(text).unwrap();
        let cutoff = locales.date(Lang::Ru, NaiveDate::from_ymd_opt(2023, 9, 22).unwrap());
        let other_cutoff = locales.date(Lang::Ru, NaiveDate::from_ymd_opt(2023, 9, 17).unwrap());
        let known = Known { city: astana, way: Some(Way::Qaztest), test_date: NaiveDate::from_ymd_opt(2023, 9, 8) };
        let apply = answer(&locales, &campaign, Lang::Ru, &id("qaztest-apply"), &known);
        assert!(apply.contains(&cutoff) && !apply.contains(&other_cutoff), "{apply}");
        let general = answer(&locales, &campaign, Lang::Ru, &id("qaztest-apply"), &Known::default());
        assert!(general.contains(&cutoff) && general.contains(&other_cutoff), "every group's cutoff: {general}");
        // Friday 8 September + 2 working days in Astana.
        let results = answer(&locales, &campaign, Lang::Ru, &id("results"), &known);
        let due = locales.date(Lang::Ru, NaiveDate::from_ymd_opt(2023, 9, 12).unwrap());
        assert!(results.contains(&due), "{results}");
        let general = answer(&locales, &campaign, Lang::Ru, &id("results"), &Known::default());
        assert!(!general.contains(&due), "{general}");
    }

    #[test]
    fn the_code_source_decides_where_the_code_comes_from() {
        let locales = Locales::load().unwrap();
        let id = EntryId::parse("promo-code").unwrap();
        for campaign in campaigns() {
            for lang in Lang::ALL {
                let text = answer(&locales, &campaign, lang, &id, &Known::default());
                let says_code_command = text.contains("/code");
                assert_eq!(says_code_command, campaign.code_source == CodeSource::Pool, "{lang}: {text}");
            }
        }
    }

    #[test]
    fn a_code_that_does_not_work_points_to_the_support_contact_when_there_is_one() {
        let locales = Locales::load().unwrap();
        let id = EntryId::parse("code-not-working").unwrap();
        for campaign in campaigns() {
            for lang in Lang::ALL {
                let text = answer(&locales, &campaign, lang, &id, &Known::default());
                match &campaign.support {
                    Some(_) => assert!(text.contains("support@example.kz &lt;24/7&gt;"), "escaped: {text}"),
                    None => assert!(text.contains(&campaign.links.pkrezerv), "{text}"),
                }
            }
        }
    }

    #[test]
    fn the_cutoff_lines_name_the_groups_cities() {
        let locales = Locales::load().unwrap();
        let campaign = Campaign::embedded().unwrap();
        let lines = group_lines(&locales, &campaign, Lang::Ru, GroupLine::Cutoff);
        let first = lines.lines().next().unwrap();
        assert!(first.contains(campaign.cities()[0].name(Lang::Ru)), "{lines}");
        assert_eq!(lines.lines().count(), campaign.groups().len(), "{lines}");
        // The regional centres are not listed one by one when a group has them all.
        let oral = campaign.city(&"oral".parse().unwrap()).unwrap();
        assert!(!lines.contains(oral.name(Lang::Ru)), "{lines}");
    }
}
