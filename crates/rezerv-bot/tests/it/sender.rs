//! The reminder sender against the emulator's Telegram behaviour: 403, 429, 400, network
//! errors and timeouts.

use std::time::Duration;

use bot_api_emulator::{EmulatorConfig, Fault, RateLimits, TestUser};
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::{Lang, ReminderKind};
use rezerv_bot::reminders::{SendOutcome, SenderConfig};
use rezerv_bot::storage::{OutboxStatus, PlannedRow};
use rezerv_bot::telegram::Patience;
use rezerv_test_support::app::{TestApp, spawn_app_on};
use rezerv_test_support::outbox::{deadline_reminder, nudge_broadcast};

/// `count` candidates (chat ids from 9000) with one deadline reminder each, due now.
async fn wave(app: &TestApp, count: i64) -> Vec<TestUser> {
    let now = app.app.clock.now();
    let mut users = Vec::new();
    for n in 0..count {
        let user = TestUser::new(9000 + n, "ru");
        // The chat must exist for Telegram: the candidate started the bot once.
        app.emu.set_member_status(&user, "member");
        app.db.set_lang(user.id, Lang::Ru, now).await.unwrap();
        let row = deadline_reminder("test-wave", ReminderKind::Broadcast, now);
        assert!(app.db.enqueue(user.id, &row, now).await.unwrap());
        users.push(user);
    }
    users
}

fn status_of(rows: &[(String, OutboxStatus)], key: &str) -> Option<OutboxStatus> {
    rows.iter().find(|(k, _)| k == key).map(|(_, status)| *status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_mid_wave_stops_that_candidate_and_nothing_else() {
    let app = spawn_app_on("2023-09-10").await;
    let users = wave(&app, 5).await;
    let later = nudge_broadcast("later", app.clock.now() + chrono::Duration::days(2), None);
    app.db.enqueue(users[2].id, &later, app.clock.now()).await.unwrap();
    app.emu.block_chat(users[2].id, true);
    let before: Vec<u64> = users.iter().map(|u| app.emu.delivered_count(u.id)).collect();

    let outcomes = app.sender(SenderConfig::default()).drain().await.unwrap();
    assert_eq!(outcomes.len(), 5);
    for (user, before) in users.iter().zip(before) {
        let rows = app.db.outbox_of(user.id).await.unwrap();
        if user.id == users[2].id {
            assert_eq!(status_of(&rows, "test-wave"), Some(OutboxStatus::Cancelled));
            assert_eq!(
                status_of(&rows, "later"),
                Some(OutboxStatus::Cancelled),
                "pending reminders of a blocked chat are cancelled"
            );
            assert_eq!(app.emu.delivered_count(user.id), before);
        } else {
            assert_eq!(status_of(&rows, "test-wave"), Some(OutboxStatus::Sent));
            assert_eq!(app.emu.delivered_count(user.id), before + 1);
        }
    }
    let blocked = app.db.plan_input(users[2].id).await.unwrap().unwrap();
    assert!(!blocked.active, "a blocked candidate is marked inactive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_delays_but_loses_nothing() {
    let limits = RateLimits { global_per_sec: 5, per_chat_per_sec: 1, burst: 1 };
    let app = rezerv_test_support::app::spawn_app_with(
        "2023-09-10",
        EmulatorConfig { rate_limits: Some(limits), ..Default::default() },
    )
    .await;
    let users = wave(&app, 20).await;
    let before: Vec<u64> = users.iter().map(|u| app.emu.delivered_count(u.id)).collect();
    let too_many_before = app.emu.too_many_requests_count();
    // The sender believes it may send 25 a second; Telegram (the emulator) allows 5.
    let outcomes = app.sender(SenderConfig::default()).drain().await.unwrap();
    let limited = outcomes.iter().filter(|(_, o)| matches!(o, SendOutcome::RateLimited { .. })).count();
    assert!(limited > 0, "the storm did happen");
    assert!(app.emu.too_many_requests_count() > too_many_before);
    for (user, before) in users.iter().zip(before) {
        assert_eq!(app.emu.delivered_count(user.id), before + 1, "exactly once for {}", user.id);
        assert_eq!(status_of(&app.db.outbox_of(user.id).await.unwrap(), "test-wave"), Some(OutboxStatus::Sent));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_errors_retry_with_backoff_then_give_up() {
    let app = spawn_app_on("2023-09-10").await;
    let users = wave(&app, 2).await;
    // One request per send, so that the outbox's own backoff is what is seen.
    let patience = Patience { attempts: 1, ..Patience::OUTBOX };
    let config =
        SenderConfig { max_attempts: 3, backoff: Duration::from_secs(60), patience, ..SenderConfig::default() };
    let sender = app.sender(config);
    // The first user's sends fail twice, then go through; the second's always fail.
    app.emu.inject_faults(users[0].id, vec![Fault::Drop, Fault::Drop]);
    app.emu.inject_faults(users[1].id, vec![Fault::Drop, Fault::Drop, Fault::Drop]);

    let first = sender.drain().await.unwrap();
    assert!(first.iter().all(|(_, o)| matches!(o, SendOutcome::Retried(_))), "{first:?}");
    assert!(sender.drain().await.unwrap().is_empty(), "not due again before the backoff");
    app.clock.advance(chrono::Duration::seconds(61));
    let second = sender.drain().await.unwrap();
    assert!(second.iter().all(|(_, o)| matches!(o, SendOutcome::Retried(_))), "{second:?}");
    app.clock.advance(chrono::Duration::seconds(60));
    assert!(sender.drain().await.unwrap().is_empty(), "the backoff doubled to 120 s");
    app.clock.advance(chrono::Duration::seconds(61));
    let third = sender.drain().await.unwrap();
    let outcome = |user: &TestUser| third.iter().find(|(row, _)| row.chat_id == user.id).map(|(_, o)| o.clone());
    assert_eq!(outcome(&users[0]), Some(SendOutcome::Sent));
    assert!(matches!(outcome(&users[1]), Some(SendOutcome::Failed(_))), "{third:?}");
    assert_eq!(status_of(&app.db.outbox_of(users[1].id).await.unwrap(), "test-wave"), Some(OutboxStatus::Failed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_or_a_5xx_is_retried_at_once_within_the_same_send() {
    let app = spawn_app_on("2023-09-10").await;
    let users = wave(&app, 2).await;
    let before: Vec<u64> = users.iter().map(|u| app.emu.delivered_count(u.id)).collect();
    app.emu.inject_faults(users[0].id, vec![Fault::Drop]);
    app.emu.inject_faults(users[1].id, vec![Fault::internal_server_error()]);
    let outcomes = app.sender(SenderConfig::default()).drain().await.unwrap();
    assert!(outcomes.iter().all(|(row, o)| *o == SendOutcome::Sent && row.attempts == 1), "{outcomes:?}");
    for (user, before) in users.iter().zip(before) {
        assert_eq!(app.emu.delivered_count(user.id), before + 1, "exactly once for {}", user.id);
        assert_eq!(app.emu.pending_faults(user.id), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_is_retried() {
    let app = spawn_app_on("2023-09-10").await;
    let users = wave(&app, 1).await;
    let patience = Patience { attempts: 1, attempt: Duration::from_secs(2), ..Patience::OUTBOX };
    let sender = app.sender(SenderConfig { backoff: Duration::from_secs(10), patience, ..SenderConfig::default() });
    // Longer than one attempt's 2 s.
    app.emu.inject_faults(users[0].id, vec![Fault::Timeout(Duration::from_secs(3))]);
    let first = sender.drain().await.unwrap();
    assert!(matches!(first[0].1, SendOutcome::Retried(_)), "{first:?}");
    app.clock.advance(chrono::Duration::seconds(11));
    let second = sender.drain().await.unwrap();
    assert_eq!(second[0].1, SendOutcome::Sent);
    assert_eq!(second[0].0.attempts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_fails_the_row_without_retry() {
    let app = spawn_app_on("2023-09-10").await;
    let users = wave(&app, 1).await;
    app.emu.inject_faults(
        users[0].id,
        vec![Fault::Status { code: 400, description: "Bad Request: chat not found".into(), retry_after: None }],
    );
    let outcomes = app.sender(SenderConfig::default()).drain().await.unwrap();
    assert_eq!(outcomes.len(), 1);
    assert!(matches!(&outcomes[0].1, SendOutcome::Failed(reason) if reason.contains("chat not found")), "{outcomes:?}");
    assert_eq!(status_of(&app.db.outbox_of(users[0].id).await.unwrap(), "test-wave"), Some(OutboxStatus::Failed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_erased_rows_are_cancelled_not_sent() {
    let app = spawn_app_on("2023-09-10").await;
    let users = wave(&app, 2).await;
    let expired = nudge_broadcast(
        "expired",
        app.clock.now() - chrono::Duration::days(3),
        Some(app.clock.now() - chrono::Duration::days(1)),
    );
    app.db.enqueue(users[0].id, &expired, app.clock.now()).await.unwrap();
    // Erased between planning and sending (a row left behind by an older version).
    sqlx::query("DELETE FROM candidates WHERE chat_id = $1").bind(users[1].id).execute(app.db.pool()).await.unwrap();
    let outcomes = app.sender(SenderConfig::default()).drain().await.unwrap();
    let for_key = |key: &str| outcomes.iter().find(|(row, _)| row.plan_key == key && row.chat_id == users[0].id);
    assert_eq!(for_key("expired").map(|(_, o)| o.clone()), Some(SendOutcome::Cancelled("expired".into())));
    let erased = outcomes.iter().find(|(row, _)| row.chat_id == users[1].id).map(|(_, o)| o.clone());
    assert_eq!(erased, Some(SendOutcome::Cancelled("erased".into())));
}

/// Five rows of one chat, due an hour apart and enqueued newest first (so that their ids run
/// against the order they fell due in), sent by the service's own loop with `config`, which
/// sends a batch's rows concurrently. Returns the texts expected, in order, and the texts that
/// arrived.
async fn send_five_due_rows(app: &TestApp, config: SenderConfig, faults: Vec<Fault>) -> (Vec<String>, Vec<String>) {
    let now = app.app.clock.now();
    let user = TestUser::new(9100, "ru");
    app.emu.set_member_status(&user, "member");
    app.db.set_lang(user.id, Lang::Ru, now).await.unwrap();
    let messages = [
        ("reminder-window-open", serde_json::json!({"opens": "2023-09-01", "closes": "2023-09-22"})),
        ("reminder-nudge", serde_json::json!({})),
        ("reminder-results", serde_json::json!({"date": "2023-09-19", "test_date": "2023-09-08"})),
        (
            "reminder-deadline",
            serde_json::json!({"deadline": "2023-09-17", "city": "almaty", "way": "qaztest", "days": 7}),
        ),
        ("reminder-deadline-qrt", serde_json::json!({"deadline": "2023-09-22", "way": "qrt", "days": 12})),
    ];
    for (n, (message, args)) in messages.iter().enumerate().rev() {
        let row = PlannedRow {
            key: format!("order-{n}"),
            kind: ReminderKind::Broadcast,
            message: (*message).into(),
            args: args.clone(),
            due_at: now - chrono::Duration::hours(5 - n as i64),
            expires_at: None,
        };
        assert!(app.db.enqueue(user.id, &row, now).await.unwrap());
    }
    app.emu.inject_faults(user.id, faults);
    let sender = std::sync::Arc::new(app.sender(config));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(sender.clone().run(stopped));
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while app.emu.delivered_count(user.id) < messages.len() as u64 {
        assert!(std::time::Instant::now() < deadline, "only {} delivered", app.emu.delivered_count(user.id));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap();

    let campaign = &app.app.campaign;
    let expected: Vec<String> = messages
        .iter()
        .map(|(message, args)| rezerv_bot::reminders::render(app.locales(), campaign, Lang::Ru, message, args).unwrap())
        .collect();
    let arrived: Vec<String> = app.emu.messages(user.id).into_iter().map(|message| message.text).collect();
    (expected, arrived)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chats_due_reminders_arrive_in_the_order_they_fell_due() {
    let app = spawn_app_on("2023-09-10").await;
    let (expected, arrived) = send_five_due_rows(&app, SenderConfig::default(), Vec::new()).await;
    assert_eq!(arrived, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chats_rows_in_overlapping_claims_arrive_in_order_once_after_a_429() {
    let app = spawn_app_on("2023-09-10").await;
    // The chat's second send gets a 429; claims of two rows each overlap (the next is made
    // while the chat's rows of the last one still go out, one a second).
    let faults = vec![Fault::Timeout(Duration::ZERO), Fault::too_many_requests(1)];
    let (expected, arrived) =
        send_five_due_rows(&app, SenderConfig { batch: 2, ..SenderConfig::default() }, faults).await;
    assert_eq!(arrived, expected, "each once, in the order they fell due");
    assert_eq!(app.emu.too_many_requests_count(), 1);
}
