//! `/admin`: the console's menu.

use teloxide::prelude::*;

use crate::bot::flows::View;
use crate::bot::ui::{Prompt, button};
use crate::bot::{Callback, HandlerResult, Turn};
use crate::domain::spelled;
use crate::export::{ExportFormat, ExportKind};

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
        Refresh = "refresh",
        /// The choice of exports.
        Export = "export",
        ExportCodesCsv = "codes.csv",
        ExportCodesXlsx = "codes.xlsx",
        ExportFunnelCsv = "funnel.csv",
        ExportFunnelXlsx = "funnel.xlsx",
        /// A new broadcast.
        Broadcast = "broadcast",
    }
}

impl Panel {
    /// The export a button asks for.
    pub fn export(self) -> Option<(ExportKind, ExportFormat)> {
        Some(match self {
            Panel::ExportCodesCsv => (ExportKind::Codes, ExportFormat::Csv),
            Panel::ExportCodesXlsx => (ExportKind::Codes, ExportFormat::Xlsx),
            Panel::ExportFunnelCsv => (ExportKind::Funnel, ExportFormat::Csv),
            Panel::ExportFunnelXlsx => (ExportKind::Funnel, ExportFormat::Xlsx),
            Panel::Menu | Panel::FindHelp | Panel::Dashboard | Panel::Refresh | Panel::Export | Panel::Broadcast => {
                return None;
            }
        })
    }
}

/// The menu: what the console can do, one button each.
pub fn prompt(view: &View<'_>) -> Prompt {
    let rows = vec![
        vec![button(view.t("console-btn-dashboard"), Callback::Console(Panel::Dashboard))],
        vec![button(view.t("console-btn-find"), Callback::Console(Panel::FindHelp))],
        vec![button(view.t("console-btn-export"), Callback::Console(Panel::Export))],
        vec![button(view.t("console-btn-broadcast"), Callback::Console(Panel::Broadcast))],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_export_button_asks_for_its_own_export() {
        let exports: Vec<_> = Panel::ALL.into_iter().filter_map(Panel::export).collect();
        assert_eq!(exports.len(), ExportKind::ALL.len() * ExportFormat::ALL.len());
        for kind in ExportKind::ALL {
            for format in ExportFormat::ALL {
                let panel = Panel::ALL.into_iter().find(|panel| panel.export() == Some((kind, format)));
                // The spelling names the file it sends.
                assert_eq!(panel.map(Panel::as_str), Some(format!("{kind}.{format}").as_str()));
            }
        }
    }
}
