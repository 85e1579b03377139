//! QAZAQ RESMI TEST is online: one testing period for everyone, so its deadline is the
//! period's last day, with no application and no city; QAZTEST keeps its cutoffs by city.

use bot_api_emulator::{BotEvent, BotMessage, TestUser};
use chrono::Duration;
use rezerv_bot::bot::Callback;
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::{Lang, Way};
use rezerv_bot::i18n::Args;
use rezerv_bot::reminders::SenderConfig;
use rezerv_bot::storage::OutboxStatus;
use rezerv_test_support::app::{TestApp, answers, spawn_app_on, texts};
use rezerv_test_support::flows::{city_name, get_code, walk_to_contact, walk_to_way};

/// Callback button labels of a message.
fn labels(message: &BotMessage) -> Vec<String> {
    message.buttons().iter().filter(|button| button.callback_data.is_some()).map(|b| b.text.clone()).collect()
}

/// Fails if `text` speaks of an application or a city (markers in lower case).
fn speaks_of_no_application_or_city(text: &str, markers: &[&str]) {
    let lower = text.to_lowercase();
    for marker in markers {
        assert!(!lower.contains(marker), "says `{marker}`: {text}");
    }
}

/// The deadline reminders pending for a chat.
async fn pending_deadlines(app: &TestApp, chat: i64) -> usize {
    let rows = app.db.outbox_of(chat).await.unwrap();
    rows.iter().filter(|(key, status)| key.starts_with("deadline-") && *status == OutboxStatus::Pending).count()
}

/// Moves the clock hour by hour to 10:00 local on `until`, sending what falls due; returns
/// (local time, text) of what arrived in `chat`.
async fn reminders_until(app: &TestApp, chat: i64, until: &str) -> Vec<(String, String)> {
    let sender = app.sender(SenderConfig::default());
    let until = app.app.campaign.reminder_instant(chrono::NaiveDate::parse_from_str(until, "%Y-%m-%d").unwrap());
    app.emu.drain_events(chat);
    let mut received = Vec::new();
    while app.clock.now() < until {
        app.clock.advance(Duration::hours(1));
        sender.drain().await.unwrap();
        let stamp = app.clock.now().with_timezone(&app.app.campaign.tz).format("%Y-%m-%d %H:%M").to_string();
        for event in app.emu.drain_events(chat) {
            if let BotEvent::Sent(message) = event {
                received.push((stamp.clone(), message.text));
            }
        }
    }
    received
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qrt_texts_name_the_online_tests_last_day_and_never_an_application_or_a_city() {
    let app = spawn_app_on("2023-09-05").await;
    app.seed(5, &["+77010000001", "+77010000002"]).await;
    let cases = [
        (TestUser::new(4001, "ru"), Lang::Ru, "almaty", "+77010000001", "22 сентября 2023", vec!["заявк", "город"]),
        (TestUser::new(4002, "kk"), Lang::Kk, "oral", "+77010000002", "2023 жылғы 22 қыркүйек", vec!["өтінім", "қала"]),
    ];
    for (user, lang, city, phone, last_day, words) in cases {
        let city_word = city_name(&app, city, lang).to_lowercase();
        let mut markers: Vec<&str> = words.clone();
        markers.push(&city_word);

        // The way screen: the QRT line gives the last day and no city; QAZTEST keeps its
        // application cutoff for the city (17 September outside Astana).
        let way = walk_to_way(&app, &user, lang, city).await;
        let qrt_line = way.text.split("\n\n").find(|part| part.contains("<b>QAZAQ RESMI TEST</b>")).unwrap();
        assert!(qrt_line.contains(last_day), "{}", way.text);
        speaks_of_no_application_or_city(qrt_line, &markers);
        let qaztest_line = way.text.split("\n\n").find(|part| part.contains("<b>QAZTEST</b>")).unwrap();
        assert!(qaztest_line.to_lowercase().contains(&city_word) && qaztest_line.contains("17"), "{}", way.text);
        speaks_of_no_application_or_city(way.text.split("\n\n").next().unwrap(), &[&city_word]);

        // The next steps after the code, and /status.
        walk_to_contact_from_way(&app, &user, lang).await;
        let issued = app.share_contact(&user, phone).await;
        let next = issued.iter().find(|message| message.text.contains("qrt.kz")).unwrap();
        assert!(next.text.contains(last_day), "{}", texts(&issued));
        speaks_of_no_application_or_city(&next.text, &markers);
        let status = texts(&app.send(&user, "/status").await);
        assert!(status.contains(last_day) && status.contains("QAZAQ RESMI TEST"), "{status}");
        speaks_of_no_application_or_city(&status, &markers);

        // The reminders: 7, 3 and 1 days before the testing period's last day.
        let received = reminders_until(&app, user.id, "2023-09-23").await;
        let when: Vec<&str> = received.iter().map(|(at, _)| at.as_str()).collect();
        assert_eq!(when, ["2023-09-15 10:00", "2023-09-19 10:00", "2023-09-21 10:00"], "{received:?}");
        for (_, text) in &received {
            assert!(text.contains(last_day) && text.contains("QAZAQ RESMI TEST"), "{text}");
            speaks_of_no_application_or_city(text, &markers);
        }

        // After the period: the status says the online test's last day has passed.
        let status = texts(&app.send(&user, "/status").await);
        assert!(status.contains(last_day), "{status}");
        speaks_of_no_application_or_city(&status, &markers);
        app.set_local("2023-09-05", 10);
    }
    app.assert_clean();
}

/// From the way prompt: QRT and all its steps, up to the contact prompt.
async fn walk_to_contact_from_way(app: &TestApp, user: &TestUser, lang: Lang) {
    app.press(user, &app.t(lang, "btn-way-qrt")).await;
    for _ in app.app.campaign.steps(Way::Qrt) {
        app.press(user, &app.t(lang, "btn-step-done")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_online_test_button_stops_the_qrt_reminders_and_i_have_applied_stays_with_qaztest() {
    let app = spawn_app_on("2023-09-05").await;
    app.seed(5, &["+77010000001", "+77010000002"]).await;
    let t = |id: &str| app.t(Lang::Ru, id);

    let qrt = TestUser::new(4011, "ru");
    get_code(&app, &qrt, Lang::Ru, "almaty", Way::Qrt, "+77010000001").await;
    let ready = app.emu.last_message(qrt.id).unwrap();
    assert!(labels(&ready).contains(&t("btn-qrt-booked")), "{:?}", labels(&ready));
    assert!(!labels(&ready).contains(&t("btn-applied")), "QRT has no application: {:?}", labels(&ready));
    assert_eq!(pending_deadlines(&app, qrt.id).await, 3);

    let reply = app.press(&qrt, &t("btn-qrt-booked")).await;
    let last_day = app.locales().date(Lang::Ru, app.app.campaign.window.closes);
    let recorded = app.locales().t_args(Lang::Ru, "qrt-booked-recorded", &Args::new().with("deadline", last_day));
    assert_eq!(reply[0].text, recorded, "{}", texts(&reply));
    assert!(recorded.contains("22 сентября 2023"), "{recorded}");
    let today = app.locales().date(Lang::Ru, app.app.today());
    let booked_line = app.locales().t_args(Lang::Ru, "qrt-booked-on", &Args::new().with("date", today));
    let prompt = reply.last().unwrap();
    assert!(prompt.text.contains(&booked_line), "{}", prompt.text);
    assert!(!labels(prompt).contains(&t("btn-qrt-booked")), "recorded once: {:?}", labels(prompt));
    assert_eq!(app.db.profile(qrt.id).await.unwrap().unwrap().qrt_booked_on, Some(app.app.today()));
    assert_eq!(pending_deadlines(&app, qrt.id).await, 0, "the QRT deadline reminders are cancelled");
    assert!(texts(&app.send(&qrt, "/status").await).contains(&booked_line));

    // An "I have applied" button once shown to QRT candidates records nothing now.
    let (message_id, _) = app.find_button(&qrt, &t("btn-test-date"));
    app.emu.press_button(&qrt, message_id, &Callback::Applied.encode());
    let events = app.settle(&qrt).await;
    let toasts = answers(&events);
    assert_eq!(toasts, [Some(t("toast-stale-button"))]);
    assert_eq!(app.db.profile(qrt.id).await.unwrap().unwrap().applied_on, None);

    // QAZTEST keeps "I have applied" and its application cutoff by city.
    let qaztest = TestUser::new(4012, "ru");
    walk_to_contact(&app, &qaztest, Lang::Ru, "astana", Way::Qaztest).await;
    let issued = app.share_contact(&qaztest, "+77010000002").await;
    let ready = issued.last().unwrap();
    assert!(ready.text.contains("Астана") && ready.text.contains("22 сентября 2023"), "{}", ready.text);
    assert!(labels(ready).contains(&t("btn-applied")), "{:?}", labels(ready));
    assert!(!labels(ready).contains(&t("btn-qrt-booked")), "{:?}", labels(ready));

    // Nothing reaches the QRT candidate up to the end of the period.
    let received = reminders_until(&app, qrt.id, "2023-09-23").await;
    assert!(received.is_empty(), "{received:?}");
    app.assert_clean();
}
