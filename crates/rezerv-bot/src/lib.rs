//! rezerv-bot: a Telegram assistant that guides candidates to the Presidential Youth Personnel
//! Reserve through the state-language test, issues their promo code and reminds them of dates.

pub mod alerts;
pub mod bot;
pub mod broadcast;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod domain;
pub mod export;
pub mod faq;
pub mod http;
pub mod i18n;
pub mod import;
pub mod metrics;
pub mod reminders;
pub mod retention;
pub mod sandbox;
pub mod startup;
pub mod storage;
pub mod telegram;
pub mod telemetry;
