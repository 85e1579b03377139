//! Fluent locales, embedded from `locales/`. Every user-visible string comes from here.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use thiserror::Error;
use unic_langid::LanguageIdentifier;

use crate::domain::Lang;

/// The `.ftl` files of each language, as shipped.
pub const SOURCES: &[(Lang, &str, &str)] = &[
    (Lang::Kk, "kk/bot.ftl", include_str!("../locales/kk/bot.ftl")),
    (Lang::Kk, "kk/faq.ftl", include_str!("../locales/kk/faq.ftl")),
    (Lang::Ru, "ru/bot.ftl", include_str!("../locales/ru/bot.ftl")),
    (Lang::Kk, "kk/console.ftl", include_str!("../locales/kk/console.ftl")),
    (Lang::Ru, "ru/console.ftl", include_str!("../locales/ru/console.ftl")),
    (Lang::Ru, "ru/faq.ftl", include_str!("../locales/ru/faq.ftl")),
];

#[derive(Debug, Error)]
pub enum LocaleError {
    #[error("locale file {file} has syntax errors: {errors}")]
    Syntax { file: String, errors: String },
    #[error("locale file {file} defines a message twice: {errors}")]
    Duplicate { file: String, errors: String },
}

/// Why a message could not be rendered.
#[derive(Debug, Error)]
pub enum MessageError {
    #[error("no message `{id}` in {lang}")]
    Missing { id: String, lang: Lang },
    #[error("`{id}` in {lang}: {errors}")]
    Format { id: String, lang: Lang, errors: String },
}

/// Named arguments for a message.
#[derive(Default)]
pub struct Args<'a>(FluentArgs<'a>);

impl<'a> Args<'a> {
    pub fn new() -> Self {
        Args(FluentArgs::new())
    }

    pub fn with(mut self, name: &'a str, value: impl Into<FluentValue<'a>>) -> Self {
        self.0.set(name, value);
        self
    }

    pub fn with_owned(mut self, name: String, value: impl Into<FluentValue<'a>>) -> Self {
        self.0.set(name, value);
        self
    }
}

pub struct Locales {
    kk: FluentBundle<FluentResource>,
    ru: FluentBundle<FluentResource>,
    kk_alphabet: Vec<char>,
    ru_alphabet: Vec<char>,
}

impl std::fmt::Debug for Locales {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Locales { kk, ru }")
    }
}

impl Locales {
    pub fn load() -> Result<Locales, LocaleError> {
        let mut locales =
            Locales { kk: bundle(Lang::Kk)?, ru: bundle(Lang::Ru)?, kk_alphabet: Vec::new(), ru_alphabet: Vec::new() };
        locales.kk_alphabet = locales.alphabet_of(Lang::Kk)?;
        locales.ru_alphabet = locales.alphabet_of(Lang::Ru)?;
        Ok(locales)
    }

    /// The letters of the language in its alphabetical order (`collation-alphabet`): Unicode
    /// order puts the Kazakh letters after all Russian ones, so names are sorted by this.
    fn alphabet_of(&self, lang: Lang) -> Result<Vec<char>, LocaleError> {
        let letters = self
            .render(lang, "collation-alphabet", None)
            .map_err(|err| LocaleError::Syntax { file: lang.code().to_owned(), errors: err.to_string() })?;
        Ok(letters.chars().filter(|ch| !ch.is_whitespace()).flat_map(char::to_lowercase).collect())
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
        }
    }

    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundle(lang).has_message(id)
    }

    /// Renders a message, or says why it cannot be rendered.
    pub fn render(&self, lang: Lang, id: &str, args: Option<&Args<'_>>) -> Result<String, MessageError> {
        let bundle = self.bundle(lang);
        let pattern = bundle
            .get_message(id)
            .and_then(|message| message.value())
            .ok_or_else(|| MessageError::Missing { id: id.to_owned(), lang })?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args.map(|args| &args.0), &mut errors);
        if errors.is_empty() {
            Ok(text.into_owned())
        } else {
            Err(MessageError::Format { id: id.to_owned(), lang, errors: format!("{errors:?}") })
        }
    }

    /// Renders a message. A missing id or a render error is logged and never panics: the
    /// user sees the id rather than nothing, and the locale tests keep that from shipping.
    pub fn text(&self, lang: Lang, id: &str, args: Option<&Args<'_>>) -> String {
        self.render(lang, id, args).unwrap_or_else(|problem| {
            tracing::error!(%problem, "locale message failed to render");
            id.to_owned()
        })
    }

    pub fn t(&self, lang: Lang, id: &str) -> String {
        self.text(lang, id, None)
    }

    pub fn t_args(&self, lang: Lang, id: &str, args: &Args<'_>) -> String {
        self.text(lang, id, Some(args))
    }

    /// A long date in the language, e.g. "17 September 2023 (Sunday)" in its own words.
    pub fn date(&self, lang: Lang, date: NaiveDate) -> String {
        let args = Args::new()
            .with("day", date.day())
            .with("month", self.t(lang, &format!("month-{}", date.month())))
            .with("year", date.year())
            .with("weekday", self.t(lang, &format!("weekday-{}", date.weekday().number_from_monday())));
        self.t_args(lang, "date-long", &args)
    }

    /// A long date without the weekday, for the ends of a range across years.
    fn date_plain(&self, lang: Lang, date: NaiveDate) -> String {
        let args = Args::new()
            .with("day", date.day())
            .with("month", self.t(lang, &format!("month-{}", date.month())))
            .with("year", date.year());
        self.t_args(lang, "date-plain", &args)
    }

    /// A period, both ends included, as compactly as the language says it: "1-22 September
    /// 2023", "28 August - 3 September 2023", or two plain dates across a new year.
    pub fn date_range(&self, lang: Lang, from: NaiveDate, to: NaiveDate) -> String {
        if from == to {
            return self.date(lang, from);
        }
        let month = |date: NaiveDate| self.t(lang, &format!("month-{}", date.month()));
        if from.year() != to.year() {
            let args = Args::new().with("from", self.date_plain(lang, from)).with("to", self.date_plain(lang, to));
            return self.t_args(lang, "date-range", &args);
        }
        let args = Args::new().with("from_day", from.day()).with("to_day", to.day()).with("year", from.year());
        if from.month() == to.month() {
            self.t_args(lang, "date-range-month", &args.with("month", month(from)))
        } else {
            let args = args.with("from_month", month(from)).with("to_month", month(to));
            self.t_args(lang, "date-range-year", &args)
        }
    }

    /// Orders names as the language's alphabet does, letter by letter; other signs
    /// (hyphens, spaces) are skipped, and the name itself breaks ties.
    pub fn collate(&self, lang: Lang, left: &str, right: &str) -> std::cmp::Ordering {
        let alphabet = match lang {
            Lang::Kk => &self.kk_alphabet,
            Lang::Ru => &self.ru_alphabet,
        };
        // Letters outside the alphabet come after it, in Unicode order.
        let key = |text: &str| -> Vec<(usize, char)> {
            text.chars()
                .flat_map(char::to_lowercase)
                .filter(|ch| ch.is_alphanumeric())
                .map(|ch| (alphabet.iter().position(|letter| *letter == ch).unwrap_or(alphabet.len()), ch))
                .collect()
        };
        key(left).cmp(&key(right)).then_with(|| left.cmp(right))
    }

    /// A short date for buttons: "01.09 Fri", the day padded like the month.
    pub fn date_short(&self, lang: Lang, date: NaiveDate) -> String {
        let args = Args::new()
            .with("day", format!("{:02}", date.day()))
            .with("month", format!("{:02}", date.month()))
            .with("weekday", self.t(lang, &format!("weekday-short-{}", date.weekday().number_from_monday())));
        self.t_args(lang, "date-short", &args)
    }
}

fn bundle(lang: Lang) -> Result<FluentBundle<FluentResource>, LocaleError> {
    let langid: LanguageIdentifier = lang
        .code()
        .parse()
        .map_err(|err| LocaleError::Syntax { file: lang.code().to_owned(), errors: format!("{err}") })?;
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Telegram shows the isolation marks U+2068/U+2069 as stray characters.
    bundle.set_use_isolating(false);
    for (file_lang, file, source) in SOURCES {
        if *file_lang != lang {
            continue;
        }
        let resource = FluentResource::try_new((*source).to_owned())
            .map_err(|(_, errors)| LocaleError::Syntax { file: (*file).to_owned(), errors: format!("{errors:?}") })?;
        bundle
            .add_resource(resource)
            .map_err(|errors| LocaleError::Duplicate { file: (*file).to_owned(), errors: format!("{errors:?}") })?;
    }
    Ok(bundle)
}

/// Escapes text for Telegram's HTML parse mode.
pub fn html_escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['<', '>', '&', '"']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    Cow::Owned(out)
}

/// The message ids a resource defines (for parity checks).
pub fn message_ids(source: &str) -> Vec<String> {
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(resource) => resource,
        Err((resource, _)) => resource,
    };
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_owned()),
            _ => None,
        })
        .collect()
}
