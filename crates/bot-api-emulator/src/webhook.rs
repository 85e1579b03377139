//! Webhook delivery: once the bot calls `setWebhook`, queued updates are POSTed to its URL one
//! at a time, in order, each with the secret in `X-Telegram-Bot-Api-Secret-Token`, until the
//! bot answers 2xx; any other answer, or no answer, is retried after a pause, as Telegram does.
//! `getUpdates` is refused with 409 meanwhile; `deleteWebhook` returns to polling. With a
//! load balancer in front (`Emulator::spread_webhooks`), each update goes to the next replica.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::server::Shared;

/// Where and how the bot asked to receive updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    pub secret: Option<String>,
}

/// The first retry after a refused or failed delivery; doubled up to `MAX_PAUSE`. Telegram
/// waits longer; tests need to see the retry within seconds.
const FIRST_PAUSE: Duration = Duration::from_millis(100);
const MAX_PAUSE: Duration = Duration::from_secs(2);
/// How long one delivery may take before it counts as failed.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs until shutdown: delivers updates while a webhook is set.
pub async fn deliver(shared: Arc<Shared>) {
    let mut pause = FIRST_PAUSE;
    loop {
        let notified = shared.updates_notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let next = {
            let mut st = shared.lock();
            match st.webhook.clone() {
                Some(hook) => {
                    let spread = st.webhook_spread.clone();
                    st.take_batch(1).into_iter().next().map(|update| (hook, spread, update))
                }
                None => None,
            }
        };
        let Some((hook, spread, update)) = next else {
            tokio::select! {
                () = &mut notified => continue,
                () = shared.stopped() => return,
            }
        };
        let id = update.get("update_id").and_then(serde_json::Value::as_i64).unwrap_or_default();
        let status = tokio::select! {
            status = balance(&shared, &hook, &spread, update.to_string()) => status,
            () = shared.stopped() => return,
        };
        let delivered = status.is_some_and(|status| (200..300).contains(&status));
        {
            let mut st = shared.lock();
            st.webhook_attempts.push((id, status));
            // Delivered to the webhook still set (not one deleted meanwhile): confirmed.
            if delivered && st.webhook.as_ref() == Some(&hook) {
                st.confirm_updates(id + 1);
            }
        }
        shared.events_notify.notify_waiters();
        if delivered {
            pause = FIRST_PAUSE;
        } else {
            tracing::debug!(id, ?status, "webhook delivery failed; retrying");
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = shared.stopped() => return,
            }
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }
}

/// One delivery: to the webhook set, or through the load balancer to the replicas in turn,
/// each tried once until one answers below 500.
async fn balance(shared: &Shared, hook: &Webhook, spread: &[String], body: String) -> Option<u16> {
    if spread.is_empty() {
        return post(hook, body).await;
    }
    let mut status = None;
    for _ in 0..spread.len() {
        let url = {
            let mut st = shared.lock();
            let url = spread[st.webhook_spread_next % spread.len()].clone();
            st.webhook_spread_next += 1;
            url
        };
        status = post(&Webhook { url, secret: hook.secret.clone() }, body.clone()).await;
        if status.is_some_and(|status| status < 500) {
            break;
        }
    }
    status
}

/// One POST; the status the bot answered, or `None` for no answer.
async fn post(hook: &Webhook, body: String) -> Option<u16> {
    let uri: Uri = hook.url.parse().ok()?;
    let host = uri.host()?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let attempt = async {
        let stream = TcpStream::connect((host.as_str(), port)).await.ok()?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.ok()?;
        tokio::spawn(connection);
        let mut request = Request::post(uri.path_and_query().map_or("/", |path| path.as_str()))
            .header(hyper::header::HOST, format!("{host}:{port}"))
            .header(hyper::header::CONTENT_TYPE, "application/json");
        if let Some(secret) = &hook.secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        let response = sender.send_request(request.body(Full::new(Bytes::from(body))).ok()?).await.ok()?;
        let status = response.status().as_u16();
        let _ = response.into_body().collect().await;
        Some(status)
    };
    tokio::time::timeout(DELIVERY_TIMEOUT, attempt).await.ok().flatten()
}
