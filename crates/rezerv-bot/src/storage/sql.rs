//! How the closed sets of values are spelled in SQL: as their `as_str`, the one spelling
//! each has. Bound and read back through sqlx, or inlined with `quoted` where a statement
//! must name the value itself (a partial index is only used for a literal).

use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use super::{CancelReason, DraftStep, OutboxStatus, PoolLevel};
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

        impl Type<Any> for $name {
            fn type_info() -> AnyTypeInfo {
                <str as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <str as Type<Any>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Any> for $name {
            fn encode_by_ref(&self, buf: &mut <Any as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
                <&str as Encode<'q, Any>>::encode(self.as_str(), buf)
            }
        }

        impl<'r> Decode<'r, Any> for $name {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(<&str as Decode<'r, Any>>::decode(value)?.parse()?)
            }
        }
    )+};
}

stored_as_text!(Stage, ReminderKind, OutboxStatus, CancelReason, AuditAction, AuditVia, Band, DraftStep, PoolLevel);

/// A flag read back from SQL: both schemas keep flags as integers 0/1, and a condition in a
/// select list is written `CASE WHEN … THEN 1 ELSE 0 END` (SQLite has no boolean type).
pub(crate) fn flag(row: &sqlx::any::AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    Ok(row.try_get::<i64, _>(column)? != 0)
}
