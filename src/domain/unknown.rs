use thiserror::Error;

/// A name that is none of a closed set's spellings (a way, a language, a stage).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("unknown {what} `{value}` (expected {expected})")]
pub struct UnknownValue {
    /// What was being read, e.g. "way".
    pub what: &'static str,
    pub value: String,
    /// The accepted spellings, for the message.
    pub expected: &'static str,
}

impl UnknownValue {
    pub fn new(what: &'static str, value: &str, expected: &'static str) -> UnknownValue {
        UnknownValue { what, value: value.to_owned(), expected }
    }
}
