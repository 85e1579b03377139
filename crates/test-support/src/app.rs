//! `spawn_app()`: the real dispatcher on a fresh database, talking to the local emulator.

use std::sync::Arc;
use std::time::Duration;

use bot_api_emulator::{BotEvent, BotMessage, Emulator, EmulatorConfig, TestUser};
use chrono::{NaiveDate, TimeZone};
use rezerv_bot::bot::{App, State};
use rezerv_bot::clock::ManualClock;
use rezerv_bot::config::{Campaign, Secret, Settings, WebhookSettings};
use rezerv_bot::domain::{CodeSource, Lang, OrganiserId, Phone, PromoCode, Way};
use rezerv_bot::i18n::Locales;
use rezerv_bot::reminders::{Sender, SenderConfig};
use rezerv_bot::retention::Retention;
use rezerv_bot::startup::Application;
use rezerv_bot::storage::{Actor, Db};

use crate::db::TempDir;

/// How long the bot may take to answer; generous for a loaded 2-core CI machine.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(15);
/// Silence that means the bot has finished answering.
const QUIET: Duration = Duration::from_millis(150);
/// How long a turn may take when Telegram faults make the bot retry: an interactive reply's
/// 20 s of retries, a 429's wait, the apology, and room for a loaded machine.
pub const TURN_TIMEOUT: Duration = Duration::from_secs(60);

pub struct TestApp {
    pub emu: Emulator,
    pub db: Db,
    pub clock: Arc<ManualClock>,
    pub app: Arc<App>,
    settings: Settings,
    running: Option<Application>,
    _dir: TempDir,
}

/// 10:00 in Almaty on `date`.
pub fn morning(campaign: &Campaign, date: &str) -> chrono::DateTime<chrono::Utc> {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    campaign.tz.from_local_datetime(&date.and_hms_opt(10, 0, 0).unwrap()).unwrap().with_timezone(&chrono::Utc)
}

/// The bot's settings against `emu`, on `database_url`: a short poll so that stops are quick,
/// and no sender worker (tests deliver reminders one at a time with `TestApp::sender`).
pub fn emulator_settings(emu: &Emulator, database_url: String) -> Settings {
    let mut settings = Settings::new(database_url);
    settings.token = Some(Secret::new(emu.token()));
    settings.api_url = Some(emu.api_url().parse().expect("the emulator's URL"));
    settings.poll_timeout = Duration::from_secs(1);
    settings.send_reminders = false;
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_on("2023-09-05").await
}

pub async fn spawn_app_on(today: &str) -> TestApp {
    spawn_app_with(today, EmulatorConfig { max_poll_hold: Duration::from_secs(1), ..Default::default() }).await
}

pub async fn spawn_app_with(today: &str, emulator: EmulatorConfig) -> TestApp {
    spawn(today, emulator, None, |_| {}).await
}

/// The app with settings of the test's own, e.g. a webhook or an HTTP server.
pub async fn spawn_app_configured(today: &str, configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(today, EmulatorConfig::default(), None, configure).await
}

/// A free port on 127.0.0.1 for a server the test starts next (released just before).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Settings that receive updates by webhook at `http://127.0.0.1:<free port>/telegram/<path>`.
pub fn by_webhook(settings: &mut Settings) {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/telegram/hook").parse().expect("webhook URL");
    settings.webhook = Some(WebhookSettings { url, secret: Secret::new("test-secret_123") });
    settings.listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
}

/// The app on a campaign file of the test's own (e.g. the embedded one with another
/// `code_source`), written beside the test's database.
pub async fn spawn_app_with_campaign(today: &str, campaign_toml: &str) -> TestApp {
    spawn(today, EmulatorConfig::default(), Some(campaign_toml), |_| {}).await
}

/// The embedded campaign file with `code_source` set to `source`.
pub fn campaign_with_code_source(source: CodeSource) -> String {
    let embedded = rezerv_bot::config::campaign_embedded_text();
    let shipped = "code_source = \"pool\"";
    assert!(embedded.contains(shipped), "the embedded campaign names its code source");
    embedded.replacen(shipped, &format!("code_source = \"{source}\""), 1)
}

async fn spawn(
    today: &str,
    emulator: EmulatorConfig,
    campaign_toml: Option<&str>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = TempDir::new();
    let campaign = Campaign::embedded().expect("campaign");
    let clock = Arc::new(ManualClock::new(morning(&campaign, today)));
    let emulator = EmulatorConfig { max_poll_hold: Duration::from_secs(1), ..emulator };
    let emu = Emulator::start(emulator).await.expect("emulator");
    let mut settings = emulator_settings(&emu, dir.database_url());
    if let Some(text) = campaign_toml {
        let path = dir.path().join("campaign.toml");
        std::fs::write(&path, text).expect("write the campaign file");
        settings.campaign_file = Some(path);
    }
    configure(&mut settings);
    let running = Application::build(&settings, clock.clone()).await.expect("application");
    let app = running.app().clone();
    TestApp { emu, db: app.db.clone(), clock, app, settings, running: Some(running), _dir: dir }
}

impl TestApp {
    /// Stops the dispatcher (as a deploy would) and starts a new one on the same database.
    pub async fn restart(&mut self) {
        self.stop().await;
        let running = Application::build(&self.settings, self.clock.clone()).await.expect("application");
        self.app = running.app().clone();
        self.running = Some(running);
    }

    pub async fn stop(&mut self) {
        if let Some(mut running) = self.running.take() {
            running.shutdown().await;
        }
    }

    /// A reminder sender on this app's database, clock and emulator.
    pub fn sender(&self, config: SenderConfig) -> Sender {
        let running = self.running.as_ref().expect("the application is running");
        running.sender(config)
    }

    /// The retention worker on this app's database, campaign and clock, for one pass at a time.
    pub fn retention(&self) -> Retention {
        let running = self.running.as_ref().expect("the application is running");
        running.retention()
    }

    /// Makes Telegram user `id` an organiser, as `rezerv-bot admins add` does.
    pub async fn organiser(&self, id: i64, lang: &str) -> TestUser {
        let organiser = OrganiserId::new(id).expect("a Telegram user id");
        self.db.add_organiser(organiser, Actor::cli(), self.clock_now()).await.expect("add the organiser");
        TestUser::new(id, lang)
    }

    /// The user sends a file as a document, with a caption; returns what the bot sent back.
    pub async fn send_document(
        &self,
        user: &TestUser,
        file_name: &str,
        bytes: &[u8],
        caption: Option<&str>,
    ) -> Vec<BotMessage> {
        self.emu.send_document(user, file_name, bytes, caption);
        sent(self.settle(user).await)
    }

    /// Moves the clock to `hour`:00 local on `date`.
    pub fn set_local(&self, date: &str, hour: u32) {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let local = self.app.campaign.tz.from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap()).unwrap();
        self.clock.set(local.with_timezone(&chrono::Utc));
    }

    /// Where the app's HTTP server listens, if it runs one.
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.running.as_ref().and_then(Application::http_addr)
    }

    /// The settings the app runs with (a restart keeps them; a test may change them first).
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    /// The test's database, for running the real binary on it.
    pub fn database_url(&self) -> &str {
        &self.settings.database_url
    }

    pub fn locales(&self) -> &Locales {
        &self.app.locales
    }

    pub fn t(&self, lang: Lang, id: &str) -> String {
        self.app.locales.t(lang, id)
    }

    /// Codes `<WAY>-0001`… for both ways and the given eligible phones.
    pub async fn seed(&self, codes_per_way: usize, phones: &[&str]) {
        for way in Way::ALL {
            let codes: Vec<PromoCode> = (1..=codes_per_way)
                .map(|n| PromoCode::parse(&format!("{}-{n:04}", way.code().to_uppercase())).unwrap())
                .collect();
            self.db.import_codes(way, &codes, self.clock_now()).await.unwrap();
        }
        let phones: Vec<Phone> = phones.iter().map(|phone| Phone::parse(phone).unwrap()).collect();
        self.db.import_eligible(&phones, self.clock_now()).await.unwrap();
    }

    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use rezerv_bot::clock::Clock;
        self.clock.now()
    }

    /// Waits for the bot's answer to the last action and returns everything it did.
    pub async fn settle(&self, user: &TestUser) -> Vec<BotEvent> {
        let Some(first) = self.emu.next_event(user.id, REPLY_TIMEOUT).await else {
            panic!("the bot did not answer user {} within {REPLY_TIMEOUT:?}", user.id);
        };
        self.emu.wait_quiet(user.id, QUIET).await;
        self.plan_now().await;
        let mut events = vec![first];
        events.extend(self.emu.drain_events(user.id));
        events
    }

    /// Waits until the bot has fetched and handled every update sent so far, however long its
    /// retries take, then for silence; returns what it sent to the user meanwhile.
    pub async fn settle_turn(&self, user: &TestUser) -> Vec<BotMessage> {
        let deadline = tokio::time::Instant::now() + TURN_TIMEOUT;
        loop {
            let fetched = self.emu.unconfirmed_updates() == 0;
            if fetched && self.db.pending_updates().await.expect("inbox").is_empty() {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "user {}'s turn took over {TURN_TIMEOUT:?}", user.id);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The pressed keyboard is retired after the turn's last state save.
        self.emu.wait_quiet(user.id, Duration::from_millis(400)).await;
        self.plan_now().await;
        sent(self.emu.drain_events(user.id))
    }

    /// Lets the planner catch up with every change so far (it otherwise runs a moment later).
    pub async fn plan_now(&self) {
        self.app.planner.drain().await.expect("planning");
    }

    /// Waits a while and returns whatever the bot did (possibly nothing).
    pub async fn settle_maybe_silent(&self, user: &TestUser) -> Vec<BotEvent> {
        self.emu.wait_quiet(user.id, Duration::from_millis(600)).await;
        self.plan_now().await;
        self.emu.drain_events(user.id)
    }

    pub async fn send(&self, user: &TestUser, text: &str) -> Vec<BotMessage> {
        self.emu.send_text(user, text);
        sent(self.settle(user).await)
    }

    /// Presses the button whose label contains `label` on the newest message that has it.
    pub async fn press(&self, user: &TestUser, label: &str) -> Vec<BotMessage> {
        let (message_id, data) = self.find_button(user, label);
        self.emu.press_button(user, message_id, &data);
        sent(self.settle(user).await)
    }

    pub fn find_button(&self, user: &TestUser, label: &str) -> (i32, String) {
        let messages = self.emu.messages(user.id);
        // An exact label wins over a partial one ("8.09" must not press "18.09").
        for exact in [true, false] {
            for message in messages.iter().rev() {
                let found = message.buttons().into_iter().find(|button| {
                    button.callback_data.is_some()
                        && if exact { button.text == label } else { button.text.contains(label) }
                });
                if let Some(data) = found.and_then(|button| button.callback_data.clone()) {
                    return (message.message_id, data);
                }
            }
        }
        let labels: Vec<String> =
            messages.iter().flat_map(|m| m.buttons().into_iter().map(|b| b.text.clone())).collect();
        panic!("no button `{label}` for user {}; buttons: {labels:?}", user.id);
    }

    pub async fn share_contact(&self, user: &TestUser, phone: &str) -> Vec<BotMessage> {
        self.emu.share_own_contact(user, phone);
        sent(self.settle(user).await)
    }

    pub async fn state(&self, user: &TestUser) -> Option<State> {
        self.app.dialogues.load::<State>(user.id).await.unwrap()
    }

    /// The whole Telegram contract held: every callback answered, no limit broken.
    pub fn assert_clean(&self) {
        assert!(self.emu.unanswered_callbacks().is_empty(), "unanswered: {:?}", self.emu.unanswered_callbacks());
        let violations: Vec<String> = self
            .emu
            .limit_violations()
            .iter()
            .map(|request| format!("{} {} {}", request.method, request.status, request.response))
            .collect();
        assert!(violations.is_empty(), "limit violations: {violations:#?}");
    }
}

/// The messages among the events (new ones and edits), in order.
pub fn sent(events: Vec<BotEvent>) -> Vec<BotMessage> {
    events
        .into_iter()
        .filter_map(|event| match event {
            BotEvent::Sent(message) => Some(message),
            _ => None,
        })
        .collect()
}

/// Toast texts of the answered callbacks among the events (`None`: answered without one).
pub fn answers(events: &[BotEvent]) -> Vec<Option<String>> {
    events
        .iter()
        .filter_map(|event| match event {
            BotEvent::CallbackAnswered { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

pub fn texts(messages: &[BotMessage]) -> String {
    messages.iter().map(|message| message.text.as_str()).collect::<Vec<_>>().join("\n---\n")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The application aborts its workers when dropped.
        self.running.take();
        self.emu.shutdown();
    }
}
