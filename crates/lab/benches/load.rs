//! Interactive load: many candidates walk the whole journey at once against the real binary,
//! as fast as it answers, and the same traffic against a bare teloxide echo bot (the ceiling
//! of teloxide + HTTP + the emulator on this machine), and against that echo bot making the
//! journey's Bot API calls (`mirror`: answer, retire the keyboard, send), which separates the
//! cost of the Telegram traffic from the bot's own work. Prints figures; asserts nothing.
//!
//! cargo bench --bench load -- [--users 1000] [--seed-candidates 100000] [--phase echo|mirror|journey|both]
//!                             [--timeout-secs 10] [--poll-us 100] [--think-ms 0] [--bot PATH]
//!                             [--count-calls] [--broadcast]
//!
//! By default every user acts again as soon as the bot has answered (a closed loop with no
//! think time): the bots run flat out, and latency is mostly queueing (users / throughput).
//! `--think-ms T` makes each user pause 0.5 T to 1.5 T before each action (starting at a
//! random point of the first pause), to measure latency at a load below the ceiling.
//! `--bot PATH` runs another build of rezerv-bot (e.g. a candidate fix) in the journey.
//! `--count-calls` has the emulator record every request and prints the Bot API calls per
//! update by method (costs memory and some speed: a diagnostic, not a measurement).
//! `--broadcast` queues a broadcast to the `--seed-candidates` before the journeys start, so
//! that the bot sends it (at its configured rate) while it serves them: compare the journeys'
//! latency with and without it.
//!
//! Every user action is one update. Its latency is the time from pushing the update to the
//! bot's first reaction in that chat (a sent message, an edit or a callback answer); the next
//! action starts once the bot has sent the message that carries the next button.
//!
//! One thread ("the pump") reads every waiting chat's events and hands them to the user tasks:
//! a thousand tasks each waiting in `Emulator::next_event` would all wake on every request the
//! bot makes. Its sweep period (printed) bounds the latency resolution.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bot_api_emulator::{BotEvent, BotMessage, Emulator, EmulatorConfig, TestUser};
use chrono::NaiveDate;
use clap::{Parser, ValueEnum};
use rand::RngExt;
use rezerv_bot::config::{Campaign, City, CityKind};
use rezerv_bot::domain::{Lang, Phone, PromoCode, Way};
use rezerv_bot::i18n::Locales;
use rezerv_bot::storage::{Backend, Db};
use rezerv_lab::{cpu_secs, machine_busy_secs, rss_kib};
use rezerv_test_support::db::TempDir;
use rezerv_test_support::phone::phone_in;
use rezerv_test_support::rng;
use tokio::sync::mpsc;

const TODAY: &str = "2023-09-05";
/// Simulated candidates are chats FIRST_USER, FIRST_USER + 1, …
const FIRST_USER: i64 = 10_000_000;
/// The extra candidate rows start here, far from the simulated users.
const FIRST_SEEDED: i64 = 500_000_000;
/// The chat whose `/start` times the start-up.
const PROBE: i64 = 9_999_999;
const MAX_USERS: usize = 10_000;
/// Callback data pressed on the echo bot's messages.
const ECHO_DATA: &str = "echo";
/// The bot's process gets this long to answer the probe.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

// ---- options ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Phase {
    Journey,
    Echo,
    /// The echo bot making the journey's Bot API calls.
    Mirror,
    Both,
}

/// Candidates walking the whole journey at once against the real binary, and the same traffic
/// against bare teloxide echo bots. Prints figures; asserts nothing.
#[derive(Debug, Parser)]
struct Args {
    /// Simulated candidates, all acting at once.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=MAX_USERS as u64))]
    users: u64,
    /// More candidate rows in the database, to make it big.
    #[arg(long, default_value_t = 0)]
    seed_candidates: u64,
    #[arg(long, value_enum, default_value_t = Phase::Both)]
    phase: Phase,
    /// How long an action may wait for the bot (at least 1).
    #[arg(long, default_value_t = 10)]
    timeout_secs: u64,
    /// The event pump's shortest pause between sweeps (at least 10).
    #[arg(long, default_value_t = 100)]
    poll_us: u64,
    /// Each user pauses 0.5 to 1.5 times this before each action.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Another build of rezerv-bot for the journey [default: this profile's, built if needed].
    #[arg(long)]
    bot: Option<PathBuf>,
    /// Have the emulator record every request and print the Bot API calls per update.
    #[arg(long)]
    count_calls: bool,
    /// Queue a broadcast to the seeded candidates first: the journey runs while it is sent.
    #[arg(long, requires = "seed_candidates")]
    broadcast: bool,
    /// This program as the echo bot (what the echo phases run).
    #[arg(long, hide = true)]
    echo_bot: bool,
    /// With `--echo-bot`: make the journey's Bot API calls.
    #[arg(long, hide = true, requires = "echo_bot")]
    mirror: bool,
    /// The journey's database: SQLite, PostgreSQL (a fresh database on the server that
    /// `REZERV_TEST_DATABASE` names; `scripts/test-postgres` starts one), or both in turn.
    #[arg(long, value_enum, default_value_t = Database::Sqlite)]
    database: Database,
    /// Replicas of the bot on PostgreSQL, behind one webhook URL that the emulator spreads
    /// over them as a load balancer; 1 polls, as `run` does by default, unless `--webhook`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=4))]
    replicas: u64,
    /// Updates by webhook (the emulator posts them one at a time, in order) even to one replica.
    #[arg(long)]
    webhook: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Database {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Clone)]
struct Options {
    users: usize,
    seed_candidates: u64,
    phase: Phase,
    timeout: Duration,
    poll: Duration,
    think: Duration,
    bot: PathBuf,
    count_calls: bool,
    broadcast: bool,
    /// The journey's backends, in the order run.
    backends: Vec<Backend>,
    replicas: usize,
    webhook: bool,
}

fn options(args: Args) -> anyhow::Result<Options> {
    let backends = match args.database {
        Database::Sqlite => vec![Backend::Sqlite],
        Database::Postgres => vec![Backend::Postgres],
        Database::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    if backends.contains(&Backend::Postgres) && !TempDir::on_postgres() {
        bail!("--database postgres needs REZERV_TEST_DATABASE: REZERV_TEST_DATABASE=$(scripts/test-postgres)");
    }
    if args.replicas > 1 && backends.contains(&Backend::Sqlite) {
        bail!("--replicas above 1 needs --database postgres: SQLite takes one process (the others stand by)");
    }
    let bot = match args.bot {
        Some(bot) => bot,
        None => rezerv_lab::bot_binary()?,
    };
    Ok(Options {
        users: usize::try_from(args.users)?,
        seed_candidates: args.seed_candidates,
        phase: args.phase,
        timeout: Duration::from_secs(args.timeout_secs.max(1)),
        poll: Duration::from_micros(args.poll_us.max(10)),
        think: Duration::from_millis(args.think_ms),
        bot,
        count_calls: args.count_calls,
        broadcast: args.broadcast,
        backends,
        replicas: usize::try_from(args.replicas)?,
        webhook: args.webhook || args.replicas > 1,
    })
}

// ---- what each simulated candidate does ----

#[derive(Debug, Clone)]
enum Input {
    Text(String),
    /// Press the button with this label on the message the previous action ended with.
    Press(String),
    /// Share one's own contact (the "share my number" keyboard button).
    Contact,
}

/// The message that ends an action: it carries what the next action needs.
#[derive(Debug, Clone)]
enum Expect {
    Button(String),
    ContactKeyboard,
}

#[derive(Debug, Clone)]
struct Action {
    input: Input,
    expect: Expect,
}

#[derive(Debug, Clone)]
struct Plan {
    user: TestUser,
    phone: String,
    actions: Vec<Action>,
}

fn user_id(index: usize) -> i64 {
    FIRST_USER + index as i64
}

/// Half in Kazakh, half in Russian; cities spread over Astana, Almaty, Shymkent and the
/// regional centres; both ways; a test date after today.
fn plans(users: usize, campaign: &Campaign, locales: &Locales) -> anyhow::Result<Vec<Plan>> {
    let today = NaiveDate::parse_from_str(TODAY, "%Y-%m-%d")?;
    let republican: Vec<&City> = campaign.cities_of_kind(CityKind::Republican).collect();
    let regional: Vec<&City> = campaign.cities_of_kind(CityKind::Regional).collect();
    let days: Vec<NaiveDate> = campaign.window.days().filter(|day| *day > today).collect();
    if republican.is_empty() || regional.is_empty() || days.is_empty() {
        bail!("the campaign needs republican and regional cities and test days after {TODAY}");
    }
    let press = |label: &str, expect: Expect| Action { input: Input::Press(label.to_owned()), expect };
    let mut plans = Vec::with_capacity(users);
    for index in 0..users {
        let lang = if index % 2 == 0 { Lang::Kk } else { Lang::Ru };
        let way = if (index / 8) % 2 == 0 { Way::Qrt } else { Way::Qaztest };
        let slot = (index / 2) % (republican.len() + 1);
        let (city, via_regional) = match republican.get(slot) {
            Some(city) => (*city, false),
            None => (regional[(index / 8) % regional.len()], true),
        };
        let t = |id: &str| locales.t(lang, id);
        let city_name = city.name(lang).to_owned();
        let done = t("btn-step-done");
        let way_label = t(&format!("btn-way-{}", way.code()));
        let picker = t("btn-test-date");
        let date = locales.date_short(lang, days[index % days.len()]);

        let mut actions =
            vec![Action { input: Input::Text("/start".into()), expect: Expect::Button(t("language-name")) }];
        if via_regional {
            actions.push(press(&t("language-name"), Expect::Button(t("btn-regional"))));
            actions.push(press(&t("btn-regional"), Expect::Button(city_name.clone())));
        } else {
            actions.push(press(&t("language-name"), Expect::Button(city_name.clone())));
        }
        actions.push(press(&city_name, Expect::Button(way_label.clone())));
        actions.push(press(&way_label, Expect::Button(done.clone())));
        let total = campaign.steps(way).len();
        for step in 1..=total {
            actions
                .push(press(&done, if step < total { Expect::Button(done.clone()) } else { Expect::ContactKeyboard }));
        }
        actions.push(Action { input: Input::Contact, expect: Expect::Button(picker.clone()) });
        actions.push(press(&picker, Expect::Button(date.clone())));
        actions.push(press(&date, Expect::Button(picker.clone())));
        let user = TestUser::new(user_id(index), lang.code());
        plans.push(Plan { user, phone: phone_in(700, index as i64), actions });
    }
    Ok(plans)
}

/// Callback data of the button labelled `label` (an exact label wins over a partial one,
/// so "8.09" never presses "18.09").
fn button_data(message: &BotMessage, label: &str) -> Option<String> {
    let buttons = message.buttons();
    let exact = buttons.iter().find(|b| b.callback_data.is_some() && b.text == label);
    let found = exact.or_else(|| buttons.iter().find(|b| b.callback_data.is_some() && b.text.contains(label)));
    found.and_then(|button| button.callback_data.clone())
}

fn has_keyboard(message: &BotMessage) -> bool {
    !message.inline_keyboard.is_empty() || message.reply_keyboard.is_some()
}

fn matches(expect: &Expect, message: &BotMessage) -> bool {
    match expect {
        Expect::Button(label) => button_data(message, label).is_some(),
        Expect::ContactKeyboard => message.keyboard_buttons().iter().any(|button| button.request_contact),
    }
}

fn labels(message: &BotMessage) -> String {
    let mut labels: Vec<String> = message.buttons().iter().map(|b| b.text.clone()).collect();
    labels.extend(message.keyboard_buttons().iter().map(|b| b.text.clone()));
    format!("{labels:?}")
}

fn issued_code(text: &str) -> Option<String> {
    text.split("<code>").nth(1)?.split("</code>").next().map(str::to_owned)
}

// ---- the two bots ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Journey,
    Echo,
    Mirror,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::Journey => "journey (rezerv-bot)",
            Kind::Echo => "echo (bare teloxide)",
            Kind::Mirror => "echo making the journey's Bot API calls (bare teloxide)",
        }
    }
}

/// The bench binary started with `--echo-bot`: replies to every message with its text and
/// answers every callback query, with the same polling settings as `rezerv-bot run`.
/// A bare teloxide echo bot. With `mirror`, it makes the journey's Bot API calls instead: a
/// pressed button is answered, its keyboard retired and a new message with a button sent,
/// and every reply carries a button; no storage, no texts, no logic.
async fn echo_bot(mirror: bool) -> anyhow::Result<()> {
    use teloxide::payloads::SendMessageSetters;
    use teloxide::prelude::*;
    use teloxide::update_listeners::Polling;

    let token = std::env::var("TELOXIDE_TOKEN").context("TELOXIDE_TOKEN is not set")?;
    let url = std::env::var("TELOXIDE_API_URL").context("TELOXIDE_API_URL is not set")?;
    let bot = Bot::new(token).set_api_url(url.parse().context("TELOXIDE_API_URL is not a URL")?);
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(move |bot: Bot, msg: Message| async move {
            let text = msg
                .text()
                .map(str::to_owned)
                .or_else(|| msg.contact().map(|contact| contact.phone_number.clone()))
                .unwrap_or_else(|| "…".to_owned());
            let request = bot.send_message(msg.chat.id, text);
            match mirror {
                true => request.reply_markup(echo_keyboard()).await?,
                false => request.await?,
            };
            Ok::<(), teloxide::RequestError>(())
        }))
        .branch(Update::filter_callback_query().endpoint(move |bot: Bot, query: CallbackQuery| async move {
            match (mirror, query.regular_message()) {
                (true, Some(message)) => {
                    let (answered, retired) = tokio::join!(
                        bot.answer_callback_query(query.id.clone()).into_future(),
                        bot.edit_message_reply_markup(message.chat.id, message.id).into_future()
                    );
                    answered?;
                    retired?;
                    bot.send_message(message.chat.id, "…").reply_markup(echo_keyboard()).await?;
                }
                _ => {
                    bot.answer_callback_query(query.id).await?;
                }
            }
            Ok::<(), teloxide::RequestError>(())
        }));
    let listener = Polling::builder(bot.clone()).timeout(Duration::from_secs(25)).build();
    Dispatcher::builder(bot, handler)
        .default_handler(|_| async {})
        .error_handler(LoggingErrorHandler::with_custom_text("echo handler error"))
        .build()
        .dispatch_with_listener(listener, LoggingErrorHandler::with_custom_text("update listener error"))
        .await;
    Ok(())
}

fn echo_keyboard() -> teloxide::types::InlineKeyboardMarkup {
    teloxide::types::InlineKeyboardMarkup::new([[teloxide::types::InlineKeyboardButton::callback("·", ECHO_DATA)]])
}

/// Kills (SIGKILL) and reaps the child when dropped, on every exit path.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port free on loopback a moment ago.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The bot (or an echo bot); `webhook`: a replica taking webhooks on that port, behind the
/// emulator's load balancer, instead of polling.
fn spawn_bot(
    kind: Kind,
    bot: &Path,
    emu: &Emulator,
    database_url: &str,
    webhook: Option<u16>,
    stderr: File,
) -> anyhow::Result<ChildGuard> {
    let mut command = match kind {
        Kind::Journey => {
            let mut command = Command::new(bot);
            command.args(["--today", TODAY, "run"]).env("DATABASE_URL", database_url);
            if let Some(port) = webhook {
                command
                    .env("REZERV_WEBHOOK_URL", "https://lb.invalid/hook")
                    .env("REZERV_WEBHOOK_SECRET", "load-secret")
                    .env("REZERV_LISTEN", format!("127.0.0.1:{port}"));
            }
            command
        }
        Kind::Echo | Kind::Mirror => {
            let mut command = Command::new(std::env::current_exe().context("no path to this program")?);
            command.arg("--echo-bot");
            if kind == Kind::Mirror {
                command.arg("--mirror");
            }
            command
        }
    };
    command
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url())
        .env("RUST_LOG", "warn")
        .env_remove("REZERV_CAMPAIGN")
        .env_remove("REZERV_TODAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(stderr));
    Ok(ChildGuard(command.spawn().with_context(|| format!("cannot start the {}", kind.title()))?))
}

// ---- the pump: one reader of the emulator's per-chat event queues ----

struct Inbox {
    chat_id: i64,
    waiting: AtomicBool,
    tx: mpsc::UnboundedSender<(Instant, BotEvent)>,
}

#[derive(Debug, Default, Clone, Copy)]
struct PumpStats {
    sweeps: u64,
    busy: Duration,
    elapsed: Duration,
}

struct Pump {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<PumpStats>>,
}

impl Pump {
    /// Sweeps the waiting chats, then pauses four times as long as the sweep took (so it
    /// takes at most a fifth of a core) and at least `min_pause`.
    fn start(emu: Emulator, inboxes: Arc<Vec<Inbox>>, min_pause: Duration) -> Pump {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut stats = PumpStats::default();
            while !stopped.load(Ordering::Relaxed) {
                let begin = Instant::now();
                for inbox in inboxes.iter() {
                    if !inbox.waiting.load(Ordering::Acquire) {
                        continue;
                    }
                    let events = emu.drain_events(inbox.chat_id);
                    if events.is_empty() {
                        continue;
                    }
                    let at = Instant::now();
                    for event in events {
                        let _ = inbox.tx.send((at, event));
                    }
                }
                let spent = begin.elapsed();
                stats.sweeps += 1;
                stats.busy += spent;
                std::thread::sleep(min_pause.max(spent * 4));
            }
            stats.elapsed = started.elapsed();
            stats
        });
        Pump { stop, thread: Some(thread) }
    }

    fn finish(mut self) -> PumpStats {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().and_then(|thread| thread.join().ok()).unwrap_or_default()
    }
}

impl Drop for Pump {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---- one simulated user ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Timeout,
    MissingButton,
    WrongReply,
}

#[derive(Debug, Default)]
struct Outcome {
    /// (first reaction, end of the action) in microseconds, one per completed action.
    samples: Vec<(u32, u32)>,
    updates: u64,
    code: Option<String>,
    failure: Option<(Failure, String)>,
}

struct Shared {
    kind: Kind,
    emu: Emulator,
    inboxes: Arc<Vec<Inbox>>,
    timeout: Duration,
    think: Duration,
    apologies: Vec<String>,
    actions_done: AtomicU64,
}

enum Next {
    Wait,
    Done(Option<BotMessage>),
    Fail(Failure, String),
}

fn classify(
    kind: Kind,
    action: &Action,
    sent_text: Option<&str>,
    event: BotEvent,
    outcome: &mut Outcome,
    apologies: &[String],
) -> Next {
    match (kind, &action.input, event) {
        (Kind::Echo, Input::Press(_), BotEvent::CallbackAnswered { .. }) => Next::Done(None),
        (Kind::Mirror, Input::Press(_), BotEvent::Sent(message)) => Next::Done(Some(message)),
        (Kind::Echo, Input::Press(_), BotEvent::Sent(message)) => {
            Next::Fail(Failure::WrongReply, format!("a message instead of a callback answer: {}", message.text))
        }
        (Kind::Echo | Kind::Mirror, _, BotEvent::Sent(message)) => match sent_text {
            Some(text) if message.text != text => {
                Next::Fail(Failure::WrongReply, format!("echo of `{text}` was `{}`", message.text))
            }
            _ => Next::Done(Some(message)),
        },
        (Kind::Journey, input, BotEvent::Sent(message)) => {
            if let Some(code) = issued_code(&message.text) {
                outcome.code = Some(code);
            }
            if matches(&action.expect, &message) {
                if matches!(input, Input::Contact) && outcome.code.is_none() {
                    return Next::Fail(Failure::WrongReply, "the contact got no code".into());
                }
                return Next::Done(Some(message));
            }
            if has_keyboard(&message) {
                return Next::Fail(
                    Failure::MissingButton,
                    format!("expected {:?}, got a message with buttons {}", action.expect, labels(&message)),
                );
            }
            if apologies.contains(&message.text) {
                return Next::Fail(Failure::WrongReply, "the bot apologised (a handler failed)".into());
            }
            if matches!(input, Input::Contact) && outcome.code.is_none() {
                return Next::Fail(Failure::WrongReply, format!("the contact got `{}`", message.plain_text()));
            }
            Next::Wait
        }
        _ => Next::Wait,
    }
}

async fn run_user(
    shared: Arc<Shared>,
    index: usize,
    plan: Plan,
    mut rx: mpsc::UnboundedReceiver<(Instant, BotEvent)>,
) -> Outcome {
    let inbox = &shared.inboxes[index];
    inbox.waiting.store(true, Ordering::Release);
    let mut outcome = Outcome { samples: Vec::with_capacity(plan.actions.len()), ..Outcome::default() };
    let mut last: Option<BotMessage> = None;
    let emu = &shared.emu;
    let mut random = rng::seeded(plan.user.id as u64);
    'actions: for (number, action) in plan.actions.iter().enumerate() {
        if !shared.think.is_zero() {
            // A person reads before acting; the first pause spreads the arrivals.
            let unit: f64 = random.random();
            let factor = if number == 0 { unit } else { 0.5 + unit };
            tokio::time::sleep(shared.think.mul_f64(factor)).await;
        }
        let step = format!("action {} ({:?})", number + 1, action.input);
        let started = Instant::now();
        let mut sent_text = None;
        match (&action.input, shared.kind, last.as_ref()) {
            (Input::Text(text), _, _) => {
                sent_text = Some(text.as_str());
                emu.send_text(&plan.user, text);
            }
            (Input::Contact, _, _) => {
                emu.share_own_contact(&plan.user, &plan.phone);
            }
            (Input::Press(label), Kind::Journey, Some(message)) => {
                let Some(data) = button_data(message, label) else {
                    outcome.failure = Some((Failure::MissingButton, format!("{step}: no button `{label}`")));
                    break 'actions;
                };
                emu.press_button(&plan.user, message.message_id, &data);
            }
            (Input::Press(_), Kind::Echo | Kind::Mirror, Some(message)) => {
                emu.press_button(&plan.user, message.message_id, ECHO_DATA);
            }
            (Input::Press(label), _, None) => {
                outcome.failure = Some((Failure::MissingButton, format!("{step}: no message to press `{label}` on")));
                break 'actions;
            }
        }
        outcome.updates += 1;
        let deadline = tokio::time::Instant::from_std(started + shared.timeout);
        let mut first: Option<Instant> = None;
        loop {
            let Ok(Some((at, event))) = tokio::time::timeout_at(deadline, rx.recv()).await else {
                let what = if first.is_some() { "no final reply" } else { "no reaction" };
                outcome.failure = Some((Failure::Timeout, format!("{step}: {what} within {:?}", shared.timeout)));
                break 'actions;
            };
            let first_at = *first.get_or_insert(at);
            match classify(shared.kind, action, sent_text, event, &mut outcome, &shared.apologies) {
                Next::Wait => {}
                Next::Done(message) => {
                    let micros = |t: Instant| u32::try_from(t.duration_since(started).as_micros()).unwrap_or(u32::MAX);
                    outcome.samples.push((micros(first_at), micros(at)));
                    if message.is_some() {
                        last = message;
                    }
                    shared.actions_done.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Next::Fail(kind, why) => {
                    outcome.failure = Some((kind, format!("{step}: {why}")));
                    break 'actions;
                }
            }
        }
    }
    inbox.waiting.store(false, Ordering::Release);
    outcome
}

// ---- one phase ----

#[derive(Debug, Default)]
struct Report {
    users: usize,
    startup_commands: Option<Duration>,
    startup_reply: Duration,
    updates: u64,
    texts: u64,
    presses: u64,
    contacts: u64,
    wall: Duration,
    first: Vec<u32>,
    done: Vec<u32>,
    finished_users: usize,
    timeouts: usize,
    missing_buttons: usize,
    wrong_replies: usize,
    examples: Vec<String>,
    limit_violations: u64,
    unanswered_callbacks: usize,
    codes: Vec<String>,
    codes_in_database: Option<i64>,
    rss_peak_kib: u64,
    rss_end_kib: u64,
    bot_cpu: f64,
    own_cpu: f64,
    /// The whole machine's busy CPU time during the load (a database server's included).
    machine_cpu: f64,
    pump: PumpStats,
    stderr_lines: Vec<String>,
    /// (method, calls, updates returned by getUpdates) with `--count-calls`.
    calls: Vec<(String, u64, u64)>,
    /// With `--broadcast`: its messages delivered while the journeys ran.
    broadcast_delivered: Option<u64>,
}

impl Report {
    fn errors(&self) -> u64 {
        (self.timeouts + self.missing_buttons + self.wrong_replies + self.unanswered_callbacks) as u64
            + self.limit_violations
    }

    fn throughput(&self) -> f64 {
        self.updates as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

fn percentile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

fn latency_line(sorted: &[u32]) -> String {
    if sorted.is_empty() {
        return "n/a (no action completed)".to_owned();
    }
    format!(
        "p50 {:.1}, p95 {:.1}, p99 {:.1}, max {:.1}",
        percentile(sorted, 0.50),
        percentile(sorted, 0.95),
        percentile(sorted, 0.99),
        percentile(sorted, 1.0)
    )
}

/// Seeds a fresh database: every user's phone is eligible and each way has a code per user;
/// `extra` more candidates make the database big, and with `broadcast` get a broadcast.
async fn seed(url: &str, users: usize, extra: u64, broadcast: bool, campaign: &Campaign) -> anyhow::Result<()> {
    let now = campaign.reminder_instant(NaiveDate::parse_from_str(TODAY, "%Y-%m-%d")?);
    let db = Db::connect(url).await?;
    for way in Way::ALL {
        let codes = (0..users)
            .map(|n| PromoCode::parse(&format!("{}-{n:06}", way.code().to_uppercase())))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| anyhow::anyhow!("bad promo code: {err:?}"))?;
        db.import_codes(way, &codes, now).await?;
    }
    let phones = (0..users)
        .map(|n| Phone::parse(&phone_in(700, n as i64)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| anyhow::anyhow!("bad phone: {err:?}"))?;
    db.import_eligible(&phones, now).await?;
    let ids: Vec<i64> = (0..extra).map(|n| FIRST_SEEDED + n as i64).collect();
    for chunk in ids.chunks(10_000) {
        db.add_candidates(chunk, Lang::Ru, now).await?;
    }
    if broadcast {
        let audience = rezerv_bot::storage::Audience::default();
        let text = "<b>Назар аударыңыз</b>: QAZTEST өтінімдерін қабылдау мерзімі жақындап қалды.";
        let broadcast = rezerv_bot::storage::NewBroadcast {
            segment: "all",
            audience: &audience,
            text_kk: text,
            text_ru: text,
            actor: rezerv_bot::storage::Actor::cli(),
        };
        db.queue_broadcast(&broadcast, now).await?;
    }
    db.close().await;
    Ok(())
}

async fn run_phase(
    (kind, backend): (Kind, Backend),
    options: &Options,
    plans: &[Plan],
    dir: &TempDir,
    apologies: &[String],
) -> anyhow::Result<Report> {
    let mut report = Report { users: plans.len(), ..Report::default() };
    let emu = Emulator::start(EmulatorConfig {
        rate_limits: None,
        record_requests: options.count_calls,
        keep_messages: true,
        ..EmulatorConfig::default()
    })
    .await?;
    let database = dir.path().join(match kind {
        Kind::Journey => "journey.db",
        Kind::Echo | Kind::Mirror => "unused.db",
    });
    // On PostgreSQL, a fresh database on the server, dropped with the phase.
    let server_database = (kind == Kind::Journey && backend == Backend::Postgres).then(TempDir::new);
    let url = match &server_database {
        Some(server_database) => server_database.database_url(),
        None => format!("sqlite://{}", database.display()),
    };
    if kind == Kind::Journey {
        let seeding = Instant::now();
        seed(&url, plans.len(), options.seed_candidates, options.broadcast, &Campaign::embedded()?).await?;
        if options.broadcast {
            for n in 0..options.seed_candidates {
                emu.register_user(&TestUser::new(FIRST_SEEDED + n as i64, "ru"));
            }
        }
        println!(
            "  seeded {} eligible phones, {} codes per way and {} more candidates in {:.1} s",
            plans.len(),
            plans.len(),
            options.seed_candidates,
            seeding.elapsed().as_secs_f64()
        );
    }
    let stderr_path = dir.path().join(format!("{kind:?}-stderr.log"));

    // Start-up: from the spawn until the probe's /start (queued at once) is answered.
    let probe = TestUser::new(PROBE, "ru");
    let spawned = Instant::now();
    let replicas = if kind == Kind::Journey { options.replicas } else { 1 };
    let ports: Vec<Option<u16>> = (0..replicas)
        .map(|_| if kind == Kind::Journey && options.webhook { free_port().map(Some) } else { Ok(None) })
        .collect::<anyhow::Result<_>>()?;
    let mut bots = Vec::with_capacity(replicas);
    for (n, port) in ports.iter().enumerate() {
        let stderr = File::create(stderr_path.with_extension(format!("{n}.log")))?;
        bots.push(spawn_bot(kind, &options.bot, &emu, &url, *port, stderr)?);
    }
    if options.webhook && kind == Kind::Journey {
        emu.spread_webhooks(ports.iter().flatten().map(|port| format!("http://127.0.0.1:{port}/hook")).collect());
    }
    let pids: Vec<String> = bots.iter().map(|bot| bot.0.id().to_string()).collect();
    let bots_cpu = || pids.iter().map(|pid| cpu_secs(pid)).sum::<f64>();
    emu.send_text(&probe, "/start");
    loop {
        if report.startup_commands.is_none() && !emu.commands(Some("kk")).is_empty() {
            report.startup_commands = Some(spawned.elapsed());
        }
        if !emu.drain_events(PROBE).is_empty() {
            report.startup_reply = spawned.elapsed();
            break;
        }
        for (n, bot) in bots.iter_mut().enumerate() {
            if let Some(status) = bot.0.try_wait()? {
                let log = stderr_path.with_extension(format!("{n}.log"));
                bail!("the {} exited during start-up ({status}): {}", kind.title(), tail(&log).join(" | "));
            }
        }
        if spawned.elapsed() > STARTUP_LIMIT {
            bail!("the {} did not answer /start within {STARTUP_LIMIT:?}", kind.title());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    emu.wait_quiet(PROBE, Duration::from_millis(100)).await;

    // The load.
    let mut receivers = Vec::with_capacity(plans.len());
    let inboxes: Vec<Inbox> = plans
        .iter()
        .map(|plan| {
            let (tx, rx) = mpsc::unbounded_channel();
            receivers.push(rx);
            Inbox { chat_id: plan.user.id, waiting: AtomicBool::new(false), tx }
        })
        .collect();
    let inboxes = Arc::new(inboxes);
    let shared = Arc::new(Shared {
        kind,
        emu: emu.clone(),
        inboxes: inboxes.clone(),
        timeout: options.timeout,
        think: options.think,
        apologies: apologies.to_vec(),
        actions_done: AtomicU64::new(0),
    });
    let pump = Pump::start(emu.clone(), inboxes, options.poll);
    let bot_cpu_before = bots_cpu();
    let machine_cpu_before = machine_busy_secs();
    let own_cpu_before = cpu_secs("self");
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (plan, rx)) in plans.iter().cloned().zip(receivers).enumerate() {
        tasks.spawn(run_user(shared.clone(), index, plan, rx));
    }
    let progress = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(
                tokio::time::Instant::now() + Duration::from_secs(10),
                Duration::from_secs(10),
            );
            loop {
                tick.tick().await;
                println!(
                    "  {:>5.0} s: {} actions done",
                    started.elapsed().as_secs_f64(),
                    shared.actions_done.load(Ordering::Relaxed)
                );
            }
        })
    };
    let mut outcomes = Vec::with_capacity(plans.len());
    while let Some(joined) = tasks.join_next().await {
        outcomes.push(joined.context("a user task panicked")?);
    }
    report.wall = started.elapsed();
    progress.abort();
    report.bot_cpu = bots_cpu() - bot_cpu_before;
    report.machine_cpu = machine_busy_secs() - machine_cpu_before;
    if replicas > 1 {
        let db = Db::connect(&url).await?;
        let shares = db.updates_by_replica().await?;
        db.close().await;
        let total: i64 = shares.iter().map(|(_, n)| n).sum();
        let shown: Vec<String> = shares
            .iter()
            .map(|(replica, n)| {
                format!("{} {n} ({:.1}%)", replica.as_deref().unwrap_or("-"), *n as f64 * 100.0 / total.max(1) as f64)
            })
            .collect();
        println!("  updates received and handled per replica: {}", shown.join(", "));
    }
    report.own_cpu = cpu_secs("self") - own_cpu_before;
    report.pump = pump.finish();

    for plan in plans {
        for action in &plan.actions {
            match action.input {
                Input::Text(_) => report.texts += 1,
                Input::Press(_) => report.presses += 1,
                Input::Contact => report.contacts += 1,
            }
        }
    }
    for outcome in outcomes {
        report.updates += outcome.updates;
        report.first.extend(outcome.samples.iter().map(|s| s.0));
        report.done.extend(outcome.samples.iter().map(|s| s.1));
        report.codes.extend(outcome.code);
        match outcome.failure {
            None => report.finished_users += 1,
            Some((failure, why)) => {
                match failure {
                    Failure::Timeout => report.timeouts += 1,
                    Failure::MissingButton => report.missing_buttons += 1,
                    Failure::WrongReply => report.wrong_replies += 1,
                }
                if report.examples.len() < 5 && !report.examples.contains(&why) {
                    report.examples.push(why);
                }
            }
        }
    }
    report.first.sort_unstable();
    report.done.sort_unstable();
    report.limit_violations = emu.limit_violation_count();
    report.unanswered_callbacks = emu.unanswered_callbacks().len();
    if options.broadcast {
        report.broadcast_delivered =
            Some(emu.delivered_counts().iter().filter(|(chat, _)| **chat >= FIRST_SEEDED).map(|(_, n)| n).sum());
    }
    if options.count_calls {
        let mut calls: std::collections::BTreeMap<String, (u64, u64)> = std::collections::BTreeMap::new();
        for request in emu.requests() {
            let entry = calls.entry(request.method.clone()).or_default();
            entry.0 += 1;
            entry.1 += request.response.get("result").and_then(|r| r.as_array()).map_or(0, |r| r.len() as u64);
        }
        report.calls = calls.into_iter().map(|(method, (count, returned))| (method, count, returned)).collect();
    }
    // Memory: the largest replica's.
    for bot in &bots {
        if let Some((current, peak)) = rss_kib(bot.0.id()) {
            report.rss_end_kib = report.rss_end_kib.max(current);
            report.rss_peak_kib = report.rss_peak_kib.max(peak);
        }
    }
    drop(bots);
    emu.shutdown();
    report.stderr_lines = tail(&stderr_path.with_extension("0.log"));
    if kind == Kind::Journey {
        let db = Db::connect(&url).await?;
        report.codes_in_database = Some(db.stats().await?.codes_issued);
        db.close().await;
    }
    Ok(report)
}

/// The first lines the child wrote to stderr (its warnings and errors).
fn tail(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().map(strip_ansi).collect()
}

/// The line without terminal colour codes (`ESC [ … m`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        if ch == '\u{1b}' {
            for code in chars.by_ref() {
                if code.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(ch);
        }
    }
    out
}

fn print_report(kind: Kind, report: &Report) {
    let mb = |kib: u64| kib as f64 / 1024.0;
    println!("{}: {} users", kind.title(), report.users);
    match report.startup_commands {
        Some(commands) => println!(
            "  start-up:            command menu set after {} ms, the probe's /start answered after {} ms",
            commands.as_millis(),
            report.startup_reply.as_millis()
        ),
        None => {
            println!("  start-up:            the probe's /start answered after {} ms", report.startup_reply.as_millis())
        }
    }
    println!(
        "  updates:             {} ({} texts, {} button presses, {} contacts planned) in {:.2} s = {:.1} updates/s",
        report.updates,
        report.texts,
        report.presses,
        report.contacts,
        report.wall.as_secs_f64(),
        report.throughput()
    );
    println!("  first reaction (ms): {}", latency_line(&report.first));
    println!("  whole action (ms):   {}", latency_line(&report.done));
    println!(
        "  errors:              {} (timeouts {}, missing buttons {}, wrong replies {}; emulator: {} limit violations, {} unanswered callbacks); {} of {} users finished",
        report.errors(),
        report.timeouts,
        report.missing_buttons,
        report.wrong_replies,
        report.limit_violations,
        report.unanswered_callbacks,
        report.finished_users,
        report.users
    );
    for example in &report.examples {
        println!("    e.g. {example}");
    }
    if kind == Kind::Journey {
        let unique: HashSet<&String> = report.codes.iter().collect();
        println!(
            "  codes:               {} issued in replies, {} unique; the database counts {} issued",
            report.codes.len(),
            unique.len(),
            report.codes_in_database.map_or_else(|| "?".to_owned(), |n| n.to_string())
        );
    }
    if let Some(delivered) = report.broadcast_delivered {
        println!(
            "  broadcast:           {delivered} delivered meanwhile = {:.2}/s (configured: REZERV_SEND_RATE, 25 by default)",
            delivered as f64 / report.wall.as_secs_f64().max(1e-9)
        );
    }
    println!(
        "  bot RSS:             peak (VmHWM) {:.1} MB, at the end {:.1} MB",
        mb(report.rss_peak_kib),
        mb(report.rss_end_kib)
    );
    println!(
        "  CPU during the load: bot {:.2} s ({:.0} µs per update), emulator + load generator {:.2} s, of {:.2} s x 2 cores",
        report.bot_cpu,
        report.bot_cpu * 1e6 / report.updates.max(1) as f64,
        report.own_cpu,
        report.wall.as_secs_f64()
    );
    println!(
        "  machine CPU:         {:.2} s busy; beyond the bot and this program {:.2} s ({:.0} µs per update): the \
         database server on PostgreSQL, and anything else running",
        report.machine_cpu,
        (report.machine_cpu - report.bot_cpu - report.own_cpu).max(0.0),
        (report.machine_cpu - report.bot_cpu - report.own_cpu).max(0.0) * 1e6 / report.updates.max(1) as f64
    );
    if !report.calls.is_empty() {
        let per_update = |n: u64| n as f64 / report.updates.max(1) as f64;
        let line: Vec<String> = report
            .calls
            .iter()
            .map(|(method, count, returned)| {
                if method == "getupdates" {
                    format!(
                        "{method} {:.2} (returning {:.1} updates per update pushed)",
                        per_update(*count),
                        per_update(*returned)
                    )
                } else {
                    format!("{method} {:.2}", per_update(*count))
                }
            })
            .collect();
        println!("  Bot API calls per update: {}", line.join(", "));
    }
    let pump = report.pump;
    if pump.sweeps > 0 {
        println!(
            "  event pump:          {} sweeps, {:.0} µs each, one every {:.0} µs (latency resolution)",
            pump.sweeps,
            pump.busy.as_secs_f64() * 1e6 / pump.sweeps as f64,
            pump.elapsed.as_secs_f64() * 1e6 / pump.sweeps as f64
        );
    }
    if !report.stderr_lines.is_empty() {
        let count = |level: &str| report.stderr_lines.iter().filter(|line| line.contains(level)).count();
        println!(
            "  bot stderr:          {} lines ({} WARN, {} ERROR), the first ones:",
            report.stderr_lines.len(),
            count(" WARN "),
            count(" ERROR ")
        );
        for line in report.stderr_lines.iter().take(3) {
            let line: String = line.chars().take(200).collect();
            println!("    {line}");
        }
    }
    println!();
}

async fn run(options: Options, dir: &TempDir) -> anyhow::Result<()> {
    let campaign = Campaign::embedded()?;
    let locales = Locales::load()?;
    let plans = plans(options.users, &campaign, &locales)?;
    let apologies: Vec<String> = Lang::ALL.iter().map(|lang| locales.t(*lang, "error-apology")).collect();
    let updates: usize = plans.iter().map(|plan| plan.actions.len()).sum();
    println!(
        "{} simulated candidates, {} updates in all ({:.1} each), timeout {:?} per action, {}; {} more candidates in the database",
        plans.len(),
        updates,
        updates as f64 / plans.len() as f64,
        options.timeout,
        if options.think.is_zero() {
            "no think time".to_owned()
        } else {
            format!("think time {} ms ± 50%", options.think.as_millis())
        },
        options.seed_candidates
    );
    println!();
    let mut reports = Vec::new();
    let mut phases: Vec<(Kind, Backend)> = options.backends.iter().map(|backend| (Kind::Journey, *backend)).collect();
    phases.extend([(Kind::Echo, Backend::Sqlite), (Kind::Mirror, Backend::Sqlite)]);
    for (kind, backend) in phases {
        let phase = match kind {
            Kind::Journey => Phase::Journey,
            Kind::Echo => Phase::Echo,
            Kind::Mirror => Phase::Mirror,
        };
        if options.phase == phase || options.phase == Phase::Both {
            match kind {
                Kind::Journey => println!(
                    "{} on {backend}, {} replica(s), updates by {} ...",
                    kind.title(),
                    options.replicas,
                    if options.webhook { "webhook" } else { "long polling" }
                ),
                _ => println!("{} ...", kind.title()),
            }
            let report = run_phase((kind, backend), &options, &plans, dir, &apologies).await?;
            print_report(kind, &report);
            reports.push((kind, report));
        }
    }
    let journeys: Vec<&Report> =
        reports.iter().filter(|(kind, _)| *kind == Kind::Journey).map(|(_, report)| report).collect();
    if let [sqlite, postgres] = journeys.as_slice() {
        let rate = |report: &Report| report.updates as f64 / report.wall.as_secs_f64().max(f64::EPSILON);
        println!(
            "PostgreSQL / SQLite throughput: {:.0} / {:.0} updates/s = {:.2} (goal: at least 0.7)",
            rate(postgres),
            rate(sqlite),
            rate(postgres) / rate(sqlite)
        );
    }
    let report_of = |wanted: Kind| reports.iter().find(|(kind, _)| *kind == wanted).map(|(_, report)| report);
    let (journey, echo, mirror) = (report_of(Kind::Journey), report_of(Kind::Echo), report_of(Kind::Mirror));
    if let Some(journey) = journey {
        println!("against the goals:");
        println!(
            "  start-up with {} candidates:  {} ms (goal: within 1000 ms with 100000)",
            options.seed_candidates + options.users as u64,
            journey.startup_reply.as_millis()
        );
        let ceilings = [
            (echo, "echo:  ", " (goal: at least 0.5)"),
            (mirror, "echo making the journey's calls:", " (what the bot's own work costs)"),
        ];
        for (ceiling, name, note) in ceilings {
            let Some(ceiling) = ceiling else { continue };
            println!(
                "  throughput, journey / {name} {:.1} / {:.1} = {:.2}{note}{}",
                journey.throughput(),
                ceiling.throughput(),
                journey.throughput() / ceiling.throughput().max(1e-9),
                if options.think.is_zero() { "" } else { "; with think time both are the offered load" }
            );
        }
        println!(
            "  p99 first reaction:           {:.1} ms at {} users (goal: 20 ms at 1000 users){}",
            percentile(&journey.first, 0.99),
            journey.users,
            if options.think.is_zero() {
                format!(
                    "; with no think time, users / throughput alone is {:.0} ms of queueing",
                    journey.users as f64 * 1000.0 / journey.throughput().max(1e-9)
                )
            } else {
                String::new()
            }
        );
        println!("  bot peak RSS:                 {:.1} MB (goal: 64 MB)", journey.rss_peak_kib as f64 / 1024.0);
        println!("  errors:                       {}", journey.errors());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.echo_bot {
        return echo_bot(args.mirror).await;
    }
    let options = options(args)?;
    let dir = TempDir::new();
    // Ctrl-C drops the run: its guards kill the bots and stop the pump; `dir` goes after.
    tokio::select! {
        result = run(options, &dir) => result,
        _ = tokio::signal::ctrl_c() => bail!("interrupted"),
    }
}
