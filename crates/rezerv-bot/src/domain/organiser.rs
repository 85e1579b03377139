use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use super::unknown::spelled;

/// A Telegram user id that may use the organisers' console. Telegram's user ids are positive
/// (and fit in 52 bits); a private chat with the bot has the same id as its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrganiserId(i64);

#[derive(Debug, Error, PartialEq, Eq)]
#[error("`{0}` is not a Telegram user id (a positive whole number)")]
pub struct OrganiserIdError(String);

impl OrganiserId {
    pub fn new(id: i64) -> Result<OrganiserId, OrganiserIdError> {
        if id > 0 { Ok(OrganiserId(id)) } else { Err(OrganiserIdError(id.to_string())) }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl FromStr for OrganiserId {
    type Err = OrganiserIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let id = s.trim().parse::<i64>().map_err(|_| OrganiserIdError(s.to_owned()))?;
        OrganiserId::new(id).map_err(|_| OrganiserIdError(s.to_owned()))
    }
}

impl fmt::Display for OrganiserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

spelled! {
    /// Where an organiser acted from, as stored in `audit.via`.
    pub enum AuditVia("audit channel") {
        Telegram = "telegram",
        Cli = "cli",
        /// The bot on its own: the retention worker's purge.
        Auto = "auto",
    }
}

spelled! {
    /// What an organiser did, as stored in `audit.action`.
    pub enum AuditAction("audit action") {
        AdminAdd = "admin-add",
        AdminRemove = "admin-remove",
        /// Looked a candidate up (`/find`).
        Find = "find",
        /// Revoked a code that does not work and issued a new one.
        ReplaceCode = "replace-code",
        Dashboard = "dashboard",
        Stats = "stats",
        Export = "export",
        ImportCodes = "import-codes",
        ImportEligible = "import-eligible",
        Broadcast = "broadcast",
        Purge = "purge",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organiser_ids_are_positive_whole_numbers() {
        assert_eq!("12345".parse::<OrganiserId>().map(OrganiserId::get), Ok(12345));
        assert_eq!(" 42 ".parse::<OrganiserId>().map(OrganiserId::get), Ok(42));
        for bad in ["0", "-5", "abc", "", "1.5", "99999999999999999999"] {
            assert!(bad.parse::<OrganiserId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn audit_spellings_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
        }
        for via in AuditVia::ALL {
            assert_eq!(via.as_str().parse::<AuditVia>(), Ok(via));
        }
    }
}
