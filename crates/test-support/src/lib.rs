//! What rezerv-bot's tests and lab share: `spawn_app()` on a fresh database against the Bot
//! API emulator, temporary databases, journeys through the bot's real flows, the fuzzers'
//! random updates and invariants, reminder rows for the outbox, candidates' phones, and the seeded random source.

pub mod app;
pub mod broadcast;
pub mod db;
pub mod flows;
pub mod fuzz;
pub mod invariants;
pub mod outbox;
pub mod phone;
pub mod rng;
