//! Cabinet mode (`code_source = "cabinet"`): the candidate generates the promo code in their
//! pkrezerv.gov.kz cabinet, and the bot issues none. From the step where the code is generated
//! on, and after the steps, a message is taken as the code they paste: kept if it has the
//! form of a code, and shown in /status and in what to do next.

use std::sync::Arc;

use teloxide::prelude::*;

use super::View;
use crate::bot::{App, HandlerResult, State, Turn};
use crate::domain::{CabinetCode, CityId, Way};
use crate::i18n::{Args, html_escape};
use crate::storage::Profile;

/// Whether the candidate has reached the step where the code is generated.
pub fn from_code_step(app: Arc<App>, (_, way, step): (CityId, Way, u8)) -> bool {
    app.campaign.code_step(way).is_some_and(|code_step| step >= code_step)
}

/// A paste during the steps. On the step that generates the code, a kept code also counts as
/// "Done"; on a later one the step is shown again.
pub async fn pasted_at_step(turn: Turn, msg: Message, (city, way, step): (CityId, Way, u8)) -> HandlerResult {
    let here = State::Step { city: city.clone(), way, step };
    let next = if turn.app.campaign.code_step(way) == Some(step) {
        super::steps::after(&turn.app, city, way, step)
    } else {
        here.clone()
    };
    keep(turn, &msg, here, next).await
}

/// A paste after the steps: kept, and what to do next shown again with it.
pub async fn pasted_when_ready(turn: Turn, msg: Message, (city, way): (CityId, Way)) -> HandlerResult {
    let ready = State::Ready { city, way };
    keep(turn, &msg, ready.clone(), ready).await
}

/// Keeps a well-formed code and moves on to `next`. Anything else (a sentence, a sticker, a
/// photo) is told what a code looks like, and `here` stays.
async fn keep(mut turn: Turn, msg: &Message, here: State, next: State) -> HandlerResult {
    let view = turn.view();
    let Some(Ok(code)) = msg.text().map(CabinetCode::parse) else {
        turn.say(view.t("cabinet-code-invalid")).await?;
        return turn.show(&here).await;
    };
    // Stored first: a replay after a crash stores the same code again and says so again.
    turn.app.db.keep_cabinet_code(turn.chat_id().0, &code, turn.app.clock.now()).await?;
    tracing::info!(chat_id = turn.chat_id().0, "cabinet code kept");
    turn.say(view.ta("cabinet-code-kept", code_args(&code))).await?;
    turn.ctx.profile.cabinet_code = Some(code);
    turn.go(next).await
}

fn code_args(code: &CabinetCode) -> Args<'static> {
    Args::new().with("code", html_escape(code.as_str()).into_owned())
}

/// The code line of what to do next: the kept code, or where to generate one and that it
/// can be sent here.
pub fn code_line(view: &View<'_>, profile: &Profile) -> String {
    match &profile.cabinet_code {
        Some(code) => view.ta("cabinet-code", code_args(code)),
        None => view.ta("ready-cabinet-code-none", pkrezerv(view)),
    }
}

/// The /status line of the code.
pub fn status_line(view: &View<'_>, profile: &Profile) -> String {
    match &profile.cabinet_code {
        Some(code) => view.ta("status-code", code_args(code)),
        None => view.t("status-code-cabinet-none"),
    }
}

fn pkrezerv(view: &View<'_>) -> Args<'static> {
    Args::new().with("pkrezerv", view.app.campaign.links.pkrezerv.clone())
}

/// `/code`: the kept code, or where the code comes from and where the candidate stands.
pub async fn code_command(turn: Turn, state: State) -> HandlerResult {
    let view = turn.view();
    match &turn.ctx.profile.cabinet_code {
        Some(code) => turn.say(view.ta("cabinet-code", code_args(code))).await,
        None => {
            turn.say(view.ta("code-cabinet-none", pkrezerv(&view))).await?;
            turn.show(&state).await
        }
    }
}
