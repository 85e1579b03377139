//! Renders an outbox row in the recipient's current language, at send time.

use chrono::NaiveDate;
use fluent_bundle::FluentValue;

use crate::config::Campaign;
use crate::domain::{Lang, Way};
use crate::i18n::{Args, Locales, html_escape};

/// Argument names whose values are dates (`YYYY-MM-DD`), shown in the recipient's language.
const DATE_ARGS: [&str; 5] = ["deadline", "date", "opens", "closes", "test_date"];

/// The text of `message` with `args` (a JSON object). Dates, cities and ways are stored as
/// data and localized here; the campaign's links are always available as `results`, `qrt`,
/// `application` and `pkrezerv`.
pub fn render(
    locales: &Locales,
    campaign: &Campaign,
    lang: Lang,
    message: &str,
    args: &serde_json::Value,
) -> Result<String, String> {
    let mut fluent = Args::new()
        .with("results", campaign.links.qaztest_results.clone())
        .with("qrt", campaign.links.qrt.clone())
        .with("application", campaign.links.qaztest_application.clone())
        .with("pkrezerv", campaign.links.pkrezerv.clone());
    let object = args.as_object().ok_or_else(|| format!("arguments of {message} are not an object"))?;
    for (name, value) in object {
        let value: FluentValue<'static> = match (name.as_str(), value) {
            (_, serde_json::Value::Null) => continue,
            (date, serde_json::Value::String(text)) if DATE_ARGS.contains(&date) => {
                let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("{name} is not a date"))?;
                locales.date(lang, day).into()
            }
            ("city", serde_json::Value::String(id)) => {
                let city = id
                    .parse()
                    .ok()
                    .and_then(|city| campaign.city(&city))
                    .ok_or_else(|| format!("unknown city {id}"))?;
                html_escape(city.name(lang)).into_owned().into()
            }
            ("way", serde_json::Value::String(code)) => {
                let way: Way = code.parse()?;
                locales.t(lang, &format!("way-{}", way.code())).into()
            }
            (_, serde_json::Value::Number(number)) => match number.as_i64() {
                Some(int) => int.into(),
                None => number.as_f64().unwrap_or_default().into(),
            },
            (_, serde_json::Value::String(text)) => html_escape(text).into_owned().into(),
            (_, other) => html_escape(&other.to_string()).into_owned().into(),
        };
        fluent = fluent.with_owned(name.clone(), value);
    }
    locales.render(lang, message, Some(&fluent))
}
