//! Organisers and candidates made by hand, for the console's broadcast tests and the lab.

use bot_api_emulator::TestUser;
use rezerv_bot::bot::State;
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::{Lang, OrganiserId};
use rezerv_bot::storage::Actor;

use crate::app::TestApp;

/// Makes `id` an organiser (as `rezerv-bot admins add` does) whose Telegram app speaks `lang`.
pub async fn organiser(app: &TestApp, id: i64, lang: Lang) -> TestUser {
    let user = TestUser::new(id, lang.code());
    app.emu.register_user(&user);
    let organiser = OrganiserId::new(id).expect("a positive user id");
    app.db.add_organiser(organiser, Actor::cli(), app.clock.now()).await.expect("add the organiser");
    user
}

/// A candidate who chose `lang` and stands at `state`, known to the emulator (as if they had
/// talked to the bot), without walking the journey.
pub async fn candidate(app: &TestApp, id: i64, lang: Lang, state: State) -> TestUser {
    let user = TestUser::new(id, lang.code());
    app.emu.register_user(&user);
    app.app.dialogues.save(id, &state).await.expect("save the state");
    app.db.set_lang(id, lang, app.clock.now()).await.expect("set the language");
    user
}

/// A candidate ready on `way` in `city`.
pub fn ready(city: &str, way: rezerv_bot::domain::Way) -> State {
    State::Ready { city: city.parse().expect("a city id"), way }
}
