//! The bot's HTTP side: the operations endpoints (`/healthz`, `/readyz`, `/metrics`) and,
//! in webhook mode, Telegram's webhook (`bot::webhook`). TLS belongs to the reverse proxy in
//! front: this server speaks plain HTTP/1.1.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::bot::App;

/// How long a scrape or a readiness check may wait for the database before it answers 503:
/// a probe must answer, and a busy writer must not make the process look dead.
const DATABASE_PATIENCE: Duration = Duration::from_secs(5);

/// Whether the application takes work: true once started, false from the moment it begins
/// to stop, so that a load balancer sends nothing more while the workers wind down.
#[derive(Debug, Clone, Default)]
pub struct Serving(Arc<AtomicBool>);

impl Serving {
    pub fn set(&self, serving: bool) {
        self.0.store(serving, Ordering::Release);
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

#[derive(Clone)]
struct Ops {
    app: Arc<App>,
    serving: Serving,
}

/// The operations endpoints over `app`.
pub fn ops_routes(app: Arc<App>, serving: Serving) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Ops { app, serving })
}

/// The process is up and serving HTTP.
async fn healthz() -> &'static str {
    "ok\n"
}

/// The application is not stopping, and the database answers and has every migration this
/// build knows.
async fn readyz(State(Ops { app, serving }): State<Ops>) -> (StatusCode, &'static str) {
    if !serving.get() {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping\n");
    }
    match tokio::time::timeout(DATABASE_PATIENCE, app.db.ready()).await {
        Ok(Ok(true)) => (StatusCode::OK, "ready\n"),
        Ok(Ok(false)) => (StatusCode::SERVICE_UNAVAILABLE, "the database is not migrated to this version\n"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "the database does not answer\n")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "the database does not answer in time\n"),
    }
}

async fn metrics(State(Ops { app, .. }): State<Ops>) -> Response {
    match tokio::time::timeout(DATABASE_PATIENCE, app.telegram.metrics().render(&app.db)).await {
        Ok(Ok(text)) => ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text)
            .into_response(),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "metrics: the database does not answer");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// A running HTTP server; stopped (gracefully, within a bound) by `stop`.
#[derive(Debug)]
pub struct HttpServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    running: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Binds `addr` (port 0: any free port) and serves `router` there.
    pub async fn start(addr: SocketAddr, router: Router) -> std::io::Result<HttpServer> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (stop, mut stopped) = watch::channel(false);
        let running = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            if let Err(err) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
                tracing::error!(error = %err, "the HTTP server stopped");
            }
        });
        tracing::info!(%local_addr, "serving HTTP");
        Ok(HttpServer { local_addr, stop, running: Some(running) })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, lets requests in progress finish within `within`, then ends.
    pub async fn stop(mut self, within: Duration) {
        let _ = self.stop.send(true);
        if let Some(running) = self.running.take() {
            let abort = running.abort_handle();
            if tokio::time::timeout(within, running).await.is_err() {
                tracing::warn!("the HTTP server took too long to stop");
                abort.abort();
            }
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.abort();
        }
    }
}
