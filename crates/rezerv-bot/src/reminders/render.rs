//! Renders an outbox row in the recipient's current language, at send time.

use chrono::NaiveDate;
use fluent_bundle::FluentValue;
use thiserror::Error;

use crate::config::Campaign;
use crate::domain::{Lang, UnknownValue, Way};
use crate::i18n::{Args, Locales, MessageError, html_escape};

/// Why an outbox row cannot be rendered; its text is recorded as the row's failure.
#[derive(Debug, Error)]
pub enum RenderError {
    #[error("arguments of {message} are not an object")]
    NotAnObject { message: String },
    #[error("{name} is not a date")]
    NotADate { name: String },
    #[error("unknown city {id}")]
    UnknownCity { id: String },
    #[error(transparent)]
    Way(#[from] UnknownValue),
    #[error(transparent)]
    Message(#[from] MessageError),
}

/// Argument names whose values are dates (`YYYY-MM-DD`), shown in the recipient's language.
const DATE_ARGS: [&str; 5] = ["deadline", "date", "opens", "closes", "test_date"];

/// The text of `message` with `args` (a JSON object). Dates, cities and ways are stored as
/// data and localized here (`opens` and `closes` also as one `period`); the campaign's links
/// are always available as `results`, `qrt`, `application` and `pkrezerv`.
pub fn render(
    locales: &Locales,
    campaign: &Campaign,
    lang: Lang,
    message: &str,
    args: &serde_json::Value,
) -> Result<String, RenderError> {
    let mut fluent = Args::new()
        .with("results", campaign.links.qaztest_results.clone())
        .with("qrt", campaign.links.qrt.clone())
        .with("application", campaign.links.qaztest_application.clone())
        .with("pkrezerv", campaign.links.pkrezerv.clone());
    let object = args.as_object().ok_or_else(|| RenderError::NotAnObject { message: message.to_owned() })?;
    let (mut opens, mut closes) = (None, None);
    for (name, value) in object {
        let value: FluentValue<'static> = match (name.as_str(), value) {
            (_, serde_json::Value::Null) => continue,
            (date, serde_json::Value::String(text)) if DATE_ARGS.contains(&date) => {
                let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| RenderError::NotADate { name: name.clone() })?;
                match date {
                    "opens" => opens = Some(day),
                    "closes" => closes = Some(day),
                    _ => {}
                }
                locales.date(lang, day).into()
            }
            ("city", serde_json::Value::String(id)) => {
                let city = id
                    .parse()
                    .ok()
                    .and_then(|city| campaign.city(&city))
                    .ok_or_else(|| RenderError::UnknownCity { id: id.clone() })?;
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
    if let (Some(opens), Some(closes)) = (opens, closes) {
        // A period reads as one compact range, not two full dates.
        fluent = fluent.with("period", locales.date_range(lang, opens, closes));
    }
    Ok(locales.render(lang, message, Some(&fluent))?)
}
