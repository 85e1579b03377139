//! `/admin`: the console's menu.

use teloxide::prelude::*;

use crate::bot::flows::View;
use crate::bot::ui::{Prompt, button};
use crate::bot::{Callback, HandlerResult, Turn};
use crate::domain::spelled;

spelled! {
    /// A console button, as its callback data spells it (`a:<panel>`).
    pub enum Panel("console panel") {
        /// The menu itself (refresh).
        Menu = "menu",
        /// How to look a candidate up.
        FindHelp = "find",
        /// The dashboard, from the menu.
        Dashboard = "dash",
        /// A new dashboard, from the last one's button.
        Refresh = "dash-refresh",
    }
}

/// The menu: what the console can do, one button each.
pub fn prompt(view: &View<'_>) -> Prompt {
    let rows = vec![
        vec![button(view.t("console-btn-dashboard"), Callback::Console(Panel::Dashboard))],
        vec![button(view.t("console-btn-find"), Callback::Console(Panel::FindHelp))],
    ];
    Prompt::with_inline(view.t("console-menu"), rows)
}

pub async fn show(turn: Turn) -> HandlerResult {
    turn.say(prompt(&turn.view())).await
}

/// A console button leaves its keyboard in place: the menu stays usable.
pub async fn pressed(turn: Turn, query: CallbackQuery) -> HandlerResult {
    turn.answer(&query, None).await?;
    show(turn).await
}
