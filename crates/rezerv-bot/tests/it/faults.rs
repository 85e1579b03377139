//! Telegram's transient faults on every call site of the journey: a 429, a 5xx and a dropped
//! connection on the reply, and a 429 on the button's answer, leave the candidate with the
//! same reply and the same state as no fault would. Each site is walked by two candidates in
//! one app: one with no fault, whose screen and state are the expectation, and one with faults.

use bot_api_emulator::{BotMessage, Fault, Methods, TestUser};
use rezerv_bot::bot::State;
use rezerv_bot::domain::{Lang, Way};
use rezerv_test_support::app::{TestApp, spawn_app};
use rezerv_test_support::flows::{city_name, walk_to_contact, walk_to_way};

const PHONES: [&str; 2] = ["+77010000001", "+77010000002"];

/// A place in the journey where the bot replies.
#[derive(Debug, Clone, Copy)]
enum Site {
    Language,
    City,
    Way,
    Step,
    /// The last step's "done": the contact prompt.
    Contact,
    /// The shared contact: the code.
    Code,
    /// The message after the code, in the same turn.
    NextSteps,
    Status,
    Forget,
}

/// What a candidate sees of a reply: texts (codes masked, since each candidate has their own),
/// inline buttons, and whether a contact keyboard came.
fn screen(messages: &[BotMessage]) -> Vec<(String, Vec<String>, bool)> {
    messages
        .iter()
        .map(|message| {
            let text = match message.text.split_once("<code>") {
                Some((before, rest)) => {
                    format!("{before}<code>…</code>{}", rest.split_once("</code>").map_or("", |(_, after)| after))
                }
                None => message.text.clone(),
            };
            let buttons = message.buttons().into_iter().map(|button| button.text.clone()).collect();
            (text, buttons, message.reply_keyboard.is_some())
        })
        .collect()
}

/// Brings `user` to just before `site`.
async fn prepare(app: &TestApp, user: &TestUser, site: Site, phone: &str) {
    let lang = Lang::Ru;
    match site {
        Site::Language => {
            app.send(user, "/start").await;
        }
        Site::City => {
            app.send(user, "/start").await;
            app.press(user, &app.t(lang, "language-name")).await;
        }
        Site::Way => {
            walk_to_way(app, user, lang, "almaty").await;
        }
        Site::Step => {
            walk_to_way(app, user, lang, "almaty").await;
            app.press(user, &app.t(lang, "btn-way-qaztest")).await;
        }
        Site::Contact => {
            walk_to_way(app, user, lang, "almaty").await;
            app.press(user, &app.t(lang, "btn-way-qaztest")).await;
            let steps = app.app.campaign.steps(Way::Qaztest).len();
            for _ in 1..steps {
                app.press(user, &app.t(lang, "btn-step-done")).await;
            }
        }
        Site::Code | Site::NextSteps => walk_to_contact(app, user, lang, "almaty", Way::Qaztest).await,
        Site::Status | Site::Forget => {
            walk_to_contact(app, user, lang, "almaty", Way::Qaztest).await;
            app.share_contact(user, phone).await;
        }
    }
}

/// What the candidate does at `site`. A button press returns once the emulator has queued it.
fn act(app: &TestApp, user: &TestUser, site: Site, phone: &str) {
    let lang = Lang::Ru;
    let press = |label: &str| {
        let (message_id, data) = app.find_button(user, label);
        app.emu.press_button(user, message_id, &data);
    };
    match site {
        Site::Language => press(&app.t(lang, "language-name")),
        Site::City => press(&city_name(app, "almaty", lang)),
        Site::Way => press(&app.t(lang, "btn-way-qaztest")),
        Site::Step | Site::Contact => press(&app.t(lang, "btn-step-done")),
        Site::Code | Site::NextSteps => {
            app.emu.share_own_contact(user, phone);
        }
        Site::Status => {
            app.emu.send_text(user, "/status");
        }
        Site::Forget => press(&app.t(lang, "btn-forget-yes")),
    }
}

fn presses_a_button(site: Site) -> bool {
    matches!(site, Site::Language | Site::City | Site::Way | Site::Step | Site::Contact | Site::Forget)
}

/// Every callback of `user` answered exactly once, with no 400 from Telegram to that chat.
fn assert_answered_once(app: &TestApp, user: &TestUser) {
    assert!(app.emu.unanswered_callbacks().is_empty(), "unanswered: {:?}", app.emu.unanswered_callbacks());
    let refused: Vec<String> = app
        .emu
        .requests()
        .into_iter()
        .filter(|request| request.status == 400)
        .map(|request| format!("{} {} {}", request.method, request.body, request.response))
        .collect();
    assert!(refused.is_empty(), "user {}: Telegram refused {refused:?}", user.id);
}

async fn site_survives(site: Site, faults: Vec<Fault>) {
    let app = spawn_app().await;
    app.seed(5, &PHONES).await;
    let calm = TestUser::new(910_001, "ru");
    let faulty = TestUser::new(910_002, "ru");
    prepare(&app, &calm, site, PHONES[0]).await;
    prepare(&app, &faulty, site, PHONES[1]).await;
    if matches!(site, Site::Forget) {
        app.send(&calm, "/forget").await;
        app.send(&faulty, "/forget").await;
    }

    act(&app, &calm, site, PHONES[0]);
    let expected = app.settle_turn(&calm).await;

    let mut faults = faults;
    if matches!(site, Site::NextSteps) {
        // Let the code through; the faults hit the message after it.
        faults.insert(0, Fault::Timeout(std::time::Duration::ZERO));
    }
    app.emu.inject_faults(faulty.id, faults);
    if presses_a_button(site) {
        app.emu.inject_method_faults(
            Some(faulty.id),
            Methods::Only("answerCallbackQuery".into()),
            vec![Fault::too_many_requests(1)],
        );
    }
    act(&app, &faulty, site, PHONES[1]);
    let got = app.settle_turn(&faulty).await;

    assert!(!expected.is_empty(), "{site:?}: the calm candidate got a reply");
    assert_eq!(screen(&got), screen(&expected), "{site:?}: the same reply despite the faults");
    assert_eq!(app.emu.pending_faults(faulty.id), 0, "{site:?}: every fault was met");
    let (calm_state, faulty_state) = (app.state(&calm).await, app.state(&faulty).await);
    assert_eq!(faulty_state, calm_state, "{site:?}: the same state");
    if !matches!(site, Site::Forget) {
        assert_ne!(faulty_state, None);
    }
    assert_answered_once(&app, &faulty);
}

/// A 429 asking for 1 s, a 500 and a dropped connection, one after another on the same reply.
fn all_three() -> Vec<Fault> {
    vec![Fault::too_many_requests(1), Fault::internal_server_error(), Fault::Drop]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_reply_survives_a_429_a_500_and_a_dropped_connection() {
    site_survives(Site::Language, all_three()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_reply_survives_a_429_a_500_and_a_dropped_connection() {
    site_survives(Site::City, all_three()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_way_reply_survives_a_429_a_500_and_a_dropped_connection() {
    site_survives(Site::Way, all_three()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_step_survives_a_429_a_500_and_a_dropped_connection() {
    site_survives(Site::Step, all_three()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contact_prompt_survives_a_429_a_500_and_a_dropped_connection() {
    site_survives(Site::Contact, all_three()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_survives_a_429_a_500_and_a_dropped_connection() {
    site_survives(Site::Code, all_three()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_steps_message_survives_a_429_a_500_and_a_dropped_connection() {
    site_survives(Site::NextSteps, all_three()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_survives_a_429_a_500_and_a_dropped_connection() {
    site_survives(Site::Status, all_three()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetting_survives_a_429_a_500_and_a_dropped_connection() {
    site_survives(Site::Forget, all_three()).await;
}

/// Drops on every attempt of the reply: the request layer gives up, and only then apologizes.
fn outlasting() -> Vec<Fault> {
    vec![Fault::Drop; 6]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_cannot_be_delivered_leaves_the_buttons_and_the_state_and_apologizes_in_the_chosen_language() {
    let app = spawn_app().await;
    // A Russian client that chose Kazakh.
    let user = TestUser::new(920_001, "ru");
    walk_to_way(&app, &user, Lang::Kk, "almaty").await;
    app.press(&user, &app.t(Lang::Kk, "btn-way-qaztest")).await;
    let before = app.state(&user).await;
    let (pressed, data) = app.find_button(&user, &app.t(Lang::Kk, "btn-step-done"));

    app.emu.inject_faults(user.id, outlasting());
    app.emu.press_button(&user, pressed, &data);
    let got = app.settle_turn(&user).await;

    assert_eq!(got.len(), 1, "only the apology: {got:?}");
    assert_eq!(got[0].text, app.t(Lang::Kk, "error-apology"));
    assert_eq!(app.state(&user).await, before, "the state did not move");
    let still = app.emu.messages(user.id).into_iter().find(|message| message.message_id == pressed).unwrap();
    assert!(still.button(&app.t(Lang::Kk, "btn-step-done")).is_some(), "the pressed keyboard is still there");
    assert_answered_once(&app, &user);

    // The same button works once Telegram is back.
    app.emu.press_button(&user, pressed, &data);
    let next = app.settle_turn(&user).await;
    assert!(next.iter().any(|message| message.button(&app.t(Lang::Kk, "btn-step-done")).is_some()), "{next:?}");
    assert!(matches!(app.state(&user).await, Some(State::Step { step: 2, .. })));
    assert_answered_once(&app, &user);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_updates_waits_out_the_retry_after_telegram_asks_for() {
    let app = spawn_app().await;
    let user = TestUser::new(930_001, "ru");
    app.send(&user, "/start").await;
    let polls = || app.emu.requests().into_iter().filter(|request| request.method == "getupdates").count();
    app.emu.inject_method_faults(None, Methods::Only("getUpdates".into()), vec![Fault::too_many_requests(3)]);
    // The poll in flight ends within the emulator's 1 s hold; the next one meets the 429.
    let started = tokio::time::Instant::now();
    while app.emu.pending_global_faults() > 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "the bot stopped polling");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let at_429 = polls();
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert_eq!(polls(), at_429, "no poll within the 3 s Telegram asked for");
    // Then polling resumes, and nothing sent meanwhile is lost.
    let reply = app.send(&user, "/status").await;
    assert!(!reply.is_empty());
    assert!(polls() > at_429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_survives_a_429_a_500_and_a_dropped_connection_on_every_call_it_makes() {
    use bot_api_emulator::{Emulator, EmulatorConfig};
    use rezerv_bot::clock::ManualClock;
    use rezerv_bot::config::Campaign;
    use rezerv_bot::startup::Application;
    use rezerv_test_support::app::{REPLY_TIMEOUT, emulator_settings, morning};
    use rezerv_test_support::db::TempDir;

    let dir = TempDir::new();
    let emu =
        Emulator::start(EmulatorConfig { max_poll_hold: std::time::Duration::from_secs(1), ..Default::default() })
            .await
            .unwrap();
    for method in ["setMyCommands", "setMyDescription", "setMyShortDescription", "getMe", "getUpdates"] {
        emu.inject_method_faults(None, Methods::Only(method.into()), all_three());
    }
    let campaign = Campaign::embedded().unwrap();
    let clock = std::sync::Arc::new(ManualClock::new(morning(&campaign, "2023-09-05")));
    let mut running = Application::build(&emulator_settings(&emu, dir.database_url()), clock).await.unwrap();

    let user = TestUser::new(940_001, "ru");
    emu.send_text(&user, "/start");
    let reply = emu.next_sent(user.id, REPLY_TIMEOUT * 3).await.expect("the bot answers once Telegram does");
    assert_eq!(reply.buttons().len(), 2, "the language picker: {}", reply.text);
    assert_eq!(emu.pending_global_faults(), 0, "every fault was met");
    let app = running.app().clone();
    assert_eq!(emu.description(Some("ru")), Some(app.locales.t(Lang::Ru, "bot-description")));
    assert!(!emu.commands(Some("kk")).is_empty(), "the Kazakh menu is set");
    running.shutdown().await;
}
