//! Runtime settings, read once and layered in one place: built-in defaults, then environment
//! variables, then command-line flags (clap applies the three in that order). Secrets never
//! print.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use thiserror::Error;

use super::{Campaign, CampaignError};
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

/// The settings as the command line and the environment give them, before validation. The
/// token is not among them: a flag would show it in the process list, so it comes from
/// `TELOXIDE_TOKEN` only.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SettingsArgs {
    /// SQLite database URL [default: sqlite://rezerv.db; the sandbox uses sqlite://rezerv-sandbox.db]
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Campaign file to use instead of the embedded config/campaign.toml
    #[arg(long, global = true, env = "REZERV_CAMPAIGN")]
    pub campaign: Option<PathBuf>,
    /// Pin "today" (campaign time zone), e.g. 2023-09-05; the clock then runs from 10:00 that day
    #[arg(long, global = true, env = "REZERV_TODAY")]
    pub today: Option<NaiveDate>,
    /// A self-hosted Bot API server instead of api.telegram.org
    #[arg(long, global = true, env = "TELOXIDE_API_URL")]
    pub api_url: Option<String>,
    /// Reminders per second overall, 1 to 30 (Telegram's limit) [default: 25]
    #[arg(long, global = true, env = "REZERV_SEND_RATE")]
    pub send_rate: Option<u32>,
    /// Seconds an unconfirmed send blocks its retry, 1 to 3600 [default: 300]
    #[arg(long, global = true, env = "REZERV_SEND_LEASE_SECS")]
    pub send_lease_secs: Option<u64>,
    /// Receive updates by webhook at this public https URL instead of long polling
    #[arg(long, global = true, env = "REZERV_WEBHOOK_URL")]
    pub webhook: Option<String>,
    /// Address of the HTTP server: /healthz, /readyz, /metrics, and the webhook [default: none
    /// when polling, 0.0.0.0:8080 with a webhook]
    #[arg(long, global = true, env = "REZERV_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Log lines as `text` or `json` (for log collectors) [default: text]
    #[arg(long, global = true, env = "REZERV_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Where the HTTP server listens with a webhook and no `REZERV_LISTEN`.
pub const DEFAULT_WEBHOOK_LISTEN: &str = "0.0.0.0:8080";

/// Receiving updates by webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// The public URL Telegram posts to; its path is the route served.
    pub url: url::Url,
    /// What Telegram sends in `X-Telegram-Bot-Api-Secret-Token`: `REZERV_WEBHOOK_SECRET`.
    pub secret: Secret,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("REZERV_SEND_RATE `{0}` must be 1 to {TELEGRAM_MAX_PER_SEC} messages a second")]
    SendRate(u32),
    #[error("REZERV_SEND_LEASE_SECS `{0}` must be 1 to 3600 seconds")]
    SendLease(u64),
    #[error("TELOXIDE_API_URL `{0}` is not a URL")]
    ApiUrl(String),
    #[error("REZERV_WEBHOOK_URL `{0}` is not an http(s) URL")]
    WebhookUrl(String),
    #[error("REZERV_WEBHOOK_SECRET must be 1 to 256 of A-Z, a-z, 0-9, _ and - (Telegram's rule)")]
    WebhookSecret,
    #[error("REZERV_WEBHOOK_SECRET is not set: a webhook needs a secret that only Telegram and the bot know")]
    WebhookSecretMissing,
}

/// Everything `Application::build` needs besides the clock.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub token: Option<Secret>,
    /// A self-hosted Bot API server (or the emulator) instead of api.telegram.org.
    pub api_url: Option<url::Url>,
    /// A campaign file to use instead of the embedded one.
    pub campaign_file: Option<PathBuf>,
    /// "Today" pinned for drills and the sandbox.
    pub today: Option<NaiveDate>,
    /// The reminder sender's pacing and retries.
    pub sender: SenderConfig,
    /// Whether the reminder sender runs beside the dispatcher (tests drive it by hand).
    pub send_reminders: bool,
    /// How long one `getUpdates` waits for updates: Telegram's long polling.
    pub poll_timeout: Duration,
    /// Updates by webhook instead of long polling.
    pub webhook: Option<WebhookSettings>,
    /// Where the HTTP server listens; none, no server.
    pub listen: Option<SocketAddr>,
}

impl Settings {
    /// The built-in defaults on `database_url`.
    pub fn new(database_url: impl Into<String>) -> Settings {
        Settings {
            database_url: database_url.into(),
            token: None,
            api_url: None,
            campaign_file: None,
            today: None,
            sender: SenderConfig::default(),
            send_reminders: true,
            poll_timeout: Duration::from_secs(25),
            webhook: None,
            listen: None,
        }
    }

    /// The campaign file named by the settings, or the embedded one; validated.
    pub fn campaign(&self) -> Result<Campaign, CampaignError> {
        match &self.campaign_file {
            Some(path) => Campaign::load(path),
            None => Campaign::embedded(),
        }
    }

    /// Validates what the command line and environment gave; `default_database` applies when
    /// neither names one.
    pub fn from_args(args: &SettingsArgs, default_database: &str) -> Result<Settings, SettingsError> {
        let mut settings = Settings::new(args.database_url.clone().unwrap_or_else(|| default_database.to_owned()));
        settings.token = std::env::var("TELOXIDE_TOKEN").ok().filter(|token| !token.trim().is_empty()).map(Secret::new);
        settings.api_url = args
            .api_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .map(|url| url.parse().map_err(|_| SettingsError::ApiUrl(url.to_owned())))
            .transpose()?;
        settings.campaign_file = args.campaign.clone().filter(|path| !path.as_os_str().is_empty());
        settings.today = args.today;
        if let Some(rate) = args.send_rate {
            if !(1..=TELEGRAM_MAX_PER_SEC).contains(&rate) {
                return Err(SettingsError::SendRate(rate));
            }
            settings.sender.rate_per_sec = rate;
        }
        if let Some(url) = args.webhook.as_deref().filter(|url| !url.trim().is_empty()) {
            let parsed: url::Url = url.parse().map_err(|_| SettingsError::WebhookUrl(url.to_owned()))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(SettingsError::WebhookUrl(url.to_owned()));
            }
            let secret = match std::env::var("REZERV_WEBHOOK_SECRET").ok().filter(|secret| !secret.is_empty()) {
                Some(secret) if valid_secret(&secret) => Secret::new(secret),
                Some(_) => return Err(SettingsError::WebhookSecret),
                None => return Err(SettingsError::WebhookSecretMissing),
            };
            settings.webhook = Some(WebhookSettings { url: parsed, secret });
            settings.listen = Some(DEFAULT_WEBHOOK_LISTEN.parse().unwrap_or(SocketAddr::from(([0, 0, 0, 0], 8080))));
        }
        if let Some(listen) = args.listen {
            settings.listen = Some(listen);
        }
        if let Some(secs) = args.send_lease_secs {
            if !(1..=3600).contains(&secs) {
                return Err(SettingsError::SendLease(secs));
            }
            settings.sender.lease = Duration::from_secs(secs);
        }
        Ok(settings)
    }
}

/// Telegram's rule for a webhook's secret token.
fn valid_secret(secret: &str) -> bool {
    (1..=256).contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let mut settings = Settings::new(DEFAULT_DATABASE_URL);
        settings.token = Some(Secret::new("123:very-secret"));
        let shown = format!("{settings:?} {}", Secret::new("123:very-secret"));
        assert!(!shown.contains("very-secret"), "{shown}");
    }

    #[test]
    fn out_of_range_values_are_refused_with_their_name() {
        let args = SettingsArgs { send_rate: Some(31), ..Default::default() };
        assert_eq!(Settings::from_args(&args, DEFAULT_DATABASE_URL).unwrap_err(), SettingsError::SendRate(31));
        let args = SettingsArgs { send_lease_secs: Some(0), ..Default::default() };
        assert_eq!(Settings::from_args(&args, DEFAULT_DATABASE_URL).unwrap_err(), SettingsError::SendLease(0));
        let args = SettingsArgs { api_url: Some("not a url".into()), ..Default::default() };
        assert!(matches!(Settings::from_args(&args, DEFAULT_DATABASE_URL), Err(SettingsError::ApiUrl(_))));
    }

    #[test]
    fn the_default_database_applies_only_when_none_is_given() {
        let given = SettingsArgs { database_url: Some("sqlite://x.db".into()), ..Default::default() };
        assert_eq!(Settings::from_args(&given, SANDBOX_DATABASE_URL).unwrap().database_url, "sqlite://x.db");
        let none = SettingsArgs::default();
        assert_eq!(Settings::from_args(&none, SANDBOX_DATABASE_URL).unwrap().database_url, SANDBOX_DATABASE_URL);
    }
}
