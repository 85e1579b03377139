//! How the closed sets of values are spelled in SQL: as their `as_str`, the one spelling
//! each has. Bound and read back through sqlx, or inlined with `quoted` where a statement
//! must name the value itself (a partial index is only used for a literal).

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Database, Decode, Encode, Type};

use super::{CancelReason, OutboxStatus};
use crate::domain::{AuditAction, AuditVia, ReminderKind, Stage};
use crate::faq::Band;

/// A value stored as one of a fixed set of texts.
pub(crate) trait SqlText: Copy {
    fn as_sql(self) -> &'static str;

    /// The value as an SQL string literal.
    fn quoted(self) -> String {
        format!("'{}'", self.as_sql())
    }
}

macro_rules! stored_as_text {
    ($($name:ty),+) => {$(
        impl SqlText for $name {
            fn as_sql(self) -> &'static str {
                self.as_str()
            }
        }

        impl Type<Sqlite> for $name {
            fn type_info() -> SqliteTypeInfo {
                <str as Type<Sqlite>>::type_info()
            }

            fn compatible(ty: &SqliteTypeInfo) -> bool {
                <str as Type<Sqlite>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Sqlite> for $name {
            fn encode_by_ref(&self, buf: &mut <Sqlite as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
                <&str as Encode<'q, Sqlite>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> Decode<'r, Sqlite> for $name {
            fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(<&str as Decode<'r, Sqlite>>::decode(value)?.parse()?)
            }
        }
    )+};
}

stored_as_text!(Stage, ReminderKind, OutboxStatus, CancelReason, AuditAction, AuditVia, Band);
