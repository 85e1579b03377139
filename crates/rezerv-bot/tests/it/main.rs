//! rezerv-bot's integration tests, in one binary so that they link once. Each test gets its
//! own database (and its own emulator where it talks to Telegram).

mod bad_input;
mod cabinet;
mod cli;
mod concurrency;
mod console_broadcast;
mod crash;
mod faults;
mod fuzz;
mod journey;
mod lifecycle;
mod locales;
mod outside;
mod qrt;
mod reminders;
mod sandbox;
mod sender;
mod storage;
