//! The organisers' console, in Telegram. Only organisers (`rezerv-bot admins`) reach it: for
//! anyone else a console command is an ordinary unknown message, answered as such, so the
//! console reveals nothing. Every action is written to the audit log.

pub mod broadcast;
pub mod dashboard;
pub mod export;
pub mod find;
pub mod import;
pub mod menu;
pub mod watcher;

use std::sync::Arc;
use std::time::Duration;

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Me, Recipient};
use teloxide::utils::command::BotCommands;
use tokio::sync::watch;

use super::View;
use crate::bot::commands::parse_any_case;
use crate::bot::{App, BotError, Callback};
use crate::domain::{Lang, OrganiserId};
use crate::storage::{Actor, MenuChange};
use crate::telegram::{Patience, Telegram};

pub use menu::Panel;

/// The console's commands. Their localized descriptions are `console-cmd-<name>`.
#[derive(BotCommands, Debug, Clone, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum ConsoleCommand {
    /// The console's menu.
    Admin,
    /// The funnel as a picture, with codes, reminders, blocked and new candidates.
    Dashboard,
    /// `/find <phone or chat id>`: one candidate.
    Find(String),
    /// `/replace <chat id or phone> <reason>`: revoke a code that does not work, issue another.
    Replace(String),
    /// The issued codes or the funnel, as CSV or .xlsx.
    Export,
    /// A broadcast to a segment of the candidates.
    Broadcast,
}

impl ConsoleCommand {
    /// Every command name, in menu order.
    pub const NAMES: [&'static str; 6] = ["admin", "dashboard", "find", "replace", "export", "broadcast"];
}

/// Messages: a console command from an organiser, or an organiser's text for a broadcast.
pub fn message_handler() -> UpdateHandler<BotError> {
    use dptree::case;
    let commands = dptree::filter_map(|message: Message, me: Me| {
        let text = message.text()?;
        parse_any_case::<ConsoleCommand>(text, me.username())
    })
    .chain(organiser_only())
    .branch(case![ConsoleCommand::Admin].endpoint(menu::show))
    .branch(case![ConsoleCommand::Dashboard].endpoint(dashboard::command))
    .branch(case![ConsoleCommand::Find(query)].endpoint(find::find))
    .branch(case![ConsoleCommand::Replace(args)].endpoint(find::replace))
    .branch(case![ConsoleCommand::Export].endpoint(export::command))
    .branch(case![ConsoleCommand::Broadcast].endpoint(broadcast::start));
    let writing =
        dptree::filter_map_async(broadcast::writing_draft).chain(organiser_only()).endpoint(broadcast::text_received);
    dptree::entry().branch(commands).branch(writing)
}

/// Messages: a file (an import) or a photo from an organiser. Anyone else's goes on to the
/// candidates' handlers, which answer it as they always have.
pub fn file_handler() -> UpdateHandler<BotError> {
    dptree::filter(|message: Message| message.document().is_some() || message.photo().is_some())
        .chain(organiser_only())
        .branch(dptree::filter(|message: Message| message.document().is_some()).endpoint(import::document))
        .endpoint(import::photo)
}

/// Buttons: a console panel pressed by an organiser. Anyone else's press of console data
/// (a forged or forwarded button) falls through to the stale-button answer.
pub fn callback_handler() -> UpdateHandler<BotError> {
    use dptree::case;
    let panels = dptree::filter_map(|callback: Callback| match callback {
        Callback::Console(panel) => Some(panel),
        _ => None,
    })
    .chain(organiser_only())
    .branch(case![Panel::Menu].endpoint(menu::pressed))
    .branch(case![Panel::FindHelp].endpoint(find::help_pressed))
    .branch(case![Panel::Dashboard].endpoint(dashboard::pressed))
    .branch(case![Panel::Refresh].endpoint(dashboard::refresh))
    .branch(case![Panel::Export].endpoint(export::menu_pressed))
    .branch(dptree::filter_map(|panel: Panel| panel.export()).endpoint(export::pressed))
    .branch(case![Panel::Broadcast].endpoint(broadcast::start_pressed));
    let broadcasts = dptree::filter_map(|callback: Callback| match callback {
        Callback::Broadcast(pressed) => Some(pressed),
        _ => None,
    })
    .chain(organiser_only())
    .endpoint(broadcast::pressed);
    dptree::entry().branch(panels).branch(broadcasts)
}

/// Passes only updates from a current organiser, and hands the handlers their id. A database
/// error refuses (and is logged): the console fails closed.
fn organiser_only() -> UpdateHandler<BotError> {
    dptree::filter_map_async(|update: Update, app: Arc<App>| async move {
        let user = update.from()?;
        let id = i64::try_from(user.id.0).ok()?;
        match app.db.organiser(id).await {
            Ok(found) => found,
            Err(err) => {
                tracing::error!(error = %err, "cannot check whether a user is an organiser");
                None
            }
        }
    })
}

/// Who did a console action from Telegram.
pub fn actor(organiser: OrganiserId) -> Actor {
    Actor::telegram(organiser)
}

/// The commands an organiser's chat shows: the candidates' menu, then the console's.
pub fn menu_commands(app: &App, lang: Lang) -> Vec<BotCommand> {
    let view = View { app, lang };
    let mut commands = crate::bot::menu(&app.locales, lang);
    commands.extend(
        ConsoleCommand::NAMES.iter().map(|name| BotCommand::new(*name, view.t(&format!("console-cmd-{name}")))),
    );
    commands
}

/// How often the bot looks for organisers added or removed from the command line.
const MENU_SYNC_EVERY: Duration = Duration::from_secs(30);

/// Sets the console's menu in new organisers' chats and takes it off removed ones', now and
/// then every `MENU_SYNC_EVERY`, until `stopped`.
pub async fn keep_menus(app: Arc<App>, mut stopped: watch::Receiver<bool>) {
    loop {
        // A pass may wait on Telegram's retries; a stop does not wait for it.
        tokio::select! {
            synced = sync_menus(&app) => if let Err(err) = synced {
                tracing::warn!(error = %err, "cannot update the organisers' command menus; trying again later");
            },
            _ = stopped.wait_for(|stop| *stop) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(MENU_SYNC_EVERY) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MenuSyncError {
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

/// One pass of `keep_menus`: every pending change, through the request layer. A change
/// Telegram refuses (an organiser who never opened the bot has no chat yet: 400) is logged
/// and tried again next pass; it holds up no other. Returns how many changes were made.
pub async fn sync_menus(app: &App) -> Result<usize, MenuSyncError> {
    let mut made = 0;
    for change in app.db.menu_changes().await? {
        let sent = match change {
            MenuChange::Show(id) => show_menu(app, &app.telegram, id).await,
            MenuChange::Hide(id) => hide_menu(&app.telegram, id).await,
        };
        match sent {
            Ok(()) => {
                app.db.menu_changed(change).await?;
                made += 1;
            }
            Err(err) => {
                tracing::warn!(?change, error = %err, "cannot change an organiser's command menu; trying again later")
            }
        }
    }
    Ok(made)
}

fn scope(id: OrganiserId) -> BotCommandScope {
    BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(id.get())) }
}

async fn show_menu(app: &App, telegram: &Telegram, id: OrganiserId) -> Result<(), teloxide::RequestError> {
    for lang in Lang::ALL {
        let commands = menu_commands(app, lang);
        telegram
            .call(Patience::SETUP, |bot| bot.set_my_commands(commands).scope(scope(id)).language_code(lang.code()))
            .await?;
    }
    let commands = menu_commands(app, Lang::Ru);
    telegram.call(Patience::SETUP, |bot| bot.set_my_commands(commands).scope(scope(id))).await?;
    Ok(())
}

async fn hide_menu(telegram: &Telegram, id: OrganiserId) -> Result<(), teloxide::RequestError> {
    for lang in Lang::ALL {
        telegram
            .call(Patience::SETUP, |bot| bot.delete_my_commands().scope(scope(id)).language_code(lang.code()))
            .await?;
    }
    telegram.call(Patience::SETUP, |bot| bot.delete_my_commands().scope(scope(id))).await?;
    Ok(())
}
