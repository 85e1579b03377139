//! Input the bot does not expect, through the real dispatcher: every state re-prompts and
//! stays put, forged contacts and buttons change nothing, double taps count once.

use rezerv_test_support::app::answers;
use std::time::Duration;

use bot_api_emulator::{BotEvent, BotMessage, TestUser};
use chrono::NaiveDate;
use rezerv_bot::bot::{Callback, MAX_CALLBACK_BYTES, State};
use rezerv_bot::domain::{Lang, Way};
use rezerv_bot::i18n::Args;
use rezerv_test_support::app::{REPLY_TIMEOUT, TestApp, sent, spawn_app, texts};
use rezerv_test_support::flows::{city_name, codes_left, walk_to_contact, walk_to_way};
use serde_json::Value;

const PHONE: &str = "+7 701 123 45 67";
const OTHER_PHONE: &str = "+7 702 765 43 21";

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Kk => Lang::Ru,
        Lang::Ru => Lang::Kk,
    }
}

/// Whether the message shows `marker` in its text or on one of its buttons.
fn shows(message: &BotMessage, marker: &str) -> bool {
    message.text.contains(marker)
        || message.buttons().iter().any(|button| button.text == marker)
        || message.keyboard_buttons().iter().any(|button| button.text == marker)
}

/// Waits until the bot has answered every pressed button and then fell quiet; returns the events.
async fn settle_all(app: &TestApp, user: &TestUser) -> Vec<BotEvent> {
    let mut events = app.settle(user).await;
    let deadline = tokio::time::Instant::now() + REPLY_TIMEOUT;
    while !app.emu.unanswered_callbacks().is_empty() && tokio::time::Instant::now() < deadline {
        events.extend(app.settle_maybe_silent(user).await);
    }
    events.extend(app.settle_maybe_silent(user).await);
    events
}

/// Presses (message id, data) once and returns everything the bot did.
async fn press_at(app: &TestApp, user: &TestUser, (message_id, data): &(i32, String)) -> Vec<BotEvent> {
    app.emu.press_button(user, *message_id, data);
    settle_all(app, user).await
}

/// … → contact shared: the code is issued and the candidate is in `Ready`.
async fn walk_to_ready(app: &TestApp, user: &TestUser, lang: Lang, city: &str, way: Way, phone: &str) -> String {
    walk_to_contact(app, user, lang, city, way).await;
    let issued = texts(&app.share_contact(user, phone).await);
    assert!(issued.contains("<code>"), "{issued}");
    assert_eq!(app.state(user).await, Some(State::Ready { city: city.parse().unwrap(), way }));
    issued
}

async fn candidate_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM candidates").fetch_one(app.db.pool()).await.unwrap()
}

/// Sends free text, a sticker, a photo and a voice note; each gets the "use the buttons" reply
/// in the user's language (free text the FAQ cannot answer also what it can answer, except at
/// the contact step) and the prompt of the current state again, and nothing changes.
async fn unexpected_inputs_change_nothing(app: &TestApp, user: &TestUser, lang: Lang, marker: &str) {
    let state = app.state(user).await;
    let profile = app.db.profile(user.id).await.unwrap();
    for kind in ["text", "sticker", "photo", "voice"] {
        match kind {
            "text" => app.emu.send_text(user, "hello, where is my code?"),
            "sticker" => app.emu.send_sticker(user),
            "photo" => app.emu.send_photo(user),
            _ => app.emu.send_voice(user),
        };
        let reply = sent(app.settle(user).await);
        let what = format!("{kind} in {state:?} ({lang}): {}", texts(&reply));
        assert_eq!(reply.len(), 2, "{what}");
        // The contact step expects a contact (or its back button): text there is not a question.
        let asks_faq = kind == "text" && !matches!(state, Some(State::Contact { .. }));
        let expected = match asks_faq {
            true => format!("{}\n\n{}", app.t(lang, "unexpected-input"), app.t(lang, "faq-can-answer")),
            false => app.t(lang, "unexpected-input"),
        };
        assert_eq!(reply[0].text, expected, "{what}");
        assert!(shows(&reply[1], marker), "the prompt of the state again, with `{marker}`: {what}");
        assert!(!texts(&reply).contains(&app.t(other(lang), "unexpected-input")), "{what}");
        assert_eq!(app.state(user).await, state, "{what}");
        assert_eq!(app.db.profile(user.id).await.unwrap(), profile, "{what}");
    }
}

async fn every_state_in(app: &TestApp, user: &TestUser, lang: Lang, phone: &str) {
    let t = |id: &str| app.t(lang, id);
    // Start: nothing stored yet, the bilingual language picker.
    app.send(user, "/start").await;
    assert_eq!(app.state(user).await, Some(State::Start));
    unexpected_inputs_change_nothing(app, user, lang, &app.t(lang, "language-name")).await;

    app.press(user, &t("language-name")).await;
    assert_eq!(app.state(user).await, Some(State::City { fixed_way: None }));
    unexpected_inputs_change_nothing(app, user, lang, &t("city-prompt")).await;

    app.press(user, &t("btn-regional")).await;
    assert_eq!(app.state(user).await, Some(State::RegionalCity { fixed_way: None }));
    unexpected_inputs_change_nothing(app, user, lang, &t("regional-prompt")).await;

    app.press(user, &city_name(app, "oral", lang)).await;
    assert_eq!(app.state(user).await, Some(State::Way { city: "oral".parse().unwrap() }));
    unexpected_inputs_change_nothing(app, user, lang, &t("btn-way-qaztest")).await;

    app.press(user, &t("btn-way-qaztest")).await;
    app.press(user, &t("btn-step-done")).await;
    assert_eq!(app.state(user).await, Some(State::Step { city: "oral".parse().unwrap(), way: Way::Qaztest, step: 2 }));
    unexpected_inputs_change_nothing(app, user, lang, &t("btn-step-done")).await;

    for _ in 2..=app.app.campaign.steps(Way::Qaztest).len() {
        app.press(user, &t("btn-step-done")).await;
    }
    assert_eq!(app.state(user).await, Some(State::Contact { city: "oral".parse().unwrap(), way: Way::Qaztest }));
    unexpected_inputs_change_nothing(app, user, lang, &t("btn-share-contact")).await;

    app.share_contact(user, phone).await;
    assert_eq!(app.state(user).await, Some(State::Ready { city: "oral".parse().unwrap(), way: Way::Qaztest }));
    unexpected_inputs_change_nothing(app, user, lang, &t("btn-applied")).await;

    app.send(user, "/forget").await;
    assert!(matches!(app.state(user).await, Some(State::ConfirmForget { .. })));
    unexpected_inputs_change_nothing(app, user, lang, &t("forget-confirm")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_answers_unexpected_input_without_changing_state() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE, OTHER_PHONE]).await;
    let kk = TestUser::new(2001, "kk");
    let ru = TestUser::new(2002, "ru");
    tokio::join!(every_state_in(&app, &kk, Lang::Kk, PHONE), every_state_in(&app, &ru, Lang::Ru, OTHER_PHONE));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_contact_is_refused_and_issues_no_code() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(2011, "ru");
    walk_to_contact(&app, &user, Lang::Ru, "almaty", Way::Qrt).await;
    let left = codes_left(&app).await;
    let contact = State::Contact { city: "almaty".parse().unwrap(), way: Way::Qrt };

    // Someone else's card (with their user id), and a card typed in by hand (no user id),
    // both with a phone that is on the eligible list.
    for claimed in [Some(777_777), None] {
        app.emu.share_forged_contact(&user, "77011234567", claimed);
        let reply = sent(app.settle(&user).await);
        assert_eq!(reply[0].text, app.t(Lang::Ru, "contact-not-own"), "{}", texts(&reply));
        assert!(!texts(&reply).contains("<code>"), "{}", texts(&reply));
        assert!(reply.last().unwrap().keyboard_buttons()[0].request_contact, "the share button again");
        assert_eq!(codes_left(&app).await, left);
        assert_eq!(app.state(&user).await, Some(contact.clone()));
        assert_eq!(app.db.profile(user.id).await.unwrap().unwrap().code, None);
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_not_on_the_eligible_list_is_explained_and_consumes_no_code() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(2021, "kk");
    walk_to_contact(&app, &user, Lang::Kk, "astana", Way::Qaztest).await;
    let left = codes_left(&app).await;
    let links = &app.app.campaign.links;
    let expected = app.locales().t_args(
        Lang::Kk,
        "code-not-eligible",
        &Args::new().with("pkrezerv", links.pkrezerv.clone()).with("qrt", links.qrt.clone()),
    );
    // A Kazakh mobile number nobody registered, and a number that is not Kazakh at all.
    for phone in ["+77059998877", "+15555550100"] {
        let reply = app.share_contact(&user, phone).await;
        assert_eq!(reply.len(), 1, "{}", texts(&reply));
        assert_eq!(reply[0].text, expected);
        // The announcement offers a paid test only as a retake after failing: no qrt.kz offer here.
        assert!(reply[0].text.contains("pkrezerv.gov.kz") && !reply[0].text.contains("qrt.kz"));
        assert_eq!(app.state(&user).await, Some(State::Contact { city: "astana".parse().unwrap(), way: Way::Qaztest }));
        assert_eq!(codes_left(&app).await, left);
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_tells_the_candidate_and_keeps_them_at_the_contact_step() {
    let app = spawn_app().await;
    app.seed(0, &[PHONE]).await;
    let user = TestUser::new(2031, "ru");
    walk_to_contact(&app, &user, Lang::Ru, "shymkent", Way::Qrt).await;
    let reply = app.share_contact(&user, PHONE).await;
    let expected =
        app.locales().t_args(Lang::Ru, "code-pool-empty", &Args::new().with("way", app.t(Lang::Ru, "way-qrt")));
    assert_eq!(reply.len(), 1, "{}", texts(&reply));
    assert_eq!(reply[0].text, expected);
    assert_eq!(app.state(&user).await, Some(State::Contact { city: "shymkent".parse().unwrap(), way: Way::Qrt }));
    assert_eq!(app.db.profile(user.id).await.unwrap().unwrap().code, None);

    // Once the organisers top the pool up, the same candidate gets a code.
    app.seed(1, &[]).await;
    let issued = texts(&app.share_contact(&user, PHONE).await);
    assert!(issued.contains("<code>QRT-0001</code>"), "{issued}");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_tap_counts_once() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(2041, "ru");
    let done = app.t(Lang::Ru, "btn-step-done");

    // "Done" twice on step 1, both taps queued before the bot answers the first.
    walk_to_way(&app, &user, Lang::Ru, "almaty").await;
    app.press(&user, &app.t(Lang::Ru, "btn-way-qrt")).await;
    let (message_id, data) = app.find_button(&user, &done);
    app.emu.press_button(&user, message_id, &data);
    app.emu.press_button(&user, message_id, &data);
    let events = settle_all(&app, &user).await;
    assert_eq!(app.state(&user).await, Some(State::Step { city: "almaty".parse().unwrap(), way: Way::Qrt, step: 2 }));
    let steps = sent(events.clone());
    assert_eq!(steps.len(), 1, "one step prompt: {}", texts(&steps));
    assert!(steps[0].text.contains("Шаг 2 из 6"), "{}", texts(&steps));
    assert_eq!(answers(&events), [None, Some(app.t(Lang::Ru, "toast-stale-button"))]);

    for _ in 2..=app.app.campaign.steps(Way::Qrt).len() {
        app.press(&user, &done).await;
    }

    // The contact shared twice in a row: the same code both times, one code consumed.
    let left = codes_left(&app).await;
    app.emu.share_own_contact(&user, PHONE);
    app.emu.share_own_contact(&user, PHONE);
    let replies = sent(settle_all(&app, &user).await);
    let shown: Vec<&BotMessage> = replies.iter().filter(|message| message.text.contains("<code>")).collect();
    assert_eq!(shown.len(), 2, "{}", texts(&replies));
    assert!(shown.iter().all(|message| message.text.contains("<code>QRT-0001</code>")), "{}", texts(&replies));
    assert_eq!(codes_left(&app).await, [left[0] - 1, left[1]]);
    assert_eq!(app.state(&user).await, Some(State::Ready { city: "almaty".parse().unwrap(), way: Way::Qrt }));

    // QRT's "test taken or code entered" twice: one date, one confirmation; an old tap a day
    // later keeps it. (QRT was offered "I have applied" before; it has no application.)
    let booked = app.find_button(&user, &app.t(Lang::Ru, "btn-qrt-booked"));
    app.emu.press_button(&user, booked.0, &booked.1);
    app.emu.press_button(&user, booked.0, &booked.1);
    let replies = sent(settle_all(&app, &user).await);
    let confirmation = app.locales().t_args(
        Lang::Ru,
        "qrt-booked-recorded",
        &Args::new().with("deadline", app.locales().date(Lang::Ru, app.app.campaign.window.closes)),
    );
    let recorded = replies.iter().filter(|message| message.text == confirmation).count();
    assert_eq!(recorded, 1, "{}", texts(&replies));
    let first_day = NaiveDate::from_ymd_opt(2023, 9, 5);
    assert_eq!(app.db.profile(user.id).await.unwrap().unwrap().qrt_booked_on, first_day);
    app.clock.advance(chrono::Duration::days(1));
    let events = press_at(&app, &user, &booked).await;
    assert_eq!(answers(&events), [Some(app.t(Lang::Ru, "toast-stale-button"))]);
    assert_eq!(app.db.profile(user.id).await.unwrap().unwrap().qrt_booked_on, first_day);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_or_forged_button_is_answered_and_changes_nothing() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(2051, "kk");
    let stale = Some(app.t(Lang::Kk, "toast-stale-button"));
    app.send(&user, "/start").await;
    app.press(&user, &app.t(Lang::Kk, "language-name")).await;

    // Forged data on the city prompt: answered, the state stays.
    let city_prompt = app.emu.last_message(user.id).unwrap().message_id;
    for data in ["zz", "sd:1", "w:qrt", "td:20230905"] {
        let events = press_at(&app, &user, &(city_prompt, data.to_owned())).await;
        assert_eq!(answers(&events), vec![stale.clone()], "{data}");
        assert!(sent(events).is_empty(), "{data}");
        assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }), "{data}");
    }
    // A city id the campaign does not know (a button from an older campaign file): answered,
    // and the current list is shown again.
    let events = press_at(&app, &user, &(city_prompt, "c:nowhere".to_owned())).await;
    assert_eq!(answers(&events).len(), 1);
    assert!(shows(sent(events).last().unwrap(), &app.t(Lang::Kk, "city-prompt")));
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));

    let city_button = app.find_button(&user, "Алматы");
    app.emu.press_button(&user, city_button.0, &city_button.1);
    app.settle(&user).await;
    let way_button = app.find_button(&user, &app.t(Lang::Kk, "btn-way-qrt"));
    app.emu.press_button(&user, way_button.0, &way_button.1);
    app.settle(&user).await;
    let step_one = app.find_button(&user, &app.t(Lang::Kk, "btn-step-done"));
    app.press(&user, &app.t(Lang::Kk, "btn-step-done")).await;
    let at_step_two = Some(State::Step { city: "almaty".parse().unwrap(), way: Way::Qrt, step: 2 });
    assert_eq!(app.state(&user).await, at_step_two);

    // Old buttons: the city, the way, step 1's "Done".
    for old in [&city_button, &way_button, &step_one] {
        let events = press_at(&app, &user, old).await;
        assert_eq!(answers(&events), vec![stale.clone()], "{old:?}");
        assert!(sent(events).is_empty(), "{old:?}");
        assert_eq!(app.state(&user).await, at_step_two, "{old:?}");
    }

    // Forged data on the current step message.
    let step_two = app.emu.last_message(user.id).unwrap().message_id;
    let junk = [
        "zz".to_owned(),
        "c:nowhere".to_owned(),
        "td:20990101".to_owned(),
        "sd:3".to_owned(),
        "sb:0".to_owned(),
        "fy:".to_owned(),
        "#".repeat(MAX_CALLBACK_BYTES),
        format!("sd:{}", "9".repeat(MAX_CALLBACK_BYTES - 3)),
        "ж".repeat(MAX_CALLBACK_BYTES / 2),
    ];
    for data in &junk {
        assert!(data.len() <= MAX_CALLBACK_BYTES);
        let events = press_at(&app, &user, &(step_two, data.clone())).await;
        assert_eq!(answers(&events), vec![stale.clone()], "{data}");
        assert!(sent(events).is_empty(), "{data}");
        assert_eq!(app.state(&user).await, at_step_two, "{data}");
    }

    // A test date outside the window, forged on the ready screen.
    for _ in 2..=app.app.campaign.steps(Way::Qrt).len() {
        app.press(&user, &app.t(Lang::Kk, "btn-step-done")).await;
    }
    app.share_contact(&user, PHONE).await;
    let profile = app.db.profile(user.id).await.unwrap();
    let ready = app.emu.last_message(user.id).unwrap().message_id;
    for data in ["td:20990101", "td:20230831", "td:20230923", "zz"] {
        let events = press_at(&app, &user, &(ready, data.to_owned())).await;
        assert_eq!(answers(&events), vec![stale.clone()], "{data}");
        assert!(sent(events).is_empty(), "{data}");
        assert_eq!(app.state(&user).await, Some(State::Ready { city: "almaty".parse().unwrap(), way: Way::Qrt }));
        assert_eq!(app.db.profile(user.id).await.unwrap(), profile);
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_messages_are_ignored() {
    let app = spawn_app().await;
    let user = TestUser::new(2061, "ru");
    let start = app.emu.send_text(&user, "/start");
    app.settle(&user).await;
    app.press(&user, &app.t(Lang::Ru, "language-name")).await;
    let text = app.emu.send_text(&user, "Алматы");
    app.settle(&user).await;
    let state = app.state(&user).await;
    let profile = app.db.profile(user.id).await.unwrap();

    for (message_id, edited) in [(text, "/forget"), (start, "/start again"), (text, "/status"), (start, "Астана")]
    {
        app.emu.edit_text(&user, message_id, edited);
        let events = app.settle_maybe_silent(&user).await;
        assert!(events.is_empty(), "{edited}: {events:?}");
        assert_eq!(app.state(&user).await, state, "{edited}");
        assert_eq!(app.db.profile(user.id).await.unwrap(), profile, "{edited}");
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_in_a_group_gets_the_private_only_reply_and_stores_nothing() {
    let app = spawn_app().await;
    let group = -1_001_234_567;
    for (user, lang) in [(TestUser::new(2071, "kk"), Lang::Kk), (TestUser::new(2072, "ru"), Lang::Ru)] {
        for command in ["/start", "/status@rezerv_test_bot", "/forget"] {
            app.emu.send_group_text(&user, group, command);
            let Some(BotEvent::Sent(reply)) = app.emu.next_event(group, REPLY_TIMEOUT).await else {
                panic!("no reply in the group to {command}");
            };
            assert_eq!(reply.text, app.t(lang, "private-only"), "{command}");
            app.emu.wait_quiet(group, Duration::from_millis(300)).await;
            assert!(app.emu.drain_events(group).is_empty(), "one reply to {command}");
        }
        // Chatter that is not addressed to the bot gets nothing.
        app.emu.send_group_text(&user, group, "hello everyone");
        app.emu.wait_quiet(group, Duration::from_millis(600)).await;
        assert!(app.emu.drain_events(group).is_empty());
        assert!(app.emu.messages(user.id).is_empty(), "nothing in the private chat either");
        assert_eq!(app.db.profile(user.id).await.unwrap(), None);
    }
    assert_eq!(candidate_rows(&app).await, 0);
    app.assert_clean();
}

/// Every inline button in a recorded request's `reply_markup`, as (label, callback_data).
fn recorded_buttons(request: &serde_json::Value) -> Vec<(String, Option<String>)> {
    let markup = match request.get("reply_markup") {
        Some(Value::String(json)) => serde_json::from_str(json).unwrap_or(Value::Null),
        Some(markup) => markup.clone(),
        None => Value::Null,
    };
    let rows = markup.get("inline_keyboard").and_then(Value::as_array).cloned().unwrap_or_default();
    rows.iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(|button| {
            (
                button.get("text").and_then(Value::as_str).unwrap_or_default().to_owned(),
                button.get("callback_data").and_then(Value::as_str).map(str::to_owned),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_button_of_a_full_journey_has_short_decodable_callback_data() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(2081, "ru");
    let t = |id: &str| app.t(Lang::Ru, id);

    app.send(&user, "/start ads_2023").await;
    app.press(&user, &t("language-name")).await;
    app.press(&user, &t("btn-regional")).await;
    app.press(&user, &t("btn-back")).await;
    app.press(&user, "Алматы").await;
    app.press(&user, &t("btn-change-city")).await;
    app.press(&user, &t("btn-regional")).await;
    // The longest city id and name of the list.
    app.press(&user, &city_name(&app, "oskemen", Lang::Ru)).await;
    app.press(&user, &t("btn-way-qaztest")).await;
    app.press(&user, &t("btn-step-done")).await;
    app.press(&user, &t("btn-back")).await;
    for _ in app.app.campaign.steps(Way::Qaztest) {
        app.press(&user, &t("btn-step-done")).await;
    }
    app.send(&user, &t("btn-back-keyboard")).await;
    app.press(&user, &t("btn-step-done")).await;
    app.share_contact(&user, PHONE).await;
    app.press(&user, &t("btn-applied")).await;
    app.press(&user, "22.09").await;
    app.press(&user, &t("btn-test-date")).await;
    app.press(&user, "15.09").await;
    app.press(&user, &t("btn-status")).await;
    app.press(&user, &t("btn-change-city")).await;
    app.press(&user, "Астана").await;
    app.send(&user, "/language").await;
    app.press(&user, &app.t(Lang::Kk, "language-name")).await;
    app.send(&user, "/forget").await;
    app.press(&user, &app.t(Lang::Kk, "btn-forget-no")).await;
    app.send(&user, "/status").await;
    app.send(&user, "/help").await;

    let mut checked = 0;
    for request in app.emu.requests() {
        if !["sendmessage", "editmessagetext", "editmessagereplymarkup"].contains(&request.method.as_str()) {
            continue;
        }
        for (label, data) in recorded_buttons(&request.body) {
            let Some(data) = data else { continue };
            assert!(data.len() <= MAX_CALLBACK_BYTES, "`{label}`: {data} is {} bytes", data.len());
            assert!(Callback::decode(&data).is_some(), "`{label}`: {data} does not decode");
            checked += 1;
        }
    }
    for message in app.emu.messages(user.id) {
        for button in message.buttons() {
            if let Some(data) = &button.callback_data {
                assert!(data.len() <= MAX_CALLBACK_BYTES, "`{}`: {data}", button.text);
                assert!(Callback::decode(data).is_some(), "`{}`: {data}", button.text);
            }
        }
    }
    // Cities, regions, ways, steps, the date picker twice…: well over a hundred buttons.
    assert!(checked > 100, "only {checked} buttons checked");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_erases_the_personal_data_and_no_goes_back() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(2091, "ru");

    // "No" returns to where the candidate was, with that step's prompt.
    walk_to_way(&app, &user, Lang::Ru, "almaty").await;
    app.press(&user, &app.t(Lang::Ru, "btn-way-qaztest")).await;
    app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    let at_step = app.state(&user).await;
    let confirm = app.send(&user, "/forget").await;
    assert_eq!(confirm[0].text, app.t(Lang::Ru, "forget-confirm"));
    let back = app.press(&user, &app.t(Lang::Ru, "btn-forget-no")).await;
    assert_eq!(back[0].text, app.t(Lang::Ru, "forget-cancelled"));
    assert!(back[1].text.contains("Шаг 2 из 7"), "{}", texts(&back));
    assert_eq!(app.state(&user).await, at_step);

    // After the code: "Yes" deletes the row; the code stays consumed.
    for _ in 2..=app.app.campaign.steps(Way::Qaztest).len() {
        app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    }
    app.share_contact(&user, PHONE).await;
    let left = codes_left(&app).await;
    app.send(&user, "/forget").await;
    let done = app.press(&user, &app.t(Lang::Ru, "btn-forget-yes")).await;
    assert_eq!(done.last().unwrap().text, app.t(Lang::Ru, "forget-done"));
    assert_eq!(candidate_rows(&app).await, 0);
    assert_eq!(app.db.profile(user.id).await.unwrap(), None);
    assert_eq!(app.state(&user).await, None);
    assert_eq!(codes_left(&app).await, left);

    // A new /start begins from the language picker.
    let picker = app.send(&user, "/start").await;
    assert_eq!(picker.len(), 1, "{}", texts(&picker));
    assert!(picker[0].text.contains(&app.t(Lang::Ru, "welcome")));
    assert_eq!(picker[0].buttons().len(), 2);
    assert!(!texts(&picker).contains(&app.t(Lang::Ru, "welcome-back")));
    let profile = app.db.profile(user.id).await.unwrap().unwrap();
    assert_eq!((profile.lang, profile.phone, profile.code, profile.applied_on), (None, None, None, None));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_stored_state_restarts_with_an_apology() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(2101, "kk");
    walk_to_ready(&app, &user, Lang::Kk, "astana", Way::Qrt, PHONE).await;

    let chat_id = user.id;
    let corrupt = |json: &'static str| {
        let pool = app.db.pool().clone();
        async move {
            sqlx::query("UPDATE candidates SET dialogue = $1 WHERE chat_id = $2")
                .bind(json)
                .bind(chat_id)
                .execute(&pool)
                .await
                .unwrap();
        }
    };

    // A message: answered with the apology and the language picker, never dropped.
    corrupt(r#"{"Ready":{"town":"astana"}}"#).await;
    assert_eq!(app.state(&user).await, Some(State::Lost));
    let reply = app.send(&user, "salem").await;
    assert_eq!(reply[0].text, app.t(Lang::Kk, "state-lost"), "{}", texts(&reply));
    assert!(reply[0].remove_keyboard);
    assert!(reply.last().unwrap().text.contains(&app.t(Lang::Kk, "welcome")), "{}", texts(&reply));
    assert_eq!(app.state(&user).await, Some(State::Start));

    // A command and a button press get the same treatment.
    corrupt("not json at all").await;
    let reply = app.send(&user, "/status").await;
    assert_eq!(reply[0].text, app.t(Lang::Kk, "state-lost"), "{}", texts(&reply));
    assert_eq!(app.state(&user).await, Some(State::Start));

    app.press(&user, &app.t(Lang::Kk, "language-name")).await;
    corrupt(r#"{"Step":{"city":"astana","way":"qrt","step":"three"}}"#).await;
    let events = press_at(&app, &user, &app.find_button(&user, "Астана")).await;
    assert_eq!(answers(&events).len(), 1);
    assert_eq!(sent(events)[0].text, app.t(Lang::Kk, "state-lost"));
    assert_eq!(app.state(&user).await, Some(State::Start));

    // The code survived the reset.
    let profile = app.db.profile(user.id).await.unwrap().unwrap();
    assert_eq!(profile.code.map(|(code, _)| code.as_str().to_owned()).as_deref(), Some("QRT-0001"));
    assert_eq!(profile.lang, Some(Lang::Kk));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_before_the_code_shows_where_you_are_and_after_it_the_code() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(2111, "ru");
    walk_to_way(&app, &user, Lang::Ru, "almaty").await;
    app.press(&user, &app.t(Lang::Ru, "btn-way-qrt")).await;
    app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    let state = app.state(&user).await;

    let reply = app.send(&user, "/code").await;
    assert_eq!(reply.len(), 2, "{}", texts(&reply));
    assert_eq!(reply[0].text, app.t(Lang::Ru, "code-not-yet"));
    assert!(reply[1].text.contains("Шаг 2 из 6"), "the current prompt: {}", texts(&reply));
    assert_eq!(app.state(&user).await, state);

    for _ in 2..=app.app.campaign.steps(Way::Qrt).len() {
        app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    }
    let reply = app.send(&user, "/code").await;
    assert_eq!(reply[0].text, app.t(Lang::Ru, "code-not-yet"));
    assert!(reply[1].keyboard_buttons()[0].request_contact, "the contact prompt: {}", texts(&reply));

    let issued = app.share_contact(&user, PHONE).await;
    assert!(issued[0].text.contains("<code>QRT-0001</code>"));
    let reply = app.send(&user, "/code").await;
    assert_eq!(reply.len(), 1, "{}", texts(&reply));
    assert_eq!(reply[0].text, issued[0].text, "the same code, the same words");
    assert_eq!(app.state(&user).await, Some(State::Ready { city: "almaty".parse().unwrap(), way: Way::Qrt }));
    app.assert_clean();
}
