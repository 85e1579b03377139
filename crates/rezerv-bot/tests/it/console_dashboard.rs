//! The organisers' dashboard: the funnel as a picture with its summary, refreshed on request;
//! nothing for anyone else; delivered through Telegram's faults.

use bot_api_emulator::{BotMessage, Fault, Methods, Photo, TestUser};
use rezerv_bot::clock::Clock;
use rezerv_bot::dashboard::{Dashboard, FunnelStage};
use rezerv_bot::domain::{AuditAction, Lang, OrganiserId, Way};
use rezerv_bot::storage::Actor;
use rezerv_test_support::app::{TestApp, answers, spawn_app, texts};
use rezerv_test_support::flows::{get_code, walk_to_step, walk_to_way};

const ORGANISER: i64 = 555_000_222;
const PHONES: [&str; 3] = ["+7 701 000 00 01", "+7 701 000 00 02", "+7 701 000 00 03"];

async fn organiser(app: &TestApp, lang: &str) -> TestUser {
    app.organiser(ORGANISER, lang).await
}

/// Seven candidates at seven places of the funnel:
/// - 4001 wrote /start only; 4002 chose a language; 4003 chose Astana;
/// - 4004 is on step 3 of QAZTEST in Almaty;
/// - 4005 got a QAZTEST code in Astana, applied, and recorded a test date;
/// - 4006 got a QRT code in Karaganda and took the online test (or entered the code);
/// - 4007 chose Shymkent and then blocked the bot.
async fn journeys(app: &TestApp) {
    app.seed(5, &PHONES).await;
    app.send(&TestUser::new(4001, "ru"), "/start").await;
    let chose_language = TestUser::new(4002, "kk");
    app.send(&chose_language, "/start").await;
    app.press(&chose_language, &app.t(Lang::Kk, "language-name")).await;
    walk_to_way(app, &TestUser::new(4003, "ru"), Lang::Ru, "astana").await;
    walk_to_step(app, &TestUser::new(4004, "ru"), Lang::Ru, "almaty", Way::Qaztest, 3).await;
    let applied = TestUser::new(4005, "ru");
    get_code(app, &applied, Lang::Ru, "astana", Way::Qaztest, PHONES[0]).await;
    // Recording the application offers the test date at once.
    app.press(&applied, &app.t(Lang::Ru, "btn-applied")).await;
    app.press(&applied, "08.09 пт").await;
    let booked = TestUser::new(4006, "kk");
    get_code(app, &booked, Lang::Kk, "karaganda", Way::Qrt, PHONES[1]).await;
    app.press(&booked, &app.t(Lang::Kk, "btn-qrt-booked")).await;
    let blocked = TestUser::new(4007, "ru");
    walk_to_way(app, &blocked, Lang::Ru, "shymkent").await;
    app.emu.set_member_status(&blocked, "kicked");
    app.settle_maybe_silent(&blocked).await;
}

/// Presses a button and waits for the whole turn: the picture comes after the button's answer,
/// once it is drawn.
async fn press_and_wait(app: &TestApp, user: &TestUser, label: &str) -> Vec<BotMessage> {
    let (message_id, data) = app.find_button(user, label);
    app.emu.press_button(user, message_id, &data);
    app.settle_turn(user).await
}

/// The photo the bot sent last in the organiser's chat, with its message.
fn last_photo(app: &TestApp, sent: &[BotMessage]) -> (BotMessage, Photo) {
    let found = sent
        .iter()
        .rev()
        .find_map(|message| app.emu.photo(message.chat_id, message.message_id).map(|photo| (message.clone(), photo)));
    found.unwrap_or_else(|| panic!("no picture among: {}", texts(sent)))
}

/// The PNG's size, decoded.
fn png_size(photo: &Photo) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(photo.bytes.clone()));
    let reader = decoder.read_info().expect("a PNG");
    let info = reader.info();
    (info.width, info.height)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_gets_the_funnel_as_a_picture_whose_summary_matches_the_journeys() {
    let app = spawn_app().await;
    journeys(&app).await;
    let admin = organiser(&app, "ru").await;

    let sent = app.send(&admin, "/dashboard").await;
    let (message, photo) = last_photo(&app, &sent);
    assert_eq!(sent.len(), 1, "one picture, its summary as the caption: {}", texts(&sent));
    assert_eq!(png_size(&photo), (photo.width, photo.height));
    assert_eq!(photo.width, 1280);
    assert!((900..=1280).contains(&photo.height), "Telegram would scale it down: {}", photo.height);
    let caption = message.plain_text();
    assert!(caption.chars().count() <= 1024, "{caption}");
    // The organiser's own chat is no candidate: seven wrote, six chose a language, and so on.
    for line in [
        "Воронка кандидатов на 05.09.2023 10:00",
        "Написали боту: 7 · выбрали язык: 6 · город: 5 · способ: 3",
        "QAZAQ RESMI TEST: выбрали 1 · прошли шаги 1 · получили промокод 1 · сдали тест или ввели промокод 1 · указали дату теста 0",
        "QAZTEST: выбрали 2 · прошли шаги 1 · получили промокод 1 · подали заявку 1 · указали дату теста 1",
        "Промокодов осталось: QRT — 4, выдано 1 · QAZTEST — 4, выдано 1",
        "Заблокировали бота: 1 · новых кандидатов за сегодня, 05.09 вт: 7",
    ] {
        assert!(caption.contains(line), "the summary lacks `{line}`:\n{caption}");
    }
    let refresh = message.button(&app.t(Lang::Ru, "console-btn-refresh")).expect("a refresh button");
    assert_eq!(refresh.callback_data.as_deref(), Some("a:refresh"));

    // The same numbers as the storage's own count, stage by stage.
    let dashboard = Dashboard::load(&app.db, &app.app.campaign, app.clock.now()).await.unwrap();
    let totals: Vec<i64> = dashboard.funnel.iter().map(|bar| bar.total).collect();
    assert_eq!(totals, [7, 6, 5, 3]);
    let started = &dashboard.funnel[0];
    assert_eq!((started.by_group["astana"], started.by_group["others"], started.no_city), (2, 3, 2));
    let qaztest = dashboard.way(Way::Qaztest).unwrap();
    let steps: Vec<i64> = qaztest.funnel.iter().map(|bar| bar.total).collect();
    // Way, steps 1-7, steps done, code, applied, test date: 4004 stops at step 3.
    assert_eq!(steps, [2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(qaztest.bar(FunnelStage::TestDate).unwrap().by_group["astana"], 1);
    assert_eq!(dashboard.blocked, 1);

    let audit = app.db.audit_log(5).await.unwrap();
    assert_eq!(audit[0].action, AuditAction::Dashboard);
    assert_eq!(audit[0].actor, Actor::telegram(OrganiserId::new(ORGANISER).unwrap()));
    assert_eq!(audit[0].rows, 7);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_labels_are_in_the_organisers_language() {
    let app = spawn_app().await;
    journeys(&app).await;
    let admin = organiser(&app, "kk").await;
    let (message, photo) = last_photo(&app, &app.send(&admin, "/dashboard").await);
    let caption = message.plain_text();
    for line in ["Үміткерлер воронкасы, 05.09.2023 10:00", "Ботқа жазды: 7 · тіл таңдады: 6", "Ботты бұғаттағандар: 1"]
    {
        assert!(caption.contains(line), "the summary lacks `{line}`:\n{caption}");
    }
    assert!(message.button(&app.t(Lang::Kk, "console-btn-refresh")).is_some());
    assert_eq!(png_size(&photo).0, 1280);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_sends_an_updated_picture_once_more_candidates_move() {
    let app = spawn_app().await;
    app.seed(5, &PHONES).await;
    walk_to_step(&app, &TestUser::new(4101, "ru"), Lang::Ru, "oral", Way::Qrt, 2).await;
    let admin = organiser(&app, "ru").await;

    // From the menu's button: the menu keeps its keyboard.
    let menu = app.send(&admin, "/admin").await;
    let sent = press_and_wait(&app, &admin, &app.t(Lang::Ru, "console-btn-dashboard")).await;
    let (first, first_photo) = last_photo(&app, &sent);
    assert!(first.plain_text().contains("Написали боту: 1 "), "{}", first.plain_text());
    let menu_now = app.emu.messages(admin.id).into_iter().find(|m| m.message_id == menu[0].message_id).unwrap();
    assert!(!menu_now.buttons().is_empty(), "the menu stays usable");

    get_code(&app, &TestUser::new(4102, "kk"), Lang::Kk, "astana", Way::Qrt, PHONES[2]).await;
    let sent = press_and_wait(&app, &admin, &app.t(Lang::Ru, "console-btn-refresh")).await;
    let (second, second_photo) = last_photo(&app, &sent);
    assert_ne!(second.message_id, first.message_id, "a new picture");
    let caption = second.plain_text();
    assert!(caption.contains("Написали боту: 2 "), "{caption}");
    assert!(caption.contains("QAZAQ RESMI TEST: выбрали 2 · прошли шаги 1 · получили промокод 1"), "{caption}");
    assert!(caption.contains("QRT — 4, выдано 1"), "{caption}");
    assert_ne!(first_photo.bytes, second_photo.bytes, "the picture is drawn anew");
    // The refreshed picture's button is retired; the new one has it.
    let old = app.emu.messages(admin.id).into_iter().find(|m| m.message_id == first.message_id).unwrap();
    assert!(old.buttons().is_empty(), "the old picture's button is gone");
    assert!(second.button(&app.t(Lang::Ru, "console-btn-refresh")).is_some());
    let dashboards = app.db.audit_log(10).await.unwrap();
    assert_eq!(dashboards.iter().filter(|entry| entry.action == AuditAction::Dashboard).count(), 2);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_organiser_gets_the_ordinary_answer_and_a_forged_button_the_stale_toast() {
    let app = spawn_app().await;
    let user = TestUser::new(4201, "ru");
    app.send(&user, "/start").await;
    app.press(&user, &app.t(Lang::Ru, "language-name")).await;
    let unknown = app.send(&user, "/nosuchcommand").await;
    for command in ["/dashboard", "/DASHBOARD"] {
        let reply = app.send(&user, command).await;
        assert_eq!(reply[0].text, app.t(Lang::Ru, "unexpected-input"), "{command}");
        assert_eq!(texts(&reply), texts(&unknown), "{command} answers as any unknown command");
    }
    for forged in ["a:dash", "a:refresh"] {
        let prompt = app.emu.last_message(user.id).unwrap();
        app.emu.press_button(&user, prompt.message_id, forged);
        let events = app.settle(&user).await;
        assert_eq!(answers(&events), vec![Some(app.t(Lang::Ru, "toast-stale-button"))], "{forged}");
        assert_eq!(rezerv_test_support::app::sent(events).len(), 0, "{forged}: nothing sent");
    }
    let pictures = app.emu.requests().into_iter().filter(|request| request.method == "sendphoto").count();
    assert_eq!(pictures, 0, "no picture for a non-organiser");
    assert!(app.db.audit_log(10).await.unwrap().is_empty(), "nothing is audited for a non-organiser");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picture_arrives_despite_a_429_and_a_500_on_send_photo() {
    let app = spawn_app().await;
    journeys(&app).await;
    let admin = organiser(&app, "ru").await;
    app.emu.inject_method_faults(
        Some(admin.id),
        Methods::Only("sendPhoto".into()),
        vec![Fault::too_many_requests(1), Fault::internal_server_error()],
    );
    app.emu.send_text(&admin, "/dashboard");
    let sent = app.settle_turn(&admin).await;
    assert_eq!(app.emu.pending_faults(admin.id), 0, "every fault was met");
    let (message, photo) = last_photo(&app, &sent);
    assert_eq!(sent.len(), 1, "one picture, no apology: {}", texts(&sent));
    assert!(message.plain_text().contains("Написали боту: 7 "), "{}", message.plain_text());
    assert_eq!(png_size(&photo).0, 1280);
    let attempts: Vec<u16> = app
        .emu
        .requests()
        .into_iter()
        .filter(|request| request.method == "sendphoto")
        .map(|request| request.status)
        .collect();
    assert_eq!(attempts, [429, 500, 200]);
}
