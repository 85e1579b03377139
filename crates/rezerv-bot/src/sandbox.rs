//! `rezerv-bot chat`: the real bot, dispatcher and database against the local Telegram
//! emulator, with the terminal playing the candidate. Needs no token and no network.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{NaiveDate, TimeZone};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::clock::{ManualClock, SharedClock, SystemClock};
use crate::config::{Campaign, Secret, Settings};
use crate::domain::{CodeSource, Lang, Phone, PromoCode, Way};
use crate::reminders::SenderConfig;
use crate::startup::Application;
use crate::storage::Db;
use bot_api_emulator::{BotEvent, BotMessage, Emulator, EmulatorConfig, TestUser};

/// The phone the sandbox candidate shares with `:contact`; it is on the demo eligible list.
pub const DEMO_PHONE: &str = "+77010000001";
const DEMO_PHONES: [&str; 3] = [DEMO_PHONE, "+77010000002", "+77010000003"];
const DEMO_CODES_PER_WAY: usize = 20;
const SANDBOX_USER_ID: i64 = 700_001;

const HELP: &str = "\
Type a message to send it to the bot, or:
  <number>          press the numbered button of the latest message
  :contact [phone]  share your own contact (default: the demo phone on the eligible list)
  :forged [phone]   share somebody else's contact
  :sticker, :photo, :voice   send that kind of message
  :today            show the sandbox date and time
  :date YYYY-MM-DD  move the clock to 10:00 that day;  :advance N(d|h)  move it forward
                    (reminders that fall due arrive as they would in Telegram)
  :help             this text;  :quit  leave (end of input does too)";

/// Seeds a demo eligible list and code pool when the database has none, so a journey can
/// be finished offline.
pub async fn seed_demo(db: &Db, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<bool> {
    let empty = db.eligible_count().await? == 0
        && db.codes_left(Way::Qrt).await? == 0
        && db.codes_left(Way::Qaztest).await? == 0;
    if !empty {
        return Ok(false);
    }
    let phones: Vec<Phone> = DEMO_PHONES.iter().map(|phone| Phone::parse(phone)).collect::<Result<_, _>>()?;
    db.import_eligible(&phones, now).await?;
    for way in Way::ALL {
        let codes: Vec<PromoCode> = (1..=DEMO_CODES_PER_WAY)
            .map(|n| PromoCode::parse(&format!("DEMO-{}-{n:04}", way.code().to_uppercase())))
            .collect::<Result<_, _>>()?;
        db.import_codes(way, &codes, now).await?;
    }
    Ok(true)
}

pub async fn run(settings: Settings, lang: Lang) -> anyhow::Result<()> {
    let campaign = settings.campaign()?;
    let manual = settings
        .today
        .map(|date| -> anyhow::Result<Arc<ManualClock>> {
            let local = date.and_hms_opt(10, 0, 0).context("bad date")?;
            let now = campaign.tz.from_local_datetime(&local).single().context("ambiguous local time")?;
            Ok(Arc::new(ManualClock::new(now.with_timezone(&chrono::Utc))))
        })
        .transpose()?;
    let clock: SharedClock = match &manual {
        Some(manual) => manual.clone(),
        None => Arc::new(SystemClock),
    };
    let first_update_id = {
        let db = Db::connect(&settings.database_url).await.context("cannot open the database")?;
        // In cabinet mode the bot issues no code: nothing to seed.
        if campaign.code_source == CodeSource::Pool && seed_demo(&db, clock.now()).await? {
            println!(
                "(sandbox) seeded a demo eligible list ({}) and {DEMO_CODES_PER_WAY} codes per way",
                DEMO_PHONES.join(", ")
            );
        }
        // Like Telegram, the emulator goes on after the update ids this database has seen: an
        // id still in the inbox would be taken for a copy of that update and dropped.
        let last = db.last_inbox_update_id().await.context("cannot read the inbox")?;
        db.close().await;
        last.map_or(1, |id| id + 1)
    };
    let emu = Emulator::start(EmulatorConfig {
        max_poll_hold: Duration::from_secs(1),
        first_update_id,
        ..Default::default()
    })
    .await
    .context("cannot start the Telegram emulator")?;
    let settings = Settings {
        token: Some(Secret::new(emu.token())),
        api_url: Some(emu.api_url().parse().context("emulator URL")?),
        poll_timeout: Duration::from_secs(1),
        // Reminders that fall due after `:advance` arrive within a fifth of a second.
        sender: SenderConfig { idle_poll: Duration::from_millis(200), ..settings.sender },
        ..settings
    };
    let mut application = Application::build(&settings, clock.clone()).await?;
    let app = application.app().clone();

    let user = TestUser::new(SANDBOX_USER_ID, lang.code());
    println!("(sandbox) you are Telegram user {} with the app in {lang}; today is {}", user.id, app.today());
    println!("{HELP}\n");

    let mut terminal = Terminal { emu: &emu, user: &user, last_buttons: Vec::new(), shown: HashMap::new() };
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await.context("cannot read the terminal")? {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        println!("you> {line}");
        match line.split_once(' ').map_or((line, ""), |(head, rest)| (head, rest.trim())) {
            (":quit", _) => break,
            (":help", _) => println!("{HELP}"),
            (":today", _) => println!("(sandbox) it is {}", local_now(&campaign, &clock)),
            (":date" | ":advance", arg) => {
                let Some(manual) = &manual else {
                    println!("(sandbox) the clock is the system clock; start with --today to move it");
                    continue;
                };
                let target = match line.starts_with(":date") {
                    true => NaiveDate::parse_from_str(arg, "%Y-%m-%d").ok().map(|date| campaign.reminder_instant(date)),
                    false => parse_advance(arg).map(|by| clock.now() + by),
                };
                match target {
                    Some(target) if target >= clock.now() => {
                        // Plans are made from "now": let the planner catch up before time jumps.
                        if let Err(err) = app.planner.drain().await {
                            tracing::error!(error = %err, "cannot re-plan reminders");
                        }
                        manual.set(target);
                        println!("(sandbox) it is now {}", local_now(&campaign, &clock));
                        terminal.show_arrivals().await;
                    }
                    Some(_) => println!("(sandbox) the clock only moves forward"),
                    None => println!("(sandbox) usage: :date YYYY-MM-DD or :advance 3d / :advance 12h"),
                }
            }
            (":contact", arg) => {
                emu.share_own_contact(&user, if arg.is_empty() { DEMO_PHONE } else { arg });
                terminal.show_replies().await;
            }
            (":forged", arg) => {
                emu.share_forged_contact(&user, if arg.is_empty() { DEMO_PHONE } else { arg }, Some(user.id + 1));
                terminal.show_replies().await;
            }
            (":sticker", _) => {
                terminal
                    .act(|emu, user| {
                        emu.send_sticker(user);
                    })
                    .await
            }
            (":photo", _) => {
                terminal
                    .act(|emu, user| {
                        emu.send_photo(user);
                    })
                    .await
            }
            (":voice", _) => {
                terminal
                    .act(|emu, user| {
                        emu.send_voice(user);
                    })
                    .await
            }
            _ => match line.parse::<usize>() {
                Ok(number) => terminal.press(number).await,
                Err(_) => {
                    terminal
                        .act(|emu, user| {
                            emu.send_text(user, line);
                        })
                        .await
                }
            },
        }
    }

    // Each step of the shutdown is bounded: leaving the sandbox must never hang, and every
    // committed write is already durable.
    application.shutdown().await;
    emu.shutdown();
    if tokio::time::timeout(Duration::from_secs(5), app.db.close()).await.is_err() {
        tracing::warn!("sandbox shutdown: closing the database took too long");
    }
    Ok(())
}

fn local_now(campaign: &Campaign, clock: &SharedClock) -> String {
    clock.now().with_timezone(&campaign.tz).format("%Y-%m-%d %H:%M (%a)").to_string()
}

/// `3d`, `12h` or `30m`.
fn parse_advance(text: &str) -> Option<chrono::Duration> {
    let (number, unit) = text.trim().split_at(text.trim().len().checked_sub(1)?);
    let number: i64 = number.parse().ok().filter(|n| *n > 0 && *n <= 366 * 24 * 60)?;
    match unit {
        "d" => Some(chrono::Duration::days(number)),
        "h" => Some(chrono::Duration::hours(number)),
        "m" => Some(chrono::Duration::minutes(number)),
        _ => None,
    }
}

struct Terminal<'a> {
    emu: &'a Emulator,
    user: &'a TestUser,
    /// (message id, callback data) of the numbered buttons on screen.
    last_buttons: Vec<(i32, String)>,
    /// Each message's text and buttons as last shown, so that an edit is shown only when it
    /// changes them.
    shown: HashMap<i32, (String, String)>,
}

impl Terminal<'_> {
    async fn act(&mut self, action: impl FnOnce(&Emulator, &TestUser)) {
        action(self.emu, self.user);
        self.show_replies().await;
    }

    async fn press(&mut self, number: usize) {
        match number.checked_sub(1).and_then(|index| self.last_buttons.get(index)).cloned() {
            Some((message_id, data)) => {
                self.emu.press_button(self.user, message_id, &data);
                self.show_replies().await;
            }
            None => println!("(sandbox) there is no button {number}"),
        }
    }

    /// Shows what arrives on its own (reminders) within a couple of seconds.
    async fn show_arrivals(&mut self) {
        self.show(Duration::from_secs(2), "nothing arrived").await;
    }

    async fn show_replies(&mut self) {
        self.show(Duration::from_secs(10), "the bot did not answer").await;
    }

    async fn show(&mut self, first_within: Duration, silence: &str) {
        let Some(first) = self.emu.next_event(self.user.id, first_within).await else {
            println!("(sandbox) {silence}");
            return;
        };
        self.emu.wait_quiet(self.user.id, Duration::from_millis(250)).await;
        let mut events = vec![first];
        events.extend(self.emu.drain_events(self.user.id));
        for event in events {
            match event {
                BotEvent::Sent(message) => self.print(&message, "bot>"),
                // A message edited in place (a menu, a broadcast's progress): shown again when
                // its text or its buttons changed; an edit that only retires its buttons is not.
                BotEvent::Edited(message)
                    if self.shown.get(&message.message_id).is_some_and(|(text, buttons)| {
                        let (new_text, new_buttons) = shown_as(&message);
                        *text != new_text || (*buttons != new_buttons && !new_buttons.is_empty())
                    }) =>
                {
                    self.print(&message, "bot (edited)>");
                }
                BotEvent::CallbackAnswered { text: Some(text), .. } => println!("(toast) {text}"),
                BotEvent::CallbackAnswered { text: None, .. } | BotEvent::Edited(_) | BotEvent::Deleted(_) => {}
            }
        }
    }

    fn print(&mut self, message: &BotMessage, prefix: &str) {
        self.shown.insert(message.message_id, shown_as(message));
        let text = message.plain_text();
        let indent = " ".repeat(prefix.chars().count() + 1);
        let mut lines = text.lines();
        println!("{prefix} {}", lines.next().unwrap_or_default());
        for line in lines {
            println!("{indent}{line}");
        }
        if let Some(document) = &message.document {
            println!("{indent}<file> {} ({} bytes)", document.file_name, document.bytes.len());
        }
        let mut numbered = Vec::new();
        for row in &message.inline_keyboard {
            let mut cells = Vec::new();
            for button in row {
                match (&button.callback_data, &button.url) {
                    (Some(data), _) => {
                        numbered.push((message.message_id, data.clone()));
                        cells.push(format!("[{}] {}", numbered.len(), button.text));
                    }
                    (None, Some(url)) => cells.push(format!("[link] {} {url}", button.text)),
                    (None, None) => cells.push(format!("[-] {}", button.text)),
                }
            }
            println!("{indent}{}", cells.join("   "));
        }
        if !numbered.is_empty() {
            self.last_buttons = numbered;
        }
        for button in message.keyboard_buttons() {
            let hint = if button.request_contact { " (type :contact)" } else { " (type it)" };
            println!("{indent}<keyboard> {}{hint}", button.text);
        }
        println!();
    }
}

/// A message as the terminal shows it: its text, and its buttons' labels.
fn shown_as(message: &BotMessage) -> (String, String) {
    let buttons: Vec<&str> = message.inline_keyboard.iter().flatten().map(|button| button.text.as_str()).collect();
    (message.plain_text(), buttons.join("|"))
}
