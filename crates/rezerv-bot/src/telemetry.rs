//! Logging set-up: `RUST_LOG` takes targets like `info,rezerv_bot=debug`.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

pub fn init(default_filter: &str) {
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|value| value.parse().ok())
        .or_else(|| default_filter.parse().ok())
        .unwrap_or_default();
    // A second init (tests, sandbox) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .try_init();
}
