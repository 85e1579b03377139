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
    (Lang::Ru, "ru/bot.ftl", include_str!("../locales/ru/bot.ftl")),
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
}

impl std::fmt::Debug for Locales {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Locales { kk, ru }")
    }
}

impl Locales {
    pub fn load() -> Result<Locales, LocaleError> {
        Ok(Locales { kk: bundle(Lang::Kk)?, ru: bundle(Lang::Ru)? })
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

    /// A short date for buttons: "17.09, Sun".
    pub fn date_short(&self, lang: Lang, date: NaiveDate) -> String {
        let args = Args::new()
            .with("day", date.day())
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
