//! The command line: the bot itself, the sandbox, and the organisers' tools.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::clock::{Clock, OffsetClock, SharedClock, SystemClock};
use crate::config::settings::{DEFAULT_DATABASE_URL, SANDBOX_DATABASE_URL};
use crate::config::{Campaign, Settings, SettingsArgs};
use crate::domain::{Lang, Way};
use crate::i18n::Locales;
use crate::startup::Application;
use crate::storage::{Db, RunLock, Stats};

#[derive(Debug, Parser)]
#[command(
    name = "rezerv-bot",
    version,
    about = "Telegram assistant for the state-language test of the Presidential Youth Personnel Reserve"
)]
pub struct Cli {
    #[command(flatten)]
    settings: SettingsArgs,
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
    /// The FAQ: match a question (--ask), or list the questions it could not answer (--unanswered)
    #[command(group(clap::ArgGroup::new("what").required(true).args(["ask", "unanswered"])))]
    Faq {
        /// Match this question: the entry, its confidence, the band and the runners-up
        #[arg(long)]
        ask: Option<String>,
        /// The chat's language: the answer is printed in it
        #[arg(long, default_value = "ru")]
        lang: Lang,
        /// With --ask: how each word was read and what it matched
        #[arg(long, requires = "ask")]
        explain: bool,
        /// The questions candidates asked that the FAQ did not answer, the most frequent first
        #[arg(long)]
        unanswered: bool,
        /// With --unanswered: how many to list
        #[arg(long, default_value_t = 30)]
        limit: u32,
    },
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

async fn run(cli: Cli) -> anyhow::Result<()> {
    let default_database = match cli.command {
        Commands::Chat { .. } => SANDBOX_DATABASE_URL,
        _ => DEFAULT_DATABASE_URL,
    };
    let settings = Settings::from_args(&cli.settings, default_database)?;
    // Checked before anything starts: a bad campaign file names its key.
    let campaign = settings.campaign().context("invalid campaign configuration")?;
    let open_db = || async { Db::connect(&settings.database_url).await.context("cannot open the database") };
    match cli.command {
        Commands::Run => {
            if settings.token.is_none() {
                bail!("TELOXIDE_TOKEN is not set: get a token from @BotFather, or try `rezerv-bot chat`");
            }
            // Before the migrations too: a new `run` must not migrate under a running old one.
            // (The short admin commands migrate without it; run them with the running version.)
            let _running =
                RunLock::acquire(&settings.database_url).await.context("cannot take the database's run lock")?;
            let clock = clock_for(&campaign, settings.today);
            Application::build(&settings, clock).await?.run_until_stopped().await
        }
        Commands::Chat { lang } => crate::sandbox::run(settings, lang).await,
        Commands::Reminders { due } => {
            let db = open_db().await?;
            let clock = clock_for(&campaign, settings.today);
            let locales = Locales::load()?;
            print!("{}", crate::reminders::report(&db, &campaign, &locales, clock.now(), due).await?);
            Ok(())
        }
        Commands::ImportCodes { way, file } => {
            let db = open_db().await?;
            let summary = crate::import::import_codes_file(&db, way, &file, SystemClock.now())
                .await
                .with_context(|| format!("importing {}", file.display()))?;
            println!("{way} codes: {summary}");
            println!("codes left for {way}: {}", db.codes_left(way).await?);
            Ok(())
        }
        Commands::ImportEligible { file } => {
            let db = open_db().await?;
            let summary = crate::import::import_eligible_file(&db, &file, SystemClock.now())
                .await
                .with_context(|| format!("importing {}", file.display()))?;
            println!("eligible phones: {summary}");
            Ok(())
        }
        Commands::Faq { ask: Some(question), lang, explain, .. } => {
            let locales = Locales::load()?;
            print!("{}", crate::faq::report::ask(&campaign, &locales, &question, lang, explain)?);
            Ok(())
        }
        Commands::Faq { limit, .. } => {
            let db = open_db().await?;
            print!("{}", crate::faq::report::unanswered(&db, limit).await?);
            Ok(())
        }
        Commands::Stats => {
            let db = open_db().await?;
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
    let _ = writeln!(out, "codes kept from cabinets: {}", stats.codes_kept);
    for (way, left) in &stats.codes_left {
        let _ = writeln!(out, "codes left {:<9} {left:>8}", way.code());
    }
    out
}
