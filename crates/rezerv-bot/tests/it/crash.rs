//! Crash safety of the real binary: kill -9 mid-wave, start again, nothing is lost; and the
//! replica drill: kill -9 one of two replicas, the other carries on.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bot_api_emulator::{Emulator, EmulatorConfig, TestUser};
use rezerv_bot::config::Campaign;
use rezerv_bot::domain::Lang;
use rezerv_bot::storage::{Db, InboxEntry, PlannedRow};
use rezerv_test_support::db::TempDir;

const CANDIDATES: i64 = 200;
pub(crate) const TODAY: &str = "2023-09-10";

/// The bot process; killed when dropped, so a failing test leaves no orphan behind.
pub(crate) struct BotProcess(Child);

impl BotProcess {
    pub(crate) fn kill_now(&mut self) {
        self.0.kill().expect("kill -9");
        self.0.wait().expect("reap the bot");
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn start_bot(emu: &Emulator, dir: &TempDir) -> BotProcess {
    bot_command(emu, dir).spawn().map(BotProcess).expect("start the bot")
}

/// The bot with its warnings captured, line by line.
fn start_bot_logging(emu: &Emulator, dir: &TempDir) -> (BotProcess, Arc<Mutex<Vec<String>>>) {
    let mut child =
        bot_command(emu, dir).env("RUST_LOG", "warn").stderr(Stdio::piped()).spawn().expect("start the bot");
    let stderr = child.stderr.take().expect("a piped stderr");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    (BotProcess(child), lines)
}

fn bot_command(emu: &Emulator, dir: &TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rezerv-bot"));
    command
        .args(["--today", TODAY, "run"])
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url())
        .env("DATABASE_URL", dir.database_url())
        .env("REZERV_SEND_RATE", "25")
        .env("REZERV_SEND_LEASE_SECS", "2")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    command
}

/// The emulator with short long polls, so a killed bot's last poll does not linger.
pub(crate) async fn start_emulator() -> Emulator {
    Emulator::start(EmulatorConfig { max_poll_hold: Duration::from_secs(1), ..Default::default() })
        .await
        .expect("emulator")
}

pub(crate) async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_mid_wave_loses_nothing_and_duplicates_at_most_the_in_flight_rows() {
    let dir = TempDir::new();
    let emu = start_emulator().await;
    let campaign = Campaign::embedded().unwrap();
    let due = campaign.reminder_instant(chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap());
    let db = Db::connect(&dir.database_url()).await.unwrap();
    let users = seed_wave(&db, &emu, 30_000..30_000 + CANDIDATES, due).await;
    db.close().await;

    let mut bot = start_bot(&emu, &dir);
    wait_for("the wave to start", Duration::from_secs(60), || emu.total_delivered() >= 40).await;
    bot.kill_now();
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
    bot.kill_now();

    let duplicates: u64 = users.iter().map(|user| emu.delivered_count(user.id).saturating_sub(1)).sum();
    assert!(
        duplicates <= in_flight as u64,
        "{duplicates} duplicates, but only {in_flight} rows were in flight at the crash"
    );
    eprintln!(
        "crash drill: {delivered_at_crash} delivered before the kill, {in_flight} in flight, {duplicates} duplicates"
    );
}

/// One simulated candidate driving the real binary through the emulator.
struct Candidate<'a> {
    emu: &'a Emulator,
    locales: &'a rezerv_bot::i18n::Locales,
    user: TestUser,
    lang: Lang,
}

impl Candidate<'_> {
    fn t(&self, id: &str) -> String {
        self.locales.t(self.lang, id)
    }

    /// The newest bot message with a button labelled `label`: (message id, data).
    fn button(&self, label: &str) -> Option<(i32, String)> {
        self.emu.messages(self.user.id).iter().rev().find_map(|message| {
            let button = message.buttons().into_iter().find(|button| button.text == label)?;
            Some((message.message_id, button.callback_data.clone()?))
        })
    }

    /// Waits (through a crash and restart) until some bot message satisfies `expected`.
    async fn until(&self, what: &str, expected: impl Fn(&bot_api_emulator::BotMessage) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.emu.messages(self.user.id).iter().any(&expected) {
            assert!(Instant::now() < deadline, "user {} never saw {what}", self.user.id);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn press(&self, label: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let (message_id, data) = loop {
            if let Some(found) = self.button(label) {
                break found;
            }
            assert!(Instant::now() < deadline, "user {} has no button {label}", self.user.id);
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        self.emu.press_button(&self.user, message_id, &data);
    }

    async fn journey(&self, phone: &str, steps: usize) {
        self.emu.send_text(&self.user, "/start");
        let language = self.t("language-name");
        self.press(&language).await;
        self.until("the city prompt", |m| m.text.contains(&self.t("city-prompt"))).await;
        // "Almaty" is spelled the same in both languages.
        self.press("Алматы").await;
        self.press(&self.t("btn-way-qrt")).await;
        for step in 1..=steps {
            let header = format!("{step}");
            self.until("the step", |m| m.text.contains(&header) && m.buttons().len() >= 2).await;
            // Press "Done" on the message of this very step.
            let done = self.t("btn-step-done");
            let deadline = Instant::now() + Duration::from_secs(60);
            let (message_id, data) = loop {
                let found = self.emu.messages(self.user.id).iter().rev().find_map(|message| {
                    let button = message.buttons().into_iter().find(|b| b.text == done)?;
                    let data = button.callback_data.clone()?;
                    (data == format!("sd:{step}")).then_some((message.message_id, data))
                });
                if let Some(found) = found {
                    break found;
                }
                assert!(Instant::now() < deadline, "user {} never got step {step}", self.user.id);
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            self.emu.press_button(&self.user, message_id, &data);
        }
        self.until("the contact prompt", |m| m.reply_keyboard.is_some()).await;
        self.emu.share_own_contact(&self.user, phone);
        self.until("the code", |m| m.text.contains("<code>")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_mid_journeys_resumes_every_dialogue_without_double_steps_or_codes() {
    const USERS: i64 = 30;
    let dir = TempDir::new();
    let emu = start_emulator().await;
    let campaign = Campaign::embedded().unwrap();
    let locales = rezerv_bot::i18n::Locales::load().unwrap();
    let phones: Vec<String> = (0..USERS).map(|n| format!("+7707{n:07}")).collect();
    let db = Db::connect(&dir.database_url()).await.unwrap();
    let now = campaign.reminder_instant(chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap());
    seed_for_journeys(&db, &phones, now).await;
    db.close().await;

    let steps = campaign.steps(rezerv_bot::domain::Way::Qrt).len();
    let candidates: Vec<Candidate<'_>> = (0..USERS)
        .map(|n| {
            let lang = if n % 2 == 0 { Lang::Kk } else { Lang::Ru };
            Candidate { emu: &emu, locales: &locales, user: TestUser::new(40_000 + n, lang.code()), lang }
        })
        .collect();

    let mut bot = start_bot(&emu, &dir);
    let journeys = futures_join_all(candidates.iter().zip(&phones).map(|(c, phone)| c.journey(phone, steps)));
    let crash = async {
        // Kill once the candidates are well into their journeys, then start again.
        let total = || candidates.iter().map(|c| emu.messages(c.user.id).len()).sum::<usize>();
        wait_for("the journeys to be under way", Duration::from_secs(60), || total() >= 150).await;
        bot.kill_now();
        let unconfirmed = emu.unconfirmed_updates();
        let db = Db::connect(&dir.database_url()).await.unwrap();
        let stored = db.pending_updates().await.unwrap().len();
        db.close().await;
        let restarted = start_bot(&emu, &dir);
        (unconfirmed, stored, restarted)
    };
    let ((), (unconfirmed, stored, mut bot)) = tokio::join!(journeys, crash);
    eprintln!(
        "crash drill: at the kill, {stored} updates were stored and not yet handled (replayed from the inbox) \
         and {unconfirmed} were not yet confirmed to Telegram (delivered again)"
    );

    let db = Db::connect(&dir.database_url()).await.unwrap();
    // The state is saved just after the last prompt is sent: give the bot a moment.
    let settled = Instant::now() + Duration::from_secs(30);
    loop {
        let stages: Vec<String> =
            sqlx::query_scalar("SELECT stage FROM candidates").fetch_all(db.pool()).await.unwrap();
        if stages.len() == USERS as usize && stages.iter().all(|stage| stage == "ready") {
            break;
        }
        assert!(Instant::now() < settled, "not every candidate reached the end: {stages:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let held: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT chat_id, code FROM candidates ORDER BY chat_id").fetch_all(db.pool()).await.unwrap();
    assert_eq!(held.len(), USERS as usize);
    let distinct: std::collections::HashSet<_> = held.iter().filter_map(|(_, code)| code.clone()).collect();
    assert_eq!(distinct.len(), USERS as usize, "one distinct code each: {held:?}");
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM promo_codes WHERE issued_at IS NOT NULL")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(issued, USERS, "no code issued twice or lost");
    assert_steps_in_order(&emu, &locales, &candidates, steps);
    let emptied = Instant::now() + Duration::from_secs(10);
    while !db.pending_updates().await.unwrap().is_empty() {
        assert!(Instant::now() < emptied, "an update in the inbox was never handled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bot.kill_now();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_on_the_same_database_waits_and_takes_over_when_the_first_dies() {
    let dir = TempDir::new();
    let emu = start_emulator().await;
    let user = TestUser::new(50_001, "ru");
    let mut first = start_bot(&emu, &dir);
    emu.send_text(&user, "/start");
    wait_for("the first instance to answer", Duration::from_secs(30), || !emu.messages(user.id).is_empty()).await;
    let menus_set = || emu.requests().iter().filter(|request| request.method == "setmycommands").count();
    let before = menus_set();

    let (mut second, log) = start_bot_logging(&emu, &dir);
    wait_for("the second instance to say it waits", Duration::from_secs(30), || {
        log.lock().unwrap().iter().any(|line| line.contains("waiting for it to stop"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(menus_set(), before, "the waiting instance talked to Telegram: {:?}", log.lock().unwrap());

    first.kill_now();
    wait_for("the second instance to take over", Duration::from_secs(30), || menus_set() > before).await;
    let shown = emu.messages(user.id).len();
    emu.send_text(&user, "/help");
    wait_for("the second instance to answer", Duration::from_secs(30), || emu.messages(user.id).len() > shown).await;
    second.kill_now();
}

/// Runs futures concurrently on this task (no extra crate for join_all).
async fn futures_join_all<F: std::future::Future<Output = ()>>(futures: impl IntoIterator<Item = F>) {
    let mut set: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        set.retain_mut(|future| future.as_mut().poll(cx).is_pending());
        if set.is_empty() { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_stored_but_not_handled_before_a_crash_is_answered_after_the_restart() {
    let mut app = rezerv_test_support::app::spawn_app().await;
    app.stop().await;
    // What the inbox holds when the process dies between storing an update and handling it.
    let user = TestUser::new(4242, "ru");
    app.emu.register_user(&user);
    let json = serde_json::json!({
        "update_id": 900_001,
        "message": {
            "message_id": 1,
            "date": 1_693_900_000,
            "chat": user.private_chat_json(),
            "from": user.to_json(),
            "text": "/start",
            "entities": [{ "type": "bot_command", "offset": 0, "length": 6 }]
        }
    });
    let update: teloxide::types::Update = serde_json::from_str(&json.to_string()).expect("a valid update");
    assert!(matches!(update.kind, teloxide::types::UpdateKind::Message(_)), "{update:?}");
    let entry =
        InboxEntry { update_id: 900_001, chat_id: Some(user.id), body: serde_json::to_string(&update).unwrap() };
    let replayed: teloxide::types::Update = serde_json::from_str(&entry.body).expect("a stored update parses back");
    assert_eq!(replayed, update);
    let now = campaign_now();
    assert_eq!(app.db.store_updates(std::slice::from_ref(&entry), now).await.unwrap(), [900_001]);

    app.restart().await;
    let replies = rezerv_test_support::app::sent(app.settle(&user).await);
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(replies[0].text.contains(&app.t(Lang::Ru, "welcome")), "{}", replies[0].text);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.db.pending_updates().await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the replayed update was never marked handled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn campaign_now() -> chrono::DateTime<chrono::Utc> {
    let campaign = Campaign::embedded().unwrap();
    campaign.reminder_instant(chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap())
}

/// A port free on loopback a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).expect("a free port").port()
}

/// A replica taking webhooks on `port` (every replica's public URL is the same: the load
/// balancer's), sending at 12 rows/s, so that two stay within Telegram's 30/s.
fn start_replica(emu: &Emulator, dir: &TempDir, port: u16) -> BotProcess {
    bot_command(emu, dir)
        .env("REZERV_WEBHOOK_URL", "https://lb.invalid/hook")
        .env("REZERV_WEBHOOK_SECRET", "drill-secret")
        .env("REZERV_LISTEN", format!("127.0.0.1:{port}"))
        .env("REZERV_SEND_RATE", "12")
        .spawn()
        .map(BotProcess)
        .expect("start a replica")
}

/// Two replicas on one database behind one webhook URL, the emulator spreading its deliveries
/// over both as a load balancer does, and one killed mid-journeys and mid-wave. On PostgreSQL
/// both serve until then (the survivor adopts the other's unhandled updates once it is
/// silent); on SQLite the second waits on the run lock as a standby and takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_of_one_of_two_replicas_loses_no_update_issues_no_code_twice_and_repeats_only_rows_in_flight() {
    const USERS: i64 = 24;
    const WAVE: i64 = 150;
    let dir = TempDir::new();
    let emu = start_emulator().await;
    let campaign = Campaign::embedded().unwrap();
    let locales = rezerv_bot::i18n::Locales::load().unwrap();
    let phones: Vec<String> = (0..USERS).map(|n| format!("+7708{n:07}")).collect();
    let db = Db::connect(&dir.database_url()).await.unwrap();
    let now = campaign.reminder_instant(chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap());
    seed_for_journeys(&db, &phones, now).await;
    let wave = seed_wave(&db, &emu, 61_000..61_000 + WAVE, now).await;
    db.close().await;

    let steps = campaign.steps(rezerv_bot::domain::Way::Qrt).len();
    let candidates: Vec<Candidate<'_>> = (0..USERS)
        .map(|n| {
            let lang = if n % 2 == 0 { Lang::Kk } else { Lang::Ru };
            Candidate { emu: &emu, locales: &locales, user: TestUser::new(60_000 + n, lang.code()), lang }
        })
        .collect();

    let ports = [free_port(), free_port()];
    let mut first = start_replica(&emu, &dir, ports[0]);
    let mut second = start_replica(&emu, &dir, ports[1]);
    emu.spread_webhooks(ports.iter().map(|port| format!("http://127.0.0.1:{port}/hook")).collect());
    let journeys = futures_join_all(candidates.iter().zip(&phones).map(|(c, phone)| c.journey(phone, steps)));
    let kill = async {
        let total = || candidates.iter().map(|c| emu.messages(c.user.id).len()).sum::<usize>();
        wait_for("the journeys to be under way", Duration::from_secs(60), || total() >= 100).await;
        first.kill_now();
        let db = Db::connect(&dir.database_url()).await.unwrap();
        let in_flight: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'in_flight'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        let stored = db.pending_updates().await.unwrap().len();
        db.close().await;
        (in_flight, stored)
    };
    let ((), (in_flight, stored)) = tokio::join!(journeys, kill);

    // Every journey ended with a code: no update was lost (a lost press would stall it).
    let db = Db::connect(&dir.database_url()).await.unwrap();
    let held: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT chat_id, code FROM candidates WHERE chat_id < 61000 ORDER BY chat_id")
            .fetch_all(db.pool())
            .await
            .unwrap();
    let distinct: std::collections::HashSet<_> = held.iter().filter_map(|(_, code)| code.clone()).collect();
    assert_eq!((held.len(), distinct.len()), (USERS as usize, USERS as usize), "one code each: {held:?}");
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM promo_codes WHERE issued_at IS NOT NULL")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(issued, USERS, "no code issued twice");
    assert_steps_in_order(&emu, &locales, &candidates, steps);
    // The wave: every row sent, and a row sent twice only if it was in flight at the kill.
    let all_delivered = || wave.iter().all(|user| emu.delivered_count(user.id) >= 1);
    wait_for("every row of the wave", Duration::from_secs(90), all_delivered).await;
    let duplicates: u64 = wave.iter().map(|user| emu.delivered_count(user.id).saturating_sub(1)).sum();
    assert!(duplicates <= in_flight as u64, "{duplicates} duplicates, but only {in_flight} rows were in flight");
    // Nothing stays unhandled: the killed replica's stored updates were adopted.
    let emptied = Instant::now() + Duration::from_secs(60);
    while !db.pending_updates().await.unwrap().is_empty() {
        assert!(Instant::now() < emptied, "an update in the inbox was never handled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let telegram_429 = emu.requests().iter().filter(|request| request.status == 429).count();
    eprintln!(
        "replica drill ({}): at the kill {stored} updates stored and unhandled, {in_flight} rows in flight; \
         {duplicates} rows sent twice; {telegram_429} answers 429",
        db.backend()
    );
    db.close().await;
    second.kill_now();
}

/// Each candidate saw every step's prompt in order: one may be shown again after a replay, but
/// none is skipped and the order never goes back.
fn assert_steps_in_order(
    emu: &Emulator,
    locales: &rezerv_bot::i18n::Locales,
    candidates: &[Candidate<'_>],
    steps: usize,
) {
    for candidate in candidates {
        let way_name = locales.t(candidate.lang, "way-qrt");
        let header = |step: usize| {
            let args =
                rezerv_bot::i18n::Args::new().with("step", step).with("total", steps).with("way", way_name.clone());
            locales.t_args(candidate.lang, "step-header", &args)
        };
        let mut shown: Vec<usize> = emu
            .messages(candidate.user.id)
            .iter()
            .filter_map(|m| (1..=steps).find(|step| m.text.starts_with(&header(*step))))
            .collect();
        let all_shown = shown.clone();
        shown.dedup();
        assert_eq!(shown, (1..=steps).collect::<Vec<_>>(), "user {} saw steps {all_shown:?}", candidate.user.id);
    }
}

/// The eligible `phones`, and QRT codes enough for them and ten more.
/// Russian-reading candidates with these chat ids, each with one row of a wave due at `due`.
async fn seed_wave(
    db: &Db,
    emu: &Emulator,
    chats: std::ops::Range<i64>,
    due: chrono::DateTime<chrono::Utc>,
) -> Vec<TestUser> {
    let users: Vec<TestUser> = chats.map(|id| TestUser::new(id, "ru")).collect();
    for user in &users {
        emu.set_member_status(user, "member");
        db.set_lang(user.id, Lang::Ru, due).await.unwrap();
        let row = PlannedRow {
            key: "wave".into(),
            kind: rezerv_bot::domain::ReminderKind::Broadcast,
            message: "reminder-window-open".into(),
            args: serde_json::json!({"opens": "2023-09-01", "closes": "2023-09-22"}),
            due_at: due,
            expires_at: None,
        };
        db.enqueue(user.id, &row, due).await.unwrap();
    }
    users
}

async fn seed_for_journeys(db: &Db, phones: &[String], now: chrono::DateTime<chrono::Utc>) {
    let parsed: Vec<_> = phones.iter().map(|p| rezerv_bot::domain::Phone::parse(p).unwrap()).collect();
    db.import_eligible(&parsed, now).await.unwrap();
    let codes: Vec<_> =
        (0..phones.len() + 10).map(|n| rezerv_bot::domain::PromoCode::parse(&format!("QRT-{n:05}")).unwrap()).collect();
    db.import_codes(rezerv_bot::domain::Way::Qrt, &codes, now).await.unwrap();
}
