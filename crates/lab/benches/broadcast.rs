//! A broadcast to every candidate, sent by the real binary through the emulator, which enforces
//! Telegram's limits: 30 messages/s overall and 1/s per chat, and 1,000/s for paid broadcasts
//! (`allow_paid_broadcast`). Prints the rate held against the configured one, the 429s and the
//! bot's memory over time; asserts nothing.
//!
//! cargo bench --bench broadcast -- [--candidates 100000] [--rate 25] [--paid [--paid-rate 1000]] [--bot BIN]
//!                                  [--max-seconds S]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bot_api_emulator::{Emulator, EmulatorConfig, RateLimits, TestUser};
use clap::Parser;
use rezerv_bot::config::Campaign;
use rezerv_bot::domain::Lang;
use rezerv_bot::storage::{Actor, Audience, Db, NewBroadcast, Queued};
use rezerv_lab::{cpu_secs, database_bytes, rss_kib};
use rezerv_test_support::db::TempDir;

const DAY: &str = "2023-09-10";
const FIRST_CHAT: i64 = 1_000_000;
const KK_TEXT: &str = "<b>Назар аударыңыз</b>: QAZTEST өтінімдерін қабылдау мерзімі жақындап қалды.";
const RU_TEXT: &str = "<b>Обратите внимание</b>: срок приёма заявок на QAZTEST подходит к концу.";

/// A broadcast to every candidate, sent by the real binary against the emulator. Prints figures.
#[derive(Debug, Parser)]
struct Options {
    /// Candidates, all recipients (a third read Kazakh).
    #[arg(long, default_value_t = 100_000)]
    candidates: i64,
    /// Messages per second the bot is configured to send (1-30).
    #[arg(long, default_value_t = 25)]
    rate: u32,
    /// Send as a paid broadcast (REZERV_PAID_BROADCAST).
    #[arg(long)]
    paid: bool,
    /// Paid broadcasts per second (1-1000).
    #[arg(long, default_value_t = 1_000)]
    paid_rate: u32,
    /// Another build of rezerv-bot [default: this profile's, built if needed].
    #[arg(long)]
    bot: Option<std::path::PathBuf>,
    /// Stop after this many seconds even if the broadcast is not delivered.
    #[arg(long)]
    max_seconds: Option<u64>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.path().join("broadcast.db").display());
    let campaign = Campaign::embedded()?;
    let now = campaign.reminder_instant(chrono::NaiveDate::parse_from_str(DAY, "%Y-%m-%d")?);

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
    for chunk in ids.chunks(9_999) {
        let (kk, ru): (Vec<i64>, Vec<i64>) = chunk.iter().partition(|id| *id % 3 == 0);
        db.add_candidates(&kk, Lang::Kk, now).await?;
        db.add_candidates(&ru, Lang::Ru, now).await?;
        for chat_id in chunk {
            emu.register_user(&TestUser::new(*chat_id, "ru"));
        }
    }
    let audience = Audience::default();
    let broadcast =
        NewBroadcast { segment: "all", audience: &audience, text_kk: KK_TEXT, text_ru: RU_TEXT, actor: Actor::cli() };
    let Queued::Queued { recipients, .. } = db.queue_broadcast(&broadcast, now).await? else {
        anyhow::bail!("no recipient");
    };
    db.close().await;
    println!(
        "seeded {} candidates and queued a broadcast to {recipients} in {:.1} s",
        options.candidates,
        seeding.elapsed().as_secs_f64()
    );

    let bot = match &options.bot {
        Some(path) => path.clone(),
        None => rezerv_lab::bot_binary()?,
    };
    let mut command = Command::new(bot);
    command
        .args(["--today", DAY, "run"])
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url())
        .env("DATABASE_URL", &url)
        .env("REZERV_SEND_RATE", options.rate.to_string())
        .env("RUST_LOG", "warn")
        .env_remove("REZERV_CAMPAIGN")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    if options.paid {
        command.env("REZERV_PAID_BROADCAST", "true").env("REZERV_PAID_BROADCAST_RATE", options.paid_rate.to_string());
    }
    let mut bot = command.spawn()?;
    let pid = bot.id();
    let started = Instant::now();
    let mut first_delivery: Option<Instant> = None;
    let mut last_delivery = started;
    let mut last_count = 0;
    let mut peak_kib = 0;
    let mut samples = Vec::new();
    let mut next_report = Instant::now() + Duration::from_secs(10);
    let target = recipients as u64;
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
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
            samples.push(rss);
            println!(
                "  {:>6.0} s: {delivered:>7} delivered, RSS {:.1} MB",
                started.elapsed().as_secs_f64(),
                rss as f64 / 1024.0
            );
        }
        let out_of_time = options.max_seconds.is_some_and(|max| started.elapsed() >= Duration::from_secs(max));
        if delivered >= target || out_of_time || bot.try_wait()?.is_some() {
            break;
        }
    }
    if let Some((_, peak)) = rss_kib(pid) {
        peak_kib = peak_kib.max(peak);
    }
    let bot_cpu = cpu_secs(&pid.to_string());
    bot.kill().ok();
    bot.wait().ok();

    let delivered = emu.total_delivered();
    let span = first_delivery.map(|first| last_delivery.duration_since(first).as_secs_f64()).unwrap_or_default();
    // n deliveries span n-1 intervals.
    let achieved = if span > 0.0 { (delivered.saturating_sub(1)) as f64 / span } else { 0.0 };
    let configured = if options.paid { options.paid_rate } else { options.rate };
    println!();
    println!("recipients:                 {recipients}{}", if options.paid { " (paid broadcast)" } else { "" });
    println!("messages delivered:         {delivered} of {target}");
    println!(
        "messages per second:        {achieved:.2} against a configured {configured} ({:.1}%)",
        achieved / f64::from(configured) * 100.0
    );
    println!("paid sends:                 {}", emu.paid_broadcast_delivered());
    println!("429 responses:              {}", emu.too_many_requests_count());
    println!("other limit violations:     {}", emu.limit_violation_count() - emu.too_many_requests_count());
    let mb = |kib: u64| kib as f64 / 1024.0;
    if let (Some(first), Some(last)) = (samples.first(), samples.last()) {
        println!("bot RSS at 10 s / at the end: {:.1} MB / {:.1} MB", mb(*first), mb(*last));
    }
    println!("bot peak RSS:               {:.1} MB", mb(peak_kib));
    println!(
        "bot CPU:                    {bot_cpu:.2} s in all, {:.0} µs per message delivered",
        bot_cpu * 1e6 / delivered.max(1) as f64
    );
    println!("database size:              {:.1} MB", database_bytes(dir.path()) as f64 / 1_048_576.0);
    Ok(())
}
