//! Logging set-up: `RUST_LOG` takes targets like `info,rezerv_bot=debug`; lines are text, or
//! JSON for log collectors (`REZERV_LOG_FORMAT=json`).

use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

use crate::config::LogFormat;

pub fn init(default_filter: &str, format: LogFormat) {
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|value| value.parse().ok())
        .or_else(|| default_filter.parse().ok())
        .unwrap_or_default();
    let text = (format == LogFormat::Text).then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr));
    let json =
        (format == LogFormat::Json).then(|| tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr));
    // A second init (tests, sandbox) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::registry().with(text).with(json).with(filter).try_init();
}
