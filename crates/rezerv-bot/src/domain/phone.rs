use std::fmt;

use thiserror::Error;

/// A Kazakhstani mobile number in E.164 form: `+77XXXXXXXXX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("`{0}` has characters that are not part of a phone number")]
    BadCharacters(String),
    #[error("`{0}` is not a Kazakhstani mobile number (+7 7xx xxx xx xx)")]
    NotKazakhMobile(String),
}

impl Phone {
    /// Accepts the usual written forms: `+7 701 234 56 78`, `8 (701) 234-56-78`,
    /// `87012345678`, `7012345678`, and Telegram's `77012345678`.
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = String::with_capacity(12);
        for (index, ch) in trimmed.chars().enumerate() {
            match ch {
                '0'..='9' => digits.push(ch),
                '+' if index == 0 => {}
                ' ' | '-' | '(' | ')' | '.' | '\u{a0}' => {}
                _ => return Err(PhoneError::BadCharacters(trimmed.to_owned())),
            }
        }
        let national = match digits.len() {
            10 => digits.as_str(),
            11 if digits.starts_with('7') || digits.starts_with('8') => &digits[1..],
            _ => return Err(PhoneError::NotKazakhMobile(trimmed.to_owned())),
        };
        // Kazakhstani mobile numbers start with 7 after the country code (+7 7xx).
        if !national.starts_with('7') {
            return Err(PhoneError::NotKazakhMobile(trimmed.to_owned()));
        }
        Ok(Phone(format!("+7{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_kazakh_forms() {
        for input in [
            "+7 701 234 56 78",
            "+77012345678",
            "87012345678",
            "8 (701) 234-56-78",
            "8-701-234-56-78",
            "7012345678",
            "77012345678",
            " +7 (701) 234 5678 ",
        ] {
            assert_eq!(Phone::parse(input).unwrap().as_str(), "+77012345678", "{input}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_kazakh_mobile() {
        assert_eq!(Phone::parse("  "), Err(PhoneError::Empty));
        assert!(matches!(Phone::parse("+7 495 123 45 67"), Err(PhoneError::NotKazakhMobile(_))));
        assert!(matches!(Phone::parse("+1 202 555 0100"), Err(PhoneError::NotKazakhMobile(_))));
        assert!(matches!(Phone::parse("8701234567"), Err(PhoneError::NotKazakhMobile(_))));
        assert!(matches!(Phone::parse("8701abc5678"), Err(PhoneError::BadCharacters(_))));
        assert!(matches!(Phone::parse("7+7012345678"), Err(PhoneError::BadCharacters(_))));
    }
}
