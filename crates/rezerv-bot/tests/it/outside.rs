//! Defects found by driving the bot from outside, as Telegram does: signals, updates from
//! channels and groups, double taps, commands in capitals, recycled phone numbers, and the
//! descriptions an empty chat shows.

use rezerv_test_support::app::answers;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bot_api_emulator::{Emulator, EmulatorConfig, TestUser};
use rezerv_bot::bot::State;
use rezerv_bot::domain::{Lang, Way};
use rezerv_bot::i18n::Args;
use rezerv_test_support::app::{REPLY_TIMEOUT, TestApp, sent, spawn_app, texts};
use rezerv_test_support::db::TempDir;
use rezerv_test_support::flows::{codes_left, get_code, walk_to_contact};
use serde_json::json;

const PHONE: &str = "+7 701 123 45 67";

async fn candidate_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM candidates").fetch_one(app.db.pool()).await.unwrap()
}

/// Waits until every update the emulator queued has been stored and handled by the bot.
async fn all_updates_handled(app: &TestApp) {
    let deadline = Instant::now() + REPLY_TIMEOUT;
    loop {
        let handled = app.emu.unconfirmed_updates() == 0 && app.db.pending_updates().await.unwrap().is_empty();
        if handled {
            return;
        }
        assert!(Instant::now() < deadline, "the bot did not handle its updates within {REPLY_TIMEOUT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_bot_gracefully_and_it_exits_with_code_0() {
    let dir = TempDir::new();
    let emu = Emulator::start(EmulatorConfig { max_poll_hold: Duration::from_secs(1), ..Default::default() })
        .await
        .expect("emulator");
    let mut bot = Command::new(env!("CARGO_BIN_EXE_rezerv-bot"))
        .args(["--today", "2023-09-05", "run"])
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url())
        .env("DATABASE_URL", dir.database_url())
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("start the bot");

    // Running: it answers a candidate.
    let user = TestUser::new(9001, "ru");
    emu.send_text(&user, "/start");
    let reply = emu.next_sent(user.id, Duration::from_secs(60)).await;
    assert!(reply.is_some(), "the bot never answered");

    // What systemd and Docker send to stop a service.
    let pid = bot.id().to_string();
    let signalled = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(signalled.success());
    let sent_at = Instant::now();
    let status = loop {
        if let Some(status) = bot.try_wait().expect("wait for the bot") {
            break status;
        }
        if sent_at.elapsed() > Duration::from_secs(30) {
            let _ = bot.kill();
            let _ = bot.wait();
            panic!("the bot did not stop within 30 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0, not killed by the signal: {status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_post_creates_no_candidate_and_is_not_counted_in_stats() {
    let app = spawn_app().await;
    let channel = json!({"id": -1_001_111_222_333_i64, "type": "channel", "title": "Reserve news"});
    for text in ["/start", "Selection opens on 1 September"] {
        app.emu.push_raw_update(json!({"channel_post": {
            "message_id": 10,
            "sender_chat": channel,
            "chat": channel,
            "date": 1_693_900_000,
            "text": text,
        }}));
    }
    app.emu.push_raw_update(json!({"edited_channel_post": {
        "message_id": 10,
        "sender_chat": channel,
        "chat": channel,
        "date": 1_693_900_000,
        "edit_date": 1_693_900_100,
        "text": "/start",
    }}));
    all_updates_handled(&app).await;

    assert_eq!(candidate_rows(&app).await, 0);
    assert_eq!(app.db.stats().await.unwrap().candidates, 0);
    assert!(app.emu.messages(-1_001_111_222_333).is_empty(), "nothing is posted to the channel");

    // A person's private chat still does.
    let user = TestUser::new(9011, "kk");
    app.send(&user, "/start").await;
    assert_eq!(app.db.stats().await.unwrap().candidates, 1);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_on_an_inaccessible_group_message_does_not_run_the_journey() {
    let app = spawn_app().await;
    let group = -1_009_876_543_i64;
    let user = TestUser::new(9021, "ru");
    // Telegram reports a message it cannot show the bot as date 0, without its content.
    for (id, data) in [("cbq-lang", "l:ru"), ("cbq-city", "c:almaty"), ("cbq-forget", "fy")] {
        app.emu.push_raw_update(json!({"callback_query": {
            "id": id,
            "from": user.to_json(),
            "message": {
                "message_id": 7,
                "chat": {"id": group, "type": "supergroup", "title": "Candidates 2023"},
                "date": 0,
            },
            "chat_instance": "4242",
            "data": data,
        }}));
    }
    all_updates_handled(&app).await;
    app.emu.wait_quiet(group, Duration::from_millis(300)).await;
    let events = app.emu.drain_events(group);

    // Each press is answered with the private-only toast, and nothing else happens.
    let private_only = Some(app.t(Lang::Ru, "private-only"));
    assert_eq!(answers(&events), vec![private_only.clone(), private_only.clone(), private_only], "{events:?}");
    assert!(sent(events).is_empty(), "no message in the group");
    assert!(app.emu.messages(user.id).is_empty(), "nor in the private chat");
    assert_eq!(candidate_rows(&app).await, 0);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_tap_on_the_language_button_confirms_once_and_shows_the_cities_once() {
    let app = spawn_app().await;
    for (user, lang) in [(TestUser::new(9031, "ru"), Lang::Ru), (TestUser::new(9032, "kk"), Lang::Kk)] {
        app.send(&user, "/start").await;
        let (message_id, data) = app.find_button(&user, &app.t(lang, "language-name"));
        // Both taps are queued before the bot has answered the first.
        app.emu.press_button(&user, message_id, &data);
        app.emu.press_button(&user, message_id, &data);
        let mut events = app.settle(&user).await;
        let deadline = Instant::now() + REPLY_TIMEOUT;
        while answers(&events).len() < 2 && Instant::now() < deadline {
            events.extend(app.settle_maybe_silent(&user).await);
        }
        events.extend(app.settle_maybe_silent(&user).await);

        let messages = sent(events.clone());
        let all = texts(&messages);
        assert_eq!(messages.len(), 2, "one confirmation and one city prompt: {all}");
        let confirmation =
            app.locales().t_args(lang, "language-set", &Args::new().with("language", app.t(lang, "language-name")));
        assert_eq!(messages[0].text, confirmation, "{all}");
        assert!(messages[1].text.contains(&app.t(lang, "city-prompt")), "{all}");
        let answered = answers(&events);
        assert_eq!(answered.len(), 2, "both taps are answered: {events:?}");
        assert_eq!(answered[0], None);
        assert!(answered[1].is_some(), "the second tap gets a toast: {events:?}");
        assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_in_capitals_work_like_their_lowercase_spelling() {
    let app = spawn_app().await;
    let user = TestUser::new(9041, "ru");

    let picker = app.send(&user, "/START").await;
    assert_eq!(picker.len(), 1, "{}", texts(&picker));
    assert!(picker[0].text.contains(&app.t(Lang::Ru, "welcome")), "{}", texts(&picker));
    assert!(!texts(&picker).contains(&app.t(Lang::Ru, "unexpected-input")));
    app.press(&user, &app.t(Lang::Ru, "language-name")).await;

    let status = app.send(&user, "/Status").await;
    assert!(status[0].text.starts_with(&app.t(Lang::Ru, "status-title")), "{}", texts(&status));
    let help = app.send(&user, "/HELP@Rezerv_Test_Bot").await;
    assert!(help[0].text.contains("/status"), "{}", texts(&help));

    // The deep-link payload keeps its own case.
    let other = TestUser::new(9042, "kk");
    app.send(&other, "/Start Ads_2023").await;
    assert_eq!(app.db.profile(other.id).await.unwrap().unwrap().source.as_deref(), Some("Ads_2023"));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recycled_phone_on_a_new_account_is_not_shown_the_earlier_accounts_code() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let first = TestUser::new(9051, "ru");
    let code = get_code(&app, &first, Lang::Ru, "almaty", Way::Qrt, PHONE).await;
    assert_eq!(code, "QRT-0001");
    let left = codes_left(&app).await;

    // The number now belongs to another Telegram account, which shares it as its own.
    let second = TestUser::new(9052, "ru");
    walk_to_contact(&app, &second, Lang::Ru, "almaty", Way::Qrt).await;
    let reply = app.share_contact(&second, PHONE).await;
    let all = texts(&reply);
    assert!(!all.contains(&code), "the earlier account's code is never shown: {all}");
    assert_eq!(reply.len(), 1, "{all}");
    assert_eq!(reply[0].text, app.t(Lang::Ru, "code-phone-taken"), "{all}");
    assert_eq!(app.state(&second).await, Some(State::Contact { city: "almaty".parse().unwrap(), way: Way::Qrt }));
    assert_eq!(app.db.profile(second.id).await.unwrap().unwrap().code, None);
    assert_eq!(codes_left(&app).await, left, "and no second code for the same phone");

    // The account that received the code sees it again, even after erasing its data.
    app.send(&first, "/forget").await;
    app.press(&first, &app.t(Lang::Ru, "btn-forget-yes")).await;
    assert_eq!(get_code(&app, &first, Lang::Ru, "shymkent", Way::Qrt, PHONE).await, code);
    assert_eq!(codes_left(&app).await, left);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_descriptions_an_empty_chat_shows_are_set_in_both_languages_and_russian_by_default() {
    let app = spawn_app().await;
    for lang in Lang::ALL {
        assert_eq!(app.emu.description(Some(lang.code())), Some(app.t(lang, "bot-description")), "{lang}");
        assert_eq!(app.emu.short_description(Some(lang.code())), Some(app.t(lang, "bot-short-description")), "{lang}");
    }
    assert_eq!(app.emu.description(None), Some(app.t(Lang::Ru, "bot-description")));
    assert_eq!(app.emu.short_description(None), Some(app.t(Lang::Ru, "bot-short-description")));
    app.assert_clean();
}

#[test]
fn the_descriptions_fit_telegrams_limits_and_are_plain_text() {
    // setMyDescription takes 0-512 characters, setMyShortDescription 0-120; neither parses HTML.
    let locales = rezerv_bot::i18n::Locales::load().unwrap();
    for lang in Lang::ALL {
        for (id, limit) in [("bot-description", 512), ("bot-short-description", 120)] {
            let text = locales.render(lang, id, None).unwrap();
            let length = text.chars().count();
            assert!((1..=limit).contains(&length), "{lang} {id} is {length} characters, at most {limit}: {text}");
            assert!(!text.contains(['<', '>', '&']), "{lang} {id} is shown as plain text: {text}");
        }
    }
}
