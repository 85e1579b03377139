//! The promo-code step: the candidate shares their own contact, the phone is checked against
//! the eligible list, and one code is issued from the pool of their way.

use teloxide::prelude::*;

use super::View;
use crate::bot::ui::{self, Prompt};
use crate::bot::{HandlerResult, State, Turn};
use crate::domain::{CityId, CodeSource, Lang, Phone, Way};
use crate::i18n::Args;
use crate::storage::Claim;

pub fn prompt(view: &View<'_>, way: Way) -> Prompt {
    let text = view.ta("contact-prompt", Args::new().with("way", view.way_name(way)));
    Prompt { text, markup: Some(ui::contact_keyboard(view.t("btn-share-contact"), view.t("btn-back-keyboard"))) }
}

/// Any message while waiting for the contact: a contact is checked, the back label goes back,
/// anything else gets the prompt again.
pub async fn on_message(turn: Turn, msg: Message, (city, way): (CityId, Way)) -> HandlerResult {
    let view = turn.view();
    if let Some(contact) = msg.contact() {
        let own = match (contact.user_id, msg.from.as_ref()) {
            (Some(contact_user), Some(sender)) => contact_user == sender.id,
            _ => false,
        };
        if !own {
            turn.say(view.t("contact-not-own")).await?;
            return turn.show(&State::Contact { city, way }).await;
        }
        return issue(turn, city, way, &contact.phone_number).await;
    }
    let is_back = msg
        .text()
        .is_some_and(|text| Lang::ALL.iter().any(|lang| text.trim() == turn.app.locales.t(*lang, "btn-back-keyboard")));
    if is_back {
        turn.say(Prompt::removing_keyboard(view.t("contact-back"))).await?;
        let last = turn.app.campaign.steps(way).len().try_into().unwrap_or(u8::MAX);
        return turn.go(State::Step { city, way, step: last }).await;
    }
    super::fallback::unexpected_message(turn, State::Contact { city, way }).await
}

/// A contact outside the contact step (shared twice, or from a keyboard still on screen):
/// a candidate who holds a code sees the same code again; anyone else gets the re-prompt.
pub async fn contact_again(turn: Turn, state: State) -> HandlerResult {
    match &turn.ctx.profile.code {
        Some((code, _)) => turn.say(Prompt::removing_keyboard(code_text(&turn.view(), code.as_str()))).await,
        None => super::fallback::unexpected_message(turn, state).await,
    }
}

async fn issue(mut turn: Turn, city_id: CityId, way: Way, phone: &str) -> HandlerResult {
    let view = turn.view();
    let Some(city) = view.city(&city_id) else {
        return turn.go(State::City { fixed_way: None }).await;
    };
    if !super::way::is_open(&view, city, way) {
        if Way::ALL.iter().any(|other| super::way::is_open(&view, city, *other)) {
            // Only this way closed since the steps: the city is still open for the other one.
            turn.say(Prompt::removing_keyboard(super::way::closed_toast(&view, way))).await?;
            return turn.go(State::Way { city: city_id }).await;
        }
        return turn.say(Prompt::removing_keyboard(super::way::closed_text(&view, city))).await;
    }
    let phone = match Phone::parse(phone) {
        Ok(phone) => phone,
        Err(err) => {
            tracing::info!(chat_id = turn.chat_id().0, %err, "contact is not a Kazakh mobile number");
            return turn.say(not_eligible_text(&view)).await;
        }
    };
    let claim = turn.app.db.claim_code(turn.chat_id().0, &phone, way, turn.app.clock.now()).await?;
    let (code, way) = match claim {
        Claim::Issued(code) => {
            tracing::info!(chat_id = turn.chat_id().0, %way, "promo code issued");
            turn.app.bell.pools_changed();
            (code, way)
        }
        Claim::AlreadyIssued(code, code_way) => (code, code_way),
        Claim::NotEligible => return turn.say(not_eligible_text(&view)).await,
        Claim::PhoneTaken => {
            tracing::info!(chat_id = turn.chat_id().0, "the phone's code belongs to another Telegram account");
            return turn.say(view.t("code-phone-taken")).await;
        }
        Claim::PoolEmpty => {
            tracing::warn!(%way, "promo-code pool is empty: a candidate is waiting for a code");
            return turn.say(view.ta("code-pool-empty", Args::new().with("way", view.way_name(way)))).await;
        }
    };
    turn.say(Prompt::removing_keyboard(code_text(&view, code.as_str()))).await?;
    turn.ctx.profile.code = Some((code, way));
    turn.go(State::Ready { city: city_id, way }).await
}

pub fn code_text(view: &View<'_>, code: &str) -> String {
    view.ta("code-issued", Args::new().with("code", crate::i18n::html_escape(code).into_owned()))
}

fn not_eligible_text(view: &View<'_>) -> String {
    view.ta(
        "code-not-eligible",
        Args::new()
            .with("pkrezerv", view.app.campaign.links.pkrezerv.clone())
            .with("qrt", view.app.campaign.links.qrt.clone()),
    )
}

/// `/code`: the issued code again, or where the candidate stands.
pub async fn command(turn: Turn, state: State) -> HandlerResult {
    if turn.app.campaign.code_source == CodeSource::Cabinet {
        return super::cabinet::code_command(turn, state).await;
    }
    let view = turn.view();
    match &turn.ctx.profile.code {
        Some((code, _)) => turn.say(code_text(&view, code.as_str())).await,
        None => {
            turn.say(view.t("code-not-yet")).await?;
            turn.show(&state).await
        }
    }
}
