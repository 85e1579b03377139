//! rezerv-bot's integration tests, in one binary so that they link once. Each test gets its
//! own database (and its own emulator where it talks to Telegram).

mod bad_input;
mod cabinet;
mod calendar;
mod cli;
mod concurrency;
mod console;
mod console_broadcast;
mod console_dashboard;
mod crash;
mod export;
mod faq;
mod faq_eval;
mod faq_matcher;
mod faults;
mod fuzz;
mod imports;
mod journey;
mod lifecycle;
mod locales;
mod operations;
mod outside;
mod qrt;
mod reminders;
mod retention;
mod sandbox;
mod sender;
mod storage;
mod webhook;
