//! Whole candidate journeys through the real dispatcher and the emulator.

use bot_api_emulator::TestUser;
use rezerv_bot::bot::State;
use rezerv_bot::domain::{Lang, Way};
use rezerv_test_support::app::{spawn_app, texts};
use rezerv_test_support::flows::{walk_to_contact, walk_to_way};

const PHONE: &str = "+7 701 123 45 67";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn russian_qrt_journey_from_start_to_status() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(1001, "ru");
    walk_to_contact(&app, &user, Lang::Ru, "almaty", Way::Qrt).await;

    let issued = app.share_contact(&user, "77011234567").await;
    let all = texts(&issued);
    assert!(issued[0].text.contains("<code>QRT-0001</code>"), "{all}");
    assert!(issued[0].remove_keyboard);
    assert!(all.contains("https://www.qrt.kz"), "{all}");
    assert!(all.contains("Басқасы → Басқа себеп → Президенттік жастар кадр резерві"), "{all}");
    assert!(all.contains("22 сентября 2023"), "QRT ends with the window: {all}");
    assert_eq!(app.state(&user).await.unwrap(), State::Ready { city: "almaty".parse().unwrap(), way: Way::Qrt });

    app.press(&user, &app.t(Lang::Ru, "btn-test-date")).await;
    let saved = app.press(&user, "08.09 пт").await;
    assert!(texts(&saved).contains("8 сентября 2023"), "{}", texts(&saved));
    assert!(texts(&saved).contains("qrt.kz"), "QRT results are in the cabinet: {}", texts(&saved));

    let status = app.send(&user, "/status").await;
    let status = texts(&status);
    for fact in ["QAZAQ RESMI TEST", "<code>QRT-0001</code>", "22 сентября 2023", "8 сентября 2023", "за свой счёт"]
    {
        assert!(status.contains(fact), "status lacks {fact}: {status}");
    }
    // QRT is online: the status names no city and no application (it did, wrongly, before).
    for wrong in ["Алматы", "Город", "заявк"] {
        assert!(!status.contains(wrong), "status says {wrong}: {status}");
    }
    assert!(!status.contains("рабочих дней"), "no delay is invented for QRT: {status}");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kazakh_qaztest_journey_in_a_regional_centre() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(1002, "kk");
    walk_to_contact(&app, &user, Lang::Kk, "oral", Way::Qaztest).await;

    let issued = app.share_contact(&user, "+77011234567").await;
    let all = texts(&issued);
    assert!(all.contains("<code>QAZTEST-0001</code>"), "{all}");
    assert!(all.contains("http://kazakhtest.kz/kz/news/594372/"), "{all}");
    assert!(all.contains("«Менің жауабым»"), "{all}");
    assert!(all.contains("https://app.testcenter.kz/auth"), "{all}");
    assert!(all.contains("17 қыркүйек"), "the regional cutoff: {all}");

    app.press(&user, &app.t(Lang::Kk, "btn-applied")).await;
    // Friday 8 September + 7 working days = Tuesday 19 September.
    let saved = app.press(&user, "08.09 жм").await;
    assert!(texts(&saved).contains("2023 жылғы 19 қыркүйек"), "{}", texts(&saved));

    let status = texts(&app.send(&user, "/status").await);
    for fact in ["Орал", "QAZTEST", "QAZTEST-0001", "17 қыркүйек", "19 қыркүйек", "Менің тарихым", "өз қаражатыңыз"]
    {
        assert!(status.contains(fact), "status lacks {fact}: {status}");
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn russian_qaztest_in_astana_and_kazakh_qrt_in_shymkent() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE, "87017654321"]).await;
    let ru = TestUser::new(1003, "ru");
    walk_to_contact(&app, &ru, Lang::Ru, "astana", Way::Qaztest).await;
    let issued = texts(&app.share_contact(&ru, PHONE).await);
    assert!(issued.contains("QAZTEST-0001") && issued.contains("22 сентября 2023"), "{issued}");
    app.press(&ru, &app.t(Lang::Ru, "btn-test-date")).await;
    // Friday 8 September + 2 working days in Astana = Tuesday 12 September.
    assert!(texts(&app.press(&ru, "08.09 пт").await).contains("12 сентября 2023"));

    let kk = TestUser::new(1004, "kk");
    walk_to_contact(&app, &kk, Lang::Kk, "shymkent", Way::Qrt).await;
    let issued = texts(&app.share_contact(&kk, "87017654321").await);
    assert!(issued.contains("QRT-0001") && issued.contains("qrt.kz"), "{issued}");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_is_suggested_from_telegram_and_menus_are_localized() {
    let app = spawn_app().await;
    let kk = TestUser::new(1005, "kk");
    let picker = app.send(&kk, "/start").await;
    assert_eq!(picker[0].buttons()[0].text, app.t(Lang::Kk, "language-name"), "kk is suggested first");
    let ru = TestUser::new(1006, "en");
    let picker = app.send(&ru, "/start").await;
    assert_eq!(picker[0].buttons()[0].text, app.t(Lang::Ru, "language-name"));

    for lang in Lang::ALL {
        let menu = app.emu.commands(Some(lang.code()));
        let names: Vec<&str> = menu.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["start", "status", "code", "language", "help", "forget"]);
        assert_eq!(menu[1].1, app.t(lang, "cmd-status"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_link_payload_is_recorded_as_the_source() {
    let app = spawn_app().await;
    let user = TestUser::new(1007, "ru");
    app.send(&user, "/start tg_channel-1").await;
    app.send(&user, "/start other").await;
    let profile = app.db.profile(user.id).await.unwrap().unwrap();
    assert_eq!(profile.source.as_deref(), Some("tg_channel-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_journey_resumes_at_the_same_step() {
    let mut app = spawn_app().await;
    let user = TestUser::new(1008, "ru");
    app.send(&user, "/start").await;
    app.press(&user, "Русский").await;
    app.press(&user, "Астана").await;
    app.press(&user, &app.t(Lang::Ru, "btn-way-qaztest")).await;
    app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    let before = app.state(&user).await.unwrap();
    assert_eq!(before, State::Step { city: "astana".parse().unwrap(), way: Way::Qaztest, step: 3 });

    app.restart().await;
    assert_eq!(app.state(&user).await.unwrap(), before);
    // The old step-3 button still works on the new dispatcher.
    let next = app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    assert!(next.last().unwrap().text.contains("Шаг 4 из 7"), "{}", texts(&next));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_regional_centres_are_listed_alphabetically_in_each_language() {
    let app = spawn_app().await;
    let expected = [
        (
            Lang::Ru,
            TestUser::new(1011, "ru"),
            [
                "Актау",
                "Актобе",
                "Атырау",
                "Жезказган",
                "Караганда",
                "Кокшетау",
                "Конаев",
                "Костанай",
                "Кызылорда",
                "Павлодар",
                "Петропавловск",
                "Семей",
                "Талдыкорган",
                "Тараз",
                "Туркестан",
                "Уральск",
                "Усть-Каменогорск",
            ],
        ),
        (
            Lang::Kk,
            TestUser::new(1012, "kk"),
            // Kazakh order: к before қ, о before ө, у before ұ and ү.
            [
                "Ақтау",
                "Ақтөбе",
                "Атырау",
                "Жезқазған",
                "Көкшетау",
                "Қарағанды",
                "Қонаев",
                "Қостанай",
                "Қызылорда",
                "Орал",
                "Өскемен",
                "Павлодар",
                "Петропавл",
                "Семей",
                "Талдықорған",
                "Тараз",
                "Түркістан",
            ],
        ),
    ];
    for (lang, user, names) in expected {
        app.send(&user, "/start").await;
        app.press(&user, &app.t(lang, "language-name")).await;
        let list = app.press(&user, &app.t(lang, "btn-regional")).await;
        let labels: Vec<&str> = list.last().unwrap().buttons().iter().map(|button| button.text.as_str()).collect();
        let back = app.t(lang, "btn-back");
        assert_eq!(labels.last(), Some(&back.as_str()), "{lang}: {labels:?}");
        assert_eq!(labels[..labels.len() - 1], names, "{lang}");
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_lists_its_facts_one_to_a_line_without_blank_lines_between() {
    let app = spawn_app().await;
    let user = TestUser::new(1013, "ru");
    walk_to_way(&app, &user, Lang::Ru, "almaty").await;
    app.press(&user, &app.t(Lang::Ru, "btn-way-qaztest")).await;
    app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;

    let status = app.send(&user, "/status").await;
    let text = &status.last().unwrap().text;
    let facts = [
        "Город: Алматы",
        "Способ: QAZTEST (офлайн)",
        "Регистрация: шаг 3 из 7",
        // 5 September to 17 September, the day itself included in the application period.
        "Подать заявку: по 17 сентября 2023 (воскресенье) включительно, осталось 12 дней",
        "Дата теста: не указана",
    ]
    .join("\n");
    assert!(text.contains(&facts), "{text}");
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(paragraphs.len(), 4, "title, facts, results, retake: {text}");
    assert!(paragraphs[2].contains("7 рабочих дней"), "{text}");
    app.assert_clean();
}
