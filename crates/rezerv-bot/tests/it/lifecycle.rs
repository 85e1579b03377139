//! The campaign calendar through the real dispatcher: before the window, after a city's
//! cutoff, changing city and way, and /status at every stage.

use bot_api_emulator::{BotMessage, TestUser};
use rezerv_bot::bot::State;
use rezerv_bot::domain::{Lang, Way};
use rezerv_bot::i18n::Args;
use rezerv_test_support::app::{TestApp, answers, morning, spawn_app, spawn_app_on, texts};
use rezerv_test_support::flows::{city_name, codes_left, walk_to_contact, walk_to_way};

const PHONE: &str = "+7 701 123 45 67";
const OTHER_PHONE: &str = "+7 702 765 43 21";

fn set_today(app: &TestApp, date: &str) {
    app.clock.set(morning(&app.app.campaign, date));
}

/// Callback button labels of a message.
fn labels(message: &BotMessage) -> Vec<String> {
    message.buttons().iter().filter(|button| button.callback_data.is_some()).map(|b| b.text.clone()).collect()
}

/// The `city-closed` text: the testing period is over, for every city and way.
fn city_closed(app: &TestApp, lang: Lang) -> String {
    let campaign = &app.app.campaign;
    app.locales().t_args(
        lang,
        "city-closed",
        &Args::new()
            .with("closes", app.locales().date(lang, campaign.window.closes))
            .with("results", campaign.links.qaztest_results.clone())
            .with("qrt", campaign.links.qrt.clone()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_the_window_opens_the_prompts_say_when_testing_starts() {
    let app = spawn_app_on("2023-08-20").await;
    for (user, lang, opens) in [
        (TestUser::new(3001, "ru"), Lang::Ru, "1 сентября 2023"),
        (TestUser::new(3002, "kk"), Lang::Kk, "2023 жылғы 1 қыркүйек"),
    ] {
        let note = app.locales().t_args(
            lang,
            "campaign-not-open",
            &Args::new().with("opens", app.locales().date(lang, app.app.campaign.window.opens)),
        );
        assert!(note.contains(opens), "{note}");

        let picker = app.send(&user, "/start").await;
        assert!(picker[0].text.contains(&note), "{}", texts(&picker));
        let cities = app.press(&user, &app.t(lang, "language-name")).await;
        let city_prompt = cities.last().unwrap();
        assert!(city_prompt.text.contains(&app.t(lang, "city-prompt")), "{}", city_prompt.text);
        assert!(city_prompt.text.contains(&note), "{}", city_prompt.text);
        let way = app.press(&user, &city_name(&app, "almaty", lang)).await;
        let way = way.last().unwrap();
        assert!(way.text.contains(&note), "{}", way.text);
        // Registration can be prepared already: both ways are offered.
        let offered = labels(way);
        assert!(offered.contains(&app.t(lang, "btn-way-qrt")) && offered.contains(&app.t(lang, "btn-way-qaztest")));
        let status = texts(&app.send(&user, "/status").await);
        assert!(status.contains(&note), "{status}");
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_cutoff_only_the_open_ways_are_offered() {
    let app = spawn_app_on("2023-09-17").await;
    let user = TestUser::new(3011, "ru");
    let qrt = app.t(Lang::Ru, "btn-way-qrt");
    let qaztest = app.t(Lang::Ru, "btn-way-qaztest");
    let change = app.t(Lang::Ru, "btn-change-city");

    // 17 September: the last day of QAZTEST in Almaty, both ways open.
    let way = walk_to_way(&app, &user, Lang::Ru, "almaty").await;
    assert_eq!(labels(&way), [qrt.clone(), qaztest.clone(), change.clone()]);
    let old_qaztest = app.find_button(&user, &qaztest);

    // 18 September: QAZTEST is shown closed, only QRT is offered.
    set_today(&app, "2023-09-18");
    let reply = app.press(&user, &change).await;
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));
    assert!(reply.last().unwrap().text.contains(&app.t(Lang::Ru, "city-prompt")));
    let way = app.press(&user, "Алматы").await;
    let way = way.last().unwrap();
    assert_eq!(labels(way), [qrt.clone(), change.clone()], "{}", way.text);
    assert!(way.text.contains("QAZTEST</b>: приём заявок в городе Алматы завершился 17 сентября 2023"), "{}", way.text);
    assert!(way.text.contains("22 сентября 2023"), "QRT's deadline: {}", way.text);
    // The QAZTEST button shown yesterday no longer leads anywhere.
    app.emu.press_button(&user, old_qaztest.0, &old_qaztest.1);
    let events = app.settle(&user).await;
    let toasts = answers(&events);
    assert_eq!(toasts, vec![Some(app.t(Lang::Ru, "toast-way-closed"))]);
    assert_eq!(app.state(&user).await, Some(State::Way { city: "almaty".parse().unwrap() }));

    // 20 September in Astana: QAZTEST is still open there until the 22nd.
    set_today(&app, "2023-09-20");
    app.press(&user, &change).await;
    let way = app.press(&user, "Астана").await;
    let way = way.last().unwrap();
    assert_eq!(labels(way), [qrt.clone(), qaztest.clone(), change.clone()], "{}", way.text);
    assert!(way.text.contains("22 сентября 2023"), "{}", way.text);

    // 23 September in Almaty: everything is closed; results and paid retakes are explained.
    set_today(&app, "2023-09-23");
    app.press(&user, &change).await;
    let way = app.press(&user, "Алматы").await;
    let way = way.last().unwrap();
    assert_eq!(way.text, city_closed(&app, Lang::Ru));
    for fact in ["app.testcenter.kz", "«Менің тарихым»", "qrt.kz", "за свой счёт"] {
        assert!(way.text.contains(fact), "closed text lacks {fact}: {}", way.text);
    }
    assert_eq!(labels(way), vec![change.clone()]);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_shared_after_the_cutoff_gets_the_closed_message_and_no_code() {
    let app = spawn_app_on("2023-09-22").await;
    app.seed(5, &[PHONE, OTHER_PHONE]).await;
    let left = codes_left(&app).await;

    // QRT in Almaty: at the contact step on the last day, shared the day after.
    let qrt = TestUser::new(3021, "kk");
    walk_to_contact(&app, &qrt, Lang::Kk, "almaty", Way::Qrt).await;
    set_today(&app, "2023-09-23");
    let reply = app.share_contact(&qrt, PHONE).await;
    assert_eq!(reply[0].text, city_closed(&app, Lang::Kk), "{}", texts(&reply));
    assert!(reply[0].remove_keyboard, "the share button goes away");
    assert!(!texts(&reply).contains("<code>"), "{}", texts(&reply));
    assert_eq!(codes_left(&app).await, left);
    assert_eq!(app.db.profile(qrt.id).await.unwrap().unwrap().code, None);

    // QAZTEST in Almaty: at the contact step on the 17th, shared on the 18th. QAZTEST is
    // closed but QRT is still open in Almaty: no code, and the city is not called closed.
    set_today(&app, "2023-09-17");
    let qaztest = TestUser::new(3022, "ru");
    walk_to_contact(&app, &qaztest, Lang::Ru, "almaty", Way::Qaztest).await;
    set_today(&app, "2023-09-18");
    let reply = app.share_contact(&qaztest, OTHER_PHONE).await;
    let all = texts(&reply);
    assert_eq!(reply[0].text, app.t(Lang::Ru, "toast-way-closed"), "{all}");
    assert!(reply[0].remove_keyboard, "{all}");
    assert!(!all.contains("<code>"), "{all}");
    assert!(!all.contains(&city_closed(&app, Lang::Ru)), "QRT is still open: {all}");
    let way = reply.last().unwrap();
    assert!(way.text.contains("QAZTEST</b>: приём заявок в городе Алматы завершился 17 сентября 2023"), "{all}");
    assert_eq!(labels(way), [app.t(Lang::Ru, "btn-way-qrt"), app.t(Lang::Ru, "btn-change-city")]);
    assert_eq!(app.state(&qaztest).await, Some(State::Way { city: "almaty".parse().unwrap() }));
    assert_eq!(codes_left(&app).await, left);
    assert_eq!(app.db.profile(qaztest.id).await.unwrap().unwrap().code, None);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn city_and_way_change_until_the_code_and_only_the_city_after_it() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(3031, "ru");
    let t = |id: &str| app.t(Lang::Ru, id);

    // Back from step 1 returns to the way prompt, and the way can change.
    walk_to_way(&app, &user, Lang::Ru, "almaty").await;
    app.press(&user, &t("btn-way-qaztest")).await;
    let back = app.press(&user, &t("btn-back")).await;
    assert_eq!(app.state(&user).await, Some(State::Way { city: "almaty".parse().unwrap() }));
    assert!(back.last().unwrap().text.contains("Заявки в городе Алматы"), "{}", texts(&back));

    // "Change city" there leads to the cities, then to the new city's way prompt.
    app.press(&user, &t("btn-change-city")).await;
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));
    app.press(&user, &t("btn-regional")).await;
    let way = app.press(&user, "Караганда").await;
    assert_eq!(app.state(&user).await, Some(State::Way { city: "karaganda".parse().unwrap() }));
    assert!(way.last().unwrap().text.contains("Заявки в городе Караганда"), "{}", texts(&way));
    app.press(&user, &t("btn-way-qrt")).await;
    assert_eq!(
        app.state(&user).await,
        Some(State::Step { city: "karaganda".parse().unwrap(), way: Way::Qrt, step: 1 })
    );
    for _ in app.app.campaign.steps(Way::Qrt) {
        app.press(&user, &t("btn-step-done")).await;
    }
    app.share_contact(&user, PHONE).await;
    assert_eq!(app.state(&user).await, Some(State::Ready { city: "karaganda".parse().unwrap(), way: Way::Qrt }));

    // After the code: "Change city" offers the cities only and returns to Ready, same way.
    let cities = app.press(&user, &t("btn-change-city")).await;
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: Some(Way::Qrt) }));
    let offered = labels(cities.last().unwrap());
    assert!(!offered.iter().any(|label| label.contains("QAZTEST")), "{offered:?}");
    let ready = app.press(&user, "Астана").await;
    assert_eq!(app.state(&user).await, Some(State::Ready { city: "astana".parse().unwrap(), way: Way::Qrt }));
    let prompt = ready.last().unwrap();
    assert!(prompt.text.contains("QAZAQ RESMI TEST"), "{}", prompt.text);
    // QRT has no application: its own button, never "I have applied" (offered before, wrongly).
    assert!(labels(prompt).contains(&t("btn-qrt-booked")), "{:?}", labels(prompt));
    assert!(!labels(prompt).contains(&t("btn-applied")), "{:?}", labels(prompt));

    // The regional list works the same way after the code.
    app.press(&user, &t("btn-change-city")).await;
    app.press(&user, &t("btn-regional")).await;
    assert_eq!(app.state(&user).await, Some(State::RegionalCity { fixed_way: Some(Way::Qrt) }));
    app.press(&user, "Павлодар").await;
    assert_eq!(app.state(&user).await, Some(State::Ready { city: "pavlodar".parse().unwrap(), way: Way::Qrt }));
    let status = texts(&app.send(&user, "/status").await);
    // The move is kept, but a QRT status names no city: the online test is the same anywhere.
    assert!(status.contains("QRT-0001") && !status.contains("Павлодар"), "{status}");
    app.assert_clean();
}

/// The status message, checked for what it must and must not say.
async fn status_says(app: &TestApp, user: &TestUser, must: &[&str], must_not: &[&str]) {
    let reply = app.send(user, "/status").await;
    assert_eq!(reply.len(), 1, "{}", texts(&reply));
    let status = &reply[0].text;
    assert!(status.starts_with(&app.t(Lang::Ru, "status-title")), "{status}");
    for fact in must {
        assert!(status.contains(fact), "status lacks `{fact}`: {status}");
    }
    for wrong in must_not {
        assert!(!status.contains(wrong), "status says `{wrong}`: {status}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_each_stage() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(3041, "ru");
    let t = |id: &str| app.t(Lang::Ru, id);
    let no_code = t("status-code-none");
    let retake = t("status-retake");
    let qrt_results = "Результат QAZAQ RESMI TEST появится в вашем личном кабинете на https://www.qrt.kz";

    status_says(&app, &user, &[&t("status-city-none"), &t("status-way-none"), &no_code, &retake], &["<code>"]).await;
    app.send(&user, "/start").await;
    app.press(&user, &t("language-name")).await;
    status_says(&app, &user, &[&t("status-city-none"), &t("status-way-none"), &no_code], &["<code>"]).await;

    app.press(&user, "Алматы").await;
    status_says(&app, &user, &["Город: Алматы", &t("status-way-none"), &no_code], &["<code>", "Подать заявку"]).await;

    app.press(&user, &t("btn-way-qrt")).await;
    app.press(&user, &t("btn-step-done")).await;
    app.press(&user, &t("btn-step-done")).await;
    status_says(
        &app,
        &user,
        &[
            "Способ: QAZAQ RESMI TEST",
            "Регистрация: шаг 3 из 6",
            "Сдать тест онлайн: по 22 сентября 2023 (пятница) включительно, осталось 17 дней",
            &t("status-test-date-none"),
            qrt_results,
        ],
        // QRT is online: no application and no city (its status once had both).
        &["<code>", "рабочих дней", "Результаты — не позднее", "заявк", "Город"],
    )
    .await;

    for _ in 3..=app.app.campaign.steps(Way::Qrt).len() {
        app.press(&user, &t("btn-step-done")).await;
    }
    status_says(&app, &user, &[&t("status-stage-contact"), qrt_results], &["<code>", "рабочих дней"]).await;

    app.share_contact(&user, PHONE).await;
    status_says(&app, &user, &["Промокод: <code>QRT-0001</code>", qrt_results], &[&no_code, "рабочих дней"]).await;
    app.press(&user, &t("btn-test-date")).await;
    app.press(&user, "20.09").await;
    status_says(
        &app,
        &user,
        &["Дата теста: 20 сентября 2023", "<code>QRT-0001</code>", qrt_results],
        &["рабочих дней", "Результаты — не позднее"],
    )
    .await;

    // QAZTEST, by contrast, states its working-day delay.
    let other = TestUser::new(3042, "ru");
    walk_to_way(&app, &other, Lang::Ru, "almaty").await;
    app.press(&other, &t("btn-way-qaztest")).await;
    let status = texts(&app.send(&other, "/status").await);
    assert!(status.contains("7 рабочих дней") && status.contains("17 сентября 2023"), "{status}");

    // After the window: the deadline has passed and the closed text says where results are.
    set_today(&app, "2023-09-23");
    status_says(
        &app,
        &user,
        &[
            "Сдать тест онлайн можно было по 22 сентября 2023 (пятница) включительно — срок прошёл",
            "<code>QRT-0001</code>",
            "Менің тарихым",
        ],
        &["рабочих дней", "Срок подачи заявки", "Город"],
    )
    .await;
    app.assert_clean();
}
