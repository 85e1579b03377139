//! The Telegram bot: dependencies, the handler tree and the dispatcher.

mod callback;
pub(crate) mod commands;
mod errors;
pub(crate) mod flows;
mod listener;
mod state;
mod turn;
mod ui;
pub mod webhook;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use dptree::{HandlerSignature, Type};
use futures_util::FutureExt;
use teloxide::dispatching::dialogue::Dialogue;
use teloxide::dispatching::{ShutdownToken, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope};
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinHandle};

pub use callback::{Callback, FAQ_OTHERS, MAX_CALLBACK_BYTES};
pub use commands::Command;
pub use errors::{BotError, HandlerResult, chain as error_chain};
pub use flows::console::dashboard::picture as dashboard_picture;
pub use flows::console::{ConsoleCommand, MenuSyncError, sync_menus};
use listener::reliable_polling;
pub use state::State;
pub use turn::{Exchange, Turn};

use crate::clock::SharedClock;
use crate::config::Campaign;
use crate::domain::Lang;
use crate::faq::Matcher;
use crate::i18n::Locales;
use crate::metrics::{Outcome, UpdateKind};
use crate::reminders::{Planner, SenderConfig};
use crate::storage::{ChatEntry, ChatTurn, Db, DialogueStore, Profile, Receipt, Receipts, StorageError};
use crate::telegram::{Patience, Telegram};

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
    /// When each update counts as handled in the inbox.
    pub receipts: Arc<Receipts>,
    /// Telegram, through the request layer.
    pub telegram: Telegram,
    /// The FAQ's matcher, for free-text questions.
    pub faq: Arc<Matcher>,
    /// How the outbox sends: its pace gives a broadcast's ETA.
    pub sending: SenderConfig,
    /// Organisers whose next message is a broadcast's text.
    pub writers: Arc<flows::console::broadcast::Writers>,
    /// Rings the console's watcher: a pool may have crossed its threshold, a broadcast stopped.
    pub bell: Arc<flows::console::watcher::Bell>,
}

/// Chats are spread over this many dispatcher workers; each handles its chats' updates in
/// order. teloxide's default is a worker per chat: at 1,000 chats at once their queues and
/// in-flight work took the peak RSS to 80-86 MB (BENCHMARKS.md). A fixed set bounds memory
/// and concurrency. At Telegram's ~0.3 s per update, 64 workers serve ~200 updates a
/// second, several times the busiest hour expected; a slow request delays the other chats
/// of its worker only.
const WORKERS: i64 = 64;

impl App {
    pub fn new(
        db: Db,
        campaign: Arc<Campaign>,
        locales: Arc<Locales>,
        clock: SharedClock,
        telegram: Telegram,
        faq: Arc<Matcher>,
        sending: SenderConfig,
    ) -> Arc<App> {
        let dialogues = DialogueStore::new(db.clone(), clock.clone());
        let planner = Planner::new(db.clone(), campaign.clone(), clock.clone());
        let receipts = Receipts::new(db.clone());
        let writers = Arc::default();
        let bell = Arc::default();
        Arc::new(App {
            db,
            dialogues,
            campaign,
            locales,
            clock,
            planner,
            receipts,
            telegram,
            faq,
            sending,
            writers,
            bell,
        })
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
    pub profile: Profile,
}

/// The whole handler tree, built from one sub-tree per concern.
pub fn schema() -> UpdateHandler<BotError> {
    around_every_update().chain(
        dptree::entry()
            .branch(flows::group::handler())
            .branch(flows::membership::handler())
            .branch(Update::filter_edited_message().endpoint(|| async { HandlerResult::Ok(()) }))
            .branch(load_chat().branch(flows::message_handler()).branch(flows::callback_handler())),
    )
}

/// Wraps the tree: after a handler ran, a failure gets the user a localized apology (and
/// keeps the keyboard they pressed), a success retires that keyboard, the planner hears that
/// the chat's reminders may need to follow its progress. The update's receipt is opened before
/// and finished after (see `storage/receipt.rs`).
fn around_every_update() -> UpdateHandler<BotError> {
    dptree::from_fn(
        |mut deps: DependencyMap, cont: dptree::Cont<'static, HandlerResult>| async move {
            let started = std::time::Instant::now();
            let exchange = Arc::new(Exchange::default());
            deps.insert(exchange.clone());
            let receipt = open_receipt(&deps);
            if let Some(receipt) = &receipt {
                deps.insert(receipt.clone());
            }
            // The chat's turn among replicas (`storage/replicas.rs`); a lone process gets it at once.
            let mut deferred = false;
            let (turn, outcome) = match enter_chat(&deps).await {
                Ok(ChatEntry::Turn(turn)) => {
                    // A panicking handler must not take its dispatcher worker (and the chats it
                    // serves) down with it, nor stay in the inbox to panic again after each restart.
                    let outcome = match AssertUnwindSafe(cont(deps.clone())).catch_unwind().await {
                        Ok(outcome) => outcome,
                        Err(_) => ControlFlow::Break(Err(BotError::Other(anyhow::anyhow!("a handler panicked")))),
                    };
                    (Some(turn), outcome)
                }
                // Handled already, by a replica that adopted it too: not again.
                Ok(ChatEntry::Handled) => (None, ControlFlow::Break(Ok(()))),
                // After an orphan of its chat: handled once adopted with it, so not finished here.
                Ok(ChatEntry::Deferred) => {
                    deferred = true;
                    (None, ControlFlow::Break(Ok(())))
                }
                // The turn could not be taken (the database is unreachable): the update is left
                // to be adopted and handled later, not answered with an apology and lost.
                Err(err) => {
                    tracing::warn!(%err, "cannot take a chat's turn; the update waits for adoption");
                    if let (Some(app), Some(update)) = (deps.try_get::<Arc<App>>(), deps.try_get::<Update>())
                        && let Err(err) = app.db.release_update(i64::from(update.id.0)).await
                    {
                        tracing::warn!(%err, "cannot release the update; it is adopted once this replica is silent");
                    }
                    deferred = true;
                    (None, ControlFlow::Break(Ok(())))
                }
            };
            let app = deps.try_get::<Arc<App>>();
            match (&outcome, &app) {
                (ControlFlow::Break(Err(error)), _) => errors::apologize(&deps, &exchange, error).await,
                (ControlFlow::Break(Ok(())), Some(app)) => exchange.retire_pressed(&app.telegram).await,
                _ => {}
            }
            if let (Some(app), ControlFlow::Break(_)) = (app, &outcome) {
                app.planner.wake();
            }
            if let Some(receipt) = receipt.filter(|_| !deferred) {
                receipt.finish();
            }
            if let Some(turn) = turn {
                turn.leave().await;
            }
            if let (Some(app), Some(update), ControlFlow::Break(result)) =
                (deps.try_get::<Arc<App>>(), deps.try_get::<Update>(), &outcome)
            {
                let handled = if result.is_ok() { Outcome::Handled } else { Outcome::Failed };
                app.telegram.metrics().update_handled(update_kind(&update), handled, started.elapsed());
            }
            outcome
        },
        HandlerSignature::Other {
            obligations: BTreeMap::new(),
            guaranteed_outcomes: BTreeSet::from([Type::of::<Arc<Exchange>>(), Type::of::<Receipt>()]),
            conditional_outcomes: BTreeSet::new(),
            continues: true,
        },
    )
}

/// An update's kind, as `/metrics` counts it.
fn update_kind(update: &Update) -> UpdateKind {
    match update.kind {
        teloxide::types::UpdateKind::Message(_) => UpdateKind::Message,
        teloxide::types::UpdateKind::EditedMessage(_) => UpdateKind::EditedMessage,
        teloxide::types::UpdateKind::CallbackQuery(_) => UpdateKind::CallbackQuery,
        teloxide::types::UpdateKind::MyChatMember(_) => UpdateKind::MyChatMember,
        _ => UpdateKind::Other,
    }
}

/// The turn of the update's chat (always given for an update with no chat, or no app).
async fn enter_chat(deps: &DependencyMap) -> Result<ChatEntry, StorageError> {
    let (Some(app), Some(update)) = (deps.try_get::<Arc<App>>(), deps.try_get::<Update>()) else {
        return Ok(ChatEntry::Turn(ChatTurn::none()));
    };
    let Some(chat) = update.chat() else { return Ok(ChatEntry::Turn(ChatTurn::none())) };
    app.db.enter_chat(chat.id.0, i64::from(update.id.0), &app.clock).await
}

/// The receipt of the update the dispatcher hands in (always with the app).
fn open_receipt(deps: &DependencyMap) -> Option<Receipt> {
    let (app, update) = (deps.try_get::<Arc<App>>()?, deps.try_get::<Update>()?);
    Some(app.receipts.open(update.id))
}

/// Reads the chat's profile and dialogue state in one query, and hands the handlers the
/// `State` and the `Turn`. Only a private chat is a candidate: updates without one (a channel
/// post, a group's update the group flow did not take, no chat at all) pass by and are
/// ignored, so they never create a row nor run the journey.
fn load_chat() -> UpdateHandler<BotError> {
    let location = std::panic::Location::caller();
    dptree::from_fn(
        |deps: DependencyMap, cont: dptree::Cont<'static, HandlerResult>| async move {
            let (Some(app), Some(update), Some(exchange), Some(receipt)) = (
                deps.try_get::<Arc<App>>(),
                deps.try_get::<Update>(),
                deps.try_get::<Arc<Exchange>>(),
                deps.try_get::<Receipt>(),
            ) else {
                return ControlFlow::Continue(deps);
            };
            let Some(chat_id) = update.chat().filter(|chat| chat.is_private()).map(|chat| chat.id) else {
                return ControlFlow::Continue(deps);
            };
            let (state, profile) = match app.dialogues.load_with_profile::<State>(chat_id.0).await {
                Ok(loaded) => loaded,
                Err(err) => return ControlFlow::Break(Err(BotError::Storage(err))),
            };
            // A new chat gets its row at once, as teloxide's own dialogues do.
            let state = match state {
                Some(state) => state,
                None => match app.dialogues.save(chat_id.0, &State::default()).await {
                    Ok(()) => State::default(),
                    Err(err) => return ControlFlow::Break(Err(BotError::Storage(err))),
                },
            };
            // The row exists from here on; a new one holds nothing yet.
            let profile = profile.unwrap_or_else(|| blank_profile(chat_id));
            let suggested = Lang::suggest(update.from().and_then(|user| user.language_code.as_deref()));
            let chosen = profile.lang;
            let ctx = Ctx { chat_id, lang: chosen.unwrap_or(suggested), lang_chosen: chosen.is_some(), profile };
            exchange.set_lang(ctx.lang);
            let dialogue = BotDialogue::new(app.dialogues.for_receipt(&receipt), chat_id);
            let mut inner = deps.clone();
            inner.insert(state);
            let telegram = app.telegram.clone();
            inner.insert(Turn { telegram, app: (*app).clone(), ctx, dialogue, exchange: (*exchange).clone() });
            let outcome = cont(inner).await;
            receipt.settle().await;
            match outcome {
                ControlFlow::Continue(_) => ControlFlow::Continue(deps),
                done => done,
            }
        },
        HandlerSignature::Other {
            obligations: BTreeMap::from([
                (Type::of::<Arc<App>>(), location),
                (Type::of::<Update>(), location),
                (Type::of::<Arc<Exchange>>(), location),
                (Type::of::<Receipt>(), location),
            ]),
            guaranteed_outcomes: BTreeSet::from([Type::of::<State>(), Type::of::<Turn>()]),
            conditional_outcomes: BTreeSet::new(),
            continues: true,
        },
    )
}

/// The profile of a row `load_chat` has just created: nothing chosen, nothing issued.
fn blank_profile(chat_id: ChatId) -> Profile {
    Profile {
        chat_id: chat_id.0,
        lang: None,
        source: None,
        phone: None,
        code: None,
        cabinet_code: None,
        applied_on: None,
        qrt_booked_on: None,
        test_date: None,
    }
}

/// Sets the command menu in both languages (and Russian as the default for other clients).
pub(crate) async fn set_commands(telegram: &Telegram, locales: &Locales) -> Result<(), teloxide::RequestError> {
    for lang in Lang::ALL {
        let commands = menu(locales, lang);
        telegram.call(Patience::SETUP, |bot| bot.set_my_commands(commands).language_code(lang.code())).await?;
    }
    let commands = menu(locales, Lang::Ru);
    telegram.call(Patience::SETUP, |bot| bot.set_my_commands(commands).scope(BotCommandScope::Default)).await?;
    Ok(())
}

/// Sets what Telegram shows in an empty chat with the bot (the description) and on its
/// profile (the short description), in both languages, and Russian for other clients.
pub(crate) async fn set_descriptions(telegram: &Telegram, locales: &Locales) -> Result<(), teloxide::RequestError> {
    let described = |lang: Lang| (locales.t(lang, "bot-description"), locales.t(lang, "bot-short-description"));
    for lang in Lang::ALL {
        let (long, short) = described(lang);
        let code = lang.code();
        telegram.call(Patience::SETUP, |bot| bot.set_my_description().description(long).language_code(code)).await?;
        telegram
            .call(Patience::SETUP, |bot| bot.set_my_short_description().short_description(short).language_code(code))
            .await?;
    }
    let (long, short) = described(Lang::Ru);
    telegram.call(Patience::SETUP, |bot| bot.set_my_description().description(long)).await?;
    telegram.call(Patience::SETUP, |bot| bot.set_my_short_description().short_description(short)).await?;
    Ok(())
}

pub fn menu(locales: &Locales, lang: Lang) -> Vec<BotCommand> {
    Command::NAMES.iter().map(|name| BotCommand::new(*name, locales.t(lang, &format!("cmd-{name}")))).collect()
}

/// Builds the dispatcher over `app`.
pub(crate) fn dispatcher(app: Arc<App>) -> Dispatcher<Bot, BotError, i64> {
    Dispatcher::builder(app.telegram.dispatcher_bot(), schema())
        .distribution_function(|update| update.chat().map(|chat| chat.id.0.rem_euclid(WORKERS)))
        .dependencies(dptree::deps![app.clone(), app.dialogues.clone()])
        .default_handler(|update| async move {
            tracing::debug!(update_id = update.id.0, "update ignored");
        })
        .error_handler(Arc::new(errors::log_error))
        .build()
}

/// The pause before the dispatcher tries to start again: its first request (`getMe`) failed
/// after the request layer's retries, so Telegram is unreachable for now.
const RESTART_PAUSE: Duration = Duration::from_secs(5);

/// Where updates come from.
#[derive(Debug, Clone)]
pub enum Intake {
    /// Long polls of this length, stored in the inbox before they are confirmed.
    Polling(Duration),
    /// Telegram's webhook requests, stored in the inbox before they are answered.
    Webhook(webhook::Inbound),
}

/// The dispatcher on `intake` (through the durable inbox either way), with the planner, the
/// inbox cleaner and the console's menus beside it. The task ends once the dispatcher has
/// been shut down and they have caught up.
pub(crate) fn serve(app: Arc<App>, intake: Intake) -> (ShutdownToken, JoinHandle<()>) {
    let mut dispatcher = dispatcher(app.clone());
    let token = dispatcher.shutdown_token();
    let (stop, stopped) = watch::channel(false);
    let planning = tokio::spawn(app.planner.clone().run(stopped.clone()));
    let cleaning = tokio::spawn(app.receipts.clone().clean_inbox(stopped.clone()));
    let menus = tokio::spawn(flows::console::keep_menus(app.clone(), stopped.clone()));
    let watching = tokio::spawn(flows::console::watcher::run(app.clone(), stopped));
    let running = tokio::spawn(async move {
        // Before the first update: an organiser's text for a broadcast is known as such.
        if let Err(err) = app.writers.load(&app.db).await {
            tracing::error!(error = %err, "cannot read the broadcasts being written");
        }
        match intake {
            Intake::Polling(timeout) => {
                dispatch(&app, &mut dispatcher, || {
                    reliable_polling(app.telegram.clone(), app.db.clone(), app.clock.clone(), timeout)
                })
                .await
            }
            Intake::Webhook(inbound) => {
                dispatch(&app, &mut dispatcher, || {
                    webhook::listener(app.db.clone(), app.clock.clone(), inbound.clone())
                })
                .await
            }
        }
        let _ = stop.send(true);
        let _ = planning.await;
        let _ = cleaning.await;
        let _ = menus.await;
        let _ = watching.await;
    });
    (token, running)
}

/// Dispatches from a listener `listen` makes, until the dispatcher is shut down; a dispatcher
/// that cannot start is started again.
async fn dispatch<L>(app: &App, dispatcher: &mut Dispatcher<Bot, BotError, i64>, mut listen: impl FnMut() -> L)
where
    L: teloxide::update_listeners::UpdateListener + Send,
    L::Err: std::fmt::Debug + Send,
{
    let on_error = LoggingErrorHandler::with_custom_text("update listener error");
    loop {
        let Err(err) = dispatcher.try_dispatch_with_listener(listen(), on_error.clone()).await else { break };
        // teloxide's dispatcher asks for `getMe` before it listens, outside the request
        // layer. Wait through the layer until Telegram answers it, then start again.
        tracing::warn!(error = %err, "the dispatcher cannot start; trying again");
        if app.telegram.call(Patience::SETUP, |bot| bot.get_me()).await.is_err() {
            tokio::time::sleep(RESTART_PAUSE).await;
        }
    }
}

/// Asks the dispatcher `serve` started to stop, retrying while it is still starting, until it
/// accepts or its task has ended. Then wait for that task, not for the token's own future:
/// that one misses the "done" signal when dispatching ends before it is first polled.
pub(crate) async fn stop_dispatching(token: &ShutdownToken, running: &AbortHandle) {
    while !running.is_finished() && token.shutdown().is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
