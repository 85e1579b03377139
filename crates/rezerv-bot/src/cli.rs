//! The command line: the bot itself, the sandbox, and the organisers' tools.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::bot::App;
use crate::clock::{Clock, OffsetClock, SharedClock, SystemClock};
use crate::config::{Campaign, Settings, settings::SANDBOX_DATABASE_URL};
use crate::domain::{Lang, Way};
use crate::i18n::Locales;
use crate::storage::{Db, RunLock, Stats};

#[derive(Debug, Parser)]
#[command(
    name = "rezerv-bot",
    version,
    about = "Telegram assistant for the state-language test of the Presidential Youth Personnel Reserve"
)]
pub struct Cli {
    /// SQLite database URL [default: sqlite://rezerv.db; the sandbox uses sqlite://rezerv-sandbox.db]
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Campaign file to use instead of the embedded config/campaign.toml
    #[arg(long, global = true, env = "REZERV_CAMPAIGN")]
    campaign: Option<PathBuf>,
    /// Pin "today" (campaign time zone), e.g. 2023-09-05; the clock then runs from 10:00 that day
    #[arg(long, global = true, env = "REZERV_TODAY")]
    today: Option<NaiveDate>,
    #[command(subcommand)]
    command: Commands,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Run the bot against Telegram (TELOXIDE_TOKEN; TELOXIDE_API_URL for a self-hosted Bot API)
    Run,
    /// Play the candidate in the terminal against a local Telegram emulator; no token needed
    Chat {
        /// Language of the simulated Telegram client
        #[arg(long, default_value = "ru")]
        lang: Lang,
    },
    /// Import promo codes for one way from a CSV file (first column: the code)
    ImportCodes {
        #[arg(long)]
        way: Way,
        file: PathBuf,
    },
    /// Import the eligible list from a CSV file (first column: the phone number)
    ImportEligible { file: PathBuf },
    /// Candidates per step, way and city, and codes left per way
    Stats,
    /// The coming reminder waves: count per day and kind
    Reminders {
        /// Show what would be sent now, without sending
        #[arg(long)]
        due: bool,
    },
}

pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init(match cli.command {
        Commands::Chat { .. } => "warn",
        _ => "info",
    });
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The system clock, or one that runs from 10:00 local on `today`.
fn clock_for(campaign: &Campaign, today: Option<NaiveDate>) -> SharedClock {
    match today {
        Some(date) => Arc::new(OffsetClock::starting_at(campaign.reminder_instant(date))),
        None => Arc::new(SystemClock),
    }
}

fn load_campaign(path: Option<&PathBuf>) -> anyhow::Result<Arc<Campaign>> {
    let campaign = match path {
        Some(path) => Campaign::load(path)?,
        None => Campaign::embedded()?,
    };
    Ok(Arc::new(campaign))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env().map_err(anyhow::Error::msg)?;
    let campaign = load_campaign(cli.campaign.as_ref()).context("invalid campaign configuration")?;
    let database_url = |default: &str| cli.database_url.clone().unwrap_or_else(|| default.to_owned());
    match cli.command {
        Commands::Run => {
            let Some(token) = settings.token.clone() else {
                bail!("TELOXIDE_TOKEN is not set: get a token from @BotFather, or try `rezerv-bot chat`");
            };
            let url = database_url(&settings.database_url);
            // Before the migrations too: a new `run` must not migrate under a running old one.
            // (The short admin commands migrate without it; run them with the running version.)
            let _running = RunLock::acquire(&url).await.context("cannot take the database's run lock")?;
            let db = Db::connect(&url).await.context("cannot open the database")?;
            let clock = clock_for(&campaign, cli.today);
            let app = App::new(db, campaign, Arc::new(Locales::load()?), clock);
            let mut bot = teloxide::Bot::new(token.expose());
            if let Some(url) = &settings.api_url {
                bot = bot.set_api_url(url.parse().with_context(|| format!("TELOXIDE_API_URL `{url}` is not a URL"))?);
            }
            crate::bot::run(bot, app, settings.sender.clone()).await
        }
        Commands::Chat { lang } => {
            let db = Db::connect(&database_url(SANDBOX_DATABASE_URL)).await.context("cannot open the database")?;
            crate::sandbox::run(db, campaign, lang, cli.today).await
        }
        Commands::Reminders { due } => {
            let db = Db::connect(&database_url(&settings.database_url)).await.context("cannot open the database")?;
            let clock = clock_for(&campaign, cli.today);
            let locales = Locales::load()?;
            print!("{}", crate::reminders::report(&db, &campaign, &locales, clock.now(), due).await?);
            Ok(())
        }
        Commands::ImportCodes { way, file } => {
            let db = Db::connect(&database_url(&settings.database_url)).await.context("cannot open the database")?;
            let summary = crate::import::import_codes_file(&db, way, &file, SystemClock.now())
                .await
                .with_context(|| format!("importing {}", file.display()))?;
            println!("{way} codes: {summary}");
            println!("codes left for {way}: {}", db.codes_left(way).await?);
            Ok(())
        }
        Commands::ImportEligible { file } => {
            let db = Db::connect(&database_url(&settings.database_url)).await.context("cannot open the database")?;
            let summary = crate::import::import_eligible_file(&db, &file, SystemClock.now())
                .await
                .with_context(|| format!("importing {}", file.display()))?;
            println!("eligible phones: {summary}");
            Ok(())
        }
        Commands::Stats => {
            let db = Db::connect(&database_url(&settings.database_url)).await.context("cannot open the database")?;
            print!("{}", render_stats(&db.stats().await?));
            Ok(())
        }
    }
}

fn render_stats(stats: &Stats) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "candidates: {}", stats.candidates);
    let _ = writeln!(out, "by step:");
    for (stage, step, count) in &stats.by_stage {
        let label = match step {
            Some(step) => format!("{stage} {step}"),
            None => stage.clone(),
        };
        let _ = writeln!(out, "  {label:<16} {count:>8}");
    }
    let _ = writeln!(out, "by way:");
    for (way, count) in &stats.by_way {
        let _ = writeln!(out, "  {way:<16} {count:>8}");
    }
    let _ = writeln!(out, "by city:");
    for (city, count) in &stats.by_city {
        let _ = writeln!(out, "  {city:<16} {count:>8}");
    }
    let _ = writeln!(out, "eligible phones: {}", stats.eligible);
    let _ = writeln!(out, "codes issued: {}", stats.codes_issued);
    for (way, left) in &stats.codes_left {
        let _ = writeln!(out, "codes left {:<9} {left:>8}", way.code());
    }
    out
}
