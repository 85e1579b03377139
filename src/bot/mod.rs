//! The Telegram bot: dependencies, the handler tree and the dispatcher.

mod callback;
mod commands;
mod errors;
mod flows;
mod listener;
mod replan;
mod state;
mod ui;

use std::ops::ControlFlow;
use std::sync::Arc;

use chrono::NaiveDate;
use teloxide::dispatching::dialogue::{self, Dialogue};
use teloxide::dispatching::{DefaultKey, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope};

pub use callback::{Callback, MAX_CALLBACK_BYTES};
pub use commands::Command;
pub use errors::{BotError, HandlerResult, chain as error_chain};
pub use listener::{Progress, reliable_polling};
pub use state::State;

use crate::clock::SharedClock;
use crate::config::Campaign;
use crate::domain::Lang;
use crate::i18n::Locales;
use crate::reminders::{Planner, Sender, SenderConfig};
use crate::storage::{Db, DialogueStore, Profile};

pub type BotDialogue = Dialogue<State, DialogueStore>;

/// Everything a handler may need, built once at start-up.
#[derive(Debug)]
pub struct App {
    pub db: Db,
    pub dialogues: Arc<DialogueStore>,
    pub campaign: Arc<Campaign>,
    pub locales: Arc<Locales>,
    pub clock: SharedClock,
    pub planner: Planner,
    /// Updates handed out by the listener and not yet handled.
    pub progress: Arc<Progress>,
}

impl App {
    pub fn new(db: Db, campaign: Arc<Campaign>, locales: Arc<Locales>, clock: SharedClock) -> Arc<App> {
        let dialogues = DialogueStore::new(db.clone(), clock.clone());
        let planner = Planner::new(db.clone(), campaign.clone(), clock.clone());
        Arc::new(App { db, dialogues, campaign, locales, clock, planner, progress: Arc::default() })
    }

    /// Today in the campaign's time zone, from the injected clock.
    pub fn today(&self) -> NaiveDate {
        self.campaign.local_date(self.clock.now())
    }
}

/// Who is talking and in which language, loaded once per update.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub chat_id: ChatId,
    pub lang: Lang,
    /// Whether the candidate has picked a language (rather than it being suggested).
    pub lang_chosen: bool,
    pub profile: Option<Profile>,
}

/// The whole handler tree, built from one sub-tree per concern.
pub fn schema() -> UpdateHandler<BotError> {
    around_every_update().chain(
        dptree::entry()
            .branch(flows::group::handler())
            .branch(flows::membership::handler())
            .branch(Update::filter_edited_message().endpoint(|| async { HandlerResult::Ok(()) }))
            .branch(
                dialogue::enter::<Update, DialogueStore, State, _>()
                    .filter_map_async(load_ctx)
                    .branch(flows::message_handler())
                    .branch(flows::callback_handler()),
            ),
    )
}

/// Wraps the tree: after a handler ran, a failure gets the user a localized apology, the
/// chat's reminders are re-planned to follow its progress, and the update is marked done so
/// the listener may confirm it to Telegram.
fn around_every_update() -> UpdateHandler<BotError> {
    dptree::from_fn(
        |deps: DependencyMap, cont: dptree::Cont<'static, HandlerResult>| async move {
            let outcome = cont(deps.clone()).await;
            if let ControlFlow::Break(result) = &outcome {
                if let Err(error) = result {
                    errors::apologize(&deps, error).await;
                }
                replan::replan(&deps).await;
            }
            if let (Some(app), Some(update)) = (deps.try_get::<Arc<App>>(), deps.try_get::<Update>()) {
                app.progress.finish_update(&update);
            }
            outcome
        },
        dptree::HandlerSignature::Entry,
    )
}

async fn load_ctx(app: Arc<App>, update: Update) -> Option<Ctx> {
    let chat_id = update.chat()?.id;
    let suggested = Lang::suggest(update.from().and_then(|user| user.language_code.as_deref()));
    let profile = match app.db.profile(chat_id.0).await {
        Ok(profile) => profile,
        Err(err) => {
            tracing::error!(chat_id = chat_id.0, error = %err, "cannot load profile");
            None
        }
    };
    let chosen = profile.as_ref().and_then(|profile| profile.lang);
    Some(Ctx { chat_id, lang: chosen.unwrap_or(suggested), lang_chosen: chosen.is_some(), profile })
}

/// Sets the command menu in both languages (and Russian as the default for other clients).
pub async fn set_commands(bot: &Bot, locales: &Locales) -> Result<(), teloxide::RequestError> {
    for lang in Lang::ALL {
        bot.set_my_commands(menu(locales, lang)).language_code(lang.code()).await?;
    }
    bot.set_my_commands(menu(locales, Lang::Ru)).scope(BotCommandScope::Default).await?;
    Ok(())
}

pub fn menu(locales: &Locales, lang: Lang) -> Vec<BotCommand> {
    Command::NAMES.iter().map(|name| BotCommand::new(*name, locales.t(lang, &format!("cmd-{name}")))).collect()
}

/// Builds the dispatcher for `bot` over `app`.
pub fn dispatcher(bot: Bot, app: Arc<App>) -> Dispatcher<Bot, BotError, DefaultKey> {
    Dispatcher::builder(bot, schema())
        .dependencies(dptree::deps![app.clone(), app.dialogues.clone()])
        .default_handler(|update| async move {
            tracing::debug!(update_id = update.id.0, "update ignored");
        })
        .error_handler(Arc::new(errors::log_error))
        .build()
}

/// Runs the bot with long polling, and the reminder sender beside it, until Ctrl-C.
pub async fn run(bot: Bot, app: Arc<App>, sender: SenderConfig) -> anyhow::Result<()> {
    use anyhow::Context as _;
    set_commands(&bot, &app.locales).await.context("cannot set the command menu")?;
    let sender = Arc::new(Sender::new(
        app.db.clone(),
        bot.clone(),
        app.locales.clone(),
        app.campaign.clone(),
        app.clock.clone(),
        sender,
    ));
    let (stop_sender, stopped) = tokio::sync::watch::channel(false);
    let sending = tokio::spawn(sender.run(stopped));

    let progress = app.progress.clone();
    let mut dispatcher = dispatcher(bot.clone(), app);
    let listener = reliable_polling(bot, progress, std::time::Duration::from_secs(25));
    let token = dispatcher.shutdown_token();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok()
            && let Ok(done) = token.shutdown()
        {
            done.await;
        }
    });
    tracing::info!("bot is running; Ctrl-C stops it");
    dispatcher.dispatch_with_listener(listener, LoggingErrorHandler::with_custom_text("update listener error")).await;
    let _ = stop_sender.send(true);
    let _ = sending.await;
    Ok(())
}
