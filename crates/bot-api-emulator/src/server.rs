//! HTTP/1.1 front end: routing, body parsing, long polling, fault injection, request recording.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::faults::Fault;
use super::files;
use super::methods::{self, Params, json_param, opt_i64};
use super::multipart;
use super::state::State;
use super::types::RecordedRequest;
use super::{ApiError, EmulatorConfig};

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault")]
struct DroppedByFault;

/// `now + d`, saturating at a year so huge client timeouts can't overflow `Instant`.
pub fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d).unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
}

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// State shared by the server tasks and the `Emulator` handle.
#[derive(Debug)]
pub struct Shared {
    /// Configuration the emulator was started with.
    pub config: EmulatorConfig,
    state: Mutex<State>,
    /// Woken when an update is queued or on shutdown.
    pub updates_notify: Notify,
    /// Woken when the bot does something (new event).
    pub events_notify: Notify,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    /// Fresh shared state.
    pub fn new(config: EmulatorConfig) -> Self {
        let state = State::new(&config);
        Self {
            config,
            state: Mutex::new(state),
            updates_notify: Notify::new(),
            events_notify: Notify::new(),
            shutdown: watch::Sender::new(false),
        }
    }

    /// Locks the state; a panic elsewhere must not wedge the server, so poison is ignored.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops accepting connections and releases held polls.
    pub fn trigger_shutdown(&self) {
        self.lock().shutting_down = true;
        self.shutdown.send_replace(true);
        self.updates_notify.notify_waiters();
        self.events_notify.notify_waiters();
    }

    /// Resolves once shutdown was requested.
    pub(crate) async fn stopped(&self) {
        let mut rx = self.shutdown.subscribe();
        // An error means the sender is gone, which also means we are done.
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// Accept loop; runs until shutdown.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        tokio::select! {
            () = shared.stopped() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, shared.clone()));
                }
                Err(err) => {
                    // Usually fd exhaustion; back off instead of spinning.
                    tracing::warn!(%err, "emulator accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
    tracing::debug!("emulator stopped accepting");
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let svc_shared = shared.clone();
    let service = service_fn(move |req| {
        let shared = svc_shared.clone();
        async move { handle(shared, req).await }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(err) = res {
                tracing::debug!(%err, "emulator connection error");
            }
        }
        () = shared.stopped() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Splits `/bot<token>/<method>` (percent-decoded); `None` if the path has another shape.
fn parse_path(path: &str) -> Option<(String, String)> {
    let decoded = percent_decode(path, false);
    let mut parts = decoded.split('/').filter(|s| !s.is_empty());
    let token = parts.next()?.strip_prefix("bot")?.to_owned();
    let method = parts.next()?.to_owned();
    if parts.next().is_some() {
        return None;
    }
    Some((token, method))
}

/// Decodes `%XX` (and `+` as space for forms); invalid escapes stay literal.
fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=1&b=x` into string parameters.
fn parse_form(s: &str, into: &mut Params) {
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        into.insert(percent_decode(k, true), Value::String(percent_decode(v, true)));
    }
}

async fn read_params(req: Request<Incoming>) -> Result<Params, ApiError> {
    let mut params = Params::new();
    if let Some(query) = req.uri().query() {
        parse_form(query, &mut params);
    }
    let raw_content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let content_type = raw_content_type.to_ascii_lowercase();
    let body = match Limited::new(req.into_body(), MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(ApiError::new(413, "Request Entity Too Large"));
        }
        Err(err) => return Err(ApiError::bad_request(format!("can't read body: {err}"))),
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    if content_type.starts_with("multipart/form-data") {
        let boundary =
            multipart::boundary(&raw_content_type).ok_or_else(|| ApiError::bad_request("no multipart boundary"))?;
        params.extend(multipart::parse(&body, &boundary)?);
        return Ok(params);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        parse_form(&String::from_utf8_lossy(&body), &mut params);
        return Ok(params);
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(obj)) => {
            params.extend(obj);
            Ok(params)
        }
        Ok(_) => Err(ApiError::bad_request("request body must be a JSON object")),
        Err(err) => Err(ApiError::bad_request(format!("can't parse JSON: {err}"))),
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, DroppedByFault> {
    if let Some((token, path)) = files::parse_file_path(&percent_decode(req.uri().path(), false)) {
        return serve_file(&shared, req.method() == Method::GET, &token, &path).await;
    }
    let route = parse_path(req.uri().path());
    let method = route.as_ref().map(|(_, m)| m.to_ascii_lowercase()).unwrap_or_default();
    let http_ok = matches!(*req.method(), Method::GET | Method::POST);
    let params = match route {
        _ if !http_ok => Err(ApiError::new(405, "Method Not Allowed")),
        None => Err(ApiError::new(404, "Not Found")),
        Some((token, _)) if token != shared.config.token => Err(ApiError::new(401, "Unauthorized")),
        Some(_) => read_params(req).await,
    };
    let params = match params {
        Ok(params) => params,
        Err(err) => return Ok(finish(&shared, method, Params::new(), Err(err), false)),
    };
    let fault = {
        let mut st = shared.lock();
        if st.faults.any_for(&method) {
            let chat_id = methods::target_chat(&st, &params).or_else(|| methods::callback_chat(&st, &params));
            st.faults.take(chat_id, &method)
        } else {
            None
        }
    };
    match fault {
        None if method == "getupdates" => {
            let result = get_updates(&shared, &params).await;
            Ok(finish(&shared, method, params, result, false))
        }
        None => {
            let result = call_method(&shared, &method, &params);
            Ok(finish(&shared, method, params, result, false))
        }
        Some(Fault::Status { code, description, retry_after }) => {
            Ok(finish(&shared, method, params, Err(ApiError { code, description, retry_after }), true))
        }
        Some(Fault::Drop) => {
            tracing::debug!(method, "emulator drops the connection (injected fault)");
            shared.lock().record(RecordedRequest {
                method,
                body: Value::Object(params),
                status: 0,
                response: Value::Null,
                injected: true,
            });
            shared.events_notify.notify_waiters();
            Err(DroppedByFault)
        }
        Some(Fault::Timeout(hold)) => {
            // Detached, so the request completes (and is delivered) even if the client goes away.
            let task_shared = shared.clone();
            let task = tokio::spawn(async move {
                tokio::select! {
                    () = tokio::time::sleep_until(deadline_after(hold)) => {}
                    () = task_shared.stopped() => {}
                }
                // Held, then answered as usual: the answer is the emulator's own.
                let result = call_method(&task_shared, &method, &params);
                finish(&task_shared, method, params, result, false)
            });
            Ok(task.await.unwrap_or_else(|err| {
                json_response(400, &ApiError::bad_request(format!("emulator task failed: {err}")).to_json())
            }))
        }
    }
}

/// How the file server's requests are named in recordings and for faults
/// (`Methods::Only("downloadFile")`).
const DOWNLOAD: &str = "downloadfile";

/// `GET /file/bot<token>/<file_path>`: the file's bytes, as Telegram's file server sends them;
/// 401 for another token, 404 for a path `getFile` never gave. Faults apply as to methods.
async fn serve_file(
    shared: &Shared,
    is_get: bool,
    token: &str,
    path: &str,
) -> Result<Response<Full<Bytes>>, DroppedByFault> {
    let fault = {
        let mut st = shared.lock();
        if st.faults.any_for(DOWNLOAD) { st.faults.take(None, DOWNLOAD) } else { None }
    };
    let injected = matches!(fault, Some(Fault::Drop | Fault::Status { .. }));
    let answer = match fault {
        Some(Fault::Drop) => None,
        Some(Fault::Status { code, description, retry_after }) => {
            Some(Err(ApiError { code, description, retry_after }))
        }
        Some(Fault::Timeout(hold)) => {
            tokio::select! {
                () = tokio::time::sleep_until(deadline_after(hold)) => {}
                () = shared.stopped() => {}
            }
            Some(file_answer(shared, is_get, token, path))
        }
        None => Some(file_answer(shared, is_get, token, path)),
    };
    let (status, response) = match &answer {
        Some(Ok(bytes)) => (200, json!({"size": bytes.len()})),
        Some(Err(err)) => (err.code, err.to_json()),
        None => (0, Value::Null),
    };
    shared.lock().record(RecordedRequest {
        method: DOWNLOAD.to_owned(),
        body: json!({ "file_path": path }),
        status,
        response,
        injected,
    });
    shared.events_notify.notify_waiters();
    match answer {
        None => Err(DroppedByFault),
        Some(Ok(bytes)) => {
            let mut resp = Response::new(Full::new(Bytes::from(bytes)));
            resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            Ok(resp)
        }
        Some(Err(err)) => Ok(json_response(err.code, &err.to_json())),
    }
}

fn file_answer(shared: &Shared, is_get: bool, token: &str, path: &str) -> Result<Vec<u8>, ApiError> {
    if !is_get {
        return Err(ApiError::new(405, "Method Not Allowed"));
    }
    if token != shared.config.token {
        return Err(ApiError::new(401, "Unauthorized"));
    }
    shared.lock().files.download(path).map(<[u8]>::to_vec).ok_or_else(|| ApiError::new(404, "Not Found"))
}

/// Runs a method other than getUpdates under the state lock.
fn call_method(shared: &Shared, method: &str, params: &Params) -> Result<Value, ApiError> {
    let result = methods::call(&mut shared.lock(), method, params);
    shared.events_notify.notify_waiters();
    // Updates queued before the webhook was set are delivered to it now, as Telegram does.
    if method == "setwebhook" {
        shared.updates_notify.notify_waiters();
    }
    result
}

/// Records the request and builds its answer; `injected` if the answer is an injected fault.
fn finish(
    shared: &Shared,
    method: String,
    params: Params,
    result: Result<Value, ApiError>,
    injected: bool,
) -> Response<Full<Bytes>> {
    let (status, body) = match result {
        Ok(value) => (200, json!({"ok": true, "result": value})),
        Err(err) => (err.code, err.to_json()),
    };
    tracing::debug!(method, status, "emulator request");
    {
        let mut st = shared.lock();
        let response = if st.records_requests() { body.clone() } else { Value::Null };
        st.record(RecordedRequest { method, body: Value::Object(params), status, response, injected });
    }
    shared.events_notify.notify_waiters();
    json_response(status, &body)
}

fn json_response(status: u16, body: &Value) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// Long polling: answers as soon as updates exist, else after `timeout` (capped).
async fn get_updates(shared: &Shared, p: &Params) -> Result<Value, ApiError> {
    let offset = opt_i64(p, "offset")?;
    let limit = usize::try_from(opt_i64(p, "limit")?.unwrap_or(100).clamp(1, 100)).unwrap_or(100);
    let timeout = u64::try_from(opt_i64(p, "timeout")?.unwrap_or(0)).unwrap_or(0);
    let allowed = match json_param(p, "allowed_updates") {
        None => None,
        Some(Value::Array(list)) => Some(list.iter().filter_map(Value::as_str).map(str::to_owned).collect::<Vec<_>>()),
        Some(_) => {
            return Err(ApiError::bad_request("field \"allowed_updates\" must be an Array"));
        }
    };
    {
        let mut st = shared.lock();
        if st.webhook.is_some() {
            return Err(ApiError::new(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            ));
        }
        if let Some(list) = allowed {
            // An empty list restores Telegram's default set.
            st.allowed_updates = (!list.is_empty()).then_some(list);
        }
        if let Some(offset) = offset {
            st.confirm_updates(offset);
        }
    }
    let hold = Duration::from_secs(timeout).min(shared.config.max_poll_hold);
    let deadline = deadline_after(hold);
    loop {
        let notified = shared.updates_notify.notified();
        tokio::pin!(notified);
        // Register before checking so an update pushed in between still wakes us.
        notified.as_mut().enable();
        {
            let mut st = shared.lock();
            let batch = st.take_batch(limit);
            if !batch.is_empty() || st.shutting_down || Instant::now() >= deadline {
                return Ok(Value::Array(batch));
            }
        }
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_parsed() {
        assert_eq!(parse_path("/bot123:ABC/SendMessage"), Some(("123:ABC".to_owned(), "SendMessage".to_owned())));
        assert_eq!(parse_path("/bot123%3AABC/getMe"), Some(("123:ABC".to_owned(), "getMe".to_owned())));
        assert_eq!(parse_path("/foo/getMe"), None);
        assert_eq!(parse_path("/bot1:A/getMe/extra"), None);
        assert_eq!(parse_path("/"), None);
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b+c%zz%", true), "a b c%zz%");
        assert_eq!(percent_decode("%D0%AF", false), "\u{42f}");
    }
}
