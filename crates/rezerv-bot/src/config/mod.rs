//! Configuration: the campaign file (dates, cities, ways, links) and the runtime settings.

mod campaign;
pub mod settings;

pub use campaign::{
    Alerts, Campaign, CampaignError, City, CityKind, Group, PoolThreshold, QuietHours, Reminders, Share, Step, Window,
};
pub use settings::{LogFormat, Secret, Settings, SettingsArgs, SettingsError, WebhookSettings};

/// The text of the campaign file shipped in the binary.
pub fn campaign_embedded_text() -> &'static str {
    campaign::EMBEDDED_CAMPAIGN
}
