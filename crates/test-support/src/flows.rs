//! Journeys through the bot's real flows, for tests that need a candidate at some stage.

use bot_api_emulator::{BotMessage, TestUser};
use rezerv_bot::bot::State;
use rezerv_bot::domain::{Lang, Way};

use crate::app::{TestApp, texts};

pub fn city_name(app: &TestApp, id: &str, lang: Lang) -> String {
    app.app.campaign.city(&id.parse().unwrap()).unwrap().name(lang).to_owned()
}

/// Codes left in the QRT and QAZTEST pools.
pub async fn codes_left(app: &TestApp) -> [i64; 2] {
    [app.db.codes_left(Way::Qrt).await.unwrap(), app.db.codes_left(Way::Qaztest).await.unwrap()]
}

/// /start → language → city (a republican one, or through the regional list): returns the
/// way prompt.
pub async fn walk_to_way(app: &TestApp, user: &TestUser, lang: Lang, city: &str) -> BotMessage {
    let picker = app.send(user, "/start").await;
    assert!(picker[0].buttons().len() == 2, "{}", texts(&picker));
    let after_lang = app.press(user, &app.t(lang, "language-name")).await;
    assert!(after_lang.last().unwrap().text.contains(&app.t(lang, "city-prompt")), "{}", texts(&after_lang));
    if !["astana", "almaty", "shymkent"].contains(&city) {
        app.press(user, &app.t(lang, "btn-regional")).await;
    }
    let way_prompt = app.press(user, &city_name(app, city, lang)).await;
    assert!(way_prompt[0].text.contains("QAZTEST"), "{}", texts(&way_prompt));
    assert_eq!(app.state(user).await, Some(State::Way { city: city.parse().unwrap() }));
    way_prompt.last().unwrap().clone()
}

/// … → way → the steps before `step` (from 1); returns the prompt of `step`.
pub async fn walk_to_step(app: &TestApp, user: &TestUser, lang: Lang, city: &str, way: Way, step: u8) -> BotMessage {
    walk_to_way(app, user, lang, city).await;
    let mut prompt = app.press(user, &app.t(lang, &format!("btn-way-{}", way.code()))).await;
    for _ in 1..step {
        prompt = app.press(user, &app.t(lang, "btn-step-done")).await;
    }
    assert_eq!(app.state(user).await, Some(State::Step { city: city.parse().unwrap(), way, step }));
    prompt.last().unwrap().clone()
}

/// … → way → all steps; returns at the contact prompt.
pub async fn walk_to_contact(app: &TestApp, user: &TestUser, lang: Lang, city: &str, way: Way) {
    walk_to_way(app, user, lang, city).await;
    app.press(user, &app.t(lang, &format!("btn-way-{}", way.code()))).await;
    let total = app.app.campaign.steps(way).len();
    for step in 1..=total {
        let header = app.state(user).await.unwrap();
        assert_eq!(header, State::Step { city: city.parse().unwrap(), way, step: step as u8 });
        let reply = app.press(user, &app.t(lang, "btn-step-done")).await;
        if step == total {
            let prompt = reply.last().unwrap();
            let keyboard = prompt.reply_keyboard.as_ref().expect("contact keyboard");
            assert!(keyboard.rows[0][0].request_contact);
        }
    }
    assert_eq!(app.state(user).await.unwrap(), State::Contact { city: city.parse().unwrap(), way });
}

/// The whole journey up to an issued code; returns the code.
pub async fn get_code(app: &TestApp, user: &TestUser, lang: Lang, city: &str, way: Way, phone: &str) -> String {
    walk_to_contact(app, user, lang, city, way).await;
    let issued = app.share_contact(user, phone).await;
    let text = texts(&issued);
    let code = text.split("<code>").nth(1).and_then(|rest| rest.split("</code>").next());
    code.unwrap_or_else(|| panic!("no code issued: {text}")).to_owned()
}
