//! The command line: the bot itself, the sandbox, and the organisers' tools.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand};

use crate::bot::App;
use crate::bot::flows::{View, console};
use crate::broadcast::{BroadcastText, Segment};
use crate::clock::{Clock, OffsetClock, SharedClock, SystemClock};
use crate::config::settings::{DEFAULT_DATABASE_URL, SANDBOX_DATABASE_URL};
use crate::config::{Campaign, Settings, SettingsArgs};
use crate::dashboard::{Bar, Dashboard};
use crate::domain::{AuditAction, Lang, OrganiserId, Way};
use crate::export::{ExportFormat, ExportKind};
use crate::i18n::Locales;
use crate::import::{ImportSummary, ImportTarget};
use crate::retention::Retention;
use crate::startup::Application;
use crate::storage::{
    Actor, AuditEntry, Db, Lookup, NewBroadcast, PurgeCounts, Queued, ReplaceCode, Replacement, RunLock, Stats,
};

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
    /// Import promo codes for one way from a CSV or .xlsx file (first column: the code)
    ImportCodes {
        #[arg(long)]
        way: Way,
        file: PathBuf,
    },
    /// Import the eligible list from a CSV or .xlsx file (first column: the phone number)
    ImportEligible { file: PathBuf },
    /// Export the issued codes or the funnel counts as CSV (UTF-8 with a BOM) or .xlsx
    Export {
        /// What to export: `codes` (every issued code, its holder and revocation) or `funnel`
        what: ExportKind,
        /// csv or xlsx; by default the extension of --out
        #[arg(long)]
        format: Option<ExportFormat>,
        /// The file to write
        #[arg(long)]
        out: PathBuf,
        /// Language of the headers
        #[arg(long, default_value = "ru")]
        lang: Lang,
    },
    /// Erase candidates' personal data now, if the campaign's retention date has passed
    Purge {
        /// Only show what would be erased, table by table
        #[arg(long)]
        dry_run: bool,
    },
    /// The funnel per way and city group, candidates per step and city, codes issued and left
    /// per way, reminders, blocked and new candidates
    Stats {
        /// As JSON (stable field names), for scripts
        #[arg(long)]
        json: bool,
        /// Also write the dashboard's picture, as organisers get it in Telegram, to this PNG file
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
        /// Language of the picture
        #[arg(long, default_value = "ru")]
        lang: Lang,
    },
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
    /// The organisers: Telegram user ids that see the console in the bot
    Admins {
        #[command(subcommand)]
        action: AdminsAction,
    },
    /// The organisers' actions, newest first
    Audit {
        /// How many lines
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One candidate, by phone (any usual form) or chat id
    Find {
        query: String,
        /// Language of the output
        #[arg(long, default_value = "ru")]
        lang: Lang,
    },
    /// Revoke a candidate's code that does not work and issue a new one; the candidate is told
    ReplaceCode {
        /// The candidate's chat id or phone
        candidate: String,
        /// Why the code is replaced (kept in the audit log)
        #[arg(long)]
        reason: String,
        /// Language of the output
        #[arg(long, default_value = "ru")]
        lang: Lang,
    },
    /// Queue a broadcast to a segment of the candidates, each in their language; the running bot sends it
    Broadcast {
        /// Who gets it: filters key=value joined by commas, e.g. way=qaztest,city=karaganda.
        /// Keys: way (qrt, qaztest), city (a city id), group (a group id), stage (start, city,
        /// way, steps, contact, ready), lang (kk, ru), code (yes, no), applied (yes, no); `all`
        /// is everyone
        #[arg(long)]
        segment: String,
        /// The Kazakh text, Telegram HTML (UTF-8)
        #[arg(long)]
        kk: PathBuf,
        /// The Russian text, Telegram HTML (UTF-8)
        #[arg(long)]
        ru: PathBuf,
        /// Show the texts as candidates will see them and the counts; queue nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AdminsAction {
    /// Make a Telegram user an organiser; the running bot sets their console menu within 30 s
    Add { user_id: OrganiserId },
    /// Take the console from a Telegram user, at once
    Remove { user_id: OrganiserId },
    /// List the organisers
    List,
}

pub async fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_filter = match cli.command {
        Commands::Chat { .. } => "warn",
        _ => "info",
    };
    crate::telemetry::init(default_filter, cli.settings.log_format.unwrap_or_default());
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
            let polling = settings.webhook.is_none();
            let lock = RunLock::acquire(&settings.database_url, polling)
                .await
                .context("cannot take the database's run lock")?;
            let clock = clock_for(&campaign, settings.today);
            let app = Application::build(&settings, clock).await?;
            match lock {
                Some(mut lock) => tokio::select! {
                    stopped = app.run_until_stopped() => stopped,
                    () = lock.lost() => bail!("lost the database's run lock; a standby instance takes over"),
                },
                None => app.run_until_stopped().await,
            }
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
            let summary = import(&db, ImportTarget::Codes(way), &file).await?;
            println!("{way} codes: {summary}");
            println!("codes left for {way}: {}", db.codes_left(way).await?);
            Ok(())
        }
        Commands::ImportEligible { file } => {
            let db = open_db().await?;
            let summary = import(&db, ImportTarget::Eligible, &file).await?;
            println!("eligible phones: {summary}");
            Ok(())
        }
        Commands::Export { what, format, out, lang } => {
            let Some(format) = format.or_else(|| ExportFormat::from_file_name(&out.to_string_lossy())) else {
                bail!("give --format csv or --format xlsx (or an --out file ending in .csv or .xlsx)")
            };
            let app = Application::parts(&settings, clock_for(&campaign, settings.today)).await?;
            let file = crate::export::export(&app, what, format, lang).await?;
            std::fs::write(&out, &file.bytes).with_context(|| format!("cannot write {}", out.display()))?;
            let entry = AuditEntry {
                at: app.clock.now(),
                actor: Actor::cli(),
                action: AuditAction::Export,
                detail: format!("{what} {format}"),
                rows: file.rows as i64,
            };
            app.db.audit(&entry).await?;
            println!("{what}: {} row(s) written to {} ({format})", file.rows, out.display());
            Ok(())
        }
        Commands::Purge { dry_run } => {
            let db = open_db().await?;
            let now = clock_for(&campaign, settings.today).now();
            purge(&db, &campaign, now, dry_run).await
        }
        Commands::Admins { action } => {
            let db = open_db().await?;
            let now = SystemClock.now();
            match action {
                AdminsAction::Add { user_id } => match db.add_organiser(user_id, Actor::cli(), now).await? {
                    true => {
                        println!("{user_id} is now an organiser; the running bot sets their console menu within 30 s")
                    }
                    false => println!("{user_id} is an organiser already"),
                },
                AdminsAction::Remove { user_id } => match db.remove_organiser(user_id, Actor::cli(), now).await? {
                    true => println!("{user_id} is no longer an organiser"),
                    false => println!("{user_id} is not an organiser"),
                },
                AdminsAction::List => {
                    for id in db.organisers().await? {
                        println!("{id}");
                    }
                }
            }
            Ok(())
        }
        Commands::Audit { limit } => {
            let db = open_db().await?;
            for entry in db.audit_log(limit).await? {
                let who = entry.actor.id.map_or_else(|| "-".to_owned(), |id| id.to_string());
                println!(
                    "{}  {:<8} {:<12} {:<16} {:>6}  {}",
                    entry.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    entry.actor.via,
                    who,
                    entry.action,
                    entry.rows,
                    entry.detail
                );
            }
            Ok(())
        }
        Commands::Find { query, lang } => {
            let app = Application::parts(&settings, clock_for(&campaign, settings.today)).await?;
            let Some(lookup) = Lookup::parse(&query) else { bail!("`{query}` is neither a phone nor a chat id") };
            let found = console::find::look_up(&app, &lookup, Actor::cli()).await?;
            let view = View { app: &app, lang };
            println!("{}", plain(&console::find::found_texts(&view, &found).join("\n\n")));
            Ok(())
        }
        Commands::ReplaceCode { candidate, reason, lang } => {
            let app = Application::parts(&settings, clock_for(&campaign, settings.today)).await?;
            let reason = console::find::reason(&reason)?;
            let Some(lookup) = Lookup::parse(&candidate) else {
                bail!("`{candidate}` is neither a phone nor a chat id")
            };
            let request = ReplaceCode { chat_id: 0, reason, actor: Actor::cli(), update_id: None };
            let replaced = console::find::replace_for(&app, &lookup, request).await?;
            println!("{}", plain(&console::find::replaced_text(&View { app: &app, lang }, &replaced)));
            match replaced {
                console::find::Replaced::Done { outcome: Replacement::Replaced { .. }, .. } => Ok(()),
                _ => bail!("nothing was changed"),
            }
        }
        Commands::Stats { json, png, lang } => {
            let app = Application::parts(&settings, clock_for(&campaign, settings.today)).await?;
            let now = app.clock.now();
            let stats = app.db.stats().await?;
            let dashboard = Dashboard::load(&app.db, &app.campaign, now).await?;
            let entry = AuditEntry {
                at: now,
                actor: Actor::cli(),
                action: AuditAction::Stats,
                detail: [Some(if json { "json" } else { "text" }), png.as_ref().map(|_| "png")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                rows: dashboard.candidates(),
            };
            app.db.audit(&entry).await?;
            if let Some(file) = &png {
                let picture = crate::bot::dashboard_picture(&app, lang, &dashboard)?;
                std::fs::write(file, picture).with_context(|| format!("writing {}", file.display()))?;
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&StatsJson::new(&dashboard, &stats))?);
            } else {
                print!("{}{}", render_stats(&stats), render_funnel(&dashboard));
            }
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
        Commands::Broadcast { segment, kk, ru, dry_run } => {
            let app = Application::parts(&settings, clock_for(&campaign, settings.today)).await?;
            broadcast(&app, &segment, &kk, &ru, dry_run).await
        }
    }
}

/// Imports a file from disk into `target`, audited as done from the command line.
async fn import(db: &Db, target: ImportTarget, path: &std::path::Path) -> anyhow::Result<ImportSummary> {
    let file = crate::import::read_file(path)?;
    crate::import::import_file(db, target, file, Actor::cli(), SystemClock.now())
        .await
        .with_context(|| format!("importing {}", path.display()))
}

/// `purge [--dry-run]`: what the retention erases, table by table, and when; without
/// `--dry-run`, erases it now if its moment has passed.
async fn purge(db: &Db, campaign: &Campaign, now: DateTime<Utc>, dry_run: bool) -> anyhow::Result<()> {
    let when = match (campaign.retention, campaign.erase_personal_data_at()) {
        (Some(retention), Some(at)) => format!(
            "personal data is erased from {} ({}), {} days after the window closed on {}",
            at.with_timezone(&campaign.tz).format("%Y-%m-%d %H:%M"),
            campaign.tz.name(),
            retention.days_after_close,
            campaign.window.closes
        ),
        _ => "the campaign file has no [retention] table: personal data is never erased automatically".to_owned(),
    };
    println!("{when}");
    let due = Retention::due(campaign, now);
    if dry_run {
        println!("{}", if due { "that moment has passed" } else { "that moment has not come yet" });
        print!("{}", render_purge("would erase", &db.purge_preview().await?));
        println!("{PURGE_KEEPS}");
        return Ok(());
    }
    if !due {
        bail!("nothing was erased: that moment has not come (see what will go with `rezerv-bot purge --dry-run`)");
    }
    let erased = db.purge_personal_data(Actor::cli(), now).await?;
    print!("{}", render_purge("erased", &erased));
    println!("{PURGE_KEEPS}");
    Ok(())
}

/// What a purge keeps (`Db::purge_personal_data`).
const PURGE_KEEPS: &str = "kept: the code ledger (every code with its way and when it was imported and issued; \
revoked codes with reason and replacement, without phone or chat), anonymous counts per stage, step, way and city, \
the audit log, the organisers";

fn render_purge(heading: &str, counts: &PurgeCounts) -> String {
    use std::fmt::Write;
    let mut out = format!("{heading}:\n");
    for (table, count, what) in [
        ("candidates", counts.candidates, "row(s): chat ids, phones, dialogue states, dates"),
        ("outbox", counts.outbox, "row(s): reminders and notices"),
        ("eligible", counts.eligible, "row(s): phones, and the accounts their codes went to"),
        ("faq_questions", counts.faq_questions, "row(s): questions the FAQ did not answer"),
        ("revoked_codes", counts.revoked_codes, "row(s): phone and chat id cleared"),
        ("audit", counts.audit_details, "line(s) naming a candidate: detail cleared"),
    ] {
        let _ = writeln!(out, "  {table:<14} {count:>8} {what}");
    }
    out
}

/// `rezerv-bot broadcast`: the same checks as in Telegram, a preview and the counts, then the
/// broadcast queued (unless `dry_run`).
async fn broadcast(app: &App, segment: &str, kk: &Path, ru: &Path, dry_run: bool) -> anyhow::Result<()> {
    let segment = Segment::parse(segment, &app.campaign).context("--segment")?;
    let read = |lang: &str, path: &Path| -> anyhow::Result<BroadcastText> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        BroadcastText::parse(text).with_context(|| format!("the {lang} text ({})", path.display()))
    };
    let (kk, ru) = (read("Kazakh", kk)?, read("Russian", ru)?);
    let audience = crate::broadcast::audience(&segment, &app.campaign);
    let counts = app.db.audience_counts(&audience).await?;
    println!("segment: {segment}");
    println!("recipients: {} (kk {}, ru {})", counts.total(), counts.kk, counts.ru);
    for (lang, text) in [("kk", &kk), ("ru", &ru)] {
        println!("\n--- {lang}, as candidates will see it ({} characters) ---", text.rendered_chars());
        println!("{}", text.visible());
    }
    println!();
    if counts.total() == 0 {
        bail!("no candidate matches the segment: nothing queued");
    }
    let now = app.clock.now();
    if dry_run {
        let entry = AuditEntry {
            at: now,
            actor: Actor::cli(),
            action: AuditAction::Broadcast,
            detail: format!("dry-run {segment}"),
            rows: counts.total(),
        };
        app.db.audit(&entry).await?;
        println!("dry run: nothing queued");
        return Ok(());
    }
    let text = segment.to_string();
    let new = NewBroadcast {
        segment: &text,
        audience: &audience,
        text_kk: kk.html(),
        text_ru: ru.html(),
        actor: Actor::cli(),
    };
    match app.db.queue_broadcast(&new, now).await? {
        Queued::Queued { id, recipients } => {
            println!("queued broadcast #{id} to {recipients} recipients; the running bot sends it at its pace");
            Ok(())
        }
        Queued::NoRecipients => bail!("no candidate matches the segment: nothing queued"),
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

/// The funnel and the dashboard's counts, as `stats` prints them after the counts per step.
fn render_funnel(dashboard: &Dashboard) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let groups = dashboard.groups.join(", ");
    let _ = writeln!(out, "funnel (reached; then by city group: {groups}, no city):");
    let row = |out: &mut String, label: &str, bar: &Bar| {
        let _ = write!(out, "  {label:<24} {:>8}", bar.total);
        for group in &dashboard.groups {
            let _ = write!(out, " {:>8}", bar.by_group.get(group).copied().unwrap_or(0));
        }
        let _ = writeln!(out, " {:>8}", bar.no_city);
    };
    for bar in &dashboard.funnel {
        row(&mut out, bar.stage.as_str(), bar);
    }
    for way in &dashboard.ways {
        let _ = writeln!(out, "funnel {}:", way.way);
        for bar in &way.funnel {
            let label = match (bar.step, &bar.step_id) {
                (Some(step), Some(id)) => format!("step {step} {id}"),
                _ => bar.stage.as_str().to_owned(),
            };
            row(&mut out, &label, bar);
        }
    }
    for way in &dashboard.ways {
        let _ = writeln!(out, "codes issued {:<7} {:>8}", way.way.code(), way.codes_issued);
    }
    let reminders = dashboard.reminders;
    let _ =
        writeln!(out, "reminders: pending {}, sent {}, failed {}", reminders.pending, reminders.sent, reminders.failed);
    let _ = writeln!(out, "blocked the bot: {}", dashboard.blocked);
    let _ = writeln!(out, "new today ({}): {}", dashboard.today, dashboard.new_today);
    out
}

/// `stats --json`: the dashboard's fields, then the counts per step and city.
#[derive(Debug, serde::Serialize)]
struct StatsJson<'a> {
    #[serde(flatten)]
    dashboard: &'a Dashboard,
    eligible_phones: i64,
    codes_kept: i64,
    by_stage: Vec<StageCount>,
    by_city: Vec<CityCount>,
}

#[derive(Debug, serde::Serialize)]
struct StageCount {
    stage: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<i64>,
    candidates: i64,
}

#[derive(Debug, serde::Serialize)]
struct CityCount {
    /// The city's id; `-` for candidates with none.
    city: String,
    candidates: i64,
}

impl<'a> StatsJson<'a> {
    fn new(dashboard: &'a Dashboard, stats: &Stats) -> StatsJson<'a> {
        StatsJson {
            dashboard,
            eligible_phones: stats.eligible,
            codes_kept: stats.codes_kept,
            by_stage: stats
                .by_stage
                .iter()
                .map(|(stage, step, candidates)| StageCount {
                    stage: stage.clone(),
                    step: *step,
                    candidates: *candidates,
                })
                .collect(),
            by_city: stats
                .by_city
                .iter()
                .map(|(city, candidates)| CityCount { city: city.clone(), candidates: *candidates })
                .collect(),
        }
    }
}

/// A bot message for the terminal: without its HTML tags and entities.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}
