//! The long fuzz run: a million random updates through the real dispatcher, in-process,
//! against the emulator in load mode, from many users at once. The same kinds of updates as
//! `tests/fuzz.rs` (drawn from a seeded PRNG, without shrinking), the same invariants checked
//! at every checkpoint and at the end. Prints counts; exits 1 if an invariant broke.
//!
//! cargo bench --bench fuzz_long -- [--updates 1000000] [--users 200] [--seed 1]
//!                                  [--check-every 100000]
//!
//! Each user task plays one candidate after another: a new chat with an eligible phone of its
//! own, 10-80 actions in batches of 1-4 updates sent without waiting (bursts and double taps
//! happen), each batch closed by a barrier (a callback no button carries: one chat's updates
//! are handled in order, so its answer means the batch is done). The emulator keeps no message
//! bodies, so "the current button" is derived from the stored state, and replayed buttons are
//! ones pressed earlier. At a checkpoint every user pauses between batches, the clock moves to
//! another campaign day, and everything is checked:
//!
//! - every callback query answered; no 400 or 429 (load mode never reports "message is not
//!   modified", so every one counts); every message from a user who has not blocked the bot
//!   got a reply; the dispatcher answers a probe /help;
//! - no code held twice, issued codes = codes linked to eligible people, every held code is
//!   the one linked to the holder's phone;
//! - every stored dialogue state deserializes (none is `Lost`);
//! - at the end of each candidate: after unblocking, /help and /start both answer.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bot_api_emulator::{Emulator, EmulatorConfig, TestUser};
use chrono::{NaiveDate, TimeZone};
use rezerv_bot::bot::{App, MAX_CALLBACK_BYTES, State};
use rezerv_bot::clock::ManualClock;
use rezerv_bot::config::{Campaign, CityKind};
use rezerv_bot::domain::{Lang, Phone, PromoCode, Way};
use rezerv_bot::startup::Application;
use rezerv_test_support::app::emulator_settings;
use tokio::sync::{RwLock, oneshot};

const BARRIER: &str = "fuzz:barrier";
/// Candidates are chats FIRST_USER, FIRST_USER + 1, …; their phones are +7701 and the last
/// seven digits of the chat id, so every candidate has a phone of their own.
const FIRST_USER: i64 = 20_000_000;
/// The chat that sends /help at every checkpoint.
const PROBE: i64 = 19_999_999;
/// How long the bot may take to finish a batch before the run calls it stuck.
const STUCK: Duration = Duration::from_secs(30);
/// Campaign days the checkpoints cycle through: mostly inside the window with everything
/// open; also before it, after the QAZTEST cutoff outside Astana, the last day, after the end.
const DAYS: [&str; 6] = ["2023-09-05", "2023-08-25", "2023-09-05", "2023-09-18", "2023-09-22", "2023-09-25"];
/// At most this many violation messages are kept for the report (all are counted).
const KEEP_VIOLATIONS: usize = 20;

// ---- options ----

#[derive(Debug, Clone)]
struct Options {
    updates: u64,
    users: usize,
    seed: u64,
    check_every: u64,
}

fn options() -> Options {
    let mut options = Options { updates: 1_000_000, users: 200, seed: 1, check_every: 100_000 };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = || iter.next().and_then(|v| v.parse::<u64>().ok()).unwrap_or_else(|| usage(arg));
        match arg.as_str() {
            "--updates" => options.updates = value(),
            "--users" => options.users = usize::try_from(value()).unwrap_or(usize::MAX).max(1),
            "--seed" => options.seed = value(),
            "--check-every" => options.check_every = value().max(1),
            "--bench" => {}
            _ => usage(arg),
        }
    }
    options
}

fn usage(arg: &str) -> ! {
    eprintln!("unexpected `{arg}`; options: --updates N --users U --seed S --check-every N");
    std::process::exit(2)
}

// ---- a small seeded PRNG (SplitMix64) ----

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// lo..=hi.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[usize]) -> usize {
        let mut roll = self.below(weights.iter().sum());
        for (index, weight) in weights.iter().enumerate() {
            if roll < *weight {
                return index;
            }
            roll -= weight;
        }
        weights.len() - 1
    }

    /// A random char from all of Unicode (surrogates redrawn).
    fn any_char(&mut self) -> char {
        loop {
            // Mostly the Basic Multilingual Plane, like most real text.
            let bound = if self.chance(80) { 0x1_0000 } else { 0x11_0000 };
            if let Some(c) = char::from_u32(self.below(bound) as u32) {
                return c;
            }
        }
    }

    fn string_of(&mut self, alphabet: &[char], len: usize) -> String {
        (0..len).map(|_| *self.pick(alphabet)).collect()
    }
}

// ---- generators (the same kinds as tests/fuzz.rs) ----

const LABELS: &[&str] = &[
    "Қазақша",
    "Русский",
    "Алматы",
    "Астана",
    "Шымкент",
    "Орал",
    "QRT",
    "QAZTEST",
    "⬅️ Назад",
    "⬅️ Артқа",
    "1",
    "2",
    "0",
    "/",
    "/ start",
    "/START",
    "/start@rezerv_test_bot",
    "/start@other_bot",
    "//help",
    "<b>bold</b>",
    "</code>",
    "&amp;",
    "+77010000001",
    "8 701 000 00 01",
];

const COMMANDS: &[&str] = &[
    "/start",
    "/status",
    "/code",
    "/language",
    "/help",
    "/forget",
    "/foo",
    "/start@rezerv_test_bot",
    "/status@rezerv_test_bot",
    "/help me",
    "/status now",
    "/forget@rezerv_test_bot",
    "/Start",
    "/cancel",
];

fn chars(ranges: &[(char, char)], extra: &str) -> Vec<char> {
    let mut all: Vec<char> = ranges.iter().flat_map(|(from, to)| *from..=*to).collect();
    all.extend(extra.chars());
    all
}

/// The alphabets the text generators draw from.
struct Alphabets {
    ascii: Vec<char>,
    cyrillic: Vec<char>,
    emoji: Vec<char>,
    long: Vec<char>,
    payload: Vec<char>,
    printable: Vec<char>,
    lower: Vec<char>,
}

impl Alphabets {
    fn new() -> Alphabets {
        Alphabets {
            ascii: chars(&[('a', 'z'), ('A', 'Z'), ('0', '9')], " ,.!?"),
            cyrillic: chars(&[('а', 'я'), ('А', 'Я')], "ёЁәғқңөұүһіӘҒҚҢӨҰҮҺІ ,.!?"),
            emoji: chars(&[('😀', '🙏'), ('🚀', '🛿')], "👍❤🇰🇿\u{200d}\u{fe0f}"),
            long: chars(&[('a', 'z'), ('A', 'Z'), ('а', 'я'), ('А', 'Я'), ('0', '9')], " "),
            payload: chars(&[('a', 'z'), ('A', 'Z'), ('0', '9')], "_-"),
            printable: (' '..='~').collect(),
            lower: chars(&[('a', 'z')], "_"),
        }
    }
}

fn text(rng: &mut Rng, a: &Alphabets) -> String {
    match rng.weighted(&[2, 2, 3, 2, 2, 2, 1, 1]) {
        0 => rng.pick(&["", " ", "\n", "\t \t", "\u{200b}", "\u{feff}", "."]).to_string(),
        1 => {
            let len = rng.range(1, 40);
            rng.string_of(&a.ascii, len)
        }
        2 => {
            let len = rng.range(1, 60);
            rng.string_of(&a.cyrillic, len)
        }
        3 => {
            let len = rng.range(1, 12);
            rng.string_of(&a.emoji, len)
        }
        4 => (0..rng.range(0, 40)).map(|_| rng.any_char()).collect(),
        5 => rng.pick(LABELS).to_string(),
        6 => rng.any_char().to_string().repeat(rng.range(1, 5000)),
        _ => {
            let len = rng.range(4000, 5000);
            rng.string_of(&a.long, len)
        }
    }
}

fn command(rng: &mut Rng, a: &Alphabets) -> String {
    match rng.weighted(&[6, 2, 1, 1]) {
        0 => rng.pick(COMMANDS).to_string(),
        1 => {
            let len = rng.range(1, 64);
            format!("/start {}", rng.string_of(&a.payload, len))
        }
        2 => format!("/start {}", (0..rng.range(1, 80)).map(|_| rng.any_char()).collect::<String>()),
        _ => {
            let len = rng.range(1, 40);
            format!("/{}", rng.string_of(&a.lower, len))
        }
    }
}

fn clip(mut data: String) -> String {
    while data.len() > MAX_CALLBACK_BYTES {
        data.pop();
    }
    data
}

/// Callback data: arbitrary bytes that form valid UTF-8, arbitrary text, printable ASCII, and
/// data that looks like the bot's own encoding.
fn callback_data(rng: &mut Rng, a: &Alphabets) -> String {
    match rng.weighted(&[2, 2, 1, 6]) {
        0 => {
            let bytes: Vec<u8> = (0..rng.range(0, MAX_CALLBACK_BYTES)).map(|_| rng.next() as u8).collect();
            match std::str::from_utf8(&bytes) {
                Ok(text) => text.to_owned(),
                Err(err) => String::from_utf8_lossy(&bytes[..err.valid_up_to()]).into_owned(),
            }
        }
        1 => clip((0..rng.range(0, 40)).map(|_| rng.any_char()).collect()),
        2 => {
            let len = rng.range(0, MAX_CALLBACK_BYTES);
            rng.string_of(&a.printable, len)
        }
        _ => valid_looking(rng),
    }
}

fn valid_looking(rng: &mut Rng) -> String {
    match rng.below(9) {
        0 => rng.pick(&["l:kk", "l:ru", "l:en", "l:KK", "l:", "l"]).to_string(),
        1 => rng
            .pick(&["c:almaty", "c:astana", "c:shymkent", "c:oral", "c:oskemen", "c:nowhere", "c:Almaty", "c:", "c:-"])
            .to_string(),
        2 => rng.pick(&["w:qrt", "w:qaztest", "w:QRT", "w:", "w:online"]).to_string(),
        3 => format!("{}:{}", rng.pick(&["sd", "sb"]), rng.below(10)),
        4 => format!("{}:{}", rng.pick(&["sd", "sb"]), rng.range(10, 9999)),
        5 => format!("td:{}{:02}{:02}", rng.range(2023, 2024), rng.range(8, 10), rng.range(0, 32)),
        6 => rng.pick(&["td:", "td:2023091", "td:202309150", "td:2023-09-15"]).to_string(),
        7 => rng.pick(&["rg", "cb", "cc", "ap", "dp", "st", "fy", "fn"]).to_string(),
        _ => {
            let tag = rng.pick(&["l", "c", "w", "sd", "sb", "td", "rg", "cb", "cc", "ap", "dp", "st", "fy", "fn"]);
            let junk: String = (0..rng.below(7)).map(|_| *rng.pick(&[':', 'a', 'z', '0', '9', 'q'])).collect();
            clip(format!("{tag}:{junk}"))
        }
    }
}

// ---- actions ----

const KINDS: [&str; 18] = [
    "text",
    "command",
    "sticker",
    "photo",
    "voice",
    "contact-eligible",
    "contact-ineligible",
    "contact-forged",
    "press-current",
    "press-old",
    "double-tap",
    "keyboard",
    "callback-forged",
    "edit",
    "kicked",
    "member",
    "final /help /start",
    "barrier",
];
/// Weights of the first 16 kinds, as in tests/fuzz.rs.
const WEIGHTS: [usize; 16] = [4, 3, 1, 1, 1, 2, 1, 1, 10, 3, 1, 1, 4, 1, 1, 1];
const FINAL: usize = 16;
const BARRIER_KIND: usize = 17;

/// Everything the user tasks share.
struct Shared {
    emu: Emulator,
    app: Arc<App>,
    clock: Arc<ManualClock>,
    options: Options,
    alphabets: Alphabets,
    /// Random updates pushed (the target counts these; barriers and the final /help and /start
    /// of each candidate are counted apart).
    sent: AtomicU64,
    kinds: [AtomicU64; KINDS.len()],
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
}

impl Shared {
    fn count(&self, kind: usize, updates: u64) {
        self.kinds[kind].fetch_add(updates, Ordering::Relaxed);
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

    fn spelled_phone(&self, rng: &mut Rng) -> String {
        let digits = &self.phone[2..];
        match rng.below(3) {
            0 => self.phone.clone(),
            1 => format!("7{digits}"),
            _ => format!("8 ({}) {}-{}-{}", &digits[..3], &digits[3..6], &digits[6..8], &digits[8..]),
        }
    }
}

/// The buttons the current prompt of `state` carries, the one that moves on first.
fn current_buttons(shared: &Shared, state: &State, rng: &mut Rng) -> Vec<String> {
    let campaign = &shared.app.campaign;
    let city_of = |kind: CityKind, rng: &mut Rng| {
        let cities: Vec<&str> = campaign.cities_of_kind(kind).map(|city| city.id.as_str()).collect();
        format!("c:{}", rng.pick(&cities))
    };
    match state {
        State::Start | State::Lost => vec![format!("l:{}", rng.pick(&Lang::ALL).code())],
        State::City { .. } => {
            if rng.chance(50) {
                vec![city_of(CityKind::Republican, rng), "rg".into()]
            } else {
                vec!["rg".into(), city_of(CityKind::Republican, rng)]
            }
        }
        State::RegionalCity { .. } => vec![city_of(CityKind::Regional, rng), "cb".into()],
        State::Way { .. } => vec![format!("w:{}", rng.pick(&Way::ALL).code()), "cc".into()],
        State::Step { step, .. } => vec![format!("sd:{step}"), format!("sb:{step}")],
        State::Contact { .. } => Vec::new(),
        State::Ready { .. } => {
            let days: Vec<NaiveDate> = campaign.window.days().collect();
            let day = rng.pick(&days).format("%Y%m%d");
            let mut buttons = vec!["ap".into(), "dp".into(), format!("td:{day}"), "st".into(), "cc".into()];
            let first = rng.below(buttons.len());
            buttons.swap(0, first);
            buttons
        }
        State::ConfirmForget { .. } => {
            // Mostly "no": a "yes" ends the candidate's data.
            if rng.chance(70) { vec!["fn".into(), "fy".into()] } else { vec!["fy".into(), "fn".into()] }
        }
    }
}

/// Does one random action; returns how many messages the bot must answer.
async fn act(shared: &Shared, chat: &mut Chat, rng: &mut Rng) -> usize {
    let emu = &shared.emu;
    let user = chat.user.clone();
    let kind = rng.weighted(&WEIGHTS);
    let mut updates = 1;
    let mut messages = 1;
    match kind {
        0 => chat.sent(emu.send_text(&user, &text(rng, &shared.alphabets))),
        1 => chat.sent(emu.send_text(&user, &command(rng, &shared.alphabets))),
        2 => chat.sent(emu.send_sticker(&user)),
        3 => chat.sent(emu.send_photo(&user)),
        4 => chat.sent(emu.send_voice(&user)),
        5 => {
            let phone = chat.spelled_phone(rng);
            chat.sent(emu.share_own_contact(&user, &phone));
        }
        6 => {
            let phone = match rng.below(2) {
                0 => format!("+7705{:07}", rng.below(10_000_000)),
                _ => rng.pick(&["", "12345", "+79161234567", "abc", "+7 (701) 000", "++77010000001"]).to_string(),
            };
            chat.sent(emu.share_own_contact(&user, &phone));
        }
        7 => {
            let phone = if rng.chance(50) { chat.phone.clone() } else { chat.other_phone.clone() };
            let claimed = *rng.pick(&[None, Some(1), Some(123_456), Some(-1)]);
            chat.sent(emu.share_forged_contact(&user, &phone, claimed));
        }
        8 | 10 => {
            messages = 0;
            let state = shared.app.dialogues.load::<State>(user.id).await.ok().flatten().unwrap_or_default();
            if let State::Contact { .. } = state {
                // The contact prompt's buttons are a reply keyboard: share, or go back.
                messages = 1;
                if rng.chance(70) {
                    let phone = chat.spelled_phone(rng);
                    chat.sent(emu.share_own_contact(&user, &phone));
                } else {
                    let back = shared.app.locales.t(*rng.pick(&Lang::ALL), "btn-back-keyboard");
                    chat.sent(emu.send_text(&user, &back));
                }
            } else {
                let buttons = current_buttons(shared, &state, rng);
                // The button that moves on, most of the time.
                let data = if rng.chance(70) { buttons[0].clone() } else { rng.pick(&buttons).clone() };
                let message_id = chat.newest_id(shared);
                let taps = if kind == 10 { 2 } else { 1 };
                for _ in 0..taps {
                    shared.press(&user, message_id, &data);
                }
                updates = taps;
                chat.remember(message_id, &data);
            }
        }
        9 => {
            messages = 0;
            let (message_id, data) = if chat.old.is_empty() {
                (chat.newest_id(shared), valid_looking(rng))
            } else {
                rng.pick(&chat.old).clone()
            };
            shared.press(&user, message_id, &data);
        }
        11 => {
            let state = shared.app.dialogues.load::<State>(user.id).await.ok().flatten();
            if matches!(state, Some(State::Contact { .. })) && rng.chance(50) {
                let phone = format!("7{}", &chat.phone[2..]);
                chat.sent(emu.share_own_contact(&user, &phone));
            } else {
                let back = shared.app.locales.t(*rng.pick(&Lang::ALL), "btn-back-keyboard");
                chat.sent(emu.send_text(&user, &back));
            }
        }
        12 => {
            messages = 0;
            let data = callback_data(rng, &shared.alphabets);
            let newest = chat.newest_id(shared);
            let message_id = match rng.below(4) {
                0 => newest,
                1 => i32::try_from(rng.range(1, usize::try_from(newest.max(1)).unwrap_or(1))).unwrap_or(1),
                2 => chat.own.last().copied().unwrap_or(1),
                _ => 999_999,
            };
            shared.press(&user, message_id, &data);
        }
        13 => {
            messages = 0;
            let message_id = if chat.own.is_empty() { 1 } else { *rng.pick(&chat.own) };
            let text = if rng.chance(50) { text(rng, &shared.alphabets) } else { command(rng, &shared.alphabets) };
            emu.edit_text(&user, message_id, &text);
        }
        14 => {
            messages = 0;
            emu.set_member_status(&user, "kicked");
            chat.kicked = true;
        }
        _ => {
            messages = 0;
            emu.set_member_status(&user, "member");
            chat.kicked = false;
        }
    }
    shared.count(kind, updates as u64);
    messages
}

/// One candidate from the first update to the last; false once the run should stop.
async fn candidate(shared: &Shared, rng: &mut Rng) {
    let id = shared.next_user.fetch_add(1, Ordering::Relaxed);
    shared.candidates.fetch_add(1, Ordering::Relaxed);
    let language_code = *rng.pick(&[Some("kk"), Some("ru"), Some("en"), None]);
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
    let actions = rng.range(10, 80);
    let mut done = 0;
    while done < actions && !shared.stop.load(Ordering::Relaxed) {
        let _batch = shared.gate.read().await;
        let delivered = shared.emu.delivered_count(id);
        let mut must_answer = 0;
        let mut was_kicked = chat.kicked;
        for _ in 0..rng.range(1, 4) {
            must_answer += act(shared, &mut chat, rng).await;
            was_kicked |= chat.kicked;
            done += 1;
        }
        if !shared.barrier(&chat.user).await {
            shared.violation(format!("user {id}: the dispatcher did not finish a batch within {STUCK:?}"));
            return;
        }
        let replies = shared.emu.delivered_count(id) - delivered;
        if !was_kicked && replies < must_answer as u64 {
            shared.violation(format!("user {id}: {must_answer} messages, {replies} replies"));
        }
    }
    // Not stranded: after unblocking (as a client must before writing), /help and /start answer.
    let _last = shared.gate.read().await;
    if chat.kicked {
        shared.emu.set_member_status(&chat.user, "member");
        shared.count(FINAL, 1);
    }
    for command in ["/help", "/start"] {
        let delivered = shared.emu.delivered_count(id);
        chat.sent(shared.emu.send_text(&chat.user, command));
        shared.count(FINAL, 1);
        if !shared.barrier(&chat.user).await {
            shared.violation(format!("user {id}: the dispatcher did not answer {command} within {STUCK:?}"));
            return;
        }
        if shared.emu.delivered_count(id) == delivered {
            shared.violation(format!("user {id}: stranded, {command} got no reply"));
        }
    }
    match shared.app.dialogues.load::<State>(id).await {
        Ok(Some(State::Lost)) => shared.violation(format!("user {id}: the stored state was lost")),
        Ok(_) => {}
        Err(err) => shared.violation(format!("user {id}: cannot load the state: {err}")),
    }
}

fn phone_of(id: i64) -> String {
    format!("+7701{:07}", id % 10_000_000)
}

async fn user_task(shared: Arc<Shared>, seed: u64) {
    let mut rng = Rng::new(seed);
    while !shared.stop.load(Ordering::Relaxed) {
        candidate(&shared, &mut rng).await;
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
    codes_issued: i64,
    codes_held: i64,
    candidates: i64,
    states: BTreeMap<String, i64>,
}

async fn checkpoint(shared: &Shared, violations_before: u64) -> anyhow::Result<Check> {
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
    if limit_violations > violations_before {
        shared.violation(format!("{} Telegram limit violations (400/429)", limit_violations - violations_before));
    }
    let twice: Vec<(String, i64)> = sqlx::query_as(
        "SELECT code, COUNT(*) FROM candidates WHERE code IS NOT NULL GROUP BY code HAVING COUNT(*) > 1",
    )
    .fetch_all(pool)
    .await?;
    if !twice.is_empty() {
        shared.violation(format!("codes held by more than one candidate: {twice:?}"));
    }
    // Issued codes stay consumed and linked to the eligible person after /forget.
    let codes_issued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM promo_codes WHERE issued_at IS NOT NULL").fetch_one(pool).await?;
    let codes_held: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT code) FROM eligible WHERE code IS NOT NULL").fetch_one(pool).await?;
    if codes_issued != codes_held {
        shared.violation(format!("{codes_issued} codes issued but {codes_held} held by eligible people"));
    }
    let strays: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.chat_id, c.code FROM candidates c
         WHERE c.code IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM eligible e JOIN promo_codes p ON p.code = e.code
             WHERE e.code = c.code AND e.phone = c.phone AND p.issued_at IS NOT NULL)",
    )
    .fetch_all(pool)
    .await?;
    if !strays.is_empty() {
        shared.violation(format!("codes not linked to the holder's phone: {strays:?}"));
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
        codes_issued,
        codes_held,
        candidates: rows.len() as i64,
        states,
    })
}

fn morning(campaign: &Campaign, date: &str) -> chrono::DateTime<chrono::Utc> {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("a date");
    let local = date.and_hms_opt(10, 0, 0).expect("10:00");
    campaign.tz.from_local_datetime(&local).unwrap().with_timezone(&chrono::Utc)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options();
    let dir = std::env::temp_dir().join(format!("rezerv-fuzz-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(options, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    let violations = result?;
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
        alphabets: Alphabets::new(),
        sent: AtomicU64::new(0),
        kinds: std::array::from_fn(|_| AtomicU64::new(0)),
        presses: AtomicU64::new(0),
        candidates: AtomicU64::new(0),
        next_user: AtomicI64::new(FIRST_USER),
        stop: AtomicBool::new(false),
        gate: RwLock::new(()),
        waiters: Mutex::new(HashMap::new()),
        violations: AtomicU64::new(0),
        violation_notes: Mutex::new(Vec::new()),
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
    let mut violations_before = 0;
    let mut day = 0;
    while tasks.iter().any(|task| !task.is_finished()) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = shared.sent.load(Ordering::Relaxed);
        if sent < next_check {
            continue;
        }
        next_check = sent + options.check_every;
        let _paused = shared.gate.write().await;
        let check = checkpoint(&shared, violations_before).await?;
        violations_before = check.limit_violations;
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
    let check = checkpoint(&shared, violations_before).await?;
    checks += 1;
    watcher.abort();
    application.shutdown().await;

    let sent = shared.sent.load(Ordering::Relaxed);
    let barriers = shared.kinds[BARRIER_KIND].load(Ordering::Relaxed);
    let presses = shared.presses.load(Ordering::Relaxed);
    let left: Vec<String> = {
        let mut left = Vec::new();
        for way in Way::ALL {
            left.push(format!("{way} {}", shared.app.db.codes_left(way).await?));
        }
        left
    };
    let finals = shared.kinds[FINAL].load(Ordering::Relaxed);
    println!(
        "updates sent: {sent} random (+ {finals} final /help /start, + {barriers} barrier presses = {} in all)",
        sent + finals + barriers
    );
    println!("per kind:");
    for (kind, count) in KINDS.iter().zip(&shared.kinds) {
        println!("  {kind:<20} {:>9}", count.load(Ordering::Relaxed));
    }
    println!("candidates: {} ({} rows at the end)", shared.candidates.load(Ordering::Relaxed), check.candidates);
    println!("replies (messages delivered): {}", shared.emu.total_delivered());
    println!("callbacks pressed: {presses}, answered: {}", presses - check.unanswered as u64);
    println!("codes issued: {} (held: {}; left: {})", check.codes_issued, check.codes_held, left.join(", "));
    println!("states at the end: {:?}", check.states);
    println!("Telegram limit violations (400/429): {}", check.limit_violations);
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
