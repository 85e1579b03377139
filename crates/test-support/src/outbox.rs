//! Reminder rows put in the outbox by hand, for the sender's tests and the lab's waves.

use chrono::{DateTime, Utc};
use rezerv_bot::domain::ReminderKind;
use rezerv_bot::storage::PlannedRow;

/// The deadline reminder of a candidate in Almaty on the QAZTEST way, a week before its
/// cutoff (17 September 2023 in the shipped campaign file, so true when due on the 10th),
/// stored under `key` as `kind`: `Deadline` as the planner would plan it, `Broadcast` for a
/// row the planner leaves alone.
pub fn deadline_reminder(key: &str, kind: ReminderKind, due_at: DateTime<Utc>) -> PlannedRow {
    PlannedRow {
        key: key.into(),
        kind,
        message: "reminder-deadline".into(),
        args: serde_json::json!({"deadline": "2023-09-17", "city": "almaty", "way": "qaztest", "days": 7}),
        due_at,
        expires_at: None,
    }
}

/// A broadcast with the nudge's text and no arguments: for a row that is never rendered (not
/// yet due, or expired before it is sent).
pub fn nudge_broadcast(key: &str, due_at: DateTime<Utc>, expires_at: Option<DateTime<Utc>>) -> PlannedRow {
    PlannedRow {
        key: key.into(),
        kind: ReminderKind::Broadcast,
        message: "reminder-nudge".into(),
        args: serde_json::json!({}),
        due_at,
        expires_at,
    }
}
