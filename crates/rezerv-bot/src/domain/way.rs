use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::UnknownValue;

/// The two ways to take the state-language test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Way {
    /// QAZAQ RESMI TEST, online.
    Qrt,
    /// QAZTEST, offline.
    Qaztest,
}

impl Way {
    pub const ALL: [Way; 2] = [Way::Qrt, Way::Qaztest];

    pub fn code(self) -> &'static str {
        match self {
            Way::Qrt => "qrt",
            Way::Qaztest => "qaztest",
        }
    }
}

impl fmt::Display for Way {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Way {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "qrt" => Ok(Way::Qrt),
            "qaztest" => Ok(Way::Qaztest),
            other => Err(UnknownValue::new("way", other, "qrt or qaztest")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_round_trips() {
        for way in Way::ALL {
            assert_eq!(way.code().parse::<Way>(), Ok(way));
        }
        assert!("qaz".parse::<Way>().is_err());
    }
}
