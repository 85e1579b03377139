use thiserror::Error;

/// A name that is none of a closed set's spellings (a way, a language, a stage).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("unknown {what} `{value}` (expected {expected})")]
pub struct UnknownValue {
    /// What was being read, e.g. "way".
    pub what: &'static str,
    pub value: String,
    /// The accepted spellings, for the message.
    pub expected: String,
}

impl UnknownValue {
    pub fn new(what: &'static str, value: &str, expected: impl Into<String>) -> UnknownValue {
        UnknownValue { what, value: value.to_owned(), expected: expected.into() }
    }
}

/// A fieldless enum with one spelling per variant: `as_str`, `ALL`, `Display` and a `FromStr`
/// that fails with `UnknownValue`, and `Serialize` as that spelling. The spelling is also
/// what the database stores.
macro_rules! spelled {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::domain::UnknownValue::new($what, other, Self::ALL.map(Self::as_str).join(", "))),
                }
            }
        }
    };
}

pub(crate) use spelled;
