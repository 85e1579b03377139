//! Questions typed as free text, through the real dispatcher: answered in the chat's language,
//! "that's not it", "did you mean", the usual reply when nothing is close, the step shown
//! again after an answer, and the unanswered questions kept until /forget.

use bot_api_emulator::{BotMessage, TestUser};
use rezerv_bot::bot::State;
use rezerv_bot::domain::{Lang, Way};
use rezerv_bot::faq::answer::{self, Known};
use rezerv_bot::faq::{Band, EntryId};
use rezerv_test_support::app::{TestApp, answers, spawn_app, texts};
use rezerv_test_support::flows::walk_to_step;

fn id(text: &str) -> EntryId {
    EntryId::parse(text).unwrap()
}

/// The answer the bot gives a candidate it knows nothing of.
fn plain_answer(app: &TestApp, lang: Lang, entry: &str) -> String {
    answer::answer(app.locales(), &app.app.campaign, lang, &id(entry), &Known::default())
}

fn title(app: &TestApp, lang: Lang, entry: &EntryId) -> String {
    answer::title(app.locales(), lang, entry)
}

/// /start and the language: the candidate is choosing a city.
async fn at_city(app: &TestApp, user: &TestUser, lang: Lang) {
    app.send(user, "/start").await;
    app.press(user, &app.t(lang, "language-name")).await;
    assert_eq!(app.state(user).await, Some(State::City { fixed_way: None }));
}

/// The matcher's verdict, to check that a test question is in the band the test needs.
fn expect_band(app: &TestApp, question: &str, band: Band, entry: Option<&str>) {
    let verdict = app.app.faq.ask(question);
    assert_eq!(verdict.band, band, "{question}: {verdict:?}");
    if let Some(entry) = entry {
        assert_eq!(verdict.ranking[0].id, id(entry), "{question}: {verdict:?}");
    }
}

fn labels(message: &BotMessage) -> Vec<String> {
    message.buttons().iter().map(|button| button.text.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn russian_and_kazakh_questions_are_answered_with_confidence_in_the_chats_language() {
    let app = spawn_app().await;
    for (user, lang, question, entry) in [
        (TestUser::new(6001, "ru"), Lang::Ru, "когда будут результаты теста?", "results"),
        (TestUser::new(6002, "kk"), Lang::Kk, "промокод жұмыс істемейді", "code-not-working"),
    ] {
        expect_band(&app, question, Band::Confident, Some(entry));
        at_city(&app, &user, lang).await;
        let reply = app.send(&user, question).await;
        assert_eq!(reply.len(), 2, "{}", texts(&reply));
        assert_eq!(reply[0].text, plain_answer(&app, lang, entry), "{}", texts(&reply));
        assert_eq!(labels(&reply[0]), vec![app.t(lang, "faq-not-it")]);
        // Then the city prompt again: the journey goes on where it was.
        assert!(reply[1].text.contains(&app.t(lang, "city-prompt")), "{}", texts(&reply));
        assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));
        // A confident answer is not an unanswered question.
        assert_eq!(app.db.questions_of(user.id).await.unwrap(), 0);
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_in_the_other_language_is_answered_in_the_chats_language() {
    let app = spawn_app().await;
    for (user, lang, question) in [
        (TestUser::new(6011, "kk"), Lang::Kk, "сколько стоит тест?"),
        (TestUser::new(6012, "ru"), Lang::Ru, "тест қанша тұрады?"),
    ] {
        expect_band(&app, question, Band::Confident, Some("cost"));
        at_city(&app, &user, lang).await;
        let reply = app.send(&user, question).await;
        assert_eq!(reply[0].text, plain_answer(&app, lang, "cost"), "{}", texts(&reply));
        let other = match lang {
            Lang::Kk => Lang::Ru,
            Lang::Ru => Lang::Kk,
        };
        assert_ne!(reply[0].text, plain_answer(&app, other, "cost"));
    }
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thats_not_it_offers_the_next_three_entries_and_each_answers() {
    let app = spawn_app().await;
    let user = TestUser::new(6021, "ru");
    let question = "когда будут результаты теста?";
    let next: Vec<EntryId> = app.app.faq.ask(question).runners_up(3).map(|scored| scored.id.clone()).collect();
    assert_eq!(next.len(), 3);
    at_city(&app, &user, Lang::Ru).await;
    app.send(&user, question).await;

    let reply = app.press(&user, &app.t(Lang::Ru, "faq-not-it")).await;
    let offer = reply.iter().find(|message| message.text == app.t(Lang::Ru, "faq-others")).expect("the offer");
    let offered = labels(offer);
    assert_eq!(offered, next.iter().map(|entry| title(&app, Lang::Ru, entry)).collect::<Vec<_>>());
    assert!(!offered.contains(&title(&app, Lang::Ru, &id("results"))), "{offered:?}");

    // Each offered entry answers, then the current prompt follows; the state stays.
    let reply = app.press(&user, &offered[0]).await;
    assert_eq!(reply[0].text, plain_answer(&app, Lang::Ru, next[0].as_str()), "{}", texts(&reply));
    assert!(reply[1].text.contains(&app.t(Lang::Ru, "city-prompt")), "{}", texts(&reply));
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsure_question_offers_choices_and_the_choice_answers_it() {
    let app = spawn_app().await;
    let user = TestUser::new(6031, "ru");
    let question = "промокод";
    expect_band(&app, question, Band::Unsure, None);
    let choices: Vec<String> =
        app.app.faq.ask(question).choices(3).iter().map(|scored| title(&app, Lang::Ru, &scored.id)).collect();
    assert!(choices.len() >= 2, "{choices:?}");
    at_city(&app, &user, Lang::Ru).await;

    let reply = app.send(&user, question).await;
    assert_eq!(reply.len(), 2, "{}", texts(&reply));
    assert_eq!(reply[0].text, app.t(Lang::Ru, "faq-did-you-mean"));
    assert_eq!(labels(&reply[0]), choices);
    assert!(reply[1].text.contains(&app.t(Lang::Ru, "city-prompt")), "{}", texts(&reply));
    // Kept as not answered, until the candidate picks an entry.
    assert_eq!(app.db.questions_of(user.id).await.unwrap(), 1);
    assert_eq!(app.db.asked_questions(false, 10).await.unwrap()[0].text, question);

    let reply = app.press(&user, &title(&app, Lang::Ru, &id("code-not-working"))).await;
    assert_eq!(reply[0].text, plain_answer(&app, Lang::Ru, "code-not-working"), "{}", texts(&reply));
    assert!(app.db.asked_questions(false, 10).await.unwrap().is_empty());
    let resolved = app.db.asked_questions(true, 10).await.unwrap();
    assert_eq!(resolved[0].resolved_as.as_deref(), Some("code-not-working"), "{resolved:?}");
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_off_topic_message_gets_the_usual_reply_with_what_the_bot_answers_and_is_kept() {
    let app = spawn_app().await;
    let user = TestUser::new(6041, "kk");
    let message = "ертең астанада жаңбыр жауа ма";
    expect_band(&app, message, Band::Nothing, None);
    at_city(&app, &user, Lang::Kk).await;

    let reply = app.send(&user, message).await;
    assert_eq!(reply.len(), 2, "{}", texts(&reply));
    let usual = format!("{}\n\n{}", app.t(Lang::Kk, "unexpected-input"), app.t(Lang::Kk, "faq-can-answer"));
    assert_eq!(reply[0].text, usual);
    assert!(reply[1].text.contains(&app.t(Lang::Kk, "city-prompt")), "{}", texts(&reply));
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));

    let kept = app.db.asked_questions(false, 10).await.unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!((kept[0].text.as_str(), kept[0].lang, kept[0].count), (message, Lang::Kk, 1));
    // Asked again, with other capitals and punctuation: counted as the same question.
    app.send(&user, "Ертең Астанада жаңбыр жауа ма??").await;
    assert_eq!(app.db.asked_questions(false, 10).await.unwrap()[0].count, 2);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_during_step_3_is_answered_with_the_candidates_data_then_step_3_is_shown_again() {
    let app = spawn_app().await;
    let user = TestUser::new(6051, "ru");
    let step3 = walk_to_step(&app, &user, Lang::Ru, "almaty", Way::Qaztest, 3).await;
    let here = State::Step { city: "almaty".parse().unwrap(), way: Way::Qaztest, step: 3 };
    let question = "до какого числа подать заявку на казтест?";
    expect_band(&app, question, Band::Confident, Some("deadline"));

    let reply = app.send(&user, question).await;
    assert_eq!(reply.len(), 2, "{}", texts(&reply));
    // Almaty's cutoff, as the candidate's own.
    let cutoff = app.locales().date(Lang::Ru, chrono::NaiveDate::from_ymd_opt(2023, 9, 17).unwrap());
    let own = answer::answer(
        app.locales(),
        &app.app.campaign,
        Lang::Ru,
        &id("deadline"),
        &Known { city: app.app.campaign.city(&"almaty".parse().unwrap()), way: Some(Way::Qaztest), test_date: None },
    );
    assert_eq!(reply[0].text, own);
    assert!(own.contains(&format!("город Алматы: по {cutoff} включительно")), "{own}");
    // Step 3 again, with its buttons; nothing moved.
    assert_eq!(reply[1].text, step3.text);
    assert_eq!(labels(&reply[1]), labels(&step3));
    assert_eq!(app.state(&user).await, Some(here.clone()));

    // Its "Done" still works.
    app.press(&user, &app.t(Lang::Ru, "btn-step-done")).await;
    assert_eq!(
        app.state(&user).await,
        Some(State::Step { city: "almaty".parse().unwrap(), way: Way::Qaztest, step: 4 })
    );
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_erases_the_questions_kept() {
    let app = spawn_app().await;
    let user = TestUser::new(6061, "ru");
    let other = TestUser::new(6062, "ru");
    for someone in [&user, &other] {
        at_city(&app, someone, Lang::Ru).await;
        app.send(someone, "какая погода завтра в астане").await;
        app.send(someone, "промокод").await;
        assert_eq!(app.db.questions_of(someone.id).await.unwrap(), 2);
    }
    app.send(&user, "/forget").await;
    app.press(&user, &app.t(Lang::Ru, "btn-forget-yes")).await;
    assert_eq!(app.db.questions_of(user.id).await.unwrap(), 0);
    // Somebody else's stay.
    assert_eq!(app.db.questions_of(other.id).await.unwrap(), 2);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_button_the_faq_no_longer_has_is_only_answered() {
    let app = spawn_app().await;
    let user = TestUser::new(6071, "ru");
    at_city(&app, &user, Lang::Ru).await;
    let reply = app.send(&user, "когда будут результаты теста?").await;
    for data in ["fq:no-such-entry", "fc:no-such-entry", "fo:no-such,entry"] {
        app.emu.press_button(&user, reply[0].message_id, data);
        let events = app.settle(&user).await;
        assert_eq!(answers(&events), vec![Some(app.t(Lang::Ru, "toast-stale-button"))], "{data}: {events:?}");
        assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }));
    }
    app.assert_clean();
}
