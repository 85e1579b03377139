//! `/export` and the menu's "Export" button: the issued codes or the funnel, as CSV or .xlsx,
//! sent to the organiser as a document.

use teloxide::prelude::*;

use super::Panel;
use crate::bot::flows::View;
use crate::bot::ui::{Prompt, button};
use crate::bot::{BotError, Callback, HandlerResult, Turn};
use crate::domain::{AuditAction, OrganiserId};
use crate::export::{ExportError, ExportFormat, ExportKind};
use crate::i18n::Args;
use crate::storage::AuditEntry;
use crate::telegram::Patience;

/// The largest file the Bot API lets a bot send: 50 MB.
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

/// What can be exported: one button per kind and format.
pub fn prompt(view: &View<'_>) -> Prompt {
    let rows = ExportKind::ALL
        .iter()
        .map(|kind| {
            ExportFormat::ALL
                .iter()
                .filter_map(|format| {
                    let panel = Panel::ALL.into_iter().find(|panel| panel.export() == Some((*kind, *format)))?;
                    Some(button(view.t(&format!("console-btn-export-{kind}-{format}")), Callback::Console(panel)))
                })
                .collect()
        })
        .collect();
    Prompt::with_inline(view.t("console-export-prompt"), rows)
}

pub async fn command(turn: Turn) -> HandlerResult {
    turn.say(prompt(&turn.view())).await
}

/// The menu's "Export" button: the choice of exports.
pub async fn menu_pressed(turn: Turn, query: CallbackQuery) -> HandlerResult {
    turn.answer(&query, None).await?;
    command(turn).await
}

/// An export button: the file, as a document. The button is answered first, since building
/// and sending the file may take a moment.
pub async fn pressed(
    turn: Turn,
    organiser: OrganiserId,
    query: CallbackQuery,
    (kind, format): (ExportKind, ExportFormat),
) -> HandlerResult {
    turn.answer(&query, None).await?;
    let view = turn.view();
    let file = crate::export::export(&turn.app, kind, format, view.lang).await.map_err(|err| match err {
        ExportError::Storage(err) => BotError::Storage(err),
        other => BotError::Other(other.into()),
    })?;
    if file.bytes.len() > MAX_UPLOAD_BYTES {
        let args = Args::new().with("kind", kind.as_str()).with("format", format.as_str());
        return turn.say(view.ta("console-export-too-large", args)).await;
    }
    let caption = view.ta(
        "console-export-caption",
        Args::new().with("what", view.t(&format!("export-what-{kind}"))).with("rows", file.rows),
    );
    turn.telegram.send_file(Patience::FILE, turn.chat_id(), file.name, file.bytes, caption).await?;
    let entry = AuditEntry {
        at: turn.app.clock.now(),
        actor: super::actor(organiser),
        action: AuditAction::Export,
        detail: format!("{kind} {format}"),
        rows: file.rows as i64,
    };
    turn.app.db.audit(&entry).await?;
    Ok(())
}
