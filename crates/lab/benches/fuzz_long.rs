//! The long fuzz run: a million random updates through the real dispatcher, in-process,
//! against the emulator in load mode, from many users at once. The same kinds of updates as
//! `tests/fuzz.rs` (drawn from a seeded PRNG, without shrinking), the same invariants checked
//! at every checkpoint and at the end. Prints counts; exits 1 if an invariant broke.
//!
//! cargo bench --bench fuzz_long -- [--updates 1000000] [--users 200] [--seed 1]
//!                                  [--check-every 100000]
//!
//! Each user task plays one candidate after another: a new chat with an eligible phone of its
//! own, 10-80 actions in batches of 1-4 sent without waiting (bursts and double taps happen),
//! each batch closed by a barrier (a callback no button carries: one chat's updates are
//! handled in order, so its answer means the batch is done). Among the actions, Trouble is no
//! update: Telegram fails the chat's next send or button answer (a 429, a 500, a dropped
//! connection), whichever update's turn makes it; a batch meets at most `SURVIVABLE_FAULTS`
//! of them, so no reply may be lost to them. The emulator keeps no message bodies, so "the
//! current button" is derived from the stored state, and replayed buttons are ones pressed
//! earlier. At a checkpoint every user pauses between batches, the clock moves to another
//! campaign day, and everything is checked:
//!
//! - no reply lost: every message from a user who has not blocked the bot got a reply, and
//!   the bot never apologized (every batch's requests had retries to spare);
//! - every callback query answered, none twice; no 400 or 429 of the bot's own making (load
//!   mode never reports "message is not modified", so every one counts; injected faults are
//!   Telegram's); the dispatcher answers a probe /help;
//! - no code held twice, issued codes = codes linked to eligible people, every held code is
//!   the one linked to the holder's phone;
//! - every stored dialogue state deserializes (none is `Lost`);
//! - at the end of each candidate: after unblocking, /help and /start both answer.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bot_api_emulator::{Emulator, EmulatorConfig, TestUser};
use chrono::NaiveDate;
use clap::Parser;
use rand::RngExt;
use rezerv_bot::bot::{App, State};
use rezerv_bot::clock::ManualClock;
use rezerv_bot::config::{Campaign, CityKind};
use rezerv_bot::domain::{Lang, Phone, PromoCode, Way};
use rezerv_bot::startup::Application;
use rezerv_test_support::app::{emulator_settings, morning};
use rezerv_test_support::db::TempDir;
use rezerv_test_support::fuzz::{Action, Draws, On, SURVIVABLE_FAULTS, Spelling, Trouble, spelled};
use rezerv_test_support::invariants;
use rezerv_test_support::phone::phone_of;
use rezerv_test_support::rng::{self, Seeded};
use tokio::sync::{RwLock, oneshot};

const BARRIER: &str = "fuzz:barrier";
/// Candidates are chats FIRST_USER, FIRST_USER + 1, …; their phones are +7701 and the last
/// seven digits of the chat id, so every candidate has a phone of their own.
const FIRST_USER: i64 = 20_000_000;
/// The chat that sends /help at every checkpoint.
const PROBE: i64 = 19_999_999;
/// How long the bot may take to finish a batch before the run calls it stuck. A batch may wait
/// behind other chats' fault retries on its dispatcher worker (up to ~17 s for a turn that
/// meets three 500s), and on its own.
const STUCK: Duration = Duration::from_secs(90);
/// Campaign days the checkpoints cycle through: mostly inside the window with everything
/// open; also before it, after the QAZTEST cutoff outside Astana, the last day, after the end.
const DAYS: [&str; 6] = ["2023-09-05", "2023-08-25", "2023-09-05", "2023-09-18", "2023-09-22", "2023-09-25"];
/// At most this many violation messages are kept for the report (all are counted).
const KEEP_VIOLATIONS: usize = 20;

// ---- options ----

/// A million random updates through the real dispatcher, the invariants checked as it goes.
#[derive(Debug, Clone, Parser)]
struct Options {
    /// Random updates to send (barriers and each candidate's final /help and /start apart).
    #[arg(long, default_value_t = 1_000_000)]
    updates: u64,
    /// Users acting at once.
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Seed of every random draw: a seed replays a run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Random updates between checkpoints.
    #[arg(long, default_value_t = 100_000)]
    check_every: u64,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn options() -> Options {
    let options = Options::parse();
    Options { users: options.users.max(1), check_every: options.check_every.max(1), ..options }
}

// ---- the lab's own random choices (the actions are drawn from the shared strategies) ----

fn pick<'a, T>(rng: &mut Seeded, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn chance(rng: &mut Seeded, percent: u32) -> bool {
    rng.random_ratio(percent, 100)
}

const SPELLINGS: [Spelling; 3] = [Spelling::E164, Spelling::Telegram, Spelling::Local];
/// Counted apart from the random updates: the end of each candidate, and the barriers.
const FINAL: &str = "final /help /start";
const BARRIER_KIND: &str = "barrier";

/// Everything the user tasks share.
struct Shared {
    emu: Emulator,
    app: Arc<App>,
    clock: Arc<ManualClock>,
    options: Options,
    /// Random updates pushed (the target counts these; barriers and the final /help and /start
    /// of each candidate are counted apart).
    sent: AtomicU64,
    /// Updates sent, by the action's kind.
    kinds: Mutex<BTreeMap<&'static str, u64>>,
    presses: AtomicU64,
    candidates: AtomicU64,
    next_user: AtomicI64,
    stop: AtomicBool,
    /// Users hold it for reading during a batch; a checkpoint takes it for writing.
    gate: RwLock<()>,
    /// Barrier callback ids waited for, resolved by the watcher once answered.
    waiters: Mutex<HashMap<String, oneshot::Sender<()>>>,
    violations: AtomicU64,
    violation_notes: Mutex<Vec<String>>,
    /// Faults injected (not updates), by kind.
    faults: Mutex<BTreeMap<&'static str, u64>>,
    /// Troubles not injected: the batch had all the faults it can survive already.
    faults_held_back: AtomicU64,
    /// Messages without a reply, and apologies: replies lost.
    lost_replies: AtomicU64,
}

impl Shared {
    fn count(&self, kind: &'static str, updates: u64) {
        *self.kinds.lock().unwrap().entry(kind).or_default() += updates;
        if kind != BARRIER_KIND && kind != FINAL {
            self.sent.fetch_add(updates, Ordering::Relaxed);
        }
    }

    fn violation(&self, note: String) {
        self.violations.fetch_add(1, Ordering::Relaxed);
        let mut notes = self.violation_notes.lock().unwrap();
        if notes.len() < KEEP_VIOLATIONS {
            eprintln!("VIOLATION: {note}");
            notes.push(note);
        }
    }

    /// A batch's Trouble: injected unless the batch has met `exposure` faults already, as many
    /// as its replies can survive. Returns whether it was injected.
    fn trouble(&self, chat: i64, trouble: &Trouble, exposure: usize) -> bool {
        if exposure >= SURVIVABLE_FAULTS {
            self.faults_held_back.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        trouble.inject(&self.emu, chat);
        *self.faults.lock().unwrap().entry(trouble.kind()).or_default() += 1;
        true
    }

    /// Replies lost in a chat: `missing` messages got none, `apologies` apologized instead.
    fn lost(&self, user: i64, missing: u64, apologies: u64, what: &str) {
        if missing + apologies == 0 {
            return;
        }
        self.lost_replies.fetch_add(missing + apologies, Ordering::Relaxed);
        self.violation(format!("user {user}: {what}: {missing} messages without a reply, {apologies} apologies"));
    }

    fn press(&self, user: &TestUser, message_id: i32, data: &str) -> String {
        self.presses.fetch_add(1, Ordering::Relaxed);
        self.emu.press_button(user, message_id, data)
    }

    /// Presses the barrier and waits until the bot answered it: every update of the chat
    /// before it is handled then. False if the bot got stuck.
    async fn barrier(&self, user: &TestUser) -> bool {
        let id = self.press(user, 0, BARRIER);
        self.count(BARRIER_KIND, 1);
        let (done, answered) = oneshot::channel();
        // Registered after the press: the watcher's next look at the unanswered list is
        // taken under the same lock, so it sees the barrier if it is still pending.
        self.waiters.lock().unwrap().insert(id, done);
        tokio::time::timeout(STUCK, answered).await.is_ok()
    }

    /// Resolves the barriers that were answered (one look at the emulator for all users).
    async fn watch(self: Arc<Self>) {
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let mut waiters = self.waiters.lock().unwrap();
            if waiters.is_empty() {
                continue;
            }
            let pending: HashSet<String> = self.emu.unanswered_callbacks().into_iter().collect();
            let done: Vec<String> = waiters.keys().filter(|id| !pending.contains(*id)).cloned().collect();
            for id in done {
                if let Some(sender) = waiters.remove(&id) {
                    let _ = sender.send(());
                }
            }
        }
    }
}

/// One candidate's chat, as the user task sees it.
struct Chat {
    user: TestUser,
    /// The candidate's eligible phone, E.164.
    phone: String,
    other_phone: String,
    /// Ids of the user's own messages (the newest few).
    own: Vec<i32>,
    /// How many messages the user has sent: with the bot's delivered count, the newest id.
    own_count: i32,
    /// Buttons pressed before, for replays.
    old: Vec<(i32, String)>,
    kicked: bool,
}

impl Chat {
    fn newest_id(&self, shared: &Shared) -> i32 {
        self.own_count + i32::try_from(shared.emu.delivered_count(self.user.id)).unwrap_or(i32::MAX)
    }

    fn sent(&mut self, id: i32) {
        self.own_count += 1;
        self.own.push(id);
        if self.own.len() > 50 {
            self.own.remove(0);
        }
    }

    fn remember(&mut self, id: i32, data: &str) {
        self.old.push((id, data.to_owned()));
        if self.old.len() > 50 {
            self.old.remove(0);
        }
    }
}

/// The buttons the current prompt of `state` carries, the one that moves on first.
fn current_buttons(shared: &Shared, state: &State, rng: &mut Seeded) -> Vec<String> {
    let campaign = &shared.app.campaign;
    let city_of = |kind: CityKind, rng: &mut Seeded| {
        let cities: Vec<&str> = campaign.cities_of_kind(kind).map(|city| city.id.as_str()).collect();
        format!("c:{}", pick(rng, &cities))
    };
    match state {
        State::Start | State::Lost => vec![format!("l:{}", pick(rng, &Lang::ALL).code())],
        State::City { .. } => {
            if chance(rng, 50) {
                vec![city_of(CityKind::Republican, rng), "rg".into()]
            } else {
                vec!["rg".into(), city_of(CityKind::Republican, rng)]
            }
        }
        State::RegionalCity { .. } => vec![city_of(CityKind::Regional, rng), "cb".into()],
        State::Way { .. } => vec![format!("w:{}", pick(rng, &Way::ALL).code()), "cc".into()],
        State::Step { step, .. } => vec![format!("sd:{step}"), format!("sb:{step}")],
        State::Contact { .. } => Vec::new(),
        State::Ready { .. } => {
            let days: Vec<NaiveDate> = campaign.window.days().collect();
            let day = pick(rng, &days).format("%Y%m%d");
            let mut buttons = vec!["ap".into(), "dp".into(), format!("td:{day}"), "st".into(), "cc".into()];
            let first = rng.random_range(0..buttons.len());
            buttons.swap(0, first);
            buttons
        }
        State::ConfirmForget { .. } => {
            // Mostly "no": a "yes" ends the candidate's data.
            if chance(rng, 70) { vec!["fn".into(), "fy".into()] } else { vec!["fy".into(), "fn".into()] }
        }
    }
}

/// Does one action; returns how many messages the bot must answer. The emulator keeps no
/// messages here, so a current button is derived from the stored state (the one that moves on,
/// most of the time) and the action's index is not used for it.
async fn act(shared: &Shared, chat: &mut Chat, action: &Action, rng: &mut Seeded, draws: &mut Draws) -> usize {
    let emu = &shared.emu;
    let user = chat.user.clone();
    let mut updates = 1;
    let mut messages = usize::from(action.is_message());
    match action {
        Action::Text(text) | Action::Command(text) => chat.sent(emu.send_text(&user, text)),
        Action::Sticker => chat.sent(emu.send_sticker(&user)),
        Action::Photo => chat.sent(emu.send_photo(&user)),
        Action::Voice => chat.sent(emu.send_voice(&user)),
        Action::OwnContact(spelling) => {
            let phone = spelled(&chat.phone, *spelling);
            chat.sent(emu.share_own_contact(&user, &phone));
        }
        Action::IneligibleContact(phone) => chat.sent(emu.share_own_contact(&user, phone)),
        Action::ForgedContact { own_phone, claimed } => {
            let phone = if *own_phone { chat.phone.clone() } else { chat.other_phone.clone() };
            chat.sent(emu.share_forged_contact(&user, &phone, *claimed));
        }
        Action::PressCurrent(_) | Action::DoubleTap(_) => {
            let state = shared.app.dialogues.load::<State>(user.id).await.ok().flatten().unwrap_or_default();
            if let State::Contact { .. } = state {
                // The contact prompt's buttons are a reply keyboard: share, or go back.
                messages = 1;
                if chance(rng, 70) {
                    let phone = spelled(&chat.phone, *pick(rng, &SPELLINGS));
                    chat.sent(emu.share_own_contact(&user, &phone));
                } else {
                    let back = shared.app.locales.t(*pick(rng, &Lang::ALL), "btn-back-keyboard");
                    chat.sent(emu.send_text(&user, &back));
                }
            } else {
                let buttons = current_buttons(shared, &state, rng);
                // The button that moves on, most of the time.
                let data = if chance(rng, 70) { buttons[0].clone() } else { pick(rng, &buttons).clone() };
                let message_id = chat.newest_id(shared);
                let taps = if matches!(action, Action::DoubleTap(_)) { 2 } else { 1 };
                for _ in 0..taps {
                    shared.press(&user, message_id, &data);
                }
                updates = taps;
                chat.remember(message_id, &data);
            }
        }
        Action::PressOld(nth) => {
            let (message_id, data) = match chat.old.get(nth % chat.old.len().max(1)) {
                Some(old) => old.clone(),
                None => match draws.valid_looking() {
                    Ok(data) => (chat.newest_id(shared), data),
                    Err(reason) => {
                        shared.violation(format!("user {}: cannot draw callback data: {reason}", user.id));
                        return 0;
                    }
                },
            };
            shared.press(&user, message_id, &data);
        }
        Action::Keyboard(nth) => {
            let state = shared.app.dialogues.load::<State>(user.id).await.ok().flatten();
            if matches!(state, Some(State::Contact { .. })) && nth % 2 == 0 {
                let phone = spelled(&chat.phone, Spelling::Telegram);
                chat.sent(emu.share_own_contact(&user, &phone));
            } else {
                let back = shared.app.locales.t(*pick(rng, &Lang::ALL), "btn-back-keyboard");
                chat.sent(emu.send_text(&user, &back));
            }
        }
        Action::Callback { data, on } => {
            let newest = chat.newest_id(shared);
            let message_id = match on {
                On::Latest => newest,
                On::Seen(nth) => {
                    let seen = usize::try_from(newest.max(1)).unwrap_or(1);
                    i32::try_from(nth % seen).map_or(1, |earlier| earlier + 1)
                }
                On::Own(nth) => chat.own.get(nth % chat.own.len().max(1)).copied().unwrap_or(1),
                On::Unknown => 999_999,
            };
            shared.press(&user, message_id, data);
        }
        Action::Edit { nth, text } => {
            let message_id = chat.own.get(nth % chat.own.len().max(1)).copied().unwrap_or(1);
            emu.edit_text(&user, message_id, text);
        }
        Action::Kicked => {
            emu.set_member_status(&user, "kicked");
            chat.kicked = true;
        }
        Action::Member => {
            emu.set_member_status(&user, "member");
            chat.kicked = false;
        }
        // Injected by the batch, which knows how many faults it has met.
        Action::Trouble(_) => return 0,
    }
    shared.count(action.kind(), updates as u64);
    messages
}

/// One candidate from the first update to the last; false once the run should stop.
async fn candidate(shared: &Shared, rng: &mut Seeded, draws: &mut Draws) {
    let id = shared.next_user.fetch_add(1, Ordering::Relaxed);
    shared.candidates.fetch_add(1, Ordering::Relaxed);
    let language_code = *pick(rng, &[Some("kk"), Some("ru"), Some("en"), None]);
    let user = TestUser { language_code: language_code.map(str::to_owned), ..TestUser::new(id, None) };
    let phone = phone_of(id);
    let parsed = Phone::parse(&phone).expect("a valid phone");
    if let Err(err) = shared.app.db.import_eligible(&[parsed], clock_now(&shared.clock)).await {
        shared.violation(format!("user {id}: cannot put the phone on the list: {err}"));
        return;
    }
    let mut chat = Chat {
        user,
        phone,
        other_phone: phone_of(id - 1),
        own: Vec::new(),
        own_count: 0,
        old: Vec::new(),
        kicked: false,
    };
    let actions = rng.random_range(10..=80);
    let mut done = 0;
    while done < actions && !shared.stop.load(Ordering::Relaxed) {
        let _batch = shared.gate.read().await;
        let delivered = shared.emu.delivered_count(id);
        let apologized = shared.emu.watched_delivered(id);
        // Faults left from earlier batches wait for this one's requests; the earlier batches'
        // turns are over, with the faults they met.
        let mut exposure = shared.emu.pending_faults(id);
        let mut must_answer = 0;
        let mut was_kicked = chat.kicked;
        for _ in 0..rng.random_range(1..=4) {
            let action = match draws.action() {
                Ok(action) => action,
                Err(reason) => {
                    shared.violation(format!("user {id}: cannot draw an action: {reason}"));
                    return;
                }
            };
            if let Action::Trouble(trouble) = &action {
                exposure += usize::from(shared.trouble(id, trouble, exposure));
            }
            must_answer += act(shared, &mut chat, &action, rng, draws).await;
            was_kicked |= chat.kicked;
            done += 1;
        }
        if !shared.barrier(&chat.user).await {
            shared.violation(format!("user {id}: the dispatcher did not finish a batch within {STUCK:?}"));
            return;
        }
        let replies = shared.emu.delivered_count(id) - delivered;
        let missing = if was_kicked { 0 } else { (must_answer as u64).saturating_sub(replies) };
        shared.lost(id, missing, shared.emu.watched_delivered(id) - apologized, "a batch");
    }
    // Not stranded: after unblocking (as a client must before writing), /help and /start answer.
    let _last = shared.gate.read().await;
    if chat.kicked {
        shared.emu.set_member_status(&chat.user, "member");
        shared.count(FINAL, 1);
    }
    for command in ["/help", "/start"] {
        let delivered = shared.emu.delivered_count(id);
        let apologized = shared.emu.watched_delivered(id);
        chat.sent(shared.emu.send_text(&chat.user, command));
        shared.count(FINAL, 1);
        if !shared.barrier(&chat.user).await {
            shared.violation(format!("user {id}: the dispatcher did not answer {command} within {STUCK:?}"));
            return;
        }
        if shared.emu.delivered_count(id) == delivered {
            shared.violation(format!("user {id}: stranded, {command} got no reply"));
        }
        shared.lost(id, 0, shared.emu.watched_delivered(id) - apologized, command);
    }
    match shared.app.dialogues.load::<State>(id).await {
        Ok(Some(State::Lost)) => shared.violation(format!("user {id}: the stored state was lost")),
        Ok(_) => {}
        Err(err) => shared.violation(format!("user {id}: cannot load the state: {err}")),
    }
}

async fn user_task(shared: Arc<Shared>, seed: u64) {
    let mut rng = rng::seeded(seed);
    let mut draws = Draws::new(seed);
    while !shared.stop.load(Ordering::Relaxed) {
        candidate(&shared, &mut rng, &mut draws).await;
        if shared.sent.load(Ordering::Relaxed) >= shared.options.updates {
            shared.stop.store(true, Ordering::Relaxed);
        }
    }
}

// ---- checkpoints ----

/// What the invariants looked like at a checkpoint (all users paused).
struct Check {
    unanswered: usize,
    limit_violations: u64,
    answered_twice: u64,
    codes_issued: i64,
    codes_held: i64,
    candidates: i64,
    states: BTreeMap<String, i64>,
}

/// The counts of the checkpoint before: what is new since then is reported.
#[derive(Default)]
struct Before {
    limit_violations: u64,
    answered_twice: u64,
}

async fn checkpoint(shared: &Shared, before: &Before) -> anyhow::Result<Check> {
    let pool = shared.app.db.pool();
    let unanswered = shared.emu.unanswered_callbacks();
    if !unanswered.is_empty() {
        shared.violation(format!(
            "{} callback queries unanswered: {:?}",
            unanswered.len(),
            &unanswered[..unanswered.len().min(5)]
        ));
    }
    let limit_violations = shared.emu.limit_violation_count();
    if limit_violations > before.limit_violations {
        shared.violation(format!("{} Telegram limit violations (400/429)", limit_violations - before.limit_violations));
    }
    let answered_twice = shared.emu.callbacks_answered_twice();
    if answered_twice > before.answered_twice {
        shared.violation(format!("{} callback queries answered twice", answered_twice - before.answered_twice));
    }
    // Issued codes stay consumed and linked to the eligible person after /forget.
    let codes = invariants::check_codes(&shared.app.db).await?;
    for broken in codes.broken {
        shared.violation(broken);
    }
    let rows: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT chat_id, dialogue FROM candidates").fetch_all(pool).await?;
    let mut states = BTreeMap::new();
    for (chat_id, json) in &rows {
        let name = match json.as_deref().map(serde_json::from_str::<State>) {
            None => "none".to_owned(),
            Some(Ok(state)) => format!("{state:?}").split([' ', '{', '(']).next().unwrap_or_default().to_owned(),
            Some(Err(err)) => {
                shared.violation(format!("chat {chat_id}: stored dialogue does not parse: {err}"));
                "unreadable".to_owned()
            }
        };
        *states.entry(name).or_default() += 1;
    }
    // The dispatcher still answers.
    let probe = TestUser::new(PROBE, "ru");
    let delivered = shared.emu.delivered_count(PROBE);
    shared.emu.send_text(&probe, "/help");
    if !shared.barrier(&probe).await || shared.emu.delivered_count(PROBE) == delivered {
        shared.violation("the dispatcher did not answer the probe /help".to_owned());
    }
    Ok(Check {
        unanswered: unanswered.len(),
        limit_violations,
        answered_twice,
        codes_issued: codes.issued,
        codes_held: codes.held,
        candidates: rows.len() as i64,
        states,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options();
    let dir = TempDir::new();
    let violations = run(options, dir.path()).await?;
    // `exit` runs no destructors: the folder goes first.
    drop(dir);
    if violations > 0 {
        std::process::exit(1);
    }
    Ok(())
}

async fn run(options: Options, dir: &std::path::Path) -> anyhow::Result<u64> {
    let campaign = Campaign::embedded()?;
    let clock = Arc::new(ManualClock::new(morning(&campaign, DAYS[0])));
    // Load mode: no message bodies, no request log; counters and checks still work.
    let emu = Emulator::start(EmulatorConfig {
        max_poll_hold: Duration::from_secs(1),
        record_requests: false,
        keep_messages: false,
        ..Default::default()
    })
    .await?;
    // The fuzzer checks the interactive paths; reminders are the sender tests' business.
    let settings = emulator_settings(&emu, format!("sqlite://{}", dir.join("fuzz.db").display()));
    let mut application = Application::build(&settings, clock.clone()).await?;
    let app = application.app().clone();
    // The apology means a reply was lost; the emulator keeps no bodies, so it counts them.
    for lang in Lang::ALL {
        emu.watch_text(&app.locales.t(lang, "error-apology"));
    }
    let db = app.db.clone();
    // Enough codes for most candidates who reach the end; when a pool runs dry, "the pool is
    // empty" is one more path the run goes through.
    let per_way = usize::try_from(options.updates / 60).unwrap_or(usize::MAX).max(100);
    for way in Way::ALL {
        let prefix = way.code().to_uppercase();
        let codes: Vec<PromoCode> =
            (1..=per_way).map(|n| PromoCode::parse(&format!("{prefix}-{n:07}")).expect("a code")).collect();
        db.import_codes(way, &codes, clock_now(&clock)).await?;
    }

    let shared = Arc::new(Shared {
        emu,
        app,
        clock,
        options: options.clone(),
        sent: AtomicU64::new(0),
        kinds: Mutex::new(BTreeMap::new()),
        presses: AtomicU64::new(0),
        candidates: AtomicU64::new(0),
        next_user: AtomicI64::new(FIRST_USER),
        stop: AtomicBool::new(false),
        gate: RwLock::new(()),
        waiters: Mutex::new(HashMap::new()),
        violations: AtomicU64::new(0),
        violation_notes: Mutex::new(Vec::new()),
        faults: Mutex::new(BTreeMap::new()),
        faults_held_back: AtomicU64::new(0),
        lost_replies: AtomicU64::new(0),
    });
    let watcher = tokio::spawn(shared.clone().watch());
    println!(
        "fuzz_long: {} random updates, {} users at a time, seed {}, {per_way} codes per way, checks every {}",
        options.updates, options.users, options.seed, options.check_every
    );

    let started = Instant::now();
    let tasks: Vec<_> = (0..options.users)
        .map(|n| tokio::spawn(user_task(shared.clone(), options.seed.wrapping_mul(1_000_003).wrapping_add(n as u64))))
        .collect();
    let mut next_check = options.check_every;
    let mut checks = 0;
    let mut before = Before::default();
    let mut day = 0;
    while tasks.iter().any(|task| !task.is_finished()) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = shared.sent.load(Ordering::Relaxed);
        if sent < next_check {
            continue;
        }
        next_check = sent + options.check_every;
        let _paused = shared.gate.write().await;
        let check = checkpoint(&shared, &before).await?;
        before = Before { limit_violations: check.limit_violations, answered_twice: check.answered_twice };
        checks += 1;
        day = (day + 1) % DAYS.len();
        shared.clock.set(morning(&campaign, DAYS[day]));
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "  {:>6.0} s: {sent:>8} updates ({:.0}/s), {} candidates, {} codes issued, {} violations; now {}",
            elapsed,
            sent as f64 / elapsed,
            shared.candidates.load(Ordering::Relaxed),
            check.codes_issued,
            shared.violations.load(Ordering::Relaxed),
            DAYS[day]
        );
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed();
    let check = checkpoint(&shared, &before).await?;
    checks += 1;
    watcher.abort();
    application.shutdown().await;

    let sent = shared.sent.load(Ordering::Relaxed);
    let kinds = shared.kinds.lock().unwrap().clone();
    let barriers = kinds.get(BARRIER_KIND).copied().unwrap_or_default();
    let presses = shared.presses.load(Ordering::Relaxed);
    let left: Vec<String> = {
        let mut left = Vec::new();
        for way in Way::ALL {
            left.push(format!("{way} {}", shared.app.db.codes_left(way).await?));
        }
        left
    };
    let finals = kinds.get(FINAL).copied().unwrap_or_default();
    println!(
        "updates sent: {sent} random (+ {finals} final /help /start, + {barriers} barrier presses = {} in all)",
        sent + finals + barriers
    );
    println!("per kind:");
    for (kind, count) in &kinds {
        println!("  {kind:<20} {count:>9}");
    }
    let faults = shared.faults.lock().unwrap().clone();
    println!(
        "faults injected (not updates): {} in all, {} held back (the batch had {SURVIVABLE_FAULTS} already)",
        faults.values().sum::<u64>(),
        shared.faults_held_back.load(Ordering::Relaxed)
    );
    for (kind, count) in &faults {
        println!("  {kind:<20} {count:>9}");
    }
    println!("candidates: {} ({} rows at the end)", shared.candidates.load(Ordering::Relaxed), check.candidates);
    println!("replies (messages delivered): {}", shared.emu.total_delivered());
    println!("callbacks pressed: {presses}, answered: {}", presses - check.unanswered as u64);
    println!("codes issued: {} (held: {}; left: {})", check.codes_issued, check.codes_held, left.join(", "));
    println!("states at the end: {:?}", check.states);
    println!("lost replies (no reply, or an apology): {}", shared.lost_replies.load(Ordering::Relaxed));
    println!("callbacks answered twice: {}", check.answered_twice);
    println!("Telegram limit violations (400/429, injected faults apart): {}", check.limit_violations);
    let violations = shared.violations.load(Ordering::Relaxed);
    println!("checkpoints: {checks}; invariant violations: {violations}");
    println!(
        "elapsed: {:.1} s, {:.0} random updates/s ({:.0}/s in all)",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64(),
        (sent + finals + barriers) as f64 / elapsed.as_secs_f64()
    );
    for note in shared.violation_notes.lock().unwrap().iter() {
        println!("  violation: {note}");
    }
    Ok(violations)
}

fn clock_now(clock: &ManualClock) -> chrono::DateTime<chrono::Utc> {
    use rezerv_bot::clock::Clock;
    clock.now()
}
