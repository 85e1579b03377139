//! Property-based fuzzing of the real dispatcher: a user is first walked into a random state
//! (any step of the journey, any language, any day of the campaign), then sends a random
//! sequence of updates — free text, commands, media, contacts, current and replayed buttons,
//! forged callback data, edits, blocking and unblocking — while Telegram now and then fails
//! the chat's next request (a 429, a 500 or a dropped connection on a send or on a button's
//! answer), and the bot must keep its contract:
//!
//! - it never dies: after every action it still handles the next update, and every message
//!   from a user who has not blocked it gets a reply;
//! - no reply is lost to Telegram's faults: with at most [`SURVIVABLE_FAULTS`] queued for the
//!   chat (the fuzzer queues no more), the bot never apologizes;
//! - no user is stranded: from wherever the sequence left them, /help and /start answer;
//! - every callback query is answered, none twice, and no Telegram limit is broken (injected
//!   faults are Telegram's, not the bot's);
//! - no promo code is ever issued twice, and the pool's bookkeeping matches who holds what;
//! - the stored dialogue state always deserializes.
//!
//! Each property spawns one app and one emulator and shares them across its cases: every case
//! is a new user with an eligible phone of their own. Raise `CASES` (or set `PROPTEST_CASES`)
//! for a longer hunt; `cargo bench --bench fuzz_long` is the million-update run.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use bot_api_emulator::{BotEvent, BotMessage, TestUser};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use rezerv_bot::bot::State;
use rezerv_bot::config::CityKind;
use rezerv_bot::domain::{Lang, Phone, Way};
use rezerv_test_support::app::{REPLY_TIMEOUT, TestApp, morning, spawn_app};
use rezerv_test_support::fuzz::{Action, On, SURVIVABLE_FAULTS, Spelling, Trouble, action, spelled};
use rezerv_test_support::invariants;
use rezerv_test_support::phone::phone_of;

/// Cases per property. Each case is one user: a walk of up to ~12 updates, then the actions.
const CASES: u32 = 64;
/// The most random actions after the walk.
const MAX_ACTIONS: usize = 30;
/// Callback data no button carries: pressed on an unknown message after every action, its
/// answer marks the point where the bot has handled everything before it (one chat's updates
/// are handled in order), with no guessing at quiet periods. Like any update it saves the
/// default state for a chat that has none (after /forget), as the user's next update would.
const BARRIER: &str = "fuzz:barrier";
/// What one fault queued for the chat may add to a turn: a 500's 5 s attempt and a backoff.
const FAULT_COST: Duration = Duration::from_secs(6);
/// Cities in the campaign file, by index (the generator picks an index).
const CITY_COUNT: usize = 20;
/// The first chat id of this file's users; each case takes the next one.
static NEXT_USER: AtomicI64 = AtomicI64::new(7_000_000);

// ---- what a case is ----

/// One random case: who the user is, the day, where they are walked to, and what they do.
#[derive(Debug, Clone)]
struct Case {
    /// `language_code` of the Telegram client.
    client_lang: Option<&'static str>,
    /// The campaign day the case runs on (ways close as the days go by).
    date: &'static str,
    goal: Goal,
    actions: Vec<Action>,
}

/// Where the directed walk takes the user before the random actions.
#[derive(Debug, Clone)]
struct Goal {
    stage: Stage,
    lang: Lang,
    city: usize,
    way: Way,
    /// End the walk with /forget, leaving the confirmation open.
    then_forget: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Nothing sent yet.
    Fresh,
    /// /start sent: the language picker.
    Picker,
    City,
    Regional,
    Way,
    Step(u8),
    Contact,
    /// Code issued.
    Ready,
    /// Code issued, "I have applied" pressed (the date picker is open).
    Applied,
    /// Code issued, the date picker opened.
    DatePicker,
    /// Code issued, "change city" pressed: the city list with the way fixed.
    ChangeCity,
    /// Code issued, then /forget confirmed: the row is gone.
    Forgotten,
}

// ---- generators ----

fn goal() -> impl Strategy<Value = Goal> {
    let stage = prop_oneof![
        Just(Stage::Fresh),
        Just(Stage::Picker),
        Just(Stage::City),
        Just(Stage::Regional),
        Just(Stage::Way),
        (1..=7_u8).prop_map(Stage::Step),
        Just(Stage::Contact),
        Just(Stage::Ready),
        Just(Stage::Applied),
        Just(Stage::DatePicker),
        Just(Stage::ChangeCity),
        Just(Stage::Forgotten),
    ];
    let lang = prop_oneof![Just(Lang::Kk), Just(Lang::Ru)];
    let way = prop_oneof![Just(Way::Qrt), Just(Way::Qaztest)];
    (stage, lang, 0..CITY_COUNT, way, prop::bool::weighted(0.15))
        .prop_map(|(stage, lang, city, way, then_forget)| Goal { stage, lang, city, way, then_forget })
}

fn case() -> impl Strategy<Value = Case> {
    let client_lang = prop::sample::select(vec![Some("kk"), Some("ru"), Some("en"), None]);
    // Mostly inside the window with everything open; also before it opens, after the
    // QAZTEST cutoff outside Astana, on the last day, and after everything closed.
    let date = prop_oneof![
        6 => Just("2023-09-05"),
        1 => Just("2023-08-25"),
        1 => Just("2023-09-18"),
        1 => Just("2023-09-22"),
        1 => Just("2023-09-25"),
    ];
    (client_lang, date, goal(), prop::collection::vec(action(), 1..=MAX_ACTIONS))
        .prop_map(|(client_lang, date, goal, actions)| Case { client_lang, date, goal, actions })
}

// ---- running a case ----

/// What the runs saw, printed at the end (with `--nocapture`): shows the states were reached.
#[derive(Debug, Default)]
struct Coverage {
    cases: u64,
    actions: BTreeMap<&'static str, u64>,
    stages: BTreeMap<&'static str, u64>,
    replies: u64,
    /// Faults injected, by kind.
    faults: BTreeMap<&'static str, u64>,
    /// Faults met while an action was handled (by its turn or by the barrier's answer).
    faults_met: u64,
    /// Troubles not injected: the chat had all the faults it can survive queued already.
    faults_held_back: u64,
}

fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

/// One user's session against the shared app.
struct Session<'a> {
    app: &'a TestApp,
    user: TestUser,
    /// The user's eligible phone (E.164), on the list and nobody else's.
    phone: String,
    /// Another user's eligible phone, for forged contact cards.
    other_phone: String,
    /// Every callback button ever shown to the user, oldest first.
    seen: Vec<(i32, String)>,
    seen_set: HashSet<(i32, String)>,
    /// Ids of the bot's messages to the user.
    bot_messages: Vec<i32>,
    /// Ids of the user's own messages.
    own_messages: Vec<i32>,
    kicked: bool,
    /// Limit violations already looked at (the emulator's list is shared by all cases).
    violations_seen: usize,
    /// Second answers to a callback already counted (the emulator's count is shared too).
    answered_twice_seen: u64,
    /// The apology, in both languages: sent only when a reply could not be delivered.
    apologies: [String; 2],
    /// What was done so far, for the failure message.
    log: Vec<String>,
    coverage: &'a Mutex<Coverage>,
}

impl Session<'_> {
    fn emu(&self) -> &bot_api_emulator::Emulator {
        &self.app.emu
    }

    /// Faults queued for the chat and not met yet.
    fn faults_queued(&self) -> usize {
        self.emu().pending_faults(self.user.id)
    }

    /// Presses the barrier and waits for its answer: every update before it is handled then.
    /// Returns the events of the updates before it. Each of the `faults` queued when the
    /// updates were sent may hold the bot up for a while.
    async fn settle(&mut self, faults: usize) -> Result<Vec<BotEvent>, TestCaseError> {
        let barrier = self.emu().press_button(&self.user, 0, BARRIER);
        let patience = REPLY_TIMEOUT + FAULT_COST * u32::try_from(faults).unwrap_or(u32::MAX);
        let deadline = tokio::time::Instant::now() + patience;
        let mut events = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.emu().next_event(self.user.id, left).await {
                Some(BotEvent::CallbackAnswered { id, .. }) if id == barrier => break,
                Some(event) => events.push(event),
                None => {
                    return Err(fail(format!(
                        "the dispatcher stopped answering: no answer to the barrier within {patience:?}"
                    )));
                }
            }
        }
        for event in &events {
            if let BotEvent::Sent(message) | BotEvent::Edited(message) = event {
                self.remember(message);
            }
        }
        Ok(events)
    }

    fn remember(&mut self, message: &BotMessage) {
        if !self.bot_messages.contains(&message.message_id) {
            self.bot_messages.push(message.message_id);
        }
        for button in message.buttons() {
            if let Some(data) = &button.callback_data {
                let key = (message.message_id, data.clone());
                if self.seen_set.insert(key.clone()) {
                    self.seen.push(key);
                }
            }
        }
    }

    /// The buttons of the newest message that has any (the current step's, as a rule).
    fn current_buttons(&self) -> Vec<(i32, String)> {
        let messages = self.emu().messages(self.user.id);
        messages
            .iter()
            .rev()
            .map(|message| {
                message
                    .buttons()
                    .iter()
                    .filter_map(|button| button.callback_data.clone().map(|data| (message.message_id, data)))
                    .collect::<Vec<_>>()
            })
            .find(|buttons| !buttons.is_empty())
            .unwrap_or_default()
    }

    /// The newest button carrying exactly `data`, if any message shows it.
    fn button_with(&self, data: &str) -> Option<i32> {
        let messages = self.emu().messages(self.user.id);
        messages
            .iter()
            .rev()
            .find(|message| message.buttons().iter().any(|button| button.callback_data.as_deref() == Some(data)))
            .map(|message| message.message_id)
    }

    fn own_phone(&self, spelling: Spelling) -> String {
        spelled(&self.phone, spelling)
    }

    fn send_text(&mut self, text: &str) {
        let id = self.emu().send_text(&self.user, text);
        self.own_messages.push(id);
    }

    /// No apology among the events: with at most [`SURVIVABLE_FAULTS`] faults queued, every
    /// request of the turn had retries to spare, so no reply was lost.
    fn check_no_apology(&self, events: &[BotEvent], faults: usize) -> Result<(), TestCaseError> {
        let apologized = events
            .iter()
            .any(|event| matches!(event, BotEvent::Sent(message) if self.apologies.contains(&message.text)));
        if apologized {
            return Err(fail(format!("an apology, with {faults} faults queued for the chat: {events:?}")));
        }
        Ok(())
    }

    /// Telegram will fail the chat's next request of the kind, unless the chat has all the
    /// faults queued that its replies can survive.
    fn trouble(&self, trouble: &Trouble) {
        let mut coverage = self.coverage.lock().unwrap();
        if self.faults_queued() < SURVIVABLE_FAULTS {
            trouble.inject(self.emu(), self.user.id);
            *coverage.faults.entry(trouble.kind()).or_default() += 1;
        } else {
            coverage.faults_held_back += 1;
        }
    }

    /// Does one action, waits until the bot has handled it, and checks what must hold after
    /// every update.
    async fn perform(&mut self, action: &Action) -> Result<(), TestCaseError> {
        self.log.push(format!("{action:?}"));
        if let Action::Trouble(trouble) = action {
            // Not an update: the fault waits for the next actions' requests.
            self.trouble(trouble);
            *self.coverage.lock().unwrap().actions.entry(action.kind()).or_default() += 1;
            return Ok(());
        }
        let faults = self.faults_queued();
        let mut pressed = 0;
        match action {
            Action::Text(text) | Action::Command(text) => self.send_text(text),
            Action::Sticker => self.own_messages.push(self.emu().send_sticker(&self.user)),
            Action::Photo => self.own_messages.push(self.emu().send_photo(&self.user)),
            Action::Voice => self.own_messages.push(self.emu().send_voice(&self.user)),
            Action::OwnContact(spelling) => {
                let phone = self.own_phone(*spelling);
                self.own_messages.push(self.emu().share_own_contact(&self.user, &phone));
            }
            Action::IneligibleContact(phone) => {
                self.own_messages.push(self.emu().share_own_contact(&self.user, phone));
            }
            Action::ForgedContact { own_phone, claimed } => {
                let phone = if *own_phone { self.phone.clone() } else { self.other_phone.clone() };
                let id = self.emu().share_forged_contact(&self.user, &phone, *claimed);
                self.own_messages.push(id);
            }
            Action::PressCurrent(pick) | Action::DoubleTap(pick) => {
                let buttons = self.current_buttons();
                if let Some((message_id, data)) = buttons.get(pick % buttons.len().max(1)) {
                    let taps = if matches!(action, Action::DoubleTap(_)) { 2 } else { 1 };
                    for _ in 0..taps {
                        self.emu().press_button(&self.user, *message_id, data);
                        pressed += 1;
                    }
                }
            }
            Action::PressOld(pick) => {
                if let Some((message_id, data)) = self.seen.get(pick % self.seen.len().max(1)).cloned() {
                    self.emu().press_button(&self.user, message_id, &data);
                    pressed += 1;
                }
            }
            Action::Keyboard(pick) => {
                let keyboard = self.emu().messages(self.user.id).into_iter().rev().find_map(|m| m.reply_keyboard);
                let buttons: Vec<_> = keyboard.map(|k| k.rows.into_iter().flatten().collect()).unwrap_or_default();
                match buttons.get(pick % buttons.len().max(1)) {
                    Some(button) if button.request_contact => {
                        let phone = self.own_phone(Spelling::Telegram);
                        self.own_messages.push(self.emu().share_own_contact(&self.user, &phone));
                    }
                    Some(button) => self.send_text(&button.text),
                    None => self.send_text(&self.app.t(Lang::Ru, "btn-back-keyboard")),
                }
            }
            Action::Callback { data, on } => {
                let message_id = match on {
                    On::Latest => self.bot_messages.last().copied().unwrap_or(1),
                    On::Seen(pick) => {
                        self.bot_messages.get(pick % self.bot_messages.len().max(1)).copied().unwrap_or(1)
                    }
                    On::Own(pick) => self.own_messages.get(pick % self.own_messages.len().max(1)).copied().unwrap_or(1),
                    On::Unknown => 999_999,
                };
                self.emu().press_button(&self.user, message_id, data);
                pressed += 1;
            }
            Action::Edit { nth, text } => {
                let message_id = self.own_messages.get(nth % self.own_messages.len().max(1)).copied().unwrap_or(1);
                self.emu().edit_text(&self.user, message_id, text);
            }
            Action::Kicked => {
                self.emu().set_member_status(&self.user, "kicked");
                self.kicked = true;
            }
            Action::Member => {
                self.emu().set_member_status(&self.user, "member");
                self.kicked = false;
            }
            Action::Trouble(_) => {}
        }
        let events = self.settle(faults).await?;
        let sent = events.iter().filter(|event| matches!(event, BotEvent::Sent(_))).count();
        let answered = events.iter().filter(|event| matches!(event, BotEvent::CallbackAnswered { .. })).count();
        {
            let mut coverage = self.coverage.lock().unwrap();
            *coverage.actions.entry(action.kind()).or_default() += 1;
            coverage.replies += sent as u64;
            coverage.faults_met += faults.saturating_sub(self.faults_queued()) as u64;
        }
        self.check_no_apology(&events, faults)?;
        if action.is_message() && !self.kicked && sent == 0 {
            return Err(fail(format!("{} got no reply; events: {events:?}", action.kind())));
        }
        if matches!(action, Action::Edit { .. }) && !events.is_empty() {
            return Err(fail(format!("an edited message is ignored, but the bot did: {events:?}")));
        }
        if answered != pressed {
            return Err(fail(format!("{pressed} button presses, {answered} answers: {events:?}")));
        }
        self.check_contract()?;
        self.check_state().await
    }

    /// Every callback query answered, none twice; no Telegram limit broken.
    fn check_contract(&mut self) -> Result<(), TestCaseError> {
        let unanswered = self.emu().unanswered_callbacks();
        if !unanswered.is_empty() {
            return Err(fail(format!("unanswered callback queries: {unanswered:?}")));
        }
        let answered_twice = self.emu().callbacks_answered_twice();
        let twice = answered_twice - self.answered_twice_seen.min(answered_twice);
        self.answered_twice_seen = answered_twice;
        if twice > 0 {
            return Err(fail(format!("{twice} callback queries answered a second time")));
        }
        let violations = self.emu().limit_violations();
        let new = &violations[self.violations_seen.min(violations.len())..];
        self.violations_seen = violations.len();
        let broken: Vec<String> = new
            .iter()
            // "message is not modified" is Telegram's answer to an edit that changes nothing:
            // retiring the keyboard of a message whose keyboard is already gone (an old or
            // forged button pressed on it). Nothing is shown wrongly and nothing is lost; the
            // bot only ignores the error (see `ui::retire_buttons`).
            .filter(|request| !request.description().is_some_and(|text| text.contains("message is not modified")))
            .map(|request| format!("{} {} {} {}", request.method, request.status, request.body, request.response))
            .collect();
        if !broken.is_empty() {
            return Err(fail(format!("Telegram limits broken: {broken:#?}")));
        }
        Ok(())
    }

    /// The stored state deserializes: as raw JSON, and through the dialogue storage (which
    /// would hand out `State::Lost` otherwise).
    async fn check_state(&mut self) -> Result<(), TestCaseError> {
        let raw: Option<Option<String>> = sqlx::query_scalar("SELECT dialogue FROM candidates WHERE chat_id = $1")
            .bind(self.user.id)
            .fetch_optional(self.app.db.pool())
            .await
            .map_err(|err| fail(format!("cannot read the candidate: {err}")))?;
        if let Some(json) = raw.flatten() {
            serde_json::from_str::<State>(&json)
                .map_err(|err| fail(format!("stored dialogue `{json}` does not parse: {err}")))?;
        }
        let state = self
            .app
            .app
            .dialogues
            .load::<State>(self.user.id)
            .await
            .map_err(|err| fail(format!("cannot load the dialogue: {err}")))?;
        if state == Some(State::Lost) {
            return Err(fail("the stored dialogue state was lost".to_owned()));
        }
        *self.coverage.lock().unwrap().stages.entry(state_name(state.as_ref())).or_default() += 1;
        Ok(())
    }

    /// Presses the newest button carrying `data`; false (and nothing done) if none shows it.
    async fn press_data(&mut self, data: &str) -> Result<bool, TestCaseError> {
        let Some(message_id) = self.button_with(data) else {
            return Ok(false);
        };
        self.log.push(format!("walk: press {data}"));
        let faults = self.faults_queued();
        self.emu().press_button(&self.user, message_id, data);
        let events = self.settle(faults).await?;
        self.check_no_apology(&events, faults)?;
        if !events.iter().any(|event| matches!(event, BotEvent::CallbackAnswered { .. })) {
            return Err(fail(format!("walk: {data} was not answered: {events:?}")));
        }
        self.check_contract()?;
        self.check_state().await?;
        Ok(true)
    }

    async fn walk_send(&mut self, text: &str) -> Result<(), TestCaseError> {
        self.perform(&Action::Command(text.to_owned())).await
    }

    /// The directed walk to the goal, through the real buttons. It stops early where a button
    /// is missing (a way closed on the case's day): the random actions start from there.
    async fn walk(&mut self, goal: &Goal) -> Result<(), TestCaseError> {
        self.walk_to(goal).await?;
        if goal.then_forget && goal.stage != Stage::Fresh {
            self.walk_send("/forget").await?;
        }
        Ok(())
    }

    async fn walk_to(&mut self, goal: &Goal) -> Result<(), TestCaseError> {
        if goal.stage == Stage::Fresh {
            return Ok(());
        }
        self.walk_send("/start").await?;
        if goal.stage == Stage::Picker || !self.press_data(&format!("l:{}", goal.lang.code())).await? {
            return Ok(());
        }
        let campaign = &self.app.app.campaign;
        let city = &campaign.cities()[goal.city % campaign.cities().len()];
        let (city_id, regional) = (city.id.clone(), city.kind == CityKind::Regional);
        if goal.stage == Stage::City {
            return Ok(());
        }
        if (regional || goal.stage == Stage::Regional) && !self.press_data("rg").await? {
            return Ok(());
        }
        if goal.stage == Stage::Regional {
            return Ok(());
        }
        if !self.press_data(&format!("c:{city_id}")).await? || goal.stage == Stage::Way {
            return Ok(());
        }
        if !self.press_data(&format!("w:{}", goal.way.code())).await? {
            return Ok(());
        }
        let total = self.app.app.campaign.steps(goal.way).len() as u8;
        let done_steps = match goal.stage {
            Stage::Step(step) => step.min(total) - 1,
            _ => total,
        };
        for step in 1..=done_steps {
            if !self.press_data(&format!("sd:{step}")).await? {
                return Ok(());
            }
        }
        if matches!(goal.stage, Stage::Step(_) | Stage::Contact) {
            return Ok(());
        }
        self.perform(&Action::OwnContact(Spelling::Telegram)).await?;
        match goal.stage {
            Stage::Applied => {
                self.press_data("ap").await?;
            }
            Stage::DatePicker => {
                self.press_data("dp").await?;
            }
            Stage::ChangeCity => {
                self.press_data("cc").await?;
            }
            Stage::Forgotten => {
                self.walk_send("/forget").await?;
                self.press_data("fy").await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// From wherever the actions left the user: /help and /start both answer (after the
    /// user unblocked the bot, as a real client must before writing).
    async fn check_not_stranded(&mut self) -> Result<(), TestCaseError> {
        if self.kicked {
            self.perform(&Action::Member).await?;
        }
        for command in ["/help", "/start"] {
            self.log.push(format!("final: {command}"));
            let faults = self.faults_queued();
            self.send_text(command);
            let events = self.settle(faults).await?;
            self.check_no_apology(&events, faults)?;
            if !events.iter().any(|event| matches!(event, BotEvent::Sent(_))) {
                return Err(fail(format!("stranded: {command} got no reply ({events:?})")));
            }
            self.check_contract()?;
            self.check_state().await?;
        }
        Ok(())
    }

    async fn run(&mut self, case: &Case) -> Result<(), TestCaseError> {
        self.walk(&case.goal).await?;
        for action in &case.actions {
            self.perform(action).await?;
        }
        self.check_not_stranded().await?;
        check_codes(self.app).await
    }
}

/// The state's variant, for the coverage report. (Every update saves the default state for a
/// chat without one, so "none" is only seen before a user's first update.)
fn state_name(state: Option<&State>) -> &'static str {
    match state {
        None => "none",
        Some(State::Start) => "Start",
        Some(State::City { fixed_way: None }) => "City",
        Some(State::City { fixed_way: Some(_) }) => "City (way fixed)",
        Some(State::RegionalCity { .. }) => "RegionalCity",
        Some(State::Way { .. }) => "Way",
        Some(State::Step { .. }) => "Step",
        Some(State::Contact { .. }) => "Contact",
        Some(State::Ready { .. }) => "Ready",
        Some(State::ConfirmForget { .. }) => "ConfirmForget",
        Some(State::Lost) => "Lost",
    }
}

/// No code issued twice, across every user of the app so far.
async fn check_codes(app: &TestApp) -> Result<(), TestCaseError> {
    let codes = invariants::check_codes(&app.db).await.map_err(|err| fail(format!("codes query failed: {err}")))?;
    match codes.broken.into_iter().next() {
        Some(broken) => Err(fail(broken)),
        None => Ok(()),
    }
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(CASES);
    Config {
        cases,
        // Failures are reported with the minimal case in the panic message; nothing is
        // written next to the sources.
        failure_persistence: None,
        max_shrink_iters: 400,
        max_shrink_time: 120_000,
        ..Config::default()
    }
}

/// One case on the shared app: a new user, their phone on the list, the clock on the day.
async fn run_case(app: &TestApp, case: &Case, coverage: &Mutex<Coverage>) -> Result<(), TestCaseError> {
    let id = NEXT_USER.fetch_add(1, Ordering::Relaxed);
    let user = TestUser { language_code: case.client_lang.map(str::to_owned), ..TestUser::new(id, None) };
    let phone = phone_of(id);
    let parsed = Phone::parse(&phone).map_err(|err| fail(err.to_string()))?;
    app.db
        .import_eligible(&[parsed], morning(&app.app.campaign, "2023-08-20"))
        .await
        .map_err(|err| fail(err.to_string()))?;
    app.clock.set(morning(&app.app.campaign, case.date));
    let mut session = Session {
        app,
        user,
        phone,
        other_phone: phone_of(id - 1),
        seen: Vec::new(),
        seen_set: HashSet::new(),
        bot_messages: Vec::new(),
        own_messages: Vec::new(),
        kicked: false,
        violations_seen: app.emu.limit_violations().len(),
        answered_twice_seen: app.emu.callbacks_answered_twice(),
        apologies: [app.t(Lang::Kk, "error-apology"), app.t(Lang::Ru, "error-apology")],
        log: Vec::new(),
        coverage,
    };
    coverage.lock().unwrap().cases += 1;
    session.run(case).await.map_err(|err| {
        let mut trail = String::new();
        for (n, line) in session.log.iter().enumerate() {
            let _ = writeln!(trail, "  {n:>2}. {}", abbreviate(line));
        }
        fail(format!("user {id}: {err}\nwhat the user did:\n{trail}"))
    })
}

/// Long texts shortened for the failure report.
fn abbreviate(line: &str) -> String {
    if line.chars().count() <= 300 {
        return line.to_owned();
    }
    let head: String = line.chars().take(200).collect();
    format!("{head}… ({} chars)", line.chars().count())
}

#[test]
fn random_updates_from_every_state_keep_the_bot_sound() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = runtime.block_on(async {
        let app = spawn_app().await;
        // Enough codes for every case; each case puts its own user's phone on the list.
        app.seed(2_000, &[]).await;
        app
    });
    let coverage = Mutex::new(Coverage::default());
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(config());
    let result = runner.run(&case(), |case| runtime.block_on(run_case(&app, &case, &coverage)));
    let coverage = coverage.into_inner().unwrap();
    eprintln!(
        "fuzz: {} cases in {:.1} s, {} replies\n  actions: {:?}\n  states after each action: {:?}\n  \
         faults injected: {:?} ({} met, {} held back)",
        coverage.cases,
        started.elapsed().as_secs_f64(),
        coverage.replies,
        coverage.actions,
        coverage.stages,
        coverage.faults,
        coverage.faults_met,
        coverage.faults_held_back
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, case)) => panic!("{reason}\nminimal failing case: {case:#?}"),
        Err(TestError::Abort(reason)) => panic!("aborted: {reason}"),
    }
}

/// Found by the fuzzer. Minimal sequence: get a code (Ready), block the bot, press a button of
/// the Ready message. The handler answered the query, then its send failed with 403, and the
/// apology answered the query a second time: a 400 "query is too old" from Telegram (and an
/// apology sent into a chat that cannot receive it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_pressed_after_blocking_the_bot_is_answered_once() {
    let app = spawn_app().await;
    let user = TestUser::new(7_900_001, "kk");
    app.seed(5, &["+7 701 900 00 01"]).await;
    rezerv_test_support::flows::get_code(&app, &user, Lang::Kk, "astana", Way::Qrt, "+77019000001").await;
    app.emu.set_member_status(&user, "kicked");
    let ready = app.emu.last_message(user.id).unwrap();
    for button in ready.buttons() {
        let data = button.callback_data.clone().unwrap();
        app.emu.press_button(&user, ready.message_id, &data);
        let events = app.settle(&user).await;
        let answers = events.iter().filter(|event| matches!(event, BotEvent::CallbackAnswered { .. })).count();
        assert_eq!(answers, 1, "{data}: {events:?}");
    }
    app.emu.set_member_status(&user, "member");
    assert!(!app.send(&user, "/help").await.is_empty());
    app.assert_clean();
}
