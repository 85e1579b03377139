//! The id of a city in the campaign file, as buttons, dialogue states and reminders carry it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// 1-24 characters of a-z, 0-9 or -: short enough for a 64-byte callback. Stored dialogue
/// states keep the bare string (`transparent`); they were written from parsed ids, and an
/// id a later campaign file dropped is caught where the city is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CityId(String);

#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("`{0}` must be 1-24 characters of a-z, 0-9 or -")]
pub struct CityIdError(String);

impl CityId {
    pub const MAX_LEN: usize = 24;

    pub fn parse(text: &str) -> Result<CityId, CityIdError> {
        let ok = !text.is_empty()
            && text.len() <= CityId::MAX_LEN
            && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok { Ok(CityId(text.to_owned())) } else { Err(CityIdError(text.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CityId {
    type Err = CityIdError;

    fn from_str(text: &str) -> Result<CityId, CityIdError> {
        CityId::parse(text)
    }
}

impl fmt::Display for CityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_lowercase_ids_parse() {
        assert_eq!(CityId::parse("ust-kamenogorsk").unwrap().as_str(), "ust-kamenogorsk");
        assert!(CityId::parse(&"x".repeat(24)).is_ok());
        for bad in ["", "Almaty", "al maty", "almaty_1", &"x".repeat(25)] {
            assert!(CityId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_is_the_bare_string() {
        let id = CityId::parse("oral").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"oral\"");
        assert_eq!(serde_json::from_str::<CityId>("\"oral\"").unwrap(), id);
    }
}
