//! The random updates both fuzzers send: `tests/it/fuzz.rs` (proptest, with shrinking) and the
//! lab's `fuzz_long` (a million of them, drawn by seed through [`Draws`]). One definition, so
//! the long run covers what the test covers, with the same weights.

use bot_api_emulator::{Emulator, Fault, Methods};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, Reason, RngAlgorithm, TestRng, TestRunner};
use rezerv_bot::bot::MAX_CALLBACK_BYTES;

/// How a shared own phone is written (Telegram sends it without the plus).
#[derive(Debug, Clone, Copy)]
pub enum Spelling {
    E164,
    Telegram,
    Local,
}

/// `phone` (E.164, +7…) as the spelling writes it.
pub fn spelled(phone: &str, spelling: Spelling) -> String {
    let digits = &phone[2..];
    match spelling {
        Spelling::E164 => phone.to_owned(),
        Spelling::Telegram => format!("7{digits}"),
        Spelling::Local => format!("8 ({}) {}-{}-{}", &digits[..3], &digits[3..6], &digits[6..8], &digits[8..]),
    }
}

/// Where forged callback data is pressed.
#[derive(Debug, Clone, Copy)]
pub enum On {
    /// The newest bot message.
    Latest,
    /// Any bot message the user has seen.
    Seen(usize),
    /// One of the user's own messages (an inaccessible message for the bot).
    Own(usize),
    /// A message id that does not exist.
    Unknown,
}

/// How Telegram fails one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 429 with `retry_after` 1: the bot waits a second.
    TooManyRequests,
    /// 500: teloxide holds it 10 s, the request layer gives up on the attempt after 5 s.
    ServerError,
    /// The connection closes with no answer.
    Dropped,
}

/// Which of the chat's requests a failure hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// The next message sent or edited (sendMessage, sendDocument, editMessageText,
    /// editMessageReplyMarkup).
    Sending,
    /// The next answer to a pressed button.
    AnswerCallback,
}

/// Telegram fails the chat's next request of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trouble {
    pub failure: Failure,
    pub hit: Hit,
}

impl Trouble {
    /// Queues the failure in the emulator for `chat`'s next request that it hits.
    pub fn inject(&self, emu: &Emulator, chat: i64) {
        let fault = match self.failure {
            Failure::TooManyRequests => Fault::too_many_requests(1),
            Failure::ServerError => Fault::internal_server_error(),
            Failure::Dropped => Fault::Drop,
        };
        let methods = match self.hit {
            Hit::Sending => Methods::Sending,
            Hit::AnswerCallback => Methods::Only("answerCallbackQuery".to_owned()),
        };
        emu.inject_method_faults(Some(chat), methods, vec![fault]);
    }

    /// The report's name for it.
    pub fn kind(&self) -> &'static str {
        match (self.failure, self.hit) {
            (Failure::TooManyRequests, Hit::Sending) => "429 on a send",
            (Failure::ServerError, Hit::Sending) => "500 on a send",
            (Failure::Dropped, Hit::Sending) => "drop on a send",
            (Failure::TooManyRequests, Hit::AnswerCallback) => "429 on an answer",
            (Failure::ServerError, Hit::AnswerCallback) => "500 on an answer",
            (Failure::Dropped, Hit::AnswerCallback) => "drop on an answer",
        }
    }
}

/// The most faults queued for a chat that none of its replies can lose to: a request with
/// `Patience::INTERACTIVE` (6 attempts, transient faults retried while under 20 s) survives
/// any 3 faults in a row. Three 500s are the worst: attempts at 0, 5.25 and 10.75 s each time
/// out after 5 s, and the fourth starts at 16.75 s; a fourth 500 would end the retries. With
/// more faults queued, an apology instead of the reply is the bot's last resort, not a bug.
pub const SURVIVABLE_FAULTS: usize = 3;

#[derive(Debug, Clone)]
pub enum Action {
    Text(String),
    Command(String),
    Sticker,
    Photo,
    Voice,
    /// The user's own contact, with their eligible phone.
    OwnContact(Spelling),
    /// The user's own contact, with a phone not on the list (or not a phone at all).
    IneligibleContact(String),
    /// Somebody else's contact card: the user's phone or another user's, and whose `user_id`.
    ForgedContact {
        own_phone: bool,
        claimed: Option<i64>,
    },
    /// A button of the newest message that has any: what a user most often does.
    PressCurrent(usize),
    /// Any button the user was ever shown, replayed.
    PressOld(usize),
    /// A current button tapped twice before the bot answers.
    DoubleTap(usize),
    /// A reply keyboard button: its label as text, or the contact it shares.
    Keyboard(usize),
    /// Callback data no button of this message carries.
    Callback {
        data: String,
        on: On,
    },
    /// The user edits one of their earlier messages.
    Edit {
        nth: usize,
        text: String,
    },
    /// The user blocks the bot.
    Kicked,
    /// The user unblocks (restarts) the bot.
    Member,
    /// Not an update: Telegram's next answer to one of the chat's requests fails, whichever
    /// action makes it.
    Trouble(Trouble),
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Text(_) => "text",
            Action::Command(_) => "command",
            Action::Sticker => "sticker",
            Action::Photo => "photo",
            Action::Voice => "voice",
            Action::OwnContact(_) => "contact-eligible",
            Action::IneligibleContact(_) => "contact-ineligible",
            Action::ForgedContact { .. } => "contact-forged",
            Action::PressCurrent(_) => "press-current",
            Action::PressOld(_) => "press-old",
            Action::DoubleTap(_) => "double-tap",
            Action::Keyboard(_) => "keyboard",
            Action::Callback { .. } => "callback-forged",
            Action::Edit { .. } => "edit",
            Action::Kicked => "kicked",
            Action::Member => "member",
            Action::Trouble(_) => "trouble",
        }
    }

    /// Whether the action is a message the bot must answer (when it is not blocked).
    pub fn is_message(&self) -> bool {
        matches!(
            self,
            Action::Text(_)
                | Action::Command(_)
                | Action::Sticker
                | Action::Photo
                | Action::Voice
                | Action::OwnContact(_)
                | Action::IneligibleContact(_)
                | Action::ForgedContact { .. }
                | Action::Keyboard(_)
        )
    }
}

// ---- generators ----

/// Free text: empty-ish, short, Cyrillic (Kazakh letters too), emoji, arbitrary Unicode,
/// button labels typed by hand, and very long (up to 5000 characters, past Telegram's 4096).
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(vec!["", " ", "\n", "\t \t", "\u{200b}", "\u{feff}", "."]).prop_map(str::to_owned),
        2 => "[a-zA-Z0-9 ,.!?]{1,40}",
        3 => "[\u{0430}-\u{044F}\u{0410}-\u{042F}\u{0451}\u{0401}\u{04D9}\u{0493}\u{049B}\u{04A3}\u{04E9}\u{04B1}\u{04AF}\u{04BB}\u{0456}\u{04D8}\u{0492}\u{049A}\u{04A2}\u{04E8}\u{04B0}\u{04AE}\u{04BA}\u{0406} ,.!?]{1,60}",
        2 => "[😀-🙏🚀-🛿👍❤🇰🇿\u{200d}\u{fe0f}]{1,12}",
        2 => any::<String>(),
        // Labels the bot shows (the two language names, cities, both back buttons), written as
        // escapes: src/ holds no Cyrillic literals, so user texts stay in locales/.
        2 => prop::sample::select(vec![
            "\u{049A}\u{0430}\u{0437}\u{0430}\u{049B}\u{0448}\u{0430}", "\u{0420}\u{0443}\u{0441}\u{0441}\u{043A}\u{0438}\u{0439}", "\u{0410}\u{043B}\u{043C}\u{0430}\u{0442}\u{044B}", "\u{0410}\u{0441}\u{0442}\u{0430}\u{043D}\u{0430}", "\u{0428}\u{044B}\u{043C}\u{043A}\u{0435}\u{043D}\u{0442}", "\u{041E}\u{0440}\u{0430}\u{043B}", "QRT", "QAZTEST", "\u{2B05}\u{FE0F} \u{041D}\u{0430}\u{0437}\u{0430}\u{0434}", "\u{2B05}\u{FE0F} \u{0410}\u{0440}\u{0442}\u{049B}\u{0430}",
            "1", "2", "0", "/", "/ start", "/START", "/start@rezerv_test_bot", "/start@other_bot", "//help",
            "<b>bold</b>", "</code>", "&amp;", "+77010000001", "8 701 000 00 01",
        ])
        .prop_map(str::to_owned),
        1 => (any::<char>(), 1..=5000_usize).prop_map(|(c, n)| c.to_string().repeat(n)),
        1 => "[a-zA-Z\u{0430}-\u{044F}\u{0410}-\u{042F}0-9 ]{4000,5000}",
    ]
}

/// The bot's commands, with and without arguments, and ones it does not know.
pub fn command() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "/start", "/status", "/code", "/language", "/help", "/forget", "/foo", "/start@rezerv_test_bot",
            "/status@rezerv_test_bot", "/help me", "/status now", "/forget@rezerv_test_bot", "/Start", "/cancel",
        ])
        .prop_map(str::to_owned),
        2 => "[A-Za-z0-9_-]{1,64}".prop_map(|payload| format!("/start {payload}")),
        1 => "\\PC{1,80}".prop_map(|payload| format!("/start {payload}")),
        1 => "[a-z_]{1,40}".prop_map(|name| format!("/{name}")),
    ]
}

/// At most 64 bytes, cut at a character boundary.
fn clip(mut data: String) -> String {
    while data.len() > MAX_CALLBACK_BYTES {
        data.pop();
    }
    data
}

/// Callback data: arbitrary bytes that form valid UTF-8, arbitrary text, and data that
/// looks like the bot's own encoding (right tags, wrong or stale arguments).
pub fn callback_data() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..=MAX_CALLBACK_BYTES).prop_map(|bytes| {
            let valid = match std::str::from_utf8(&bytes) {
                Ok(text) => text,
                Err(err) => std::str::from_utf8(&bytes[..err.valid_up_to()]).unwrap_or_default(),
            };
            valid.to_owned()
        }),
        2 => any::<String>().prop_map(clip),
        1 => "[ -~]{0,64}",
        6 => valid_looking(),
    ]
}

/// Data in the bot's own encoding: right tags, wrong or stale arguments.
pub fn valid_looking() -> impl Strategy<Value = String> {
    let tags = vec!["l", "c", "w", "sd", "sb", "td", "rg", "cb", "cc", "ap", "dp", "st", "fy", "fn", "fq", "fc", "fo"];
    prop_oneof![
        prop::sample::select(vec!["l:kk", "l:ru", "l:en", "l:KK", "l:", "l"]).prop_map(str::to_owned),
        prop::sample::select(vec![
            "c:almaty",
            "c:astana",
            "c:shymkent",
            "c:oral",
            "c:oskemen",
            "c:nowhere",
            "c:Almaty",
            "c:",
            "c:-",
        ])
        .prop_map(str::to_owned),
        prop::sample::select(vec!["w:qrt", "w:qaztest", "w:QRT", "w:", "w:online"]).prop_map(str::to_owned),
        (prop::sample::select(vec!["sd", "sb"]), 0..=9_u8).prop_map(|(tag, n)| format!("{tag}:{n}")),
        (prop::sample::select(vec!["sd", "sb"]), "[0-9]{2,4}").prop_map(|(tag, n)| format!("{tag}:{n}")),
        (2023..=2024_i32, 8..=10_u32, 0..=32_u32).prop_map(|(y, m, d)| format!("td:{y}{m:02}{d:02}")),
        prop::sample::select(vec!["td:", "td:2023091", "td:202309150", "td:2023-09-15"]).prop_map(str::to_owned),
        prop::sample::select(vec!["rg", "cb", "cc", "ap", "dp", "st", "fy", "fn"]).prop_map(str::to_owned),
        // The FAQ's entry buttons: real entries, gone ones, too many.
        prop::sample::select(vec![
            "fq:results",
            "fc:promo-code",
            "fo:ways,qrt,cost",
            "fq:no-such-entry",
            "fo:ways,qrt,cost,level",
            "fc:",
        ])
        .prop_map(str::to_owned),
        (prop::sample::select(tags), "[:a-z0-9]{0,6}").prop_map(|(tag, junk)| clip(format!("{tag}:{junk}"))),
    ]
}

fn spelling() -> impl Strategy<Value = Spelling> {
    prop_oneof![Just(Spelling::E164), Just(Spelling::Telegram), Just(Spelling::Local)]
}

/// Mostly 429s and drops; 500s are rare, since each costs the bot 5 s.
fn trouble() -> impl Strategy<Value = Trouble> {
    let failure = prop_oneof![
        9 => Just(Failure::TooManyRequests),
        9 => Just(Failure::Dropped),
        1 => Just(Failure::ServerError),
    ];
    let hit = prop_oneof![7 => Just(Hit::Sending), 3 => Just(Hit::AnswerCallback)];
    (failure, hit).prop_map(|(failure, hit)| Trouble { failure, hit })
}

fn target() -> impl Strategy<Value = On> {
    prop_oneof![
        3 => Just(On::Latest),
        3 => any::<usize>().prop_map(On::Seen),
        1 => any::<usize>().prop_map(On::Own),
        1 => Just(On::Unknown),
    ]
}

/// The weights are those of one union of all seventeen kinds (messages 14 in all, the rest
/// 24), split in two: proptest boxes a union of more than ten without `Send`, and the lab's
/// tasks need `Send`. Trouble is 2 in 38: a fault every ~19 actions, ~0.85 s of the bot's
/// waiting each on average (a 429 waits 1 s, a drop 0.25 s, a 500 5 s), so that faults meet
/// every kind of turn and the million-update run still takes minutes, not hours.
pub fn action() -> impl Strategy<Value = Action> {
    let messages = prop_oneof![
        4 => text().prop_map(Action::Text),
        3 => command().prop_map(Action::Command),
        1 => Just(Action::Sticker),
        1 => Just(Action::Photo),
        1 => Just(Action::Voice),
        2 => spelling().prop_map(Action::OwnContact),
        1 => prop_oneof![
            (0..10_000_000_u32).prop_map(|n| format!("+7705{n:07}")),
            prop::sample::select(vec!["", "12345", "+79161234567", "abc", "+7 (701) 000", "++77010000001"])
                .prop_map(str::to_owned),
        ]
        .prop_map(Action::IneligibleContact),
        1 => (any::<bool>(), prop::option::of(prop_oneof![Just(1_i64), Just(123_456_i64), Just(-1_i64)]))
            .prop_map(|(own_phone, claimed)| Action::ForgedContact { own_phone, claimed }),
    ];
    let the_rest = prop_oneof![
        10 => any::<usize>().prop_map(Action::PressCurrent),
        3 => any::<usize>().prop_map(Action::PressOld),
        1 => any::<usize>().prop_map(Action::DoubleTap),
        1 => any::<usize>().prop_map(Action::Keyboard),
        4 => (callback_data(), target()).prop_map(|(data, on)| Action::Callback { data, on }),
        1 => (any::<usize>(), prop_oneof![text(), command()]).prop_map(|(nth, text)| Action::Edit { nth, text }),
        1 => Just(Action::Kicked),
        1 => Just(Action::Member),
        2 => trouble().prop_map(Action::Trouble),
    ];
    prop_oneof![14 => messages, 24 => the_rest]
}

/// Values drawn from the strategies above by a seeded generator, without shrinking: the
/// lab's long run. The same seed draws the same values.
pub struct Draws {
    runner: TestRunner,
    action: SBoxedStrategy<Action>,
    valid_looking: SBoxedStrategy<String>,
}

impl Draws {
    pub fn new(seed: u64) -> Draws {
        let mut key = [0; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
        Draws {
            runner: TestRunner::new_with_rng(Config::default(), rng),
            // Built once: building the strategy per draw would cost more than the draw; `Send`
            // boxes, for the lab's tasks.
            action: action().sboxed(),
            valid_looking: valid_looking().sboxed(),
        }
    }

    pub fn action(&mut self) -> Result<Action, Reason> {
        Ok(self.action.new_tree(&mut self.runner)?.current())
    }

    pub fn valid_looking(&mut self) -> Result<String, Reason> {
        Ok(self.valid_looking.new_tree(&mut self.runner)?.current())
    }
}
