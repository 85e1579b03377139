//! Broadcasts: the organisers' drafts, the recipients of a segment, queuing one broadcast as
//! one outbox row per recipient, its progress and its cancel.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::console::insert_audit;
use super::dialect::sql;
use super::outbox::parse_time;
use super::sql::{SqlText, flag};
use super::{Actor, AuditEntry, CancelReason, Db, OutboxStatus, StorageResult, corrupt, timestamp};
use crate::domain::{AuditAction, Lang, OrganiserId, ReminderKind, Stage, Way, spelled};

spelled! {
    /// What an organiser composing a broadcast sends next, as stored in `broadcast_drafts.step`.
    pub enum DraftStep("draft step") {
        /// Choosing the segment with the buttons.
        Segment = "segment",
        /// The Kazakh text.
        Kk = "kk",
        /// The Russian text.
        Ru = "ru",
        /// Both texts are in: preview, test, confirm.
        Preview = "preview",
    }
}

impl DraftStep {
    /// The language of the text this step waits for.
    pub fn text_lang(self) -> Option<Lang> {
        match self {
            DraftStep::Kk => Some(Lang::Kk),
            DraftStep::Ru => Some(Lang::Ru),
            DraftStep::Segment | DraftStep::Preview => None,
        }
    }
}

/// A broadcast being composed in Telegram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub organiser: OrganiserId,
    pub step: DraftStep,
    /// The segment in its text form (`Segment`'s `Display`).
    pub segment: String,
    pub text_kk: Option<String>,
    pub text_ru: Option<String>,
}

/// The candidates a segment names, as the query reads them (built from a `Segment` and the
/// campaign). `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Audience {
    pub way: Option<Way>,
    /// City ids (one city, or the cities of a group).
    pub cities: Option<Vec<String>>,
    pub stage: Option<Stage>,
    pub lang: Option<Lang>,
    pub has_code: Option<bool>,
    pub applied: Option<bool>,
}

/// Recipients by the language they read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LangCounts {
    pub kk: i64,
    pub ru: i64,
}

impl LangCounts {
    pub fn total(&self) -> i64 {
        self.kk + self.ru
    }
}

/// A broadcast to queue.
#[derive(Debug, Clone)]
pub struct NewBroadcast<'a> {
    /// The segment's text form, kept with the broadcast and in the audit log.
    pub segment: &'a str,
    pub audience: &'a Audience,
    pub text_kk: &'a str,
    pub text_ru: &'a str,
    pub actor: Actor,
}

/// What queuing a broadcast did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// One outbox row per recipient, in one transaction.
    Queued { id: i64, recipients: i64 },
    /// Nobody matches: nothing was queued.
    NoRecipients,
}

/// A broadcast's texts, as the sender renders its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastTexts {
    pub kk: String,
    pub ru: String,
    /// An organiser stopped it: its rows still claimed are not sent.
    pub stopped: bool,
}

impl BroadcastTexts {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
        }
    }
}

/// Where a broadcast's rows are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub sent: i64,
    pub failed: i64,
    /// Not sent because the candidate blocked the bot, deleted their account or erased their data.
    pub blocked: i64,
    /// Not sent because an organiser stopped the broadcast.
    pub stopped: i64,
    /// Pending or in flight.
    pub left: i64,
}

impl Tally {
    pub fn total(&self) -> i64 {
        self.sent + self.failed + self.blocked + self.stopped + self.left
    }
}

/// A broadcast whose totals have not been reported yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub id: i64,
    pub segment: String,
    pub recipients: i64,
    pub created_by: Option<OrganiserId>,
    pub created_at: DateTime<Utc>,
    /// The live message: (chat, message id).
    pub progress: Option<(i64, i32)>,
    /// The language the organiser composed it in.
    pub progress_lang: Option<Lang>,
    pub stopped: bool,
    pub tally: Tally,
}

/// The outbox rows of the broadcast whose id is `param` (its index is on this very expression).
fn of_broadcast(param: &str) -> String {
    format!("kind = 'broadcast' AND {{int(args, broadcast)}} = {param}")
}

/// The audience's candidates (`c`), as `$1`: `audience_json`. Active candidates only, and
/// never an organiser. One who never chose a language reads Russian.
const AUDIENCE: &str = "c.active = 1
    AND NOT EXISTS (SELECT 1 FROM organisers g WHERE g.user_id = c.chat_id AND g.removed_at IS NULL)
    AND ({text($1, way)} IS NULL OR c.way = {text($1, way)})
    AND ({list($1, cities)} IS NULL OR c.city IN (SELECT value FROM {each({list($1, cities)})}))
    AND ({text($1, stage)} IS NULL OR c.stage = {text($1, stage)})
    AND ({text($1, lang)} IS NULL OR coalesce(c.lang, 'ru') = {text($1, lang)})
    AND ({int($1, has_code)} IS NULL
         OR {int($1, has_code)} = CASE WHEN c.code IS NOT NULL OR c.cabinet_code IS NOT NULL THEN 1 ELSE 0 END)
    AND ({int($1, applied)} IS NULL
         OR {int($1, applied)} = CASE WHEN c.applied_on IS NOT NULL OR c.qrt_booked_on IS NOT NULL THEN 1 ELSE 0 END)";

/// The audience as `AUDIENCE` reads it: its yes/no choices as 1/0, which both backends
/// compare alike, and no field for a filter not set (PostgreSQL reads a JSON `null` as a
/// value, not as SQL's NULL).
fn audience_json(audience: &Audience) -> StorageResult<String> {
    let mut json = serde_json::to_value(audience).map_err(corrupt)?;
    for (field, choice) in [("has_code", audience.has_code), ("applied", audience.applied)] {
        json[field] = choice.map(i64::from).into();
    }
    if let Some(fields) = json.as_object_mut() {
        fields.retain(|_, value| !value.is_null());
    }
    serde_json::to_string(&json).map_err(corrupt)
}

/// The plan key of a broadcast's rows: one per recipient and broadcast.
fn plan_key(id: i64) -> String {
    format!("broadcast-{id}")
}

impl Db {
    /// How many candidates the audience holds now, by the language they read.
    pub async fn audience_counts(&self, audience: &Audience) -> StorageResult<LangCounts> {
        let rows = sqlx::query(sql!(
            self,
            format!(
                "SELECT coalesce(c.lang, 'ru') AS lang, COUNT(*) AS n FROM candidates c WHERE {AUDIENCE} GROUP BY 1"
            )
        ))
        .bind(audience_json(audience)?)
        .fetch_all(self.pool())
        .await?;
        let mut counts = LangCounts::default();
        for row in rows {
            let n: i64 = row.try_get("n")?;
            match row.try_get::<String, _>("lang")?.parse::<Lang>().map_err(corrupt)? {
                Lang::Kk => counts.kk = n,
                Lang::Ru => counts.ru = n,
            }
        }
        Ok(counts)
    }

    pub async fn draft(&self, organiser: OrganiserId) -> StorageResult<Option<Draft>> {
        let row = sqlx::query("SELECT step, segment, text_kk, text_ru FROM broadcast_drafts WHERE organiser = $1")
            .bind(organiser.get())
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            Ok(Draft {
                organiser,
                step: row.try_get("step")?,
                segment: row.try_get("segment")?,
                text_kk: row.try_get("text_kk")?,
                text_ru: row.try_get("text_ru")?,
            })
        })
        .transpose()
    }

    /// Creates or replaces the organiser's draft.
    pub async fn save_draft(&self, draft: &Draft, now: DateTime<Utc>) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO broadcast_drafts (organiser, step, segment, text_kk, text_ru, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (organiser) DO UPDATE SET step = excluded.step, segment = excluded.segment,
                 text_kk = excluded.text_kk, text_ru = excluded.text_ru, updated_at = excluded.updated_at",
        )
        .bind(draft.organiser.get())
        .bind(draft.step)
        .bind(&draft.segment)
        .bind(&draft.text_kk)
        .bind(&draft.text_ru)
        .bind(timestamp(now))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Drops the organiser's draft; false if there was none.
    pub async fn discard_draft(&self, organiser: OrganiserId) -> StorageResult<bool> {
        Ok(sqlx::query("DELETE FROM broadcast_drafts WHERE organiser = $1")
            .bind(organiser.get())
            .execute(self.writer())
            .await?
            .rows_affected()
            == 1)
    }

    /// The organisers whose next message is a broadcast's text.
    pub async fn organisers_writing(&self) -> StorageResult<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT organiser FROM broadcast_drafts WHERE step IN ($1, $2)")
            .bind(DraftStep::Kk)
            .bind(DraftStep::Ru)
            .fetch_all(self.pool())
            .await?)
    }

    /// Queues a broadcast: the broadcast, one outbox row per recipient due now, the audit line,
    /// and (from Telegram) the end of the organiser's draft, in one transaction. Nobody in the
    /// audience: nothing is written.
    pub async fn queue_broadcast(&self, broadcast: &NewBroadcast<'_>, now: DateTime<Utc>) -> StorageResult<Queued> {
        let at = timestamp(now);
        let audience = audience_json(broadcast.audience)?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO broadcasts (segment, text_kk, text_ru, recipients, created_by, created_at)
             VALUES ($1, $2, $3, 0, $4, $5) RETURNING id",
        )
        .bind(broadcast.segment)
        .bind(broadcast.text_kk)
        .bind(broadcast.text_ru)
        .bind(broadcast.actor.id.map(OrganiserId::get))
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let recipients = sqlx::query(sql!(
            self,
            format!(
                "INSERT INTO outbox (chat_id, plan_key, kind, message, args, due_at, created_at, updated_at)
                 SELECT c.chat_id, $2, {kind}, {kind}, $3, $4, $4, $4
                 FROM candidates c WHERE {AUDIENCE} ORDER BY c.chat_id
                 ON CONFLICT (chat_id, plan_key) DO NOTHING",
                kind = ReminderKind::Broadcast.quoted(),
            )
        ))
        .bind(&audience)
        .bind(plan_key(id))
        .bind(serde_json::json!({ "broadcast": id }).to_string())
        .bind(&at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let recipients = i64::try_from(recipients).map_err(corrupt)?;
        if recipients == 0 {
            tx.rollback().await?;
            return Ok(Queued::NoRecipients);
        }
        sqlx::query("UPDATE broadcasts SET recipients = $1 WHERE id = $2")
            .bind(recipients)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let entry = AuditEntry {
            at: now,
            actor: broadcast.actor,
            action: AuditAction::Broadcast,
            detail: format!("#{id} {}", broadcast.segment),
            rows: recipients,
        };
        insert_audit(&mut tx, &entry).await?;
        if let Some(organiser) = broadcast.actor.id {
            sqlx::query("DELETE FROM broadcast_drafts WHERE organiser = $1")
                .bind(organiser.get())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Queued::Queued { id, recipients })
    }

    /// Records the broadcast's live progress message, and its language.
    pub async fn set_progress_message(&self, id: i64, chat_id: i64, message_id: i32, lang: Lang) -> StorageResult<()> {
        sqlx::query(
            "UPDATE broadcasts SET progress_chat = $1, progress_message = $2, progress_lang = $3 WHERE id = $4",
        )
        .bind(chat_id)
        .bind(message_id)
        .bind(lang.code())
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Stops a broadcast: its rows not sent yet are cancelled (those in flight too; one being
    /// sent at this very moment may still arrive), with the audit line. `None` if there is no
    /// such broadcast; otherwise how many rows were cancelled (0 if it had ended).
    pub async fn stop_broadcast(&self, id: i64, actor: Actor, now: DateTime<Utc>) -> StorageResult<Option<u64>> {
        let at = timestamp(now);
        let mut tx = self.begin_write().await?;
        let found = sqlx::query("UPDATE broadcasts SET cancelled_at = coalesce(cancelled_at, $1) WHERE id = $2")
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if found == 0 {
            return Ok(None);
        }
        let cancelled = sqlx::query(sql!(
            self,
            format!(
                "UPDATE outbox SET status = $1, last_error = $2, lease_until = NULL, updated_at = $3
                 WHERE {} AND status IN ($5, $6)",
                of_broadcast("$4")
            )
        ))
        .bind(OutboxStatus::Cancelled)
        .bind(CancelReason::Stopped)
        .bind(&at)
        .bind(id)
        .bind(OutboxStatus::Pending)
        .bind(OutboxStatus::InFlight)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let entry = AuditEntry {
            at: now,
            actor,
            action: AuditAction::Broadcast,
            detail: format!("#{id} stopped"),
            rows: i64::try_from(cancelled).map_err(corrupt)?,
        };
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Some(cancelled))
    }

    pub async fn broadcast_texts(&self, id: i64) -> StorageResult<Option<BroadcastTexts>> {
        let row = sqlx::query(
            "SELECT text_kk, text_ru, CASE WHEN cancelled_at IS NOT NULL THEN 1 ELSE 0 END AS stopped
                 FROM broadcasts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(BroadcastTexts {
                kk: row.try_get("text_kk")?,
                ru: row.try_get("text_ru")?,
                stopped: flag(&row, "stopped")?,
            })
        })
        .transpose()
    }

    /// Where a broadcast's rows are.
    pub async fn broadcast_tally(&self, id: i64) -> StorageResult<Tally> {
        let rows = sqlx::query(sql!(
            self,
            format!(
                "SELECT status, CASE WHEN last_error = $1 THEN 1 ELSE 0 END AS stopped, COUNT(*) AS n
                 FROM outbox WHERE {} GROUP BY 1, 2",
                of_broadcast("$2")
            )
        ))
        .bind(CancelReason::Stopped)
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let mut tally = Tally::default();
        for row in rows {
            let n: i64 = row.try_get("n")?;
            let stopped = flag(&row, "stopped")?;
            match row.try_get::<OutboxStatus, _>("status")? {
                OutboxStatus::Sent => tally.sent += n,
                OutboxStatus::Failed => tally.failed += n,
                OutboxStatus::Pending | OutboxStatus::InFlight => tally.left += n,
                OutboxStatus::Cancelled if stopped => tally.stopped += n,
                OutboxStatus::Cancelled => tally.blocked += n,
            }
        }
        Ok(tally)
    }

    /// The broadcasts whose totals have not been reported, oldest first.
    pub async fn running_broadcasts(&self) -> StorageResult<Vec<Running>> {
        let rows = sqlx::query(
            "SELECT id, segment, recipients, created_by, created_at, progress_chat, progress_message, progress_lang,
                    CASE WHEN cancelled_at IS NOT NULL THEN 1 ELSE 0 END AS stopped
             FROM broadcasts WHERE finished_at IS NULL ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        let mut running = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let chat: Option<i64> = row.try_get("progress_chat")?;
            let message: Option<i32> = row.try_get("progress_message")?;
            running.push(Running {
                id,
                segment: row.try_get("segment")?,
                recipients: row.try_get("recipients")?,
                created_by: row
                    .try_get::<Option<i64>, _>("created_by")?
                    .map(OrganiserId::new)
                    .transpose()
                    .map_err(corrupt)?,
                created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
                progress: chat.zip(message),
                progress_lang: row
                    .try_get::<Option<String>, _>("progress_lang")?
                    .map(|lang| lang.parse())
                    .transpose()
                    .map_err(corrupt)?,
                stopped: flag(&row, "stopped")?,
                tally: self.broadcast_tally(id).await?,
            });
        }
        Ok(running)
    }

    /// Records that a broadcast's totals were reported.
    pub async fn finish_broadcast(&self, id: i64, now: DateTime<Utc>) -> StorageResult<()> {
        sqlx::query("UPDATE broadcasts SET finished_at = $1 WHERE id = $2")
            .bind(timestamp(now))
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}
