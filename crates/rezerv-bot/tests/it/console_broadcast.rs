//! The console's broadcasts and alerts, through the real dispatcher and the emulator: composing
//! in Telegram, bad input, delivery in each recipient's language, stop, quiet hours, paid
//! broadcasts, a crash of the real binary, and the alerts to organisers.

use std::time::{Duration, Instant};

use bot_api_emulator::{BotMessage, EmulatorConfig, Fault, RateLimits, TestUser};
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::{AuditAction, Lang, Phone, PromoCode, ReminderKind, Way};
use rezerv_bot::reminders::SenderConfig;
use rezerv_bot::storage::{Actor, Audience, NewBroadcast, Queued};
use rezerv_test_support::app::{TestApp, spawn_app, spawn_app_with, spawn_app_with_campaign, texts};
use rezerv_test_support::broadcast::{candidate, organiser, ready};

const ORGANISER: i64 = 900_001;
const KK_TEXT: &str = "<b>Мекенжай өзгерді</b>: QAZTEST Қарағандыда жаңа мекенжайда өтеді.";
const RU_TEXT: &str = "<b>Адрес изменился</b>: QAZTEST в Караганде проходит по новому адресу.";

async fn outbox_count(app: &TestApp, kind: ReminderKind) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = $1")
        .bind(kind.as_str())
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn broadcasts(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM broadcasts").fetch_one(app.db.pool()).await.unwrap()
}

/// The newest bot message in the chat whose text contains `part`.
fn message_with(app: &TestApp, chat: i64, part: &str) -> Option<BotMessage> {
    app.emu.messages(chat).into_iter().rev().find(|message| message.text.contains(part))
}

/// Waits (real time) until `done` holds: the console's watch works on its own clock.
async fn eventually(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Five candidates: three QAZTEST in Karaganda (two read Kazakh), one QAZTEST in Almaty, one
/// QRT in Karaganda.
async fn five_candidates(app: &TestApp) -> Vec<TestUser> {
    let mut users = Vec::new();
    for (id, lang, city, way) in [
        (1_001, Lang::Kk, "karaganda", Way::Qaztest),
        (1_002, Lang::Kk, "karaganda", Way::Qaztest),
        (1_003, Lang::Ru, "karaganda", Way::Qaztest),
        (1_004, Lang::Ru, "almaty", Way::Qaztest),
        (1_005, Lang::Kk, "karaganda", Way::Qrt),
    ] {
        users.push(candidate(app, id, lang, ready(city, way)).await);
    }
    users
}

/// `/broadcast`, the filters pressed by label, Next, then both texts: at the preview.
async fn compose(app: &TestApp, org: &TestUser, filters: &[&str], kk: &str, ru: &str) {
    let panel = app.send(org, "/broadcast").await;
    assert!(texts(&panel).contains("Новая рассылка"), "{}", texts(&panel));
    for label in filters {
        app.press(org, label).await;
    }
    let asked = app.press(org, "Далее: тексты").await;
    assert!(texts(&asked).contains("на <b>казахском</b>"), "{}", texts(&asked));
    let asked = app.send(org, kk).await;
    assert!(texts(&asked).contains("на <b>русском</b>"), "{}", texts(&asked));
    app.send(org, ru).await;
    eventually("the preview", Duration::from_secs(10), || message_with(app, org.id, "Рассылка готова").is_some()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_composes_a_broadcast_and_each_candidate_gets_it_in_their_language() {
    let app = spawn_app().await;
    let users = five_candidates(&app).await;
    let org = organiser(&app, ORGANISER, Lang::Ru).await;

    let panel = app.send(&org, "/broadcast").await;
    assert!(texts(&panel).contains("Сейчас подходят: 5 кандидатов"), "{}", texts(&panel));
    app.press(&org, "QAZTEST (офлайн)").await;
    let filtered = message_with(&app, org.id, "Новая рассылка").unwrap();
    assert!(filtered.text.contains("подходят: 4 кандидата"), "{}", filtered.text);
    assert!(filtered.button("✓ QAZTEST").is_some(), "the choice is marked: {:?}", filtered.buttons());
    app.press(&org, "Город: любой").await;
    app.press(&org, "Караганда").await;
    let filtered = message_with(&app, org.id, "Новая рассылка").unwrap();
    assert!(filtered.text.contains("город: Караганда"), "{}", filtered.text);
    assert!(filtered.text.contains("подходят: 3 кандидата (читают по-казахски: 2, по-русски: 1)"), "{}", filtered.text);
    assert_eq!(
        app.emu.messages(org.id).iter().filter(|m| m.text.contains("Новая рассылка")).count(),
        1,
        "edited in place"
    );

    app.press(&org, "Далее: тексты").await;
    app.send(&org, KK_TEXT).await;
    app.send(&org, RU_TEXT).await;
    eventually("the preview", Duration::from_secs(10), || message_with(&app, org.id, "Рассылка готова").is_some())
        .await;
    let shown: Vec<String> = app.emu.messages(org.id).into_iter().map(|m| m.text).collect();
    let kk_at = shown.iter().position(|text| text == KK_TEXT).expect("the Kazakh preview, exactly as sent");
    let ru_at = shown.iter().position(|text| text == RU_TEXT).expect("the Russian preview, exactly as sent");
    assert!(shown[kk_at - 1].contains("по-казахски (2)") && shown[ru_at - 1].contains("по-русски (1)"), "{shown:#?}");
    let summary = message_with(&app, org.id, "Рассылка готова").unwrap();
    assert!(summary.text.contains("Получателей: 3"), "{}", summary.text);
    assert_eq!(outbox_count(&app, ReminderKind::Broadcast).await, 0, "nothing is queued before the confirmation");

    app.press(&org, "Отправить тест себе").await;
    let tests: Vec<String> = app.emu.messages(org.id).into_iter().map(|m| m.text).collect();
    assert_eq!(tests.iter().filter(|text| *text == KK_TEXT).count(), 2, "the test comes in Kazakh");
    assert_eq!(tests.iter().filter(|text| *text == RU_TEXT).count(), 2, "and in Russian");
    assert_eq!(outbox_count(&app, ReminderKind::Broadcast).await, 0, "a test queues nothing");

    app.press(&org, "Отправить (3)").await;
    assert_eq!(outbox_count(&app, ReminderKind::Broadcast).await, 3);
    let progress = message_with(&app, org.id, "Рассылка #1").expect("the progress message");
    assert!(progress.text.contains("осталось: 3"), "{}", progress.text);
    assert!(progress.button("Остановить").is_some());

    // One of them has blocked the bot since.
    app.emu.block_chat(users[1].id, true);
    let outcomes = app.sender(SenderConfig::default()).drain().await.unwrap();
    assert_eq!(outcomes.len(), 3);
    for user in &users {
        let got: Vec<String> = app.emu.messages(user.id).into_iter().map(|m| m.text).collect();
        let expected: &[&str] = match user.id {
            1_001 => &[KK_TEXT],
            1_003 => &[RU_TEXT],
            _ => &[],
        };
        assert_eq!(got, expected, "candidate {}", user.id);
    }
    assert_eq!(
        app.db.recipient(users[1].id).await.unwrap(),
        Some((Some(Lang::Kk), false)),
        "a 403 marks them inactive"
    );
    eventually("the totals", Duration::from_secs(20), || {
        message_with(&app, org.id, "Рассылка #1 завершена").is_some_and(|m| {
            m.text.contains(
                "Из 3: отправлено 2, не доставлено 0, недоступны (заблокировали бота или удалили свои данные) 1",
            ) && m.inline_keyboard.is_empty()
        })
    })
    .await;
    let audit = app.db.audit_log(10).await.unwrap();
    let queued = audit.iter().find(|entry| entry.action == AuditAction::Broadcast && entry.detail.starts_with("#1"));
    let queued = queued.expect("the broadcast is audited");
    assert_eq!((queued.detail.as_str(), queued.rows), ("#1 way=qaztest,city=karaganda", 3));
    assert_eq!(queued.actor, Actor::telegram(rezerv_bot::domain::OrganiserId::new(ORGANISER).unwrap()));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_text_gets_its_reason_and_queues_nothing() {
    let app = spawn_app().await;
    five_candidates(&app).await;
    let org = organiser(&app, ORGANISER, Lang::Ru).await;
    app.send(&org, "/broadcast").await;
    app.press(&org, "Далее: тексты").await;
    let too_long = "я".repeat(4_097);
    for (bad, reason) in [
        ("<b> </b>", "Текст пустой"),
        (too_long.as_str(), "4097 символов после разметки"),
        ("<b>Адрес изменился", "Тег &lt;b&gt; не закрыт"),
        ("<b><i>x</b></i>", "Теги закрыты не по порядку"),
        ("<div>Адрес</div>", "Тег &lt;div&gt; Telegram не поддерживает"),
        ("1 < 2", "не начинает тег"),
    ] {
        let reply = app.send(&org, bad).await;
        assert!(texts(&reply).contains(reason), "{bad:.20}: {}", texts(&reply));
        assert!(texts(&reply).contains("на <b>казахском</b>"), "the same text is asked again");
    }
    app.emu.send_sticker(&org);
    let reply = rezerv_test_support::app::sent(app.settle(&org).await);
    assert!(texts(&reply).contains("только текст"), "{}", texts(&reply));
    // The limit counts what the reader sees: tags do not count.
    let longest = format!("<b>{}</b>", "ә".repeat(4_096));
    let reply = app.send(&org, &longest).await;
    assert!(texts(&reply).contains("на <b>русском</b>"), "{}", texts(&reply));
    let reply = app.send(&org, "<i>unclosed").await;
    assert!(texts(&reply).contains("не закрыт") && texts(&reply).contains("на <b>русском</b>"), "{}", texts(&reply));
    assert_eq!(outbox_count(&app, ReminderKind::Broadcast).await, 0);
    assert_eq!(broadcasts(&app).await, 0);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_segment_is_refused_when_chosen_and_when_confirmed() {
    let app = spawn_app().await;
    let users = five_candidates(&app).await;
    let org = organiser(&app, ORGANISER, Lang::Ru).await;
    // Nobody reads Russian on the QRT way.
    app.send(&org, "/broadcast").await;
    app.press(&org, "QAZAQ RESMI TEST").await;
    app.press(&org, "Русский").await;
    let panel = message_with(&app, org.id, "Новая рассылка").unwrap();
    assert!(panel.text.contains("подходят: 0 кандидатов"), "{}", panel.text);
    let refused = app.press(&org, "Далее: тексты").await;
    assert!(texts(&refused).contains("ни один кандидат"), "{}", texts(&refused));

    // A segment that empties between the preview and the confirmation.
    compose(&app, &org, &["QAZAQ RESMI TEST"], KK_TEXT, RU_TEXT).await;
    app.db.set_active(users[4].id, false).await.unwrap();
    let refused = app.press(&org, "Отправить (1)").await;
    assert!(texts(&refused).contains("ни один кандидат"), "{}", texts(&refused));
    assert_eq!(outbox_count(&app, ReminderKind::Broadcast).await, 0);
    assert_eq!(broadcasts(&app).await, 0, "no broadcast row either");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_organisers_broadcast_gets_the_ordinary_unknown_message_answer() {
    let app = spawn_app().await;
    let stranger = TestUser::new(2_001, "ru");
    let control = TestUser::new(2_002, "ru");
    let answer = app.send(&stranger, "/broadcast").await;
    let ordinary = app.send(&control, "/whatever").await;
    assert_eq!(texts(&answer), texts(&ordinary));
    assert!(texts(&answer).contains(&app.t(Lang::Ru, "unexpected-input")), "{}", texts(&answer));
    // A forged broadcast button is a stale button to them.
    app.emu.press_button(&stranger, 1, "b:next");
    let events = app.settle(&stranger).await;
    assert_eq!(rezerv_test_support::app::answers(&events), [Some(app.t(Lang::Ru, "toast-stale-button"))]);
    assert_eq!(app.db.draft(rezerv_bot::domain::OrganiserId::new(stranger.id).unwrap()).await.unwrap(), None);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_cancels_the_rest_of_a_broadcast() {
    let app = spawn_app().await;
    for id in 3_001..3_011 {
        candidate(&app, id, Lang::Ru, ready("almaty", Way::Qaztest)).await;
    }
    let org = organiser(&app, ORGANISER, Lang::Ru).await;
    compose(&app, &org, &[], KK_TEXT, RU_TEXT).await;
    app.press(&org, "Отправить (10)").await;
    let sender = app.sender(SenderConfig::default());
    for _ in 0..3 {
        sender.try_execute_task().await.unwrap().expect("a row to send");
    }
    let stopped = app.press(&org, "Остановить рассылку").await;
    assert!(stopped.is_empty(), "a toast, no message: {}", texts(&stopped));
    let rest = sender.drain().await.unwrap();
    assert!(rest.is_empty(), "nothing claimed after the stop: {rest:?}");
    assert_eq!(app.emu.total_delivered() - app.emu.delivered_count(org.id), 3);
    let tally = app.db.broadcast_tally(1).await.unwrap();
    assert_eq!((tally.sent, tally.stopped, tally.left), (3, 7, 0));
    eventually("the totals of a stopped broadcast", Duration::from_secs(20), || {
        message_with(&app, org.id, "Рассылка #1 остановлена")
            .is_some_and(|m| m.text.contains("не отправлено после остановки 7"))
    })
    .await;
    let audit = app.db.audit_log(10).await.unwrap();
    assert!(audit.iter().any(|entry| entry.detail == "#1 stopped" && entry.rows == 7), "{audit:?}");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hours_hold_a_broadcast_until_eight_but_not_a_reminder() {
    let app = spawn_app().await;
    let users = [
        candidate(&app, 4_001, Lang::Kk, ready("almaty", Way::Qaztest)).await,
        candidate(&app, 4_002, Lang::Ru, ready("almaty", Way::Qaztest)).await,
    ];
    let org = organiser(&app, ORGANISER, Lang::Kk).await;
    // The planner is done with them: it would cancel a reminder it did not plan.
    app.plan_now().await;
    app.set_local("2023-09-05", 23);
    let at_eleven = app.clock.now();
    let reminder = rezerv_test_support::outbox::deadline_reminder("deadline-test", ReminderKind::Deadline, at_eleven);
    app.db.enqueue(users[1].id, &reminder, at_eleven).await.unwrap();
    app.send(&org, "/broadcast").await;
    app.press(&org, "Әрі қарай: мәтіндер").await;
    app.send(&org, KK_TEXT).await;
    app.send(&org, RU_TEXT).await;
    eventually("the preview", Duration::from_secs(10), || message_with(&app, org.id, "Тарату дайын").is_some()).await;
    app.press(&org, "Жіберу (2)").await;
    let progress = message_with(&app, org.id, "Тарату #1").unwrap();
    assert!(progress.text.contains("тыныштық сағаттары") && progress.text.contains("08:00"), "{}", progress.text);

    let sender = app.sender(SenderConfig::default());
    let sent = sender.drain().await.unwrap();
    assert_eq!(sent.iter().map(|(row, _)| row.kind).collect::<Vec<_>>(), [ReminderKind::Deadline], "only the reminder");
    app.set_local("2023-09-06", 7);
    assert!(sender.drain().await.unwrap().is_empty(), "still quiet at 07:00");
    app.set_local("2023-09-06", 8);
    let sent = sender.drain().await.unwrap();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(app.emu.last_message(users[0].id).unwrap().text, KK_TEXT);
    assert_eq!(app.emu.last_message(users[1].id).unwrap().text, RU_TEXT);
    // The totals speak the language the organiser composed in.
    eventually("the totals", Duration::from_secs(20), || message_with(&app, org.id, "Тарату #1 аяқталды").is_some())
        .await;
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_claimed_before_quiet_hours_and_sent_after_they_began_waits_for_their_end() {
    let app = spawn_app().await;
    let user = candidate(&app, 4_101, Lang::Ru, ready("almaty", Way::Qaztest)).await;
    app.plan_now().await;
    app.set_local("2023-09-05", 21);
    let at_nine = app.clock.now() + chrono::Duration::minutes(59);
    app.clock.set(at_nine);
    // Three reminders ahead of the broadcast in the chat: at one message a second per chat, the
    // broadcast goes out 3 s after its claim, and quiet hours begin meanwhile (a minute on the
    // clock, within the rows' lease).
    for key in ["deadline-a", "deadline-b", "deadline-c"] {
        let reminder = rezerv_test_support::outbox::deadline_reminder(key, ReminderKind::Deadline, at_nine);
        app.db.enqueue(user.id, &reminder, at_nine).await.unwrap();
    }
    let audience = Audience::default();
    let broadcast =
        NewBroadcast { segment: "all", audience: &audience, text_kk: KK_TEXT, text_ru: RU_TEXT, actor: Actor::cli() };
    assert_eq!(app.db.queue_broadcast(&broadcast, at_nine).await.unwrap(), Queued::Queued { id: 1, recipients: 1 });
    let before = app.emu.messages(user.id).len();

    let sender = std::sync::Arc::new(app.sender(SenderConfig::default()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(sender.clone().run(stopped));
    eventually("the first reminder", Duration::from_secs(10), || app.emu.messages(user.id).len() > before).await;
    app.clock.set(at_nine + chrono::Duration::minutes(2));
    let deadline = Instant::now() + Duration::from_secs(20);
    let held = loop {
        let row: (String, Option<String>) = sqlx::query_as("SELECT status, last_error FROM outbox WHERE kind = $1")
            .bind(ReminderKind::Broadcast.as_str())
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        if row.0 != "in_flight" {
            break row;
        }
        assert!(Instant::now() < deadline, "the broadcast row stayed in flight");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    stop.send(true).unwrap();
    running.await.unwrap();
    assert_eq!(held, ("pending".to_owned(), Some("held for the end of quiet hours".to_owned())));
    assert_eq!(app.emu.messages(user.id).len(), before + 3, "the three reminders, not the broadcast");
    assert!(message_with(&app, user.id, RU_TEXT).is_none());

    app.set_local("2023-09-06", 7);
    assert!(sender.drain().await.unwrap().is_empty(), "still quiet at 07:00");
    app.set_local("2023-09-06", 8);
    assert_eq!(sender.drain().await.unwrap().len(), 1);
    assert_eq!(app.emu.last_message(user.id).unwrap().text, RU_TEXT);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_broadcasts_go_faster_than_thirty_a_second_without_a_429() {
    const RECIPIENTS: i64 = 300;
    let limits = RateLimits { global_per_sec: 30, per_chat_per_sec: 1, burst: 1 };
    let app = spawn_app_with("2023-09-05", EmulatorConfig { rate_limits: Some(limits), ..Default::default() }).await;
    for id in 0..RECIPIENTS {
        candidate(&app, 5_000 + id, if id % 2 == 0 { Lang::Kk } else { Lang::Ru }, ready("astana", Way::Qrt)).await;
    }
    let audience = Audience::default();
    let broadcast =
        NewBroadcast { segment: "all", audience: &audience, text_kk: KK_TEXT, text_ru: RU_TEXT, actor: Actor::cli() };
    let queued = app.db.queue_broadcast(&broadcast, app.clock.now()).await.unwrap();
    assert_eq!(queued, Queued::Queued { id: 1, recipients: RECIPIENTS });

    let config =
        SenderConfig { paid_broadcast_rate: Some(1_000), batch: 512, concurrency: 128, ..SenderConfig::default() };
    let sender = std::sync::Arc::new(app.sender(config));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let running = tokio::spawn(sender.run(stopped));
    eventually("every paid send", Duration::from_secs(30), || app.emu.total_delivered() >= RECIPIENTS as u64).await;
    let took = started.elapsed();
    stop.send(true).unwrap();
    running.await.unwrap();
    // At Telegram's free 30 a second, 300 sends take 10 s.
    assert!(took < Duration::from_secs(6), "{RECIPIENTS} paid sends took {took:?}");
    assert_eq!(app.emu.paid_broadcast_delivered(), RECIPIENTS as u64);
    assert_eq!(app.emu.too_many_requests_count(), 0);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wave_that_fails_alerts_the_organisers_once() {
    let app = spawn_app().await;
    let mut users = Vec::new();
    for id in 6_001..6_011 {
        users.push(candidate(&app, id, Lang::Ru, ready("almaty", Way::Qaztest)).await);
    }
    let org = organiser(&app, ORGANISER, Lang::Ru).await;
    for user in &users[..4] {
        let refusal = Fault::Status { code: 400, description: "Bad Request: chat not found".into(), retry_after: None };
        app.emu.inject_faults(user.id, vec![refusal]);
    }
    let audience = Audience::default();
    let broadcast =
        NewBroadcast { segment: "all", audience: &audience, text_kk: KK_TEXT, text_ru: RU_TEXT, actor: Actor::cli() };
    app.db.queue_broadcast(&broadcast, app.clock.now()).await.unwrap();
    let sender = app.sender(SenderConfig::default());
    sender.drain().await.unwrap();
    // The alert is queued once the failures pass the share, and sent like any outbox row.
    assert_eq!(outbox_count(&app, ReminderKind::Alert).await, 1);
    sender.drain().await.unwrap();
    let alerts: Vec<String> =
        app.emu.messages(org.id).into_iter().map(|m| m.text).filter(|text| text.contains("не доставлено")).collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].contains("Рассылка #1") && alerts[0].contains("из 10"), "{}", alerts[0]);
    app.assert_clean();
}

/// The campaign file with a pool threshold of 3 codes.
fn three_codes_threshold() -> String {
    let embedded = rezerv_bot::config::campaign_embedded_text();
    assert!(embedded.contains("pool_low = \"10%\""));
    embedded.replacen("pool_low = \"10%\"", "pool_low = 3", 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_alert_fires_once_per_crossing_survives_a_restart_and_rearms_after_a_top_up() {
    let mut app = spawn_app_with_campaign("2023-09-05", &three_codes_threshold()).await;
    let phones: Vec<String> = (0..12).map(|n| format!("+7701555{n:04}")).collect();
    let phone_refs: Vec<&str> = phones.iter().map(String::as_str).collect();
    app.seed(6, &phone_refs).await;
    let org = organiser(&app, ORGANISER, Lang::Ru).await;
    let mut next = 0;
    let mut issue = |app: &TestApp, n: usize| {
        let from = next;
        next += n;
        let db = app.db.clone();
        let now = app.clock.now();
        let phones: Vec<Phone> = phones[from..from + n].iter().map(|p| Phone::parse(p).unwrap()).collect();
        async move {
            for (offset, phone) in phones.iter().enumerate() {
                db.claim_code(7_000 + (from + offset) as i64, phone, Way::Qrt, now).await.unwrap();
            }
        }
    };
    let alerts = |app: &TestApp| {
        let app_db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT message FROM outbox WHERE kind = 'alert' ORDER BY id")
                .fetch_all(app_db.pool())
                .await
                .unwrap()
        }
    };
    let check = |app: &TestApp| {
        let (db, campaign, now) = (app.db.clone(), app.app.campaign.clone(), app.clock.now());
        async move { rezerv_bot::alerts::check_pools(&db, &campaign, now).await.unwrap() }
    };

    issue(&app, 3).await; // 3 of 6 left: not below 3
    check(&app).await;
    assert!(alerts(&app).await.is_empty());
    issue(&app, 1).await; // 2 left: below
    check(&app).await;
    assert_eq!(alerts(&app).await, ["alert-pool-low"]);
    issue(&app, 1).await; // 1 left: still below, no second alert
    check(&app).await;
    issue(&app, 1).await; // none left
    check(&app).await;
    assert_eq!(alerts(&app).await, ["alert-pool-low", "alert-pool-empty"]);
    app.restart().await;
    check(&app).await;
    assert_eq!(alerts(&app).await.len(), 2, "a restart does not tell them again");

    let top_up: Vec<PromoCode> = (1..=6).map(|n| PromoCode::parse(&format!("QRT-TOPUP-{n}")).unwrap()).collect();
    app.db.import_codes(Way::Qrt, &top_up, app.clock.now()).await.unwrap();
    check(&app).await;
    assert_eq!(alerts(&app).await.len(), 2, "a top-up re-arms without a message");
    issue(&app, 4).await; // 2 of 12 left: below again
    check(&app).await;
    assert_eq!(alerts(&app).await, ["alert-pool-low", "alert-pool-empty", "alert-pool-low"]);

    app.sender(SenderConfig::default()).drain().await.unwrap();
    let told: Vec<String> = app.emu.messages(org.id).into_iter().map(|m| m.text).collect();
    assert_eq!(told.len(), 3, "{told:#?}");
    assert!(told[0].contains("на исходе: осталось 2 из 6"), "{}", told[0]);
    assert!(told[1].contains("закончились"), "{}", told[1]);
    assert!(told[2].contains("на исходе: осталось 2 из 12"), "{}", told[2]);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_issued_in_the_journey_wakes_the_pool_check() {
    let app = spawn_app_with_campaign("2023-09-05", &three_codes_threshold()).await;
    app.seed(3, &["+77015550001"]).await;
    organiser(&app, ORGANISER, Lang::Ru).await;
    let user = TestUser::new(8_001, "ru");
    rezerv_test_support::flows::get_code(&app, &user, Lang::Ru, "almaty", Way::Qrt, "+77015550001").await;
    let db = app.db.clone();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let queued: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'alert'").fetch_one(db.pool()).await.unwrap();
        if queued == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "no alert after the code that took the pool below 3");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_checks_previews_counts_and_queues_as_the_console_does() {
    let app = spawn_app().await;
    let users = five_candidates(&app).await;
    let dir = rezerv_test_support::db::TempDir::new();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let (kk, ru) = (file("kk.html", KK_TEXT), file("ru.html", &format!("\u{feff}{RU_TEXT}\n")));
    let run = |args: &[&str]| crate::cli::run_on(app.database_url(), args);
    let segment = "way=qaztest,city=karaganda";

    let (ok, out, err) = run(&["broadcast", "--segment", segment, "--kk", &kk, "--ru", &ru, "--dry-run"]);
    assert!(ok, "{err}");
    assert!(out.contains("recipients: 3 (kk 2, ru 1)"), "{out}");
    assert!(out.contains("Мекенжай өзгерді: QAZTEST") && out.contains("Адрес изменился: QAZTEST"), "as seen: {out}");
    assert!(out.contains("dry run: nothing queued"), "{out}");

    let unclosed = file("unclosed.html", "<b>Адрес изменился");
    let too_long = file("long.html", &"я".repeat(4_097));
    let empty = file("empty.html", " \n");
    for (args, reason) in [
        (vec!["--segment", segment, "--kk", &kk, "--ru", &unclosed], "<b> is never closed"),
        (vec!["--segment", segment, "--kk", &too_long, "--ru", &ru], "4097 characters once rendered"),
        (vec!["--segment", segment, "--kk", &empty, "--ru", &ru], "the text is empty"),
        (vec!["--segment", "way=qrt,lang=ru", "--kk", &kk, "--ru", &ru], "no candidate matches the segment"),
        (vec!["--segment", "town=karaganda", "--kk", &kk, "--ru", &ru], "unknown filter `town`"),
        (vec!["--segment", "city=karaganda,group=others", "--kk", &kk, "--ru", &ru], "not both"),
    ] {
        let (ok, _, err) = run(&[&["broadcast"][..], &args].concat());
        assert!(!ok && err.contains(reason), "{args:?}: {err}");
    }
    assert_eq!(outbox_count(&app, ReminderKind::Broadcast).await, 0, "nothing queued by a bad input or a dry run");

    let (ok, out, err) = run(&["--today", "2023-09-05", "broadcast", "--segment", segment, "--kk", &kk, "--ru", &ru]);
    assert!(ok, "{err}");
    assert!(out.contains("queued broadcast #1 to 3 recipients"), "{out}");
    // The command line's clock runs from 10:00 that day; the bot's stands still at 10:00.
    app.clock.advance(chrono::Duration::minutes(1));
    app.sender(SenderConfig::default()).drain().await.unwrap();
    assert_eq!(app.emu.last_message(users[0].id).unwrap().text, KK_TEXT);
    assert_eq!(app.emu.last_message(users[2].id).unwrap().text, RU_TEXT, "the BOM and the last newline are not sent");
    let audit = app.db.audit_log(10).await.unwrap();
    let details: Vec<(&str, i64)> = audit.iter().map(|entry| (entry.detail.as_str(), entry.rows)).collect();
    assert!(details.contains(&("dry-run way=qaztest,city=karaganda", 3)), "{details:?}");
    assert!(details.contains(&("#1 way=qaztest,city=karaganda", 3)), "{details:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_mid_broadcast_sends_nobody_twice_beyond_the_rows_in_flight_and_skips_nobody() {
    use crate::crash::{TODAY, start_bot, start_emulator, wait_for};
    const CANDIDATES: i64 = 200;
    let dir = rezerv_test_support::db::TempDir::new();
    let emu = start_emulator().await;
    let campaign = rezerv_bot::config::Campaign::embedded().unwrap();
    let now = campaign.reminder_instant(chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap());
    let db = rezerv_bot::storage::Db::connect(&dir.database_url()).await.unwrap();
    let users: Vec<(TestUser, Lang)> = (0..CANDIDATES)
        .map(|n| {
            let lang = if n % 3 == 0 { Lang::Kk } else { Lang::Ru };
            (TestUser::new(60_000 + n, lang.code()), lang)
        })
        .collect();
    for (user, lang) in &users {
        emu.register_user(user);
        db.set_lang(user.id, *lang, now).await.unwrap();
    }
    db.close().await;
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let (kk, ru) = (write("kk.html", KK_TEXT), write("ru.html", RU_TEXT));
    let (ok, out, err) = crate::cli::run_on(
        &dir.database_url(),
        &["--today", TODAY, "broadcast", "--segment", "all", "--kk", &kk, "--ru", &ru],
    );
    assert!(ok && out.contains(&format!("to {CANDIDATES} recipients")), "{out}{err}");

    let mut bot = start_bot(&emu, &dir);
    wait_for("the broadcast to start", Duration::from_secs(60), || emu.total_delivered() >= 40).await;
    bot.kill_now();
    let delivered_at_crash = emu.total_delivered();
    assert!(delivered_at_crash < CANDIDATES as u64, "the crash came too late to test anything");
    let db = rezerv_bot::storage::Db::connect(&dir.database_url()).await.unwrap();
    let in_flight: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'broadcast' AND status = 'in_flight'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    db.close().await;

    let mut bot = start_bot(&emu, &dir);
    wait_for("every recipient", Duration::from_secs(90), || {
        users.iter().all(|(user, _)| emu.delivered_count(user.id) >= 1)
    })
    .await;
    let db = rezerv_bot::storage::Db::connect(&dir.database_url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while db.broadcast_tally(1).await.unwrap().sent < CANDIDATES {
        assert!(Instant::now() < deadline, "not every send was recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bot.kill_now();
    let duplicates: u64 = users.iter().map(|(user, _)| emu.delivered_count(user.id).saturating_sub(1)).sum();
    assert!(
        duplicates <= in_flight as u64,
        "{duplicates} duplicates, but only {in_flight} rows were in flight at the kill"
    );
    for (user, lang) in &users {
        let expected = if *lang == Lang::Kk { KK_TEXT } else { RU_TEXT };
        assert!(emu.messages(user.id).iter().all(|m| m.text == expected), "user {} got another text", user.id);
    }
    eprintln!(
        "broadcast crash drill: {delivered_at_crash} delivered before the kill, {in_flight} in flight, {duplicates} duplicates"
    );
}
