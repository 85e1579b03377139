use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::UnknownValue;

/// The two languages the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Kk,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Kk, Lang::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
        }
    }

    /// Suggests a language from Telegram's `language_code` (an IETF tag such as "ru-RU").
    /// Kazakh users whose app is in Kazakh get Kazakh; everyone else is offered Russian,
    /// the language most Telegram clients in Kazakhstan are set to.
    pub fn suggest(language_code: Option<&str>) -> Lang {
        match language_code.map(|code| code.split(['-', '_']).next().unwrap_or(code)) {
            Some(primary) if primary.eq_ignore_ascii_case("kk") => Lang::Kk,
            _ => Lang::Ru,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "kk" => Ok(Lang::Kk),
            "ru" => Ok(Lang::Ru),
            other => Err(UnknownValue::new("language", other, "kk or ru")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_kazakh_only_for_kazakh_clients() {
        assert_eq!(Lang::suggest(Some("kk")), Lang::Kk);
        assert_eq!(Lang::suggest(Some("kk-KZ")), Lang::Kk);
        assert_eq!(Lang::suggest(Some("ru")), Lang::Ru);
        assert_eq!(Lang::suggest(Some("en")), Lang::Ru);
        assert_eq!(Lang::suggest(None), Lang::Ru);
    }

    #[test]
    fn code_round_trips() {
        for lang in Lang::ALL {
            assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
        }
    }
}
