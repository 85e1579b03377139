//! Helpers shared by the lab programs in `benches/`: the bot binary and /proc readings.

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

/// Linux reports process CPU times in ticks of 1/100 s.
const TICKS_PER_SEC: f64 = 100.0;

/// (current, peak) resident set size of a process, in KiB, from /proc.
pub fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status.lines().find(|line| line.starts_with(name)).and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// User + system CPU seconds of a process (`self` for this one), from /proc; 0 if unreadable.
pub fn cpu_secs(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let Some((_, rest)) = stat.rsplit_once(") ") else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / TICKS_PER_SEC
}

/// Seconds the whole machine's CPUs spent busy since boot (`/proc/stat`: every state but idle
/// and iowait), to count what the processes measured by pid do not: a database server's.
pub fn machine_busy_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else { return 0.0 };
    let Some(line) = stat.lines().find(|line| line.starts_with("cpu ")) else { return 0.0 };
    let ticks: Vec<f64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let total: f64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3).copied().unwrap_or(0.0) + ticks.get(4).copied().unwrap_or(0.0);
    (total - idle) / TICKS_PER_SEC
}

/// Bytes of the files in `dir` (a database with its WAL and shared-memory files).
pub fn database_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}
