//! What the bot counts for operations, in Prometheus' text format at `/metrics`. One explicit
//! registry per application (no global recorder), so that tests and replicas each see their
//! own. Counters are bumped where things happen; what the database knows (outbox rows, codes
//! left, candidates by stage) is read when scraped.

use std::sync::Mutex;
use std::time::Duration;

use std::fmt::Write;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::domain::ReminderKind;
use crate::storage::{Db, StorageResult};

/// Label values spelled as Telegram and Prometheus users expect (`callback_query`, `429`).
macro_rules! label_value {
    ($($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ })+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl EncodeLabelValue for $name {
            fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
                encoder.write_str(match self {
                    $($name::$variant => $text,)+
                })
            }
        }
    )+};
}

label_value! {
    /// The kind of an update, as the bot handles it.
    UpdateKind {
        Message = "message",
        EditedMessage = "edited_message",
        CallbackQuery = "callback_query",
        MyChatMember = "my_chat_member",
        Other = "other",
    }

    Outcome {
        Handled = "handled",
        Failed = "failed",
    }

    /// How a Bot API call ended, by the status Telegram answered (or would have): teloxide
    /// reports a 429 and API errors as such, and drops the status of a 5xx, which is counted
    /// with timeouts and dropped connections.
    CallStatus {
        Ok = "200",
        BadRequest = "400",
        Forbidden = "403",
        TooManyRequests = "429",
        /// A 5xx, a timeout or a dropped connection.
        Unavailable = "5xx_or_network",
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpdateLabels {
    kind: UpdateKind,
    outcome: Outcome,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    /// As the Bot API spells it: `sendMessage`.
    method: String,
    status: CallStatus,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboxLabels {
    kind: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WayLabels {
    way: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    stage: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SentLabels {
    kind: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    updates: Family<UpdateLabels, Counter>,
    handler_seconds: Histogram,
    calls: Family<CallLabels, Counter>,
    sent: Family<SentLabels, Counter>,
    outbox: Family<OutboxLabels, Gauge>,
    codes_left: Family<WayLabels, Gauge>,
    candidates: Family<StageLabels, Gauge>,
    leader: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Handler latency buckets: 5 ms to about 40 s. A turn is a few ms of work plus Telegram's
/// round trips (~0.3 s), and up to the request layer's 20 s of retries.
const LATENCY_BUCKETS: [f64; 14] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 40.0];

impl Metrics {
    pub fn new() -> Metrics {
        let (updates, calls, sent) = (Family::default(), Family::default(), Family::default());
        let (outbox, codes_left, candidates) = (Family::default(), Family::default(), Family::default());
        let (handler_seconds, leader) = (Histogram::new(LATENCY_BUCKETS), Gauge::default());
        let mut registry = Registry::with_prefix("rezerv");
        registry.register("updates", "Updates handled, by kind and outcome", updates.clone());
        registry.register(
            "handler_seconds",
            "Time from an update's arrival at the handlers to the end of its turn",
            handler_seconds.clone(),
        );
        registry.register("telegram_requests", "Bot API requests (each attempt), by method and status", calls.clone());
        registry.register("outbox_sent", "Outbox messages delivered, by kind", sent.clone());
        registry.register("outbox_rows", "Outbox rows by kind and status", outbox.clone());
        registry.register("codes_left", "Promo codes left in each way's pool", codes_left.clone());
        registry.register("candidates", "Candidates by stage", candidates.clone());
        registry.register("leader", "1 if this replica polls Telegram and runs the workers", leader.clone());
        Metrics {
            registry: Mutex::new(registry),
            updates,
            handler_seconds,
            calls,
            sent,
            outbox,
            codes_left,
            candidates,
            leader,
        }
    }

    pub fn update_handled(&self, kind: UpdateKind, outcome: Outcome, took: Duration) {
        self.updates.get_or_create(&UpdateLabels { kind, outcome }).inc();
        self.handler_seconds.observe(took.as_secs_f64());
    }

    /// Counts one attempt of `method` (teloxide's payload name, `SendMessage`).
    pub fn telegram_call(&self, method: &str, status: CallStatus) {
        let mut chars = method.chars();
        let method =
            chars.next().map(|first| first.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default();
        self.calls.get_or_create(&CallLabels { method, status }).inc();
    }

    pub fn delivered(&self, kind: ReminderKind) {
        self.sent.get_or_create(&SentLabels { kind: kind.as_str().to_owned() }).inc();
    }

    pub fn set_leader(&self, leads: bool) {
        self.leader.set(i64::from(leads));
    }

    /// Reads what the database knows, then renders everything in Prometheus' text format.
    pub async fn render(&self, db: &Db) -> StorageResult<String> {
        let snapshot = db.ops_snapshot().await?;
        // Held while the gauges are refilled, so that two scrapes at once never encode a
        // family half filled.
        let registry = self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.outbox.clear();
        for (kind, status, count) in snapshot.outbox {
            let labels = OutboxLabels { kind: kind.as_str().to_owned(), status: status.as_str().to_owned() };
            self.outbox.get_or_create(&labels).set(count);
        }
        self.codes_left.clear();
        for (way, count) in snapshot.codes_left {
            self.codes_left.get_or_create(&WayLabels { way: way.code().to_owned() }).set(count);
        }
        self.candidates.clear();
        for (stage, count) in snapshot.candidates {
            self.candidates.get_or_create(&StageLabels { stage: stage.as_str().to_owned() }).set(count);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        Ok(text)
    }
}
