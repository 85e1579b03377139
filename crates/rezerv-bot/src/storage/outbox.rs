//! The outbox: planned reminders, the sender's claims, and their outcomes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyPool, Row};

use super::batch::json_rows;
use super::dialect::{Backend, sql};
use super::sql::{SqlText, flag};
use super::{Db, StorageError, StorageResult, corrupt, timestamp};
use crate::domain::{Lang, ReminderKind, Stage, Way, spelled};

spelled! {
    /// Where an outbox row is, as stored in `outbox.status`.
    pub enum OutboxStatus("outbox status") {
        /// Waiting for its due time.
        Pending = "pending",
        /// Claimed by a sender, until its lease ends.
        InFlight = "in_flight",
        Sent = "sent",
        /// Given up on: rejected by Telegram or out of attempts.
        Failed = "failed",
        /// Not to be sent: no longer planned, expired, or the chat is gone.
        Cancelled = "cancelled",
    }
}

spelled! {
    /// Why a row is cancelled instead of sent, as recorded in its `last_error`.
    pub enum CancelReason("cancel reason") {
        /// Past the row's expiry (a deadline reminder after the deadline day, a nudge after
        /// its own day, a results reminder after its grace days).
        Expired = "expired",
        /// A newer reminder for the same deadline has fallen due: only the newest is sent.
        Superseded = "superseded",
        /// The candidate erased their data.
        Erased = "erased",
        /// The candidate no longer talks to the bot.
        Inactive = "inactive",
        /// An organiser stopped the broadcast.
        Stopped = "stopped",
        /// The recipient of an alert is no longer an organiser.
        NotOrganiser = "not-organiser",
    }
}

use OutboxStatus::{Cancelled, Failed, InFlight, Pending, Sent};

/// Why the due row `o` is not to be sent after all, or NULL. `$1` is now, `$2` today's date
/// in the campaign time zone. A deadline reminder is superseded by a newer one for the same
/// deadline and way whose day is today or past: after an outage only the newest goes out,
/// and not twice on one day. An alert goes to an organiser's chat, which need not be a
/// candidate's: it is dropped only once its recipient is no longer an organiser.
fn unsendable() -> String {
    format!(
        "CASE
            WHEN o.kind = {alert} THEN CASE WHEN NOT EXISTS (
                SELECT 1 FROM organisers g WHERE g.user_id = o.chat_id AND g.removed_at IS NULL) THEN {not_organiser} END
            WHEN NOT EXISTS (SELECT 1 FROM candidates c WHERE c.chat_id = o.chat_id) THEN {erased}
            WHEN NOT EXISTS (SELECT 1 FROM candidates c WHERE c.chat_id = o.chat_id AND c.active = 1) THEN {inactive}
            WHEN o.expires_at <= $1 THEN {expired}
            WHEN o.kind = {deadline} AND {{text(o.args, deadline)}} < $2 THEN {expired}
            WHEN o.kind = {deadline} AND EXISTS (
                SELECT 1 FROM outbox n
                WHERE n.chat_id = o.chat_id AND n.kind = {deadline} AND n.id <> o.id
                    AND {{text(n.args, deadline)}} = {{text(o.args, deadline)}}
                    AND {{text(n.args, way)}} IS NOT DISTINCT FROM {{text(o.args, way)}}
                    AND {{int(n.args, days_before)}} < {{int(o.args, days_before)}}
                    AND {{minus_days({{text(n.args, deadline)}}; {{int(n.args, days_before)}})}} <= $2)
                THEN {superseded}
        END",
        erased = CancelReason::Erased.quoted(),
        inactive = CancelReason::Inactive.quoted(),
        expired = CancelReason::Expired.quoted(),
        superseded = CancelReason::Superseded.quoted(),
        not_organiser = CancelReason::NotOrganiser.quoted(),
        deadline = ReminderKind::Deadline.quoted(),
        alert = ReminderKind::Alert.quoted(),
    )
}

/// The arguments of row `o` as sent today (`$2`): a deadline reminder counts its days left
/// from the day it goes out, not the day it was planned for.
fn args_at_send() -> String {
    format!(
        "CASE WHEN o.kind = {deadline}
            THEN {{set_int(o.args; days; {{days_between({{text(o.args, deadline)}}; $2)}})}}
            ELSE o.args END",
        deadline = ReminderKind::Deadline.quoted(),
    )
}

/// Rows the sender may claim at `$1`: pending and due, or in flight with an expired lease.
fn claimable() -> String {
    format!(
        "((o.status = {pending} AND o.due_at <= $1) OR (o.status = {in_flight} AND o.lease_until <= $1))",
        pending = Pending.quoted(),
        in_flight = InFlight.quoted(),
    )
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// What the planner needs to know about one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInput {
    pub chat_id: i64,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub stage: Stage,
    pub city: Option<String>,
    pub way: Option<Way>,
    pub step: Option<i64>,
    pub stage_since: DateTime<Utc>,
    pub applied_on: Option<NaiveDate>,
    pub qrt_booked_on: Option<NaiveDate>,
    pub test_date: Option<NaiveDate>,
    pub has_code: bool,
    /// The fingerprint stored at the last re-plan.
    pub fingerprint: Option<String>,
}

/// One reminder the planner wants.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    pub key: String,
    pub kind: ReminderKind,
    pub message: String,
    pub args: serde_json::Value,
    pub due_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A row claimed by the sender.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub chat_id: i64,
    pub plan_key: String,
    pub kind: ReminderKind,
    pub message: String,
    pub args: serde_json::Value,
    pub due_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub attempts: i64,
}

/// One planned row of a re-plan, as the batched upsert reads it.
#[derive(Debug, Serialize)]
struct PlannedInsert {
    chat_id: i64,
    plan_key: String,
    kind: ReminderKind,
    message: String,
    /// The arguments' JSON, stored as text.
    args: String,
    due_at: String,
    expires_at: Option<String>,
}

/// A planned row's key, all the cancelling statement needs of it.
#[derive(Debug, Serialize)]
struct PlanKey<'a> {
    chat_id: i64,
    plan_key: &'a str,
}

/// A re-planned candidate: their new fingerprint, or none to keep the stored one (their
/// inputs did not read back).
#[derive(Debug, Serialize)]
struct PlanMark {
    chat_id: i64,
    fingerprint: Option<String>,
}

/// One row taken by `claim_due`: to be sent, or cancelled at the claim as no longer true.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedRow {
    pub row: OutboxRow,
    pub retired: Option<CancelReason>,
}

/// Counts of future reminders by due instant and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wave {
    pub due_at: DateTime<Utc>,
    pub kind: ReminderKind,
    pub count: i64,
}

pub(super) fn parse_time(text: &str) -> StorageResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| StorageError::Corrupt(format!("bad stored time `{text}`")))
}

pub(super) fn parse_day(text: Option<String>) -> StorageResult<Option<NaiveDate>> {
    text.map(|text| {
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map_err(|_| StorageError::Corrupt(format!("bad stored date `{text}`")))
    })
    .transpose()
}

/// A row sent at `at`, for the batched mark.
#[derive(Debug, Clone, Serialize)]
pub(super) struct SentMark {
    id: i64,
    at: String,
}

/// Marks a batch of rows sent, in one statement.
pub(super) async fn sent_marks(writer: &AnyPool, backend: Backend, marks: Vec<SentMark>) -> StorageResult<Vec<()>> {
    sqlx::query(sql!(
        backend,
        format!(
            "UPDATE outbox SET status = {sent}, sent_at = batch.at, updated_at = batch.at, lease_until = NULL,
                 last_error = NULL
             FROM {{rows($1; id BIGINT, at TEXT)}} WHERE outbox.id = batch.id",
            sent = Sent.quoted(),
        )
    ))
    .bind(json_rows(&marks)?)
    .execute(writer)
    .await?;
    Ok(vec![(); marks.len()])
}

fn outbox_row(row: sqlx::any::AnyRow) -> StorageResult<OutboxRow> {
    let args: String = row.try_get("args")?;
    let expires: Option<String> = row.try_get("expires_at")?;
    Ok(OutboxRow {
        id: row.try_get("id")?,
        chat_id: row.try_get("chat_id")?,
        plan_key: row.try_get("plan_key")?,
        kind: row.try_get("kind")?,
        message: row.try_get("message")?,
        args: serde_json::from_str(&args).map_err(corrupt)?,
        due_at: parse_time(&row.try_get::<String, _>("due_at")?)?,
        expires_at: expires.as_deref().map(parse_time).transpose()?,
        attempts: row.try_get("attempts")?,
    })
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds $1-$8 of an outbox insert: chat, key, kind, message, args, due, expiry, now.
pub(super) fn bind_row<'q>(query: AnyQuery<'q>, chat_id: i64, row: &'q PlannedRow, now: &'q str) -> AnyQuery<'q> {
    query
        .bind(chat_id)
        .bind(&row.key)
        .bind(row.kind)
        .bind(&row.message)
        .bind(row.args.to_string())
        .bind(timestamp(row.due_at))
        .bind(row.expires_at.map(timestamp))
        .bind(now)
}

const ROW_COLUMNS: &str = "id, chat_id, plan_key, kind, message, args, due_at, expires_at, attempts";

const PLAN_INPUT_COLUMNS: &str = "chat_id, active, created_at, stage, city, way, step, stage_since, applied_on, \
    qrt_booked_on, test_date, CASE WHEN code IS NOT NULL THEN 1 ELSE 0 END AS has_code, plan_fingerprint";

fn plan_input(row: sqlx::any::AnyRow) -> StorageResult<PlanInput> {
    let way: Option<String> = row.try_get("way")?;
    Ok(PlanInput {
        chat_id: row.try_get("chat_id")?,
        active: flag(&row, "active")?,
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
        stage: row.try_get("stage")?,
        city: row.try_get("city")?,
        way: way.map(|way| way.parse()).transpose().map_err(corrupt)?,
        step: row.try_get("step")?,
        stage_since: parse_time(&row.try_get::<String, _>("stage_since")?)?,
        applied_on: parse_day(row.try_get("applied_on")?)?,
        qrt_booked_on: parse_day(row.try_get("qrt_booked_on")?)?,
        test_date: parse_day(row.try_get("test_date")?)?,
        has_code: flag(&row, "has_code")?,
        fingerprint: row.try_get("plan_fingerprint")?,
    })
}

impl Db {
    pub async fn plan_input(&self, chat_id: i64) -> StorageResult<Option<PlanInput>> {
        let row = sqlx::query(sql!(self, format!("SELECT {PLAN_INPUT_COLUMNS} FROM candidates WHERE chat_id = $1")))
            .bind(chat_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(plan_input).transpose()
    }

    /// Re-plans up to `limit` candidates whose planning inputs changed, in one transaction on
    /// the writer, so no write can slip between reading a candidate and storing their plan
    /// (on PostgreSQL the candidates' rows are locked, and another replica's planner takes
    /// others).
    /// `plan` gives each candidate's fingerprint, and their rows unless the fingerprint is the
    /// one stored. A re-planned chat's pending rows of `kinds` become exactly its new rows:
    /// new ones are added, changed ones updated, unwanted ones cancelled. Sent, failed and
    /// in-flight rows are history and stay; rows of other kinds (broadcasts) too.
    /// Returns how many candidates were taken.
    pub async fn replan_dirty<F>(
        &self,
        limit: u32,
        kinds: &[ReminderKind],
        now: DateTime<Utc>,
        mut plan: F,
    ) -> StorageResult<usize>
    where
        F: FnMut(&PlanInput) -> (String, Option<Vec<PlannedRow>>),
    {
        let now = timestamp(now);
        let mut tx = self.begin_write().await?;
        let dirty = sqlx::query(sql!(
            self,
            format!(
                "SELECT {PLAN_INPUT_COLUMNS} FROM candidates WHERE plan_dirty = 1 ORDER BY chat_id LIMIT $1
                 {{skip_locked()}}"
            )
        ))
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        if dirty.is_empty() {
            return Ok(0);
        }
        let taken = dirty.len();
        let mut marks = Vec::with_capacity(taken);
        let mut replanned = Vec::new();
        let mut rows = Vec::new();
        for row in dirty {
            let chat_id: i64 = row.try_get("chat_id")?;
            let input = match plan_input(row) {
                Ok(input) => input,
                Err(err) => {
                    // One unreadable row must not hold up everyone else's reminders.
                    tracing::error!(chat_id, %err, "cannot read planning inputs; not re-planned");
                    marks.push(PlanMark { chat_id, fingerprint: None });
                    continue;
                }
            };
            let (fingerprint, planned) = plan(&input);
            if let Some(planned) = planned {
                replanned.push(input.chat_id);
                rows.extend(planned.into_iter().map(|row| PlannedInsert {
                    chat_id: input.chat_id,
                    plan_key: row.key,
                    kind: row.kind,
                    message: row.message,
                    args: row.args.to_string(),
                    due_at: timestamp(row.due_at),
                    expires_at: row.expires_at.map(timestamp),
                }));
            }
            marks.push(PlanMark { chat_id: input.chat_id, fingerprint: Some(fingerprint) });
        }
        if !rows.is_empty() {
            sqlx::query(sql!(
                self,
                format!(
                    "INSERT INTO outbox (chat_id, plan_key, kind, message, args, due_at, expires_at, created_at, updated_at)
                     SELECT batch.chat_id, batch.plan_key, batch.kind, batch.message, batch.args, batch.due_at,
                            batch.expires_at, $1, $1
                     FROM {{rows($2; chat_id BIGINT, plan_key TEXT, kind TEXT, message TEXT, args TEXT, due_at TEXT,
                                    expires_at TEXT)}} WHERE true
                     ON CONFLICT (chat_id, plan_key) DO UPDATE SET
                         kind = excluded.kind, message = excluded.message, args = excluded.args,
                         due_at = excluded.due_at, expires_at = excluded.expires_at,
                         attempts = CASE WHEN outbox.status = {cancelled} THEN 0 ELSE outbox.attempts END,
                         status = {pending}, updated_at = excluded.updated_at
                     WHERE outbox.status IN ({pending}, {cancelled})",
                    pending = Pending.quoted(),
                    cancelled = Cancelled.quoted(),
                )
            ))
            .bind(&now)
            .bind(json_rows(&rows)?)
            .execute(&mut *tx)
            .await?;
        }
        if !replanned.is_empty() {
            // The re-planned chats' new rows are the only pending ones kept, matched on one text
            // key: for a row value `(chat_id, plan_key) NOT IN`, SQLite scans the whole list for
            // each row it does not find (it cannot rule out nulls). A re-plan of 200 chats, 800
            // rows and 200 cancels: 77M instructions, 22M now. Just the keys: full rows cost 6M more.
            let keys: Vec<PlanKey> =
                rows.iter().map(|row| PlanKey { chat_id: row.chat_id, plan_key: &row.plan_key }).collect();
            sqlx::query(sql!(
                self,
                format!(
                    "UPDATE outbox SET status = {cancelled}, updated_at = $1
                     WHERE status = {pending}
                         AND chat_id IN (SELECT CAST(value AS BIGINT) FROM {{each($2)}})
                         AND kind IN (SELECT value FROM {{each($3)}})
                         AND chat_id || ' ' || plan_key NOT IN
                             (SELECT batch.chat_id || ' ' || batch.plan_key
                              FROM {{rows($4; chat_id BIGINT, plan_key TEXT)}})",
                    pending = Pending.quoted(),
                    cancelled = Cancelled.quoted(),
                )
            ))
            .bind(&now)
            .bind(json_rows(&replanned)?)
            .bind(json_rows(kinds)?)
            .bind(json_rows(&keys)?)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(sql!(
            self,
            "UPDATE candidates SET plan_dirty = 0, plan_fingerprint = coalesce(batch.fingerprint, plan_fingerprint)
             FROM {rows($1; chat_id BIGINT, fingerprint TEXT)}
             WHERE candidates.chat_id = batch.chat_id"
        ))
        .bind(json_rows(&marks)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// Cancels every pending row of a chat (blocked bot, erased data).
    pub async fn cancel_pending(&self, chat_id: i64, now: DateTime<Utc>) -> StorageResult<u64> {
        Ok(sqlx::query(sql!(
            self,
            format!(
                "UPDATE outbox SET status = {cancelled}, updated_at = $1 WHERE chat_id = $2 AND status IN ({pending}, {in_flight})",
                cancelled = Cancelled.quoted(),
                pending = Pending.quoted(),
                in_flight = InFlight.quoted(),
            )
        ))
        .bind(timestamp(now))
        .bind(chat_id)
        .execute(self.writer())
        .await?
        .rows_affected())
    }

    /// Adds one message to the outbox unless the chat already has `key` (for broadcasts and
    /// tests); returns whether it was added.
    pub async fn enqueue(&self, chat_id: i64, row: &PlannedRow, now: DateTime<Utc>) -> StorageResult<bool> {
        Ok(self.enqueue_many(&[(chat_id, row.clone())], now).await? == 1)
    }

    /// Adds many messages in one transaction (a broadcast); rows whose chat already has the key
    /// are left alone. Returns how many were added.
    pub async fn enqueue_many(&self, rows: &[(i64, PlannedRow)], now: DateTime<Utc>) -> StorageResult<u64> {
        let now = timestamp(now);
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for (chat_id, row) in rows {
            let query = sqlx::query(
                "INSERT INTO outbox (chat_id, plan_key, kind, message, args, due_at, expires_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (chat_id, plan_key) DO NOTHING",
            );
            added += bind_row(query, *chat_id, row, &now).execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Claims up to `limit` rows that are due (or whose lease expired after a crash), oldest
    /// first. Replicas on PostgreSQL claim side by side: a row another one is claiming is
    /// skipped (`SKIP LOCKED`), and once claimed it is in flight under its lease. A row that is still true is marked in flight until `lease_until`, a deadline
    /// reminder with its days left as of `today`; one that is not (see `unsendable`) is
    /// cancelled with its reason in the same transaction and returned as such.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        today: NaiveDate,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StorageResult<Vec<ClaimedRow>> {
        let now_text = timestamp(now);
        let today = day(today);
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(sql!(
            self,
            format!(
                "SELECT id FROM (
                     SELECT id, due_at FROM (SELECT id, due_at FROM outbox
                         WHERE status = {pending} AND due_at <= $1 ORDER BY due_at, id LIMIT $2
                         {{skip_locked()}}) AS due
                     UNION ALL
                     SELECT id, due_at FROM (SELECT id, due_at FROM outbox
                         WHERE status = {in_flight} AND lease_until <= $1 ORDER BY lease_until LIMIT $2
                         {{skip_locked()}}) AS lapsed
                     ORDER BY due_at, id LIMIT $2) AS claim",
                pending = Pending.quoted(),
                in_flight = InFlight.quoted(),
            )
        ))
        .bind(&now_text)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(&ids).map_err(corrupt)?;
        let retired = sqlx::query(sql!(
            self,
            format!(
                "UPDATE outbox AS o SET status = {cancelled}, last_error = {reason}, updated_at = $1, lease_until = NULL
                 WHERE o.id IN (SELECT CAST(value AS BIGINT) FROM {{each($3)}}) AND {reason} IS NOT NULL
                 RETURNING {ROW_COLUMNS}, last_error",
                cancelled = Cancelled.quoted(),
                reason = unsendable(),
            )
        ))
        .bind(&now_text)
        .bind(&today)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        let to_send = sqlx::query(sql!(
            self,
            format!(
                "UPDATE outbox AS o SET status = {in_flight}, lease_until = $3, attempts = attempts + 1, updated_at = $1,
                     args = {args}
                 WHERE o.id IN (SELECT CAST(value AS BIGINT) FROM {{each($4)}}) AND o.status IN ({pending}, {in_flight})
                 RETURNING {ROW_COLUMNS}",
                in_flight = InFlight.quoted(),
                pending = Pending.quoted(),
                args = args_at_send(),
            )
        ))
        .bind(&now_text)
        .bind(&today)
        .bind(timestamp(lease_until))
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut claimed = Vec::with_capacity(retired.len() + to_send.len());
        for row in retired {
            let reason: CancelReason = row.try_get("last_error")?;
            claimed.push(ClaimedRow { row: outbox_row(row)?, retired: Some(reason) });
        }
        for row in to_send {
            claimed.push(ClaimedRow { row: outbox_row(row)?, retired: None });
        }
        claimed.sort_by(|a, b| a.row.due_at.cmp(&b.row.due_at).then(a.row.id.cmp(&b.row.id)));
        Ok(claimed)
    }

    /// Holds broadcasts until `until` (the end of quiet hours): pending ones due before it are
    /// due then instead, in the same order; ones whose lease expired (in flight at a crash) go
    /// back to pending, due then too. Returns how many rows were moved.
    pub async fn hold_broadcasts(&self, until: DateTime<Utc>, now: DateTime<Utc>) -> StorageResult<u64> {
        let (until, now) = (timestamp(until), timestamp(now));
        let broadcast = ReminderKind::Broadcast.quoted();
        let mut tx = self.begin_write().await?;
        let held = sqlx::query(sql!(
            self,
            format!(
                "UPDATE outbox SET due_at = $1, updated_at = $2
                 WHERE status = {pending} AND due_at < $1 AND kind = {broadcast}",
                pending = Pending.quoted(),
            )
        ))
        .bind(&until)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let returned = sqlx::query(sql!(
            self,
            format!(
                "UPDATE outbox SET status = {pending}, due_at = $1, updated_at = $2, lease_until = NULL
                 WHERE status = {in_flight} AND lease_until <= $2 AND kind = {broadcast}",
                pending = Pending.quoted(),
                in_flight = InFlight.quoted(),
            )
        ))
        .bind(&until)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(held + returned)
    }

    /// Marks a row sent. Concurrent sends share one statement and commit (`sent_marks`): at
    /// 1,000 paid sends a second one commit each would keep the single writer busy.
    /// If the shared statement fails, each row is marked on its own: a failed write leaves a
    /// delivered row in flight, to be sent again, so one failure must not cost a whole batch.
    pub async fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> StorageResult<()> {
        let mark = SentMark { id, at: timestamp(now) };
        if let Err(err) = self.sent.call(mark.clone()).await {
            tracing::warn!(row = id, error = %err, "the batched sent mark failed; marking the row alone");
            sent_marks(self.writer(), self.backend(), vec![mark]).await?;
        }
        Ok(())
    }

    /// Ends a claimed row for good: `failed` (with the reason) or `cancelled`. A row no longer
    /// in flight (its broadcast stopped meanwhile) keeps its status.
    pub async fn finish_unsent(&self, id: i64, cancelled: bool, reason: &str, now: DateTime<Utc>) -> StorageResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = $1, last_error = $2, updated_at = $3, lease_until = NULL
             WHERE id = $4 AND status = $5",
        )
        .bind(if cancelled { Cancelled } else { Failed })
        .bind(reason)
        .bind(timestamp(now))
        .bind(id)
        .bind(InFlight)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Puts a claimed row back to pending, due at `due_at`. `count_attempt: false` undoes the
    /// claim's attempt (a 429 is Telegram's pacing, not the row's failure). A row no longer in
    /// flight (its broadcast stopped meanwhile) stays as it is.
    pub async fn retry_later(
        &self,
        id: i64,
        due_at: DateTime<Utc>,
        reason: &str,
        count_attempt: bool,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = $1, due_at = $2, last_error = $3, updated_at = $4, lease_until = NULL,
                 attempts = attempts - $5
             WHERE id = $6 AND status = $7",
        )
        .bind(Pending)
        .bind(timestamp(due_at))
        .bind(reason)
        .bind(timestamp(now))
        .bind(i64::from(!count_attempt))
        .bind(id)
        .bind(InFlight)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The recipient's language and whether they still talk to the bot; `None` once erased.
    pub async fn recipient(&self, chat_id: i64) -> StorageResult<Option<(Option<Lang>, bool)>> {
        let row = sqlx::query("SELECT lang, active FROM candidates WHERE chat_id = $1")
            .bind(chat_id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            let lang: Option<String> = row.try_get("lang")?;
            let lang = lang.map(|lang| lang.parse()).transpose().map_err(corrupt)?;
            Ok((lang, flag(&row, "active")?))
        })
        .transpose()
    }

    /// Pending reminders from `from` on, counted by due instant and kind.
    pub async fn waves(&self, from: DateTime<Utc>) -> StorageResult<Vec<Wave>> {
        sqlx::query(sql!(
            self,
            format!(
                "SELECT due_at, kind, COUNT(*) AS n FROM outbox WHERE status = {pending} AND due_at >= $1
                 GROUP BY due_at, kind ORDER BY due_at, kind",
                pending = Pending.quoted(),
            )
        ))
        .bind(timestamp(from))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|row| {
            Ok(Wave {
                due_at: parse_time(&row.try_get::<String, _>("due_at")?)?,
                kind: row.try_get("kind")?,
                count: row.try_get("n")?,
            })
        })
        .collect()
    }

    /// What the sender would send now, as it would send it, without claiming anything: the
    /// claimable rows that are still true, oldest first.
    pub async fn due_now(&self, now: DateTime<Utc>, today: NaiveDate, limit: i64) -> StorageResult<Vec<OutboxRow>> {
        sqlx::query(sql!(
            self,
            format!(
                "SELECT o.id, o.chat_id, o.plan_key, o.kind, o.message, {args} AS args, o.due_at, o.expires_at, o.attempts
                 FROM outbox o WHERE {claimable} AND {reason} IS NULL
                 ORDER BY o.due_at, o.id LIMIT $3",
                args = args_at_send(),
                claimable = claimable(),
                reason = unsendable(),
            )
        ))
        .bind(timestamp(now))
        .bind(day(today))
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(outbox_row)
        .collect()
    }

    /// The claimable rows the sender would cancel now instead of sending, counted by reason.
    pub async fn due_unsendable(
        &self,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> StorageResult<Vec<(CancelReason, i64)>> {
        Ok(sqlx::query(sql!(
            self,
            format!(
                "SELECT reason, COUNT(*) AS n FROM (SELECT {reason} AS reason FROM outbox o WHERE {claimable}) AS unsent
                 WHERE reason IS NOT NULL GROUP BY reason ORDER BY reason",
                reason = unsendable(),
                claimable = claimable(),
            )
        ))
        .bind(timestamp(now))
        .bind(day(today))
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|row| Ok((row.try_get("reason")?, row.try_get("n")?)))
        .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Rows of one chat, oldest first (for tests and support).
    pub async fn outbox_of(&self, chat_id: i64) -> StorageResult<Vec<(String, OutboxStatus)>> {
        Ok(sqlx::query("SELECT plan_key, status FROM outbox WHERE chat_id = $1 ORDER BY id")
            .bind(chat_id)
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|row| Ok((row.try_get("plan_key")?, row.try_get("status")?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    /// Row counts by status.
    pub async fn outbox_counts(&self) -> StorageResult<Vec<(OutboxStatus, i64)>> {
        Ok(sqlx::query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status ORDER BY status")
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|row| Ok((row.try_get("status")?, row.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }
}
