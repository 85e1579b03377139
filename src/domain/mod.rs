//! Domain types that parse, not validate: once built, a value is known to be good.

mod lang;
mod phone;
mod promo_code;
mod unknown;
mod way;

pub use lang::Lang;
pub use phone::{Phone, PhoneError};
pub use promo_code::{PromoCode, PromoCodeError};
pub use unknown::UnknownValue;
pub use way::Way;
