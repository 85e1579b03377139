//! Reminders: the planner decides what each candidate should get and when; the sender
//! delivers due outbox rows within Telegram's limits, surviving restarts and crashes.

mod planner;
mod render;
mod report;
mod sender;

pub use planner::{PLANNED_KINDS, Planner, plan};
pub use render::{RenderError, render};
pub use report::report;
pub use sender::{CancelReason, PAID_BROADCAST_MAX_PER_SEC, SendOutcome, Sender, SenderConfig, TELEGRAM_MAX_PER_SEC};
