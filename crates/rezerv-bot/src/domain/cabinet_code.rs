use std::fmt;

use super::promo_code::{PromoCodeError, check_form};

/// A promo code the candidate generated in their pkrezerv.gov.kz cabinet and pasted to the
/// bot. Of the same form as the organisers' codes (4 to 32 Latin letters, digits or dashes),
/// but kept exactly as pasted: the bot does not know whether the portal's codes are
/// case-sensitive. A type of its own, so it is never taken for a code from the pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CabinetCode(String);

impl CabinetCode {
    /// Trims the paste; anything else that is not of the form is refused, not repaired.
    pub fn parse(input: &str) -> Result<CabinetCode, PromoCodeError> {
        let code = input.trim();
        check_form(code)?;
        Ok(CabinetCode(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CabinetCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_code_is_trimmed_and_keeps_its_case() {
        assert_eq!(CabinetCode::parse("  PkR-2023-ab12\n").unwrap().as_str(), "PkR-2023-ab12");
    }

    #[test]
    fn anything_not_of_the_form_is_refused() {
        assert_eq!(CabinetCode::parse(" \n"), Err(PromoCodeError::Empty));
        assert!(matches!(CabinetCode::parse("AB1"), Err(PromoCodeError::Length(_))));
        assert!(matches!(CabinetCode::parse(&"A".repeat(33)), Err(PromoCodeError::Length(_))));
        // A space inside, a sentence, Cyrillic look-alikes (U+0410, U+0412), an underscore.
        for bad in ["AB 12CD", "my code is AB12", "\u{0410}\u{0412}12CD", "AB_1234"] {
            assert!(matches!(CabinetCode::parse(bad), Err(PromoCodeError::Characters(_))), "{bad}");
        }
    }
}
