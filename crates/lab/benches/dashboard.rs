//! The organisers' dashboard on a large campaign: how long its counts and its picture take.
//! Seeds candidates spread over every stage of both ways (codes issued, applications, test
//! dates, blocked chats, reminders planned by the real planner), then times `Dashboard::load`
//! (the three aggregate statements and the fold) and the picture's drawing in both languages.
//!
//! cargo bench --bench dashboard -- [--candidates 100000] [--rounds 5] [--pictures DIR]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use clap::Parser;
use rand::RngExt;
use rezerv_bot::bot::{State, dashboard_picture};
use rezerv_bot::clock::{ManualClock, SharedClock};
use rezerv_bot::config::{Campaign, Settings};
use rezerv_bot::dashboard::Dashboard;
use rezerv_bot::domain::{CityId, Lang, Phone, PromoCode, Way};
use rezerv_bot::reminders::Planner;
use rezerv_bot::startup::Application;
use rezerv_bot::storage::{Db, DialogueStore};
use rezerv_test_support::db::TempDir;
use rezerv_test_support::phone::phone_in;
use rezerv_test_support::rng::seeded;

/// The dashboard's counts and picture on a large seeded campaign.
#[derive(Debug, Parser)]
struct Options {
    /// Candidates to seed.
    #[arg(long, default_value_t = 100_000)]
    candidates: i64,
    /// Timed loads; the median is the figure.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Write the pictures, in Kazakh and Russian, to `dashboard-kk.png` and `dashboard-ru.png`
    /// in this folder.
    #[arg(long, value_name = "DIR")]
    pictures: Option<std::path::PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Options { candidates, rounds, pictures, .. } = Options::parse();
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.path().join("dashboard.db").display());
    let db = Db::connect(&url).await?;
    let campaign = Arc::new(Campaign::embedded()?);
    let day = NaiveDate::from_ymd_opt(2023, 9, 5).unwrap_or_default();
    let now = campaign.reminder_instant(day);
    let clock: SharedClock = Arc::new(ManualClock::new(now));

    let seeding = Instant::now();
    let pool = usize::try_from(candidates / 2)?;
    for way in Way::ALL {
        let prefix = way.code().to_uppercase();
        let codes: Vec<PromoCode> =
            (0..pool).map(|n| PromoCode::parse(&format!("{prefix}-{n:07}"))).collect::<Result<_, _>>()?;
        db.import_codes(way, &codes, now).await?;
    }
    let phones: Vec<Phone> = (0..candidates).map(|n| Phone::parse(&phone_in(705, n))).collect::<Result<_, _>>()?;
    db.import_eligible(&phones, now).await?;

    // Everyone but a tenth chose a language; then a state drawn over the whole journey.
    let mut rng = seeded(11);
    let ids: Vec<i64> = (1..=candidates).collect();
    let (chose, not_yet): (Vec<i64>, Vec<i64>) = ids.iter().partition(|id| *id % 10 != 0);
    for chunk in chose.chunks(10_000) {
        db.add_candidates(chunk, Lang::Kk, now).await?;
    }
    let dialogues = DialogueStore::new(db.clone(), clock.clone());
    let cities: Vec<CityId> = campaign.cities().iter().map(|city| city.id.clone()).collect();
    let mut states = Vec::with_capacity(ids.len());
    for &chat in &chose {
        let city = cities[rng.random_range(0..cities.len())].clone();
        let way = if rng.random_bool(0.5) { Way::Qrt } else { Way::Qaztest };
        let steps = u8::try_from(campaign.steps(way).len())?;
        let state = match rng.random_range(0..100) {
            0..10 => State::City { fixed_way: None },
            10..20 => State::Way { city },
            20..60 => State::Step { city, way, step: rng.random_range(1..=steps) },
            60..65 => State::Contact { city, way },
            _ => State::Ready { city, way },
        };
        states.push((chat, state));
    }
    states.extend(not_yet.iter().map(|chat| (*chat, State::Start)));
    for chunk in states.chunks(2_000) {
        let saves = chunk.iter().map(|(chat, state)| dialogues.save(*chat, state));
        for saved in futures_util::future::join_all(saves).await {
            saved?;
        }
    }
    let mut ready = 0;
    for (n, (chat, state)) in states.iter().enumerate() {
        let State::Ready { way, .. } = state else { continue };
        db.claim_code(*chat, &phones[n], *way, now).await?;
        ready += 1;
        match rng.random_range(0..10) {
            0..4 if *way == Way::Qaztest => db.set_applied(*chat, Some(day), now).await?,
            0..4 => db.set_qrt_booked(*chat, Some(day), now).await?,
            4..6 => db.set_test_date(*chat, NaiveDate::from_ymd_opt(2023, 9, 12), now).await?,
            _ => {}
        }
        if rng.random_range(0..50) == 0 {
            db.set_active(*chat, false).await?;
        }
    }
    let planned = Planner::new(db.clone(), campaign.clone(), clock.clone()).drain().await?;
    println!(
        "seeded {candidates} candidates ({ready} with a code), {planned} re-planned, in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let mut loads = Vec::with_capacity(rounds);
    let mut dashboard = None;
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        dashboard = Some(Dashboard::load(&db, &campaign, clock.now()).await?);
        loads.push(started.elapsed());
    }
    let dashboard = dashboard.ok_or_else(|| anyhow::anyhow!("no load"))?;
    let reminders = dashboard.reminders;
    println!(
        "Dashboard::load: median {:.1} ms over {rounds} loads (all: {:?}); {} candidates, {} blocked, reminders pending {} sent {} failed {}",
        median(loads.clone()).as_secs_f64() * 1000.0,
        loads.iter().map(|load| format!("{:.1} ms", load.as_secs_f64() * 1000.0)).collect::<Vec<_>>(),
        dashboard.candidates(),
        dashboard.blocked,
        reminders.pending,
        reminders.sent,
        reminders.failed,
    );
    let started = Instant::now();
    let stats = db.stats().await?;
    println!("Db::stats (the per-step and per-city lines): {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    drop(stats);

    // The picture, as /dashboard draws it, on the application's own parts.
    let app = Application::parts(&Settings::new(url), clock.clone()).await?;
    for lang in Lang::ALL {
        let started = Instant::now();
        let png = dashboard_picture(&app, lang, &dashboard)?;
        println!("picture ({lang}): {:.1} ms, {} bytes", started.elapsed().as_secs_f64() * 1000.0, png.len());
        if let Some(dir) = &pictures {
            let file = dir.join(format!("dashboard-{lang}.png"));
            std::fs::write(&file, png)?;
            println!("written to {}", file.display());
        }
    }
    app.db.close().await;
    db.close().await;
    Ok(())
}
