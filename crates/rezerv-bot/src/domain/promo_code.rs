use std::fmt;

use thiserror::Error;

/// A promo code from the organisers' pool: 4 to 32 letters, digits or dashes, kept upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PromoCode(String);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PromoCodeError {
    #[error("the promo code is empty")]
    Empty,
    #[error("`{0}` must be 4 to 32 characters long")]
    Length(String),
    #[error("`{0}` may hold only Latin letters, digits and dashes")]
    Characters(String),
}

impl PromoCode {
    pub fn parse(input: &str) -> Result<PromoCode, PromoCodeError> {
        let code = input.trim();
        check_form(code)?;
        Ok(PromoCode(code.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PromoCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The form every promo code has: 4 to 32 Latin letters, digits or dashes.
pub(super) fn check_form(code: &str) -> Result<(), PromoCodeError> {
    if code.is_empty() {
        return Err(PromoCodeError::Empty);
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(PromoCodeError::Characters(code.to_owned()));
    }
    if !(4..=32).contains(&code.len()) {
        return Err(PromoCodeError::Length(code.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(PromoCode::parse(" qrt-2023-ab12 ").unwrap().as_str(), "QRT-2023-AB12");
    }

    #[test]
    fn rejects_bad_codes() {
        assert_eq!(PromoCode::parse(""), Err(PromoCodeError::Empty));
        assert!(matches!(PromoCode::parse("AB1"), Err(PromoCodeError::Length(_))));
        assert!(matches!(PromoCode::parse(&"A".repeat(33)), Err(PromoCodeError::Length(_))));
        assert!(matches!(PromoCode::parse("AB 12"), Err(PromoCodeError::Characters(_))));
        assert!(matches!(PromoCode::parse("AB_1234"), Err(PromoCodeError::Characters(_))));
    }
}
