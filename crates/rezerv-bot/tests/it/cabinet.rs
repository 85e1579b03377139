//! Where the code comes from, end to end in both modes of the campaign key `code_source`:
//! `pool` (the bot issues codes from the organisers' pool) and `cabinet` (as the announcement
//! says, the candidate generates the code in the pkrezerv.gov.kz cabinet; the bot may keep a
//! copy of it).

use rezerv_test_support::app::answers;
use std::process::Command;

use bot_api_emulator::{BotMessage, TestUser};
use rezerv_bot::bot::State;
use rezerv_bot::domain::{CabinetCode, CodeSource, Lang, Way};
use rezerv_bot::i18n::Args;
use rezerv_test_support::app::{TestApp, campaign_with_code_source, sent, spawn_app, spawn_app_with_campaign, texts};
use rezerv_test_support::db::TempDir;
use rezerv_test_support::flows::{codes_left, walk_to_step};

const PHONE: &str = "+7 701 123 45 67";

async fn cabinet_app() -> TestApp {
    spawn_app_with_campaign("2023-09-05", &campaign_with_code_source(CodeSource::Cabinet)).await
}

fn kept(app: &TestApp, lang: Lang, code: &str) -> String {
    app.locales().t_args(lang, "cabinet-code-kept", &Args::new().with("code", code.to_owned()))
}

fn cabinet_code(app: &TestApp, lang: Lang, code: &str) -> String {
    app.locales().t_args(lang, "cabinet-code", &Args::new().with("code", code.to_owned()))
}

fn pkrezerv_text(app: &TestApp, lang: Lang, id: &str) -> String {
    app.locales().t_args(lang, id, &Args::new().with("pkrezerv", app.app.campaign.links.pkrezerv.clone()))
}

/// A step's text (title or hint) as one mode renders it.
fn step_text(app: &TestApp, lang: Lang, id: &str, source: CodeSource, way: Way) -> String {
    let args = Args::new().with("source", source.as_str()).with("way", app.t(lang, &format!("way-{}", way.code())));
    app.locales().t_args(lang, id, &args)
}

/// No message of the conversation ever asked for the phone.
fn never_asked_for_a_contact(app: &TestApp, user: &TestUser) {
    for message in app.emu.messages(user.id) {
        assert!(!message.keyboard_buttons().iter().any(|button| button.request_contact), "{}", message.text);
    }
}

/// The message on screen once the candidate is past the steps.
async fn last_ready(app: &TestApp, user: &TestUser) -> BotMessage {
    let message = app.emu.last_message(user.id).expect("a message");
    assert!(matches!(app.state(user).await, Some(State::Ready { .. })), "{}", message.text);
    message
}

async fn profile_code(app: &TestApp, user: &TestUser) -> Option<CabinetCode> {
    app.db.profile(user.id).await.unwrap().and_then(|profile| profile.cabinet_code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_cabinet_mode_step_4_sends_the_candidate_to_the_cabinet_and_keeps_the_code_they_paste() {
    let app = cabinet_app().await;
    let user = TestUser::new(4001, "ru");
    let t = |id: &str| app.t(Lang::Ru, id);
    let almaty = || "almaty".parse().unwrap();

    // Step 4 says to generate the code in the cabinet, and offers to keep it.
    let step4 = walk_to_step(&app, &user, Lang::Ru, "almaty", Way::Qrt, 4).await;
    for id in ["step-generate", "step-generate-hint"] {
        let cabinet = step_text(&app, Lang::Ru, id, CodeSource::Cabinet, Way::Qrt);
        assert!(step4.text.contains(&cabinet), "step 4 lacks the cabinet's {id}: {}", step4.text);
    }
    assert!(step4.text.contains("сформируйте промокод") && step4.text.contains("личном кабинете"), "{}", step4.text);
    assert!(!step4.text.contains("Промокод выдам я"), "the bot issues no code here: {}", step4.text);

    // The pasted code is kept as pasted (trimmed), and counts as "Done" on this step.
    let reply = app.send(&user, "  PkR-2023-ab12 \n").await;
    assert_eq!(reply.len(), 2, "{}", texts(&reply));
    assert_eq!(reply[0].text, kept(&app, Lang::Ru, "PkR-2023-ab12"));
    assert!(reply[1].text.contains("Шаг 5 из 6"), "{}", texts(&reply));
    assert_eq!(app.state(&user).await, Some(State::Step { city: almaty(), way: Way::Qrt, step: 5 }));
    assert_eq!(profile_code(&app, &user).await.map(|code| code.as_str().to_owned()).as_deref(), Some("PkR-2023-ab12"));
    let status = texts(&app.send(&user, "/status").await);
    assert!(status.contains("Регистрация: шаг 5 из 6") && status.contains("<code>PkR-2023-ab12</code>"), "{status}");

    // Step 6 points to the code from the cabinet, not to a code still to come.
    let step6 = app.press(&user, &t("btn-step-done")).await;
    let step6 = &step6.last().unwrap().text;
    assert!(step6.contains(&step_text(&app, Lang::Ru, "step-qrt-reason-hint", CodeSource::Cabinet, Way::Qrt)));
    assert!(!step6.contains("на следующем шаге"), "{step6}");

    // After the last step: no contact, no code from the pool; what to do next, with the code.
    let next = app.press(&user, &t("btn-step-done")).await;
    assert_eq!(next.len(), 1, "{}", texts(&next));
    assert_eq!(app.state(&user).await, Some(State::Ready { city: almaty(), way: Way::Qrt }));
    let next = &next[0];
    assert!(next.text.contains("https://www.qrt.kz") && next.text.contains("Президенттік жастар кадр резерві"));
    assert!(next.text.contains(&cabinet_code(&app, Lang::Ru, "PkR-2023-ab12")), "{}", next.text);
    assert!(next.buttons().iter().any(|button| button.text == t("btn-test-date")), "{}", next.text);
    never_asked_for_a_contact(&app, &user);
    assert_eq!(codes_left(&app).await, [0, 0]);
    assert_eq!(app.db.profile(user.id).await.unwrap().unwrap().code, None);
    assert_eq!(app.db.profile(user.id).await.unwrap().unwrap().phone, None);

    let status = texts(&app.send(&user, "/status").await);
    assert!(status.contains("Промокод: <code>PkR-2023-ab12</code>"), "{status}");
    let code = app.send(&user, "/code").await;
    assert_eq!(texts(&code), cabinet_code(&app, Lang::Ru, "PkR-2023-ab12"));
    assert_eq!(app.db.stats().await.unwrap().codes_kept, 1);

    // /forget says what it erases here, and erases the copy.
    let confirm = app.send(&user, "/forget").await;
    assert_eq!(confirm[0].text, t("forget-confirm-cabinet"));
    app.press(&user, &t("btn-forget-yes")).await;
    assert_eq!(app.db.profile(user.id).await.unwrap(), None);
    app.send(&user, "/start").await;
    assert_eq!(profile_code(&app, &user).await, None);
    assert_eq!(app.db.stats().await.unwrap().codes_kept, 0);
    app.assert_clean();
}

/// Sends `what` and expects the "not a code" reply and the prompt of the same state again,
/// with nothing changed.
async fn refused(app: &TestApp, user: &TestUser, lang: Lang, what: &str, marker: &str) {
    let state = app.state(user).await;
    let profile = app.db.profile(user.id).await.unwrap();
    match what {
        "sticker" => app.emu.send_sticker(user),
        "photo" => app.emu.send_photo(user),
        text => app.emu.send_text(user, text),
    };
    let reply = sent(app.settle(user).await);
    let all = format!("{what} in {state:?}: {}", texts(&reply));
    assert_eq!(reply.len(), 2, "{all}");
    assert_eq!(reply[0].text, app.t(lang, "cabinet-code-invalid"), "{all}");
    assert!(reply[1].text.contains(marker), "the same prompt again: {all}");
    assert_eq!(app.state(user).await, state, "{all}");
    assert_eq!(app.db.profile(user.id).await.unwrap(), profile, "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_cabinet_mode_a_malformed_code_a_sticker_or_a_replayed_button_changes_nothing() {
    let app = cabinet_app().await;
    let user = TestUser::new(4011, "kk");
    let t = |id: &str| app.t(Lang::Kk, id);
    let oral = || "oral".parse().unwrap();

    // Before the step that generates the code, text is the usual unexpected input (a question
    // the FAQ cannot answer).
    walk_to_step(&app, &user, Lang::Kk, "oral", Way::Qaztest, 2).await;
    let reply = app.send(&user, "QZT-1234-ABCD").await;
    assert!(reply[0].text.starts_with(&t("unexpected-input")), "{}", texts(&reply));
    assert_eq!(profile_code(&app, &user).await, None);
    let step3_done = app.find_button(&user, &t("btn-step-done"));
    app.press(&user, &t("btn-step-done")).await;
    app.press(&user, &t("btn-step-done")).await;
    assert_eq!(app.state(&user).await, Some(State::Step { city: oral(), way: Way::Qaztest, step: 4 }));

    // A sentence, too short, Cyrillic look-alikes, an underscore, a sticker, a photo: each is
    // told, in Kazakh, what a code looks like; step 4 is shown again and nothing is kept.
    let step4 = "7 қадамның 4-қадамы";
    for what in ["менің кодым QZT-1234", "AB1", "\u{0410}\u{0412}12\u{0421}D", "QZT_1234", "sticker", "photo"]
    {
        refused(&app, &user, Lang::Kk, what, step4).await;
    }
    assert!(!texts(&app.emu.messages(user.id)).contains(&app.t(Lang::Ru, "cabinet-code-invalid")));

    // An old button (step 2's "Done") is answered and changes nothing.
    app.emu.press_button(&user, step3_done.0, &step3_done.1);
    let events = app.settle(&user).await;
    assert_eq!(answers(&events), [Some(t("toast-stale-button"))]);
    assert!(sent(events).is_empty());
    assert_eq!(app.state(&user).await, Some(State::Step { city: oral(), way: Way::Qaztest, step: 4 }));

    // "Done" without a code moves on; a code pasted on a later step is kept there.
    app.press(&user, &t("btn-step-done")).await;
    let reply = app.send(&user, "QZT-1234-ABCD").await;
    assert_eq!(reply[0].text, kept(&app, Lang::Kk, "QZT-1234-ABCD"), "{}", texts(&reply));
    assert!(reply[1].text.contains("7 қадамның 5-қадамы"), "{}", texts(&reply));
    assert_eq!(app.state(&user).await, Some(State::Step { city: oral(), way: Way::Qaztest, step: 5 }));
    let step6 = app.press(&user, &t("btn-step-done")).await;
    let step6 = &step6.last().unwrap().text;
    assert!(step6.contains(&step_text(&app, Lang::Kk, "step-qaztest-answer-hint", CodeSource::Cabinet, Way::Qaztest)));
    assert!(!step6.contains("келесі қадамда"), "{step6}");
    app.press(&user, &t("btn-step-done")).await;
    app.press(&user, &t("btn-step-done")).await;
    let ready = last_ready(&app, &user).await;
    assert!(ready.text.contains(&cabinet_code(&app, Lang::Kk, "QZT-1234-ABCD")), "{}", ready.text);
    assert!(ready.text.contains("http://kazakhtest.kz/kz/news/594372/"), "{}", ready.text);

    // After the steps: bad input is refused the same way; a new code replaces the old one.
    let marker = app.t(Lang::Kk, "btn-applied");
    refused(&app, &user, Lang::Kk, "sticker", "QAZTEST").await;
    refused(&app, &user, Lang::Kk, "QZT 1234", "QAZTEST").await;
    let reply = app.send(&user, "QZT-9999-WXYZ").await;
    assert_eq!(reply[0].text, kept(&app, Lang::Kk, "QZT-9999-WXYZ"), "{}", texts(&reply));
    assert!(reply[1].text.contains(&cabinet_code(&app, Lang::Kk, "QZT-9999-WXYZ")), "{}", texts(&reply));
    assert!(reply[1].buttons().iter().any(|button| button.text == marker));
    assert_eq!(app.state(&user).await, Some(State::Ready { city: oral(), way: Way::Qaztest }));
    assert_eq!(profile_code(&app, &user).await.map(|code| code.as_str().to_owned()).as_deref(), Some("QZT-9999-WXYZ"));
    never_asked_for_a_contact(&app, &user);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_cabinet_mode_a_candidate_who_kept_no_code_is_told_where_it_comes_from_and_never_asked_for_a_phone() {
    let app = cabinet_app().await;
    let user = TestUser::new(4021, "ru");
    let t = |id: &str| app.t(Lang::Ru, id);

    let before = app.send(&user, "/code").await;
    assert_eq!(before[0].text, pkrezerv_text(&app, Lang::Ru, "code-cabinet-none"), "{}", texts(&before));
    assert!(!texts(&before).contains(&t("code-not-yet")), "no code is to be issued: {}", texts(&before));

    walk_to_step(&app, &user, Lang::Ru, "astana", Way::Qaztest, 1).await;
    for _ in app.app.campaign.steps(Way::Qaztest) {
        app.press(&user, &t("btn-step-done")).await;
    }
    let astana = || "astana".parse().unwrap();
    assert_eq!(app.state(&user).await, Some(State::Ready { city: astana(), way: Way::Qaztest }));
    let ready = last_ready(&app, &user).await;
    assert!(ready.text.contains(&pkrezerv_text(&app, Lang::Ru, "ready-cabinet-code-none")), "{}", ready.text);
    assert!(ready.text.contains("22 сентября 2023"), "Astana's cutoff: {}", ready.text);

    let status = texts(&app.send(&user, "/status").await);
    assert!(status.contains(&t("status-code-cabinet-none")), "{status}");
    assert!(!status.contains(&t("status-code-none")) && !status.contains("<code>"), "{status}");
    let code = app.send(&user, "/code").await;
    assert_eq!(code[0].text, pkrezerv_text(&app, Lang::Ru, "code-cabinet-none"));
    assert!(code[1].text.contains(&pkrezerv_text(&app, Lang::Ru, "ready-cabinet-code-none")), "{}", texts(&code));

    // A contact shared anyway is not checked nor kept.
    let reply = app.share_contact(&user, PHONE).await;
    assert_eq!(reply[0].text, t("unexpected-input"), "{}", texts(&reply));
    assert_eq!(app.db.profile(user.id).await.unwrap().unwrap().phone, None);

    // After the steps the way stays when the city changes, as after an issued code.
    app.press(&user, &t("btn-change-city")).await;
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: Some(Way::Qaztest) }));
    app.press(&user, "Алматы").await;
    assert_eq!(app.state(&user).await, Some(State::Ready { city: "almaty".parse().unwrap(), way: Way::Qaztest }));
    never_asked_for_a_contact(&app, &user);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_pool_mode_step_4_says_to_choose_the_certificate_type_and_that_the_bot_issues_the_code_after_the_steps() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    for (user, lang, way) in
        [(TestUser::new(4031, "ru"), Lang::Ru, Way::Qrt), (TestUser::new(4032, "kk"), Lang::Kk, Way::Qaztest)]
    {
        let step4 = walk_to_step(&app, &user, lang, "shymkent", way, 4).await;
        for id in ["step-generate", "step-generate-hint"] {
            let pool = step_text(&app, lang, id, CodeSource::Pool, way);
            assert!(step4.text.contains(&pool), "step 4 lacks the pool's {id}: {}", step4.text);
            assert!(!step4.text.contains(&step_text(&app, lang, id, CodeSource::Cabinet, way)), "{}", step4.text);
        }
        let says_bot_issues = match lang {
            Lang::Ru => "Промокод выдам я, в этом чате: после последнего шага",
            Lang::Kk => "Промокодты осы чатта мен беремін: соңғы қадамнан кейін",
        };
        assert!(step4.text.contains(says_bot_issues), "{}", step4.text);

        // A code pasted here is not kept: the bot issues its own.
        let reply = app.send(&user, "PKR-2023-AB12").await;
        assert!(reply[0].text.starts_with(&app.t(lang, "unexpected-input")), "{}", texts(&reply));
        assert_eq!(profile_code(&app, &user).await, None);
    }

    // The rest of the journey ends with the contact and a code from the pool.
    let user = TestUser::new(4031, "ru");
    for _ in 4..=app.app.campaign.steps(Way::Qrt).len() {
        app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    }
    assert_eq!(app.state(&user).await, Some(State::Contact { city: "shymkent".parse().unwrap(), way: Way::Qrt }));
    let issued = texts(&app.share_contact(&user, PHONE).await);
    assert!(issued.contains("<code>QRT-0001</code>"), "{issued}");
    let status = texts(&app.send(&user, "/status").await);
    assert!(status.contains("<code>QRT-0001</code>") && !status.contains(&app.t(Lang::Ru, "status-code-cabinet-none")));
    let confirm = app.send(&user, "/forget").await;
    assert_eq!(confirm[0].text, app.t(Lang::Ru, "forget-confirm"));
    app.assert_clean();
}

#[test]
fn an_unknown_code_source_stops_start_up_naming_the_key_and_the_choices() {
    let dir = TempDir::new();
    let text =
        campaign_with_code_source(CodeSource::Pool).replacen("code_source = \"pool\"", "code_source = \"portal\"", 1);
    let path = dir.path().join("campaign.toml");
    std::fs::write(&path, text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_rezerv-bot"))
        .args(["--campaign", &path.display().to_string(), "run"])
        .env("DATABASE_URL", dir.database_url())
        .env("TELOXIDE_TOKEN", "123:not-used")
        .output()
        .expect("run rezerv-bot");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("campaign key `code_source`") && stderr.contains("portal"), "{stderr}");
    assert!(stderr.contains("pool, cabinet"), "the choices are named: {stderr}");
}
