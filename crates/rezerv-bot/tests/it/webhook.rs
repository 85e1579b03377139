//! Updates by webhook: the emulator posts them to the bot's HTTP server, as Telegram does.

use std::time::Duration;

use bot_api_emulator::TestUser;
use rezerv_bot::bot::State;
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::Lang;
use rezerv_bot::storage::InboxEntry;
use rezerv_test_support::app::{TestApp, by_webhook, spawn_app_configured, texts};
use serde_json::json;

async fn webhook_app() -> TestApp {
    spawn_app_configured("2023-09-05", by_webhook).await
}

/// POSTs a raw update to the bot's webhook, as Telegram would, with `secret` (if any).
async fn post(app: &TestApp, secret: Option<&str>, update: &serde_json::Value) -> u16 {
    let url = format!("http://{}/telegram/hook", app.http_addr().expect("the HTTP server"));
    let mut request =
        reqwest::Client::new().post(url).header("content-type", "application/json").body(update.to_string());
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    request.send().await.expect("the bot answers").status().as_u16()
}

fn start_update(update_id: i64, user_id: i64) -> serde_json::Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_693_900_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Aru"},
            "from": {"id": user_id, "is_bot": false, "first_name": "Aru", "language_code": "ru"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journey_arrives_by_webhook_with_the_secret_and_only_the_handled_kinds() {
    let app = webhook_app().await;
    let (url, secret) = app.emu.webhook().expect("the bot set its webhook");
    assert!(url.ends_with("/telegram/hook"), "{url}");
    assert_eq!(secret.as_deref(), Some("test-secret_123"));

    let user = TestUser::new(4101, "ru");
    let picker = app.send(&user, "/start").await;
    assert_eq!(picker[0].buttons().len(), 2, "{}", texts(&picker));
    let cities = app.press(&user, &app.t(Lang::Ru, "language-name")).await;
    assert!(texts(&cities).contains(&app.t(Lang::Ru, "city-prompt")), "{}", texts(&cities));
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));

    let attempts = app.emu.webhook_attempts();
    assert!(attempts.len() >= 2 && attempts.iter().all(|(_, status)| *status == Some(200)), "{attempts:?}");
    let polls = app.emu.requests().iter().filter(|request| request.method == "getupdates").count();
    assert_eq!(polls, 0, "no polling while a webhook is set");
    let set = app.emu.requests().into_iter().find(|request| request.method == "setwebhook").unwrap();
    let allowed = set.body["allowed_updates"].to_string();
    for kind in ["message", "edited_message", "callback_query", "my_chat_member"] {
        assert!(allowed.contains(kind), "{allowed}");
    }
    assert!(!allowed.contains("channel_post") && !allowed.contains("inline_query"), "{allowed}");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_the_right_secret_is_refused_and_handled_never() {
    let app = webhook_app().await;
    let update = start_update(900_001, 4102);
    assert_eq!(post(&app, None, &update).await, 401);
    assert_eq!(post(&app, Some("test-secret_124"), &update).await, 401);
    assert_eq!(post(&app, Some("test-secret_12"), &update).await, 401);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(app.emu.messages(4102).is_empty(), "a forged update got an answer");
    assert_eq!(app.db.last_inbox_update_id().await.unwrap(), None, "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_is_stored_before_it_is_acknowledged_and_a_second_copy_is_handled_once() {
    let app = webhook_app().await;
    let user = TestUser::new(4103, "ru");
    app.emu.register_user(&user);
    let update = start_update(900_002, user.id);
    assert_eq!(post(&app, Some("test-secret_123"), &update).await, 200);
    // Acknowledged only once stored: the inbox holds it from the 200 on.
    assert_eq!(app.db.last_inbox_update_id().await.unwrap(), Some(900_002));
    let first = app.settle(&user).await;
    assert!(!first.is_empty());
    // Telegram sends it again (its 200 got lost): answered 200, handled no second time.
    assert_eq!(post(&app, Some("test-secret_123"), &update).await, 200);
    assert!(app.settle_maybe_silent(&user).await.is_empty(), "the copy was handled again");
    // Not an update at all: acknowledged (Telegram would resend it forever), nothing stored.
    assert_eq!(post(&app, Some("test-secret_123"), &json!({"hello": "world"})).await, 200);
    assert_eq!(app.db.last_inbox_update_id().await.unwrap(), Some(900_002));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_sent_while_the_bot_is_down_waits_at_telegram_and_polling_deletes_the_webhook() {
    let mut app = webhook_app().await;
    let user = TestUser::new(4104, "ru");
    app.send(&user, "/start").await;
    app.stop().await;
    // Telegram posts while the bot is down: refused (no server), and kept by Telegram.
    app.emu.send_text(&user, "/status");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.emu.webhook_attempts().iter().any(|(_, status)| status.is_none()), "a failed delivery");
    // Back in polling mode: the webhook is deleted, and the queued update arrives by polling.
    app.settings_mut().webhook = None;
    app.settings_mut().listen = None;
    app.restart().await;
    let status = app.settle(&user).await;
    assert!(!status.is_empty(), "the update sent during the outage was answered");
    assert_eq!(app.emu.webhook(), None);
    assert!(app.emu.requests().iter().any(|request| request.method == "deletewebhook"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_stored_and_unhandled_at_a_crash_is_replayed_at_the_next_webhook_start() {
    let mut app = webhook_app().await;
    let user = TestUser::new(4105, "ru");
    app.emu.register_user(&user);
    app.stop().await;
    // What a crash leaves: stored (so acknowledged to Telegram), never handled.
    let entry =
        InboxEntry { update_id: 900_003, chat_id: Some(user.id), body: start_update(900_003, user.id).to_string() };
    app.db.store_updates(&[entry], app.clock.now()).await.unwrap();
    app.restart().await;
    let picker = app.settle(&user).await;
    assert!(!picker.is_empty(), "the stored update was not replayed");
    assert!(app.db.pending_updates().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_asks_for_the_same_kinds_as_the_webhook_and_no_others() {
    let app = rezerv_test_support::app::spawn_app().await;
    let user = TestUser::new(4106, "ru");
    app.send(&user, "/start").await;
    let requests = app.emu.requests();
    let polled =
        requests.iter().find(|request| request.method == "getupdates" && request.body.get("allowed_updates").is_some());
    let asked: std::collections::BTreeSet<String> = match &polled.expect("a poll with allowed_updates").body["allowed_updates"]
    {
        serde_json::Value::String(list) => serde_json::from_str(list).unwrap(),
        list => serde_json::from_value(list.clone()).unwrap(),
    };
    let expected: std::collections::BTreeSet<String> =
        ["message", "edited_message", "callback_query", "my_chat_member"].map(str::to_owned).into();
    assert_eq!(asked, expected, "channel posts, inline queries and the rest are never sent to the bot");
}
