//! A reminder wave against the emulator, which enforces Telegram's limits (30 messages/s
//! overall, 1/s per chat). The real binary sends it; this program prints figures.
//!
//! cargo bench --bench reminder_wave -- [--candidates 100000] [--rate 25] [--max-seconds S]
//!     [--database postgres [--replicas 2]]
//!
//! On PostgreSQL (a fresh database on the server `REZERV_TEST_DATABASE` names) the wave can be
//! sent by several replicas at once, each taking webhooks (so that each runs its sender) and
//! configured with its share of the rate.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bot_api_emulator::{Emulator, EmulatorConfig, RateLimits, TestUser};
use clap::Parser;
use rezerv_bot::config::Campaign;
use rezerv_bot::domain::{Lang, ReminderKind};
use rezerv_bot::storage::{Db, PlannedRow};
use rezerv_lab::{database_bytes, rss_kib};
use rezerv_test_support::db::TempDir;
use rezerv_test_support::outbox::deadline_reminder;

const WAVE_DAY: &str = "2023-09-10";
const FIRST_CHAT: i64 = 1_000_000;

/// A reminder wave sent by the real binary against the emulator, which enforces Telegram's
/// limits. Prints figures.
#[derive(Debug, Parser)]
struct Options {
    /// Candidates, each with one due reminder.
    #[arg(long, default_value_t = 100_000)]
    candidates: i64,
    /// Messages per second the bot is configured to send (1-30).
    #[arg(long, default_value_t = 25)]
    rate: u32,
    /// Stop after this many seconds even if the wave is not delivered.
    #[arg(long)]
    max_seconds: Option<u64>,
    /// `sqlite` or `postgres`.
    #[arg(long, default_value = "sqlite")]
    database: String,
    /// Replicas sending the wave together (PostgreSQL only), each at `rate / replicas`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=4))]
    replicas: u32,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    let dir = TempDir::new();
    let url = match options.database.as_str() {
        "sqlite" if options.replicas == 1 => format!("sqlite://{}", dir.path().join("wave.db").display()),
        "postgres" if TempDir::on_postgres() => dir.database_url(),
        "postgres" => anyhow::bail!("--database postgres needs REZERV_TEST_DATABASE=$(scripts/test-postgres)"),
        _ => anyhow::bail!("--database is sqlite (one replica) or postgres"),
    };
    if options.rate % options.replicas != 0 {
        anyhow::bail!("--rate must be a multiple of --replicas (each replica sends rate / replicas)");
    }
    let campaign = Campaign::embedded()?;
    let due = campaign.reminder_instant(chrono::NaiveDate::parse_from_str(WAVE_DAY, "%Y-%m-%d")?);

    let emu = Emulator::start(EmulatorConfig {
        rate_limits: Some(RateLimits { global_per_sec: 30, per_chat_per_sec: 1, burst: 1 }),
        record_requests: false,
        keep_messages: false,
        ..Default::default()
    })
    .await?;

    let seeding = Instant::now();
    let db = Db::connect(&url).await?;
    let ids: Vec<i64> = (0..options.candidates).map(|n| FIRST_CHAT + n).collect();
    for chunk in ids.chunks(10_000) {
        db.add_candidates(chunk, Lang::Ru, due).await?;
        let rows: Vec<(i64, PlannedRow)> = chunk
            .iter()
            .map(|chat_id| (*chat_id, deadline_reminder("deadline-7", ReminderKind::Deadline, due)))
            .collect();
        db.enqueue_many(&rows, due).await?;
        for chat_id in chunk {
            emu.register_user(&TestUser::new(*chat_id, "ru"));
        }
    }
    db.close().await;
    println!(
        "seeded {} candidates with one due reminder each in {:.1} s",
        options.candidates,
        seeding.elapsed().as_secs_f64()
    );

    let mut bots = Vec::new();
    for _ in 0..options.replicas {
        let mut command = Command::new(rezerv_lab::bot_binary()?);
        command
            .args(["--today", WAVE_DAY, "run"])
            .env("TELOXIDE_TOKEN", emu.token())
            .env("TELOXIDE_API_URL", emu.api_url())
            .env("DATABASE_URL", &url)
            .env("REZERV_SEND_RATE", (options.rate / options.replicas).to_string())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if options.replicas > 1 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            command
                .env("REZERV_WEBHOOK_URL", "https://lb.invalid/hook")
                .env("REZERV_WEBHOOK_SECRET", "wave-secret")
                .env("REZERV_LISTEN", format!("127.0.0.1:{port}"));
        }
        bots.push(command.spawn()?);
    }
    let pid = bots[0].id();
    let started = Instant::now();
    let mut first_delivery: Option<Instant> = None;
    let mut last_delivery = started;
    let mut last_count = 0;
    let mut peak_kib = 0;
    let mut next_report = Instant::now() + Duration::from_secs(10);
    let target = options.candidates as u64;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let delivered = emu.total_delivered();
        if delivered > last_count {
            first_delivery.get_or_insert_with(Instant::now);
            last_delivery = Instant::now();
            last_count = delivered;
        }
        if let Some((_, peak)) = rss_kib(pid) {
            peak_kib = peak_kib.max(peak);
        }
        if Instant::now() >= next_report {
            next_report += Duration::from_secs(10);
            let (rss, _) = rss_kib(pid).unwrap_or_default();
            println!(
                "  {:>6.0} s: {delivered:>7} delivered, RSS {:.1} MB",
                started.elapsed().as_secs_f64(),
                rss as f64 / 1024.0
            );
        }
        let out_of_time = options.max_seconds.is_some_and(|max| started.elapsed() >= Duration::from_secs(max));
        let exited = bots.iter_mut().map(|bot| bot.try_wait()).collect::<Result<Vec<_>, _>>()?;
        if delivered >= target || out_of_time || exited.iter().any(Option::is_some) {
            break;
        }
    }
    if let Some((_, peak)) = rss_kib(pid) {
        peak_kib = peak_kib.max(peak);
    }
    for bot in &mut bots {
        bot.kill().ok();
        bot.wait().ok();
    }

    let delivered = emu.total_delivered();
    let span = first_delivery.map(|first| last_delivery.duration_since(first).as_secs_f64()).unwrap_or_default();
    // n deliveries span n-1 intervals.
    let achieved = if span > 0.0 { (delivered.saturating_sub(1)) as f64 / span } else { 0.0 };
    println!();
    println!("candidates in the database: {}", options.candidates);
    println!("messages delivered:         {delivered} of {target}");
    println!(
        "messages per second:        {achieved:.2} against a configured {} ({:.1}%)",
        options.rate,
        achieved / f64::from(options.rate) * 100.0
    );
    let twice = emu.delivered_counts().values().filter(|count| **count > 1).count();
    println!(
        "database, replicas:         {}, {} (each at {}/s)",
        options.database,
        options.replicas,
        options.rate / options.replicas
    );
    println!("chats sent to twice:        {twice}");
    println!("429 responses:              {}", emu.too_many_requests_count());
    println!("other limit violations:     {}", emu.limit_violation_count() - emu.too_many_requests_count());
    println!("bot peak RSS (first replica): {:.1} MB", peak_kib as f64 / 1024.0);
    println!("database size:              {:.1} MB", database_bytes(dir.path()) as f64 / 1_048_576.0);
    Ok(())
}
