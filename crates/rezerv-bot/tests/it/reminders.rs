//! Reminders through a whole campaign: planned by the real bot flows, delivered by the real
//! sender to the emulator, with the clock moved hour by hour.

use std::collections::BTreeMap;

use bot_api_emulator::{BotEvent, TestUser};
use chrono::{Duration, Timelike};
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::{Lang, ReminderKind, Way};
use rezerv_bot::i18n::Args;
use rezerv_bot::reminders::{CancelReason, SendOutcome, Sender, SenderConfig};
use rezerv_bot::storage::OutboxStatus;
use rezerv_test_support::app::{TestApp, spawn_app_on};
use rezerv_test_support::flows::{get_code, walk_to_contact, walk_to_step};

/// (local "YYYY-MM-DD HH:MM", text) of every message the sender delivered, per chat.
type Received = BTreeMap<i64, Vec<(String, String)>>;

/// Moves the clock hour by hour from now to `until` (local date), draining due reminders at
/// each step, and records what each chat received and when.
async fn travel(app: &TestApp, sender: &Sender, until: &str, chats: &[i64], received: &mut Received) {
    let until = app.app.campaign.reminder_instant(chrono::NaiveDate::parse_from_str(until, "%Y-%m-%d").unwrap());
    for chat in chats {
        app.emu.drain_events(*chat);
    }
    while app.clock.now() < until {
        app.clock.advance(Duration::hours(1));
        let delivered = sender.drain().await.unwrap();
        if delivered.is_empty() {
            continue;
        }
        let local = app.clock.now().with_timezone(&app.app.campaign.tz);
        let stamp = local.format("%Y-%m-%d %H:%M").to_string();
        assert_eq!(local.minute(), 0);
        for (_, outcome) in &delivered {
            assert_eq!(outcome, &SendOutcome::Sent);
        }
        for chat in chats {
            for event in app.emu.drain_events(*chat) {
                if let BotEvent::Sent(message) = event {
                    received.entry(*chat).or_default().push((stamp.clone(), message.text));
                }
            }
        }
    }
}

/// The texts the sender has delivered to `chat` since the last look.
fn arrived(app: &TestApp, chat: i64) -> Vec<String> {
    app.emu
        .drain_events(chat)
        .into_iter()
        .filter_map(|event| match event {
            BotEvent::Sent(message) => Some(message.text),
            _ => None,
        })
        .collect()
}

/// What each of `chat`'s rows came to, in the order the sender took them.
fn outcomes_of(outcomes: &[(rezerv_bot::storage::OutboxRow, SendOutcome)], chat: i64) -> Vec<(&str, SendOutcome)> {
    outcomes
        .iter()
        .filter(|(row, _)| row.chat_id == chat)
        .map(|(row, outcome)| (row.plan_key.as_str(), outcome.clone()))
        .collect()
}

fn cancelled(reason: CancelReason) -> SendOutcome {
    SendOutcome::Cancelled(reason.to_string())
}

/// The Almaty QAZTEST deadline reminder (cutoff 17 September) with `days` left.
fn almaty_deadline_text(app: &TestApp, lang: Lang, days: i64) -> String {
    let cutoff = chrono::NaiveDate::from_ymd_opt(2023, 9, 17).unwrap();
    let args = Args::new()
        .with("deadline", app.locales().date(lang, cutoff))
        .with("city", rezerv_test_support::flows::city_name(app, "almaty", lang))
        .with("days", days);
    app.locales().t_args(lang, "reminder-deadline", &args)
}

fn when(received: &Received, chat: i64) -> Vec<&str> {
    received.get(&chat).map(|list| list.iter().map(|(at, _)| at.as_str()).collect()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_campaign_sends_each_candidate_exactly_their_reminders() {
    let app = spawn_app_on("2023-08-25").await;
    app.seed(10, &["+77010000001", "+77010000002", "+77010000003", "+77010000004"]).await;
    let sender = app.sender(SenderConfig::default());

    // A: Russian, Almaty, QAZTEST, code before the window opens, never says they applied.
    let early = TestUser::new(2001, "ru");
    get_code(&app, &early, Lang::Ru, "almaty", Way::Qaztest, "+77010000001").await;
    let mut received = Received::new();
    travel(&app, &sender, "2023-09-05", &[early.id], &mut received).await;

    app.set_local("2023-09-05", 12);
    // B: Kazakh, Astana, QRT, says the next day they took the online test (or entered the code).
    let applied = TestUser::new(2002, "kk");
    get_code(&app, &applied, Lang::Kk, "astana", Way::Qrt, "+77010000002").await;
    // C: Kazakh, Oral, QAZTEST, test on Friday 8 September.
    let tested = TestUser::new(2003, "kk");
    get_code(&app, &tested, Lang::Kk, "oral", Way::Qaztest, "+77010000003").await;
    app.press(&tested, &app.t(Lang::Kk, "btn-test-date")).await;
    app.press(&tested, "08.09 жм").await;
    // D: Russian, Shymkent, QAZTEST, stalls on step 2.
    let stalled = TestUser::new(2004, "ru");
    app.send(&stalled, "/start").await;
    app.press(&stalled, "Русский").await;
    app.press(&stalled, "Шымкент").await;
    app.press(&stalled, &app.t(Lang::Ru, "btn-way-qaztest")).await;
    app.press(&stalled, &app.t(Lang::Ru, "btn-step-done")).await;

    let chats = [early.id, applied.id, tested.id, stalled.id];
    travel(&app, &sender, "2023-09-06", &chats, &mut received).await;
    app.press(&applied, &app.t(Lang::Kk, "btn-qrt-booked")).await;
    travel(&app, &sender, "2023-09-12", &chats, &mut received).await;
    // A switches to Kazakh: the reminders still to come are rendered in Kazakh.
    app.send(&early, "/language").await;
    app.press(&early, &app.t(Lang::Kk, "language-name")).await;
    travel(&app, &sender, "2023-10-05", &chats, &mut received).await;

    assert_eq!(
        when(&received, early.id),
        ["2023-09-01 10:00", "2023-09-10 10:00", "2023-09-14 10:00", "2023-09-16 10:00"]
    );
    let early_texts: Vec<&str> = received[&early.id].iter().map(|(_, text)| text.as_str()).collect();
    assert!(early_texts[0].contains("1–22 сентября 2023"), "the window as one range: {early_texts:?}");
    assert!(early_texts[1].contains("17 сентября 2023") && early_texts[1].contains("Алматы"), "{early_texts:?}");
    assert!(early_texts[1].contains("осталось 7 дней"), "{early_texts:?}");
    assert!(early_texts[2].contains("2023 жылғы 17 қыркүйек") && early_texts[2].contains("3 күн"), "{early_texts:?}");
    assert!(early_texts[3].contains("1 күн"), "{early_texts:?}");

    assert_eq!(when(&received, applied.id), Vec::<&str>::new(), "no reminder after the online test is booked");

    // Friday 8 September + 7 working days = Tuesday 19 September.
    assert_eq!(when(&received, tested.id), ["2023-09-19 10:00"]);
    let results = &received[&tested.id][0].1;
    assert!(results.contains("Менің тарихым") && results.contains("https://app.testcenter.kz/auth"), "{results}");

    // D stalled on 5 September at 12:00: one nudge 3 days later at 10:00 the next morning
    // after that, then the Shymkent cutoff reminders.
    assert_eq!(
        when(&received, stalled.id),
        ["2023-09-09 10:00", "2023-09-10 10:00", "2023-09-14 10:00", "2023-09-16 10:00"]
    );
    assert!(received[&stalled.id][0].1.contains("/start"));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_starters_are_told_when_the_window_opens() {
    let app = spawn_app_on("2023-08-20").await;
    let sender = app.sender(SenderConfig::default());
    let user = TestUser::new(2101, "kk");
    app.send(&user, "/start").await;
    app.press(&user, &app.t(Lang::Kk, "language-name")).await;
    let mut received = Received::new();
    travel(&app, &sender, "2023-09-02", &[user.id], &mut received).await;
    // A nudge (stalled on the city since 10:00 on the 20th: 3 days), then the opening.
    assert_eq!(when(&received, user.id), ["2023-08-23 10:00", "2023-09-01 10:00"]);
    assert!(received[&user.id][1].1.contains("2023 жылғы 1–22 қыркүйек"), "{:?}", received[&user.id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetting_or_blocking_cancels_pending_reminders() {
    let app = spawn_app_on("2023-09-05").await;
    app.seed(5, &["+77010000001", "+77010000002"]).await;
    let forgets = TestUser::new(2201, "ru");
    let blocks = TestUser::new(2202, "ru");
    get_code(&app, &forgets, Lang::Ru, "almaty", Way::Qrt, "+77010000001").await;
    get_code(&app, &blocks, Lang::Ru, "almaty", Way::Qrt, "+77010000002").await;
    let pending = |rows: Vec<(String, OutboxStatus)>| {
        rows.into_iter().filter(|(_, status)| *status == OutboxStatus::Pending).count()
    };
    assert_eq!(pending(app.db.outbox_of(forgets.id).await.unwrap()), 3, "three deadline reminders");

    app.send(&forgets, "/forget").await;
    app.press(&forgets, &app.t(Lang::Ru, "btn-forget-yes")).await;
    assert!(app.db.outbox_of(forgets.id).await.unwrap().is_empty(), "erased with the candidate");

    app.emu.set_member_status(&blocks, "kicked");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.db.outbox_of(blocks.id).await.unwrap().iter().any(|(_, status)| *status == OutboxStatus::Pending) {
        assert!(std::time::Instant::now() < deadline, "pending reminders survived the block");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let sender = app.sender(SenderConfig::default());
    let mut received = Received::new();
    travel(&app, &sender, "2023-09-25", &[forgets.id, blocks.id], &mut received).await;
    assert!(received.is_empty(), "{received:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_city_replans_without_duplicates() {
    let app = spawn_app_on("2023-09-05").await;
    let user = TestUser::new(2301, "ru");
    walk_to_contact(&app, &user, Lang::Ru, "almaty", Way::Qaztest).await;
    let before = app.db.outbox_of(user.id).await.unwrap();
    // Back to step 1, back to the way, change the city to Astana (cutoff 22 September).
    app.send(&user, &app.t(Lang::Ru, "btn-back-keyboard")).await;
    for _ in 0..7 {
        app.press(&user, &app.t(Lang::Ru, "btn-back")).await;
    }
    app.press(&user, &app.t(Lang::Ru, "btn-change-city")).await;
    app.press(&user, "Астана").await;
    app.press(&user, &app.t(Lang::Ru, "btn-way-qaztest")).await;
    let after = app.db.outbox_of(user.id).await.unwrap();
    let keys = |rows: &[(String, OutboxStatus)]| rows.iter().map(|(key, _)| key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&before), keys(&after), "the same reminders, re-planned in place: {after:?}");
    let sixteenth = chrono::NaiveDate::from_ymd_opt(2023, 9, 16).unwrap();
    let due = app.db.due_now(app.app.campaign.reminder_instant(sixteenth), sixteenth, 10).await.unwrap();
    let deadline_days: Vec<_> =
        due.iter().filter(|row| row.kind == ReminderKind::Deadline).map(|row| row.due_at).collect();
    // Astana's cutoff is 22 September: 7 days before is 15 September, later than Almaty's 10th.
    assert_eq!(deadline_days.len(), 1, "{due:?}");
    assert_eq!(
        deadline_days[0],
        app.app.campaign.reminder_instant(chrono::NaiveDate::from_ymd_opt(2023, 9, 15).unwrap())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_planner_follows_a_change_without_being_asked() {
    let app = spawn_app_on("2023-09-05").await;
    let user = TestUser::new(2401, "ru");
    rezerv_test_support::flows::walk_to_way(&app, &user, Lang::Ru, "almaty").await;
    let deadlines =
        |rows: &[(String, OutboxStatus)]| rows.iter().filter(|(key, _)| key.starts_with("deadline-")).count();
    assert_eq!(deadlines(&app.db.outbox_of(user.id).await.unwrap()), 0, "no way, no deadline yet");
    // Press the way without the test harness's own catch-up: the bot's planner must do it.
    let (message_id, data) = app.find_button(&user, &app.t(Lang::Ru, "btn-way-qrt"));
    app.emu.press_button(&user, message_id, &data);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while deadlines(&app.db.outbox_of(user.id).await.unwrap()) < 3 {
        assert!(std::time::Instant::now() < deadline, "the planner never planned the deadline reminders");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let dirty: i64 = sqlx::query_scalar("SELECT plan_dirty FROM candidates WHERE chat_id = $1")
        .bind(user.id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(dirty, 0, "the row is marked planned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_outage_from_the_5th_to_the_16th_only_the_one_day_reminder_arrives() {
    let mut app = spawn_app_on("2023-09-05").await;
    let ru = TestUser::new(2501, "ru");
    let kk = TestUser::new(2502, "kk");
    // Both stall at step 3 of QAZTEST in Almaty at 10:00 on 5 September.
    walk_to_step(&app, &ru, Lang::Ru, "almaty", Way::Qaztest, 3).await;
    walk_to_step(&app, &kk, Lang::Kk, "almaty", Way::Qaztest, 3).await;
    // Planned then: the nudge on the 8th and the cutoff (17th) reminders on the 10th, 14th, 16th.
    for user in [&ru, &kk] {
        let pending: Vec<String> = app
            .db
            .outbox_of(user.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|(_, status)| *status == OutboxStatus::Pending)
            .map(|(key, _)| key)
            .collect();
        assert_eq!(pending, ["deadline-7", "deadline-3", "deadline-1", "nudge-steps-3"]);
    }

    // The bot is down until 10:00 on 16 September.
    app.stop().await;
    app.set_local("2023-09-16", 10);
    app.restart().await;
    for user in [&ru, &kk] {
        app.emu.drain_events(user.id);
    }
    let sender = app.sender(SenderConfig::default());
    let outcomes = sender.drain().await.unwrap();

    for user in [&ru, &kk] {
        // The week-old nudge is dropped, the 7- and 3-day reminders give way to the newest.
        assert_eq!(
            outcomes_of(&outcomes, user.id),
            [
                ("nudge-steps-3", cancelled(CancelReason::Expired)),
                ("deadline-7", cancelled(CancelReason::Superseded)),
                ("deadline-3", cancelled(CancelReason::Superseded)),
                ("deadline-1", SendOutcome::Sent),
            ]
        );
    }
    let ru_texts = arrived(&app, ru.id);
    assert_eq!(ru_texts, [almaty_deadline_text(&app, Lang::Ru, 1)]);
    assert!(ru_texts[0].contains("Алматы") && ru_texts[0].contains("17 сентября 2023"), "{ru_texts:?}");
    assert!(ru_texts[0].contains("остался 1 день") && !ru_texts[0].contains("осталось"), "{ru_texts:?}");
    let kk_texts = arrived(&app, kk.id);
    assert_eq!(kk_texts, [almaty_deadline_text(&app, Lang::Kk, 1)]);
    assert!(kk_texts[0].contains("2023 жылғы 17 қыркүйек") && kk_texts[0].contains("1 күн қалды"), "{kk_texts:?}");

    // Nothing else follows, up to the end of the campaign.
    let mut received = Received::new();
    travel(&app, &sender, "2023-09-25", &[ru.id, kk.id], &mut received).await;
    assert!(received.is_empty(), "{received:?}");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_from_the_10th_to_the_16th_sends_only_the_one_day_reminder() {
    let app = spawn_app_on("2023-09-05").await;
    let user = TestUser::new(2511, "ru");
    walk_to_step(&app, &user, Lang::Ru, "almaty", Way::Qaztest, 3).await;
    let sender = app.sender(SenderConfig::default());
    let mut received = Received::new();
    travel(&app, &sender, "2023-09-10", &[user.id], &mut received).await;
    // On time: the nudge three days after the stall, then the 7-day reminder.
    assert_eq!(when(&received, user.id), ["2023-09-08 10:00", "2023-09-10 10:00"]);
    assert_eq!(received[&user.id][1].1, almaty_deadline_text(&app, Lang::Ru, 7));

    app.emu.drain_events(user.id);
    app.set_local("2023-09-16", 10);
    let outcomes = sender.drain().await.unwrap();
    assert_eq!(
        outcomes_of(&outcomes, user.id),
        [("deadline-3", cancelled(CancelReason::Superseded)), ("deadline-1", SendOutcome::Sent)]
    );
    let texts = arrived(&app, user.id);
    assert_eq!(texts, [almaty_deadline_text(&app, Lang::Ru, 1)], "not \"осталось 3 дня\" as well");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_sent_late_counts_its_days_from_the_day_it_goes_out() {
    let mut app = spawn_app_on("2023-09-05").await;
    let user = TestUser::new(2521, "ru");
    walk_to_step(&app, &user, Lang::Ru, "almaty", Way::Qaztest, 3).await;
    // Down until 09:00 on the cutoff day itself, before the reminder hour.
    app.stop().await;
    app.set_local("2023-09-17", 9);
    app.restart().await;
    app.emu.drain_events(user.id);
    let sender = app.sender(SenderConfig::default());
    let outcomes = sender.drain().await.unwrap();
    assert_eq!(outcomes_of(&outcomes, user.id).last(), Some(&("deadline-1", SendOutcome::Sent)), "{outcomes:?}");
    let texts = arrived(&app, user.id);
    assert_eq!(texts, [almaty_deadline_text(&app, Lang::Ru, 0)]);
    assert!(texts[0].contains("сегодня последний день") && !texts[0].contains("остался"), "{texts:?}");

    // The 10:00 wave of that day brings nothing more, nor does the day after the cutoff.
    let mut received = Received::new();
    travel(&app, &sender, "2023-09-19", &[user.id], &mut received).await;
    assert!(received.is_empty(), "{received:?}");
}
