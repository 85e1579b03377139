//! Questions and answers: the curated FAQ (its phrasings in `faq/`, its answers in
//! `locales/{kk,ru}/faq.ftl`) and the matcher that finds the entry a free-text question asks.
//! Pure: no Telegram, no database.

pub mod answer;
mod data;
mod entry_id;
mod matcher;
pub mod report;
mod text;

pub use data::{Entry, Faq, FaqError, LANGUAGE, LanguageData, MIN_PHRASINGS, PHRASINGS};
pub use entry_id::{EntryId, EntryIdError};
pub use matcher::{
    Band, CONFIDENT_FROM, CONFIDENT_MARGIN, MAX_QUESTION_CHARS, Match, Matcher, Scored, Tuning, UNSURE_FROM,
};
pub use text::{Normalizer, Reading, Term, Word};

/// The matcher as the bot builds it: the embedded FAQ, with the campaign's city names as
/// places that count for no entry.
pub fn matcher(campaign: &crate::config::Campaign) -> Result<Matcher, FaqError> {
    Ok(Matcher::new(&Faq::embedded()?, &campaign.city_names()))
}
