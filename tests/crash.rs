//! Crash safety of the real binary: kill -9 mid-wave, start again, nothing is lost.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::db::TempDir;
use rezerv_bot::config::Campaign;
use rezerv_bot::domain::Lang;
use rezerv_bot::emulator::{Emulator, EmulatorConfig, TestUser};
use rezerv_bot::storage::{Db, PlannedRow};

const CANDIDATES: i64 = 200;
const TODAY: &str = "2023-09-10";

fn start_bot(emu: &Emulator, dir: &TempDir) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rezerv-bot"))
        .args(["--today", TODAY, "run"])
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url())
        .env("DATABASE_URL", dir.database_url())
        .env("REZERV_SEND_RATE", "25")
        .env("REZERV_SEND_LEASE_SECS", "2")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the bot")
}

async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_mid_wave_loses_nothing_and_duplicates_at_most_the_in_flight_rows() {
    let dir = TempDir::new();
    let emu = Emulator::start(EmulatorConfig { max_poll_hold: Duration::from_secs(1), ..Default::default() })
        .await
        .expect("emulator");
    let campaign = Campaign::embedded().unwrap();
    let due = campaign.reminder_instant(chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap());
    let db = Db::connect(&dir.database_url()).await.unwrap();
    let users: Vec<TestUser> = (0..CANDIDATES).map(|n| TestUser::new(30_000 + n, "ru")).collect();
    for user in &users {
        emu.set_member_status(user, "member");
        db.set_lang(user.id, Lang::Ru, due).await.unwrap();
        let row = PlannedRow {
            key: "wave".into(),
            kind: "broadcast".into(),
            message: "reminder-window-open".into(),
            args: serde_json::json!({"opens": "2023-09-01", "closes": "2023-09-22"}),
            due_at: due,
            expires_at: None,
        };
        db.enqueue(user.id, &row, due).await.unwrap();
    }
    db.close().await;

    let mut bot = start_bot(&emu, &dir);
    wait_for("the wave to start", Duration::from_secs(60), || emu.total_delivered() >= 40).await;
    bot.kill().expect("kill -9");
    bot.wait().unwrap();
    let delivered_at_crash = emu.total_delivered();
    assert!(delivered_at_crash < CANDIDATES as u64, "the crash came too late to test anything");

    let db = Db::connect(&dir.database_url()).await.unwrap();
    let in_flight: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'in_flight'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    db.close().await;

    let mut bot = start_bot(&emu, &dir);
    let all_delivered = || users.iter().all(|user| emu.delivered_count(user.id) >= 1);
    wait_for("every candidate's reminder", Duration::from_secs(90), all_delivered).await;
    // Let the sender record its last sends before stopping it.
    let db = Db::connect(&dir.database_url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let sent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetch_one(db.pool()).await.unwrap();
        if sent == CANDIDATES {
            break;
        }
        assert!(Instant::now() < deadline, "only {sent} rows recorded as sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bot.kill().expect("stop the bot");
    bot.wait().unwrap();

    let duplicates: u64 = users.iter().map(|user| emu.delivered_count(user.id).saturating_sub(1)).sum();
    assert!(
        duplicates <= in_flight as u64,
        "{duplicates} duplicates, but only {in_flight} rows were in flight at the crash"
    );
    eprintln!(
        "crash drill: {delivered_at_crash} delivered before the kill, {in_flight} in flight, {duplicates} duplicates"
    );
}
