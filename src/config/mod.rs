//! Configuration: the campaign file (dates, cities, ways, links) and the runtime settings.

mod campaign;
pub mod settings;

pub use campaign::{Campaign, CampaignError, City, CityKind, Group, Reminders, Step, Window};
pub use settings::{Secret, Settings};
