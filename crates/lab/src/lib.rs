//! Helpers shared by the lab programs in `benches/`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

/// The rezerv-bot binary of the profile this program was built with, built first if needed.
/// Cargo hands `CARGO_BIN_EXE_*` only to the product crate's own targets, and the lab measures
/// the real binary, not the library linked into itself.
pub fn bot_binary() -> anyhow::Result<PathBuf> {
    // This program runs from target/<profile>/deps/; the binary lives in target/<profile>/.
    let exe = std::env::current_exe().context("no path to this program")?;
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).context("unexpected program location")?;
    let release = profile_dir.file_name().is_some_and(|name| name == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", "rezerv-bot", "--bin", "rezerv-bot"]);
    if release {
        build.arg("--release");
    }
    let status = build.status().context("cannot run cargo to build rezerv-bot")?;
    if !status.success() {
        bail!("building rezerv-bot failed ({status})");
    }
    Ok(profile_dir.join("rezerv-bot"))
}
