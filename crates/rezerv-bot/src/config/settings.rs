//! Runtime settings, layered: built-in defaults, then environment variables, then command-line
//! flags (applied by the CLI). Secrets never print.

use std::fmt;

use crate::reminders::{SenderConfig, TELEGRAM_MAX_PER_SEC};

/// A value that must never reach a log: Debug and Display print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://rezerv.db";
pub const SANDBOX_DATABASE_URL: &str = "sqlite://rezerv-sandbox.db";

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub token: Option<Secret>,
    /// A self-hosted Bot API server (or the emulator) instead of api.telegram.org.
    pub api_url: Option<String>,
    /// A campaign file to use instead of the embedded one.
    pub campaign_file: Option<String>,
    /// The reminder sender's pacing and retries.
    pub sender: SenderConfig,
}

impl Settings {
    /// Defaults overridden by `DATABASE_URL`, `TELOXIDE_TOKEN`, `TELOXIDE_API_URL`,
    /// `REZERV_CAMPAIGN`, `REZERV_SEND_RATE` (messages per second, 1 to 30) and
    /// `REZERV_SEND_LEASE_SECS` (how long an unconfirmed send blocks a retry).
    pub fn from_env() -> Result<Settings, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        let mut sender = SenderConfig::default();
        if let Some(rate) = var("REZERV_SEND_RATE") {
            sender.rate_per_sec =
                rate.trim().parse().ok().filter(|rate| (1..=TELEGRAM_MAX_PER_SEC).contains(rate)).ok_or_else(|| {
                    format!("REZERV_SEND_RATE `{rate}` must be 1 to {TELEGRAM_MAX_PER_SEC} messages a second")
                })?;
        }
        if let Some(lease) = var("REZERV_SEND_LEASE_SECS") {
            let secs: u64 = lease
                .trim()
                .parse()
                .ok()
                .filter(|secs| (1..=3600).contains(secs))
                .ok_or_else(|| format!("REZERV_SEND_LEASE_SECS `{lease}` must be 1 to 3600 seconds"))?;
            sender.lease = std::time::Duration::from_secs(secs);
        }
        Ok(Settings {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            token: var("TELOXIDE_TOKEN").map(Secret::new),
            api_url: var("TELOXIDE_API_URL"),
            campaign_file: var("REZERV_CAMPAIGN"),
            sender,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let settings = Settings {
            database_url: DEFAULT_DATABASE_URL.into(),
            token: Some(Secret::new("123:very-secret")),
            api_url: None,
            campaign_file: None,
            sender: SenderConfig::default(),
        };
        let shown = format!("{settings:?} {}", Secret::new("123:very-secret"));
        assert!(!shown.contains("very-secret"), "{shown}");
    }
}
