//! Domain types that parse, not validate: once built, a value is known to be good.

mod cabinet_code;
mod city_id;
mod code_source;
mod lang;
mod organiser;
mod phone;
mod promo_code;
mod reminder_kind;
mod stage;
mod unknown;
mod way;

pub use cabinet_code::CabinetCode;
pub use city_id::{CityId, CityIdError};
pub use code_source::CodeSource;
pub use lang::Lang;
pub use organiser::{AuditAction, AuditVia, OrganiserId, OrganiserIdError};
pub use phone::{Phone, PhoneError};
pub use promo_code::{PromoCode, PromoCodeError};
pub use reminder_kind::ReminderKind;
pub use stage::Stage;
pub use unknown::UnknownValue;
pub(crate) use unknown::spelled;
pub use way::Way;
