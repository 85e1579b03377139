//! The id of an FAQ entry, as buttons and the matcher carry it.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// 1-16 characters of a-z and -: three ids and their separators fit a 64-byte callback
/// ("fo:" + 3 × 16 + 2 = 53 bytes). Whether the FAQ has the entry is checked where it is
/// looked up: a button from an older FAQ may name one that is gone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(String);

#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("FAQ entry id `{0}` must be 1-16 characters of a-z or -")]
pub struct EntryIdError(String);

impl EntryId {
    pub const MAX_LEN: usize = 16;

    pub fn parse(text: &str) -> Result<EntryId, EntryIdError> {
        let ok = !text.is_empty()
            && text.len() <= EntryId::MAX_LEN
            && text.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            && !text.starts_with('-');
        if ok { Ok(EntryId(text.to_owned())) } else { Err(EntryIdError(text.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for EntryId {
    type Err = EntryIdError;

    fn from_str(text: &str) -> Result<EntryId, EntryIdError> {
        EntryId::parse(text)
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_lowercase_ids_parse() {
        assert_eq!(EntryId::parse("code-not-working").unwrap().as_str(), "code-not-working");
        for bad in ["", "Ways", "a b", "qaztest_apply", "-x", "a1", &"x".repeat(17)] {
            assert!(EntryId::parse(bad).is_err(), "{bad}");
        }
    }
}
