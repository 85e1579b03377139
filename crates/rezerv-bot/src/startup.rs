//! The one start-up path: settings → database → campaign → locales → the bot's dependencies →
//! dispatcher, planner, inbox cleaner, sender and retention. The binary, the sandbox, the tests and the
//! lab all start the bot through [`Application::build`].

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use teloxide::dispatching::ShutdownToken;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::bot::{self, App, Intake};
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::http::{self, HttpServer, Serving};
use crate::i18n::Locales;
use crate::metrics::Metrics;
use crate::reminders::{Sender, SenderConfig};
use crate::retention::Retention;
use crate::storage::Db;
use crate::telegram::Telegram;

/// A stopped worker gets this long to finish its current step: a stop must never hang, and
/// every committed write is already durable.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The running bot: owns every worker, and stops them in order.
pub struct Application {
    app: Arc<App>,
    /// The dispatcher task; it runs the planner and the inbox cleaner beside it.
    dispatching: Option<(ShutdownToken, JoinHandle<()>)>,
    sending: Option<(watch::Sender<bool>, JoinHandle<()>)>,
    /// The HTTP server: operations endpoints, and the webhook when receiving by webhook.
    server: Option<HttpServer>,
    /// What `/readyz` reports.
    serving: Serving,
    /// The retention worker, when the campaign file has a `[retention]` table.
    retaining: Option<(watch::Sender<bool>, JoinHandle<()>)>,
    /// The replica's heartbeat (`storage/replicas.rs`).
    beating: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("app", &self.app).finish_non_exhaustive()
    }
}

impl Application {
    /// Opens and migrates the database, loads the campaign and the locales, sets the command
    /// menus and the bot's descriptions, and starts the workers. `clock` is "now" for everything the bot does.
    pub async fn build(settings: &Settings, clock: SharedClock) -> anyhow::Result<Application> {
        let app = Application::parts(settings, clock).await?;
        // The menu and the descriptions only help; the bot serves without them, and the next
        // start sets them.
        if let Err(err) = bot::set_commands(&app.telegram, &app.locales).await {
            tracing::warn!(error = %err, "cannot set the command menu; Telegram keeps the last one set");
        }
        if let Err(err) = bot::set_descriptions(&app.telegram, &app.locales).await {
            tracing::warn!(error = %err, "cannot set the bot's descriptions; Telegram keeps the last ones set");
        }
        // Alive before it stores any update, so that no other replica takes its updates for orphans.
        app.db.heartbeat(app.clock.now()).await.context("cannot say this replica is alive")?;
        let serving = Serving::default();
        let mut routes = http::ops_routes(app.clone(), serving.clone());
        let intake = match &settings.webhook {
            Some(webhook) => {
                // Behind a webhook, PostgreSQL replicas receive updates side by side.
                app.db.share_intake();
                let (route, inbound) = bot::webhook::routes(webhook, app.db.clone(), app.clock.clone());
                routes = routes.merge(route);
                Intake::Webhook(inbound)
            }
            None => Intake::Polling(settings.poll_timeout),
        };
        // Served before Telegram is told the URL, so that its first request finds us.
        let server = match settings.listen {
            Some(addr) => {
                Some(HttpServer::start(addr, routes).await.with_context(|| format!("cannot listen on {addr}"))?)
            }
            None => None,
        };
        match &settings.webhook {
            Some(webhook) => {
                bot::webhook::set_webhook(&app.telegram, webhook).await.context("cannot set the webhook")?;
                tracing::info!(url = %webhook.url, "receiving updates by webhook");
            }
            // Telegram refuses getUpdates while a webhook is set (a previous webhook run).
            None => {
                if let Err(err) = bot::webhook::delete_webhook(&app.telegram).await {
                    tracing::warn!(error = %err, "cannot delete a webhook; polling may be refused until it is");
                }
            }
        }
        // One process per database (the run lock): it leads.
        app.telegram.metrics().set_leader(true);
        let dispatching = Some(bot::serve(app.clone(), intake));
        serving.set(true);
        let beating = {
            let (stop, stopped) = watch::channel(false);
            Some((stop, tokio::spawn(heartbeat(app.clone(), stopped))))
        };
        let mut application =
            Application { app, dispatching, sending: None, retaining: None, beating, server, serving };
        if settings.send_reminders {
            let sender = Arc::new(application.sender(settings.sender.clone()));
            let (stop, stopped) = watch::channel(false);
            application.sending = Some((stop, tokio::spawn(sender.run(stopped))));
        }
        if application.app.campaign.retention.is_some() {
            let retention = Arc::new(application.retention());
            let (stop, stopped) = watch::channel(false);
            application.retaining = Some((stop, tokio::spawn(retention.run(stopped))));
        }
        Ok(application)
    }

    /// The bot's parts without its workers: the database (opened and migrated), the campaign,
    /// the locales and a Telegram client. `build` starts the workers on them; the organisers'
    /// command-line tools use them as they are, so both see the same settings the same way.
    pub async fn parts(settings: &Settings, clock: SharedClock) -> anyhow::Result<Arc<App>> {
        let db = Db::connect(&settings.database_url).await.context("cannot open the database")?;
        let campaign = Arc::new(settings.campaign().context("invalid campaign configuration")?);
        let locales = Arc::new(Locales::load().context("cannot load the locales")?);
        let faq = Arc::new(crate::faq::matcher(&campaign).context("cannot load the FAQ")?);
        let metrics = Arc::new(Metrics::new());
        let telegram = Telegram::connect(settings, metrics).context("cannot build Telegram's client")?;
        Ok(App::new(db, campaign, locales, clock, telegram, faq, settings.sender.clone()))
    }

    /// What the handlers share: database, campaign, locales, clock, planner.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Where the HTTP server listens, when it runs (port 0 in the settings: the port taken).
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.server.as_ref().map(HttpServer::local_addr)
    }

    pub fn db(&self) -> &Db {
        &self.app.db
    }

    /// A reminder sender on this application's parts and Telegram client, for tests that
    /// deliver rows one at a time (`try_execute_task`).
    pub fn sender(&self, config: SenderConfig) -> Sender {
        let app = &self.app;
        Sender::new(
            app.db.clone(),
            app.telegram.clone(),
            app.locales.clone(),
            app.campaign.clone(),
            app.clock.clone(),
            config,
        )
    }

    /// The retention worker on this application's parts, for tests that run one pass
    /// (`try_execute_task`).
    pub fn retention(&self) -> Retention {
        Retention::new(self.app.db.clone(), self.app.campaign.clone(), self.app.clock.clone())
    }

    /// Runs until Ctrl-C or SIGTERM, or until the dispatcher stops on its own; then stops
    /// everything. A dispatcher that died (teloxide panics when it cannot start) is an error,
    /// so that a supervisor restarts the bot.
    pub async fn run_until_stopped(mut self) -> anyhow::Result<()> {
        let Some((token, running)) = self.dispatching.take() else { return Ok(()) };
        let handle = running.abort_handle();
        let stop = stop_signal();
        let on_signal = tokio::spawn(async move {
            if let Some(signal) = stop.await {
                tracing::info!(signal, "stopping");
                bot::stop_dispatching(&token, &handle).await;
            }
        });
        tracing::info!("bot is running; Ctrl-C or SIGTERM stops it");
        let dispatched = running.await;
        on_signal.abort();
        self.shutdown().await;
        dispatched.context("the dispatcher stopped abnormally")
    }

    /// Stops the dispatcher (which lets the planner and the cleaner catch up), then the
    /// sender and the retention worker; each within a bound.
    pub async fn shutdown(&mut self) {
        self.serving.set(false);
        if let Some((token, running)) = self.dispatching.take() {
            let stopped = async {
                bot::stop_dispatching(&token, &running.abort_handle()).await;
                let _ = running.await;
            };
            if tokio::time::timeout(STOP_GRACE, stopped).await.is_err() {
                tracing::warn!("the dispatcher took too long to stop");
            }
        }
        // Then no more webhook requests: what was stored and not handled is given up at once
        // (the heartbeat's last act), for another replica to adopt, or replayed at the next start.
        if let Some(server) = self.server.take() {
            server.stop(STOP_GRACE).await;
        }
        if let Some((stop, beating)) = self.beating.take() {
            let _ = stop.send(true);
            let _ = tokio::time::timeout(STOP_GRACE, beating).await;
        }
        if let Some((stop, sending)) = self.sending.take() {
            let _ = stop.send(true);
            if tokio::time::timeout(STOP_GRACE, sending).await.is_err() {
                tracing::warn!("the sender took too long to stop");
            }
        }
        if let Some((stop, retaining)) = self.retaining.take() {
            let _ = stop.send(true);
            if tokio::time::timeout(STOP_GRACE, retaining).await.is_err() {
                tracing::warn!("the retention worker took too long to stop");
            }
        }
    }
}

impl Drop for Application {
    fn drop(&mut self) {
        // Dropped without `shutdown` (a failed test): no worker outlives its application.
        if let Some((_, running)) = self.dispatching.take() {
            running.abort();
        }
        if let Some((_, sending)) = self.sending.take() {
            sending.abort();
        }
        if let Some((_, retaining)) = self.retaining.take() {
            retaining.abort();
        }
        if let Some((_, beating)) = self.beating.take() {
            beating.abort();
        }
    }
}

/// Says every `HEARTBEAT` that this replica is alive; at the stop, that it stopped (its
/// unhandled updates are then adopted by the others at once).
async fn heartbeat(app: Arc<App>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            () = tokio::time::sleep(crate::storage::HEARTBEAT) => {}
        }
        if let Err(err) = app.db.heartbeat(app.clock.now()).await {
            tracing::warn!(%err, "cannot say this replica is alive");
        }
    }
    if let Err(err) = app.db.retire().await {
        tracing::warn!(%err, "cannot say this replica stopped; its updates are adopted once it is silent");
    }
}

/// The first stop request: Ctrl-C, or SIGTERM (what systemd and Docker send before they kill
/// a service). SIGTERM is listened for from this call on, so that it never meets the default
/// action (instant death) once the bot runs. `None` if neither can be listened for.
fn stop_signal() -> impl Future<Output = Option<&'static str>> + Send + 'static {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .inspect_err(|err| tracing::warn!(%err, "cannot listen for SIGTERM; only Ctrl-C stops the bot"))
        .ok();
    async move {
        let ctrl_c = async { tokio::signal::ctrl_c().await.ok().map(|()| "Ctrl-C") };
        #[cfg(unix)]
        if let Some(mut terminate) = terminate {
            return tokio::select! {
                stopped = ctrl_c => stopped,
                received = terminate.recv() => received.map(|()| "SIGTERM"),
            };
        }
        ctrl_c.await
    }
}
