//! The promo-code step: the candidate shares their own contact, the phone is checked against
//! the eligible list, and one code is issued from the pool of their way.

use std::sync::Arc;

use teloxide::prelude::*;

use super::{View, go};
use crate::bot::ui::{self, Prompt};
use crate::bot::{App, BotDialogue, Ctx, HandlerResult, State};
use crate::domain::{Lang, Phone, Way};
use crate::i18n::Args;
use crate::storage::Claim;

pub fn prompt(view: &View<'_>, way: Way) -> Prompt {
    let text = view.ta("contact-prompt", Args::new().with("way", view.way_name(way)));
    Prompt { text, markup: Some(ui::contact_keyboard(view.t("btn-share-contact"), view.t("btn-back-keyboard"))) }
}

/// Any message while waiting for the contact: a contact is checked, the back label goes back,
/// anything else gets the prompt again.
pub async fn on_message(
    bot: Bot,
    app: Arc<App>,
    ctx: Ctx,
    dialogue: BotDialogue,
    msg: Message,
    (city, way): (String, Way),
) -> HandlerResult {
    let view = View::new(&app, &ctx);
    if let Some(contact) = msg.contact() {
        let own = match (contact.user_id, msg.from.as_ref()) {
            (Some(contact_user), Some(sender)) => contact_user == sender.id,
            _ => false,
        };
        if !own {
            ui::send(&bot, ctx.chat_id, view.t("contact-not-own"), None).await?;
            return super::show(&bot, &app, &ctx, &State::Contact { city, way }).await;
        }
        return issue(&bot, &app, &ctx, &dialogue, city, way, &contact.phone_number).await;
    }
    let is_back = msg
        .text()
        .is_some_and(|text| Lang::ALL.iter().any(|lang| text.trim() == app.locales.t(*lang, "btn-back-keyboard")));
    if is_back {
        ui::send(&bot, ctx.chat_id, view.t("contact-back"), Some(ui::remove_keyboard())).await?;
        let last = app.campaign.steps(way).len().try_into().unwrap_or(u8::MAX);
        return go(&bot, &app, &ctx, &dialogue, State::Step { city, way, step: last }).await;
    }
    super::fallback::unexpected_message(bot, app, ctx, State::Contact { city, way }).await
}

/// A contact outside the contact step (shared twice, or from a keyboard still on screen):
/// a candidate who holds a code sees the same code again; anyone else gets the re-prompt.
pub async fn contact_again(bot: Bot, app: Arc<App>, ctx: Ctx, state: State) -> HandlerResult {
    match ctx.profile.as_ref().and_then(|profile| profile.code.as_ref()) {
        Some((code, _)) => {
            let view = View::new(&app, &ctx);
            ui::send(&bot, ctx.chat_id, code_text(&view, code.as_str()), Some(ui::remove_keyboard())).await?;
            Ok(())
        }
        None => super::fallback::unexpected_message(bot, app, ctx, state).await,
    }
}

async fn issue(
    bot: &Bot,
    app: &App,
    ctx: &Ctx,
    dialogue: &BotDialogue,
    city_id: String,
    way: Way,
    phone: &str,
) -> HandlerResult {
    let view = View::new(app, ctx);
    let Some(city) = view.city(&city_id) else {
        return go(bot, app, ctx, dialogue, State::City { fixed_way: None }).await;
    };
    if !super::way::is_open(&view, city, way) {
        if Way::ALL.iter().any(|other| super::way::is_open(&view, city, *other)) {
            // Only this way closed since the steps: the city is still open for the other one.
            ui::send(bot, ctx.chat_id, view.t("toast-way-closed"), Some(ui::remove_keyboard())).await?;
            return go(bot, app, ctx, dialogue, State::Way { city: city_id }).await;
        }
        ui::send(bot, ctx.chat_id, super::way::closed_text(&view, city), Some(ui::remove_keyboard())).await?;
        return Ok(());
    }
    let phone = match Phone::parse(phone) {
        Ok(phone) => phone,
        Err(err) => {
            tracing::info!(chat_id = ctx.chat_id.0, %err, "contact is not a Kazakh mobile number");
            ui::send(bot, ctx.chat_id, not_eligible_text(&view), None).await?;
            return Ok(());
        }
    };
    let claim = app.db.claim_code(ctx.chat_id.0, &phone, way, app.clock.now()).await?;
    let (code, way) = match claim {
        Claim::Issued(code) => {
            tracing::info!(chat_id = ctx.chat_id.0, %way, "promo code issued");
            (code, way)
        }
        Claim::AlreadyIssued(code, code_way) => (code, code_way),
        Claim::NotEligible => {
            ui::send(bot, ctx.chat_id, not_eligible_text(&view), None).await?;
            return Ok(());
        }
        Claim::PoolEmpty => {
            tracing::warn!(%way, "promo-code pool is empty: a candidate is waiting for a code");
            ui::send(bot, ctx.chat_id, view.ta("code-pool-empty", Args::new().with("way", view.way_name(way))), None)
                .await?;
            return Ok(());
        }
    };
    ui::send(bot, ctx.chat_id, code_text(&view, code.as_str()), Some(ui::remove_keyboard())).await?;
    let mut ctx = ctx.clone();
    if let Some(profile) = ctx.profile.as_mut() {
        profile.code = Some((code, way));
    }
    go(bot, app, &ctx, dialogue, State::Ready { city: city_id, way }).await
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
pub async fn command(bot: Bot, app: Arc<App>, ctx: Ctx, state: State) -> HandlerResult {
    let view = View::new(&app, &ctx);
    match ctx.profile.as_ref().and_then(|profile| profile.code.as_ref()) {
        Some((code, _)) => {
            ui::send(&bot, ctx.chat_id, code_text(&view, code.as_str()), None).await?;
        }
        None => {
            ui::send(&bot, ctx.chat_id, view.t("code-not-yet"), None).await?;
            super::show(&bot, &app, &ctx, &state).await?;
        }
    }
    Ok(())
}
