//! What rezerv-bot's tests and lab share: `spawn_app()` on a fresh database against the Bot
//! API emulator, temporary databases, and journeys through the bot's real flows.

pub mod app;
pub mod db;
pub mod flows;
