//! The organisers' console: who organisers are, the audit log, finding a candidate, and
//! replacing a code that does not work.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::dialect::sql;
use super::outbox::{bind_row, parse_day, parse_time};
use super::sql::flag;
use super::{Db, OutboxStatus, PlannedRow, StorageResult, corrupt, timestamp};
use crate::domain::{
    AuditAction, AuditVia, CabinetCode, CityId, Lang, OrganiserId, Phone, PromoCode, ReminderKind, Stage, Way,
};

/// Who acted: an organiser in Telegram, or someone at the server's command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub via: AuditVia,
    /// The organiser's Telegram id; `None` from the command line or the bot itself.
    pub id: Option<OrganiserId>,
}

impl Actor {
    pub fn cli() -> Actor {
        Actor { via: AuditVia::Cli, id: None }
    }

    pub fn telegram(id: OrganiserId) -> Actor {
        Actor { via: AuditVia::Telegram, id: Some(id) }
    }

    /// The bot on its own (the retention worker).
    pub fn auto() -> Actor {
        Actor { via: AuditVia::Auto, id: None }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub action: AuditAction,
    /// What the action was about, e.g. the phone looked up or the segment of a broadcast.
    pub detail: String,
    /// How many rows it touched.
    pub rows: i64,
}

/// What the console's command menu of one organiser's chat needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuChange {
    /// A new organiser: set the console's menu in their chat.
    Show(OrganiserId),
    /// A removed organiser whose chat still has it: take it off.
    Hide(OrganiserId),
}

/// Whom `/find` looks for: a phone (the candidate's shared contact or the eligible list) or a
/// chat id. A bare 10-digit number can be either, and is looked up as both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub phone: Option<Phone>,
    pub chat_id: Option<i64>,
}

impl Lookup {
    /// `None` when the text is neither a phone nor a chat id.
    pub fn parse(text: &str) -> Option<Lookup> {
        let text = text.trim();
        let phone = Phone::parse(text).ok();
        let chat_id = text
            .bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| text.parse::<i64>().ok())
            .flatten()
            .filter(|id| *id > 0);
        (phone.is_some() || chat_id.is_some()).then_some(Lookup { phone, chat_id })
    }

    /// The longest leading words of `text` that name a candidate, and the rest: `/replace
    /// +7 701 123 45 67 the site refuses it` names the phone, not chat 7.
    pub fn split_leading(text: &str) -> Option<(Lookup, &str)> {
        let words: Vec<(usize, &str)> =
            text.split_whitespace().map(|word| (word.as_ptr() as usize - text.as_ptr() as usize, word)).collect();
        // A phone takes at most five words: "+7 701 123 45 67".
        (1..=words.len().min(5)).rev().find_map(|taken| {
            let (start, last) = words[taken - 1];
            let lookup = Lookup::parse(&text[..start + last.len()])?;
            let rest = words.get(taken).map_or("", |(at, _)| &text[*at..]);
            Some((lookup, rest.trim()))
        })
    }

    /// What the audit log keeps of the lookup: a chat id as it is, a phone masked but for
    /// its last four digits (the log outlives `/forget`).
    pub fn masked(&self) -> String {
        match (&self.phone, self.chat_id) {
            (Some(phone), _) => {
                let digits = phone.as_str();
                let shown = digits.len().saturating_sub(4);
                format!("{}{}", "*".repeat(shown), &digits[shown..])
            }
            (None, Some(chat_id)) => chat_id.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// One candidate as the console shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateCard {
    pub chat_id: i64,
    pub lang: Option<Lang>,
    pub stage: Stage,
    pub city: Option<CityId>,
    pub way: Option<Way>,
    pub step: Option<i64>,
    pub phone: Option<Phone>,
    /// The code held now, its way and when it was issued.
    pub code: Option<(PromoCode, Way, DateTime<Utc>)>,
    /// The code the candidate generated in their cabinet and pasted (cabinet mode).
    pub cabinet_code: Option<CabinetCode>,
    pub applied_on: Option<NaiveDate>,
    pub qrt_booked_on: Option<NaiveDate>,
    pub test_date: Option<NaiveDate>,
    /// False once the candidate blocked the bot.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub reminders_sent: i64,
    pub reminders_pending: i64,
    pub reminders_failed: i64,
    /// Codes revoked from this candidate, oldest first, with the reason.
    pub revoked: Vec<(PromoCode, String)>,
}

/// What `/find` found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Found {
    pub cards: Vec<CandidateCard>,
    /// For a phone: whether it is on the eligible list.
    pub eligible: Option<Eligibility>,
}

/// A phone's entry on the eligible list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eligibility {
    NotListed,
    /// Listed; no code issued for it.
    Listed,
    /// Listed, and this code was issued for it (to an account that may have erased its data).
    Issued(String),
}

/// The outcome of replacing a candidate's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replacement {
    /// The old code is revoked and the new one issued; the candidate is told in `lang`.
    Replaced { old: PromoCode, new: PromoCode, way: Way },
    /// No candidate has this chat id.
    NoCandidate,
    /// The candidate holds no issued code.
    NoCode,
    /// The way's pool is empty: nothing was changed.
    PoolEmpty(Way),
    /// Another candidate holds the same code (issued before codes were bound to an account):
    /// nothing was changed.
    Shared,
}

/// An organiser's request to replace a candidate's code.
#[derive(Debug, Clone, Copy)]
pub struct ReplaceCode<'a> {
    pub chat_id: i64,
    pub reason: &'a str,
    pub actor: Actor,
    /// The Telegram update that asked, marked handled in the same transaction.
    pub update_id: Option<i64>,
}

/// The message the candidate gets when their code is replaced.
pub const CODE_REPLACED_MESSAGE: &str = "notice-code-replaced";

impl Db {
    /// Adds an organiser (or brings back a removed one); false if they already were one.
    pub async fn add_organiser(&self, id: OrganiserId, actor: Actor, now: DateTime<Utc>) -> StorageResult<bool> {
        let at = timestamp(now);
        let mut tx = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO organisers (user_id, added_at) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET added_at = excluded.added_at, removed_at = NULL
             WHERE organisers.removed_at IS NOT NULL",
        )
        .bind(id.get())
        .bind(&at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if added {
            let entry = AuditEntry { at: now, actor, action: AuditAction::AdminAdd, detail: id.to_string(), rows: 1 };
            insert_audit(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Removes an organiser: the console refuses them at once, and the bot takes its menu off
    /// their chat. False if they were not one.
    pub async fn remove_organiser(&self, id: OrganiserId, actor: Actor, now: DateTime<Utc>) -> StorageResult<bool> {
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query("UPDATE organisers SET removed_at = $1 WHERE user_id = $2 AND removed_at IS NULL")
            .bind(timestamp(now))
            .bind(id.get())
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if removed {
            let entry =
                AuditEntry { at: now, actor, action: AuditAction::AdminRemove, detail: id.to_string(), rows: 1 };
            insert_audit(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The organisers, by id.
    pub async fn organisers(&self) -> StorageResult<Vec<OrganiserId>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT user_id FROM organisers WHERE removed_at IS NULL ORDER BY user_id")
                .fetch_all(self.pool())
                .await?;
        ids.into_iter().map(|id| OrganiserId::new(id).map_err(corrupt)).collect()
    }

    /// The organiser behind a Telegram user id, if that user is one now.
    pub async fn organiser(&self, user_id: i64) -> StorageResult<Option<OrganiserId>> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT user_id FROM organisers WHERE user_id = $1 AND removed_at IS NULL")
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
        found.map(|id| OrganiserId::new(id).map_err(corrupt)).transpose()
    }

    /// The chats whose console menu must be set or taken off.
    pub async fn menu_changes(&self) -> StorageResult<Vec<MenuChange>> {
        let rows = sqlx::query(
            "SELECT user_id, CASE WHEN removed_at IS NULL THEN 1 ELSE 0 END AS active FROM organisers
             WHERE (removed_at IS NULL AND menu_shown = 0) OR (removed_at IS NOT NULL AND menu_shown = 1)
             ORDER BY user_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|row| {
                let id = OrganiserId::new(row.try_get("user_id")?).map_err(corrupt)?;
                Ok(if flag(&row, "active")? { MenuChange::Show(id) } else { MenuChange::Hide(id) })
            })
            .collect()
    }

    /// Records that the menu change was made; a removed organiser's row goes once their menu
    /// is off, and one added again meanwhile gets it back at the next pass.
    pub async fn menu_changed(&self, change: MenuChange) -> StorageResult<()> {
        // What Telegram has now, whatever happened to the row meanwhile: the next pass
        // compares it with `removed_at` again.
        let (MenuChange::Show(id) | MenuChange::Hide(id)) = change;
        let mut tx = self.writer().begin().await?;
        if let MenuChange::Hide(_) = change {
            sqlx::query("DELETE FROM organisers WHERE user_id = $1 AND removed_at IS NOT NULL")
                .bind(id.get())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE organisers SET menu_shown = $1 WHERE user_id = $2")
            .bind(i64::from(matches!(change, MenuChange::Show(_))))
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes one line to the audit log.
    pub async fn audit(&self, entry: &AuditEntry) -> StorageResult<()> {
        let mut tx = self.writer().begin().await?;
        insert_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` lines of the audit log, newest first.
    pub async fn audit_log(&self, limit: i64) -> StorageResult<Vec<AuditEntry>> {
        let rows = sqlx::query("SELECT at, actor, via, action, detail, rows FROM audit ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let actor: Option<i64> = row.try_get("actor")?;
                Ok(AuditEntry {
                    at: parse_time(&row.try_get::<String, _>("at")?)?,
                    actor: Actor {
                        via: row.try_get("via")?,
                        id: actor.map(OrganiserId::new).transpose().map_err(corrupt)?,
                    },
                    action: row.try_get("action")?,
                    detail: row.try_get("detail")?,
                    rows: row.try_get("rows")?,
                })
            })
            .collect()
    }

    /// The candidates a lookup names: by chat id, by their shared phone, or by the account a
    /// phone's code was issued to.
    pub async fn find(&self, lookup: &Lookup) -> StorageResult<Found> {
        let phone = lookup.phone.as_ref().map(Phone::as_str);
        let rows = sqlx::query(sql!(
            self,
            format!(
                "SELECT {CARD_COLUMNS} FROM candidates c LEFT JOIN promo_codes p ON p.code = c.code
                 WHERE c.chat_id = $1 OR c.phone = $2
                    OR c.chat_id = (SELECT claimed_by FROM eligible WHERE phone = $2)
                 ORDER BY c.chat_id"
            )
        ))
        .bind(lookup.chat_id)
        .bind(phone)
        .fetch_all(self.pool())
        .await?;
        let mut cards = Vec::with_capacity(rows.len());
        for row in &rows {
            cards.push(self.card(row).await?);
        }
        let eligible = match phone {
            Some(phone) => {
                let entry: Option<Option<String>> = sqlx::query_scalar("SELECT code FROM eligible WHERE phone = $1")
                    .bind(phone)
                    .fetch_optional(self.pool())
                    .await?;
                Some(match entry {
                    None => Eligibility::NotListed,
                    Some(None) => Eligibility::Listed,
                    Some(Some(code)) => Eligibility::Issued(code),
                })
            }
            None => None,
        };
        Ok(Found { cards, eligible })
    }

    async fn card(&self, row: &AnyRow) -> StorageResult<CandidateCard> {
        let chat_id: i64 = row.try_get("chat_id")?;
        let code: Option<String> = row.try_get("code")?;
        let code_way: Option<Way> =
            row.try_get::<Option<String>, _>("code_way")?.map(|way| way.parse()).transpose().map_err(corrupt)?;
        let issued_at: Option<String> = row.try_get("issued_at")?;
        let code = match (code, code_way, issued_at) {
            (Some(code), Some(way), Some(at)) => {
                Some((PromoCode::parse(&code).map_err(corrupt)?, way, parse_time(&at)?))
            }
            _ => None,
        };
        let counts = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE status = $2) AS sent, COUNT(*) FILTER (WHERE status IN ($3, $4)) AS pending,
                    COUNT(*) FILTER (WHERE status = $5) AS failed
             FROM outbox WHERE chat_id = $1",
        )
        .bind(chat_id)
        .bind(OutboxStatus::Sent)
        .bind(OutboxStatus::Pending)
        .bind(OutboxStatus::InFlight)
        .bind(OutboxStatus::Failed)
        .fetch_one(self.pool())
        .await?;
        let revoked =
            sqlx::query("SELECT code, reason FROM revoked_codes WHERE chat_id = $1 ORDER BY revoked_at, code")
                .bind(chat_id)
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|row| {
                    let code: String = row.try_get("code")?;
                    Ok((PromoCode::parse(&code).map_err(corrupt)?, row.try_get("reason")?))
                })
                .collect::<StorageResult<_>>()?;
        Ok(CandidateCard {
            chat_id,
            lang: row.try_get::<Option<String>, _>("lang")?.map(|lang| lang.parse()).transpose().map_err(corrupt)?,
            stage: row.try_get("stage")?,
            city: row.try_get::<Option<String>, _>("city")?.map(|city| city.parse()).transpose().map_err(corrupt)?,
            way: row.try_get::<Option<String>, _>("way")?.map(|way| way.parse()).transpose().map_err(corrupt)?,
            step: row.try_get("step")?,
            phone: row.try_get::<Option<String>, _>("phone")?.map(|p| Phone::parse(&p)).transpose().map_err(corrupt)?,
            code,
            cabinet_code: row
                .try_get::<Option<String>, _>("cabinet_code")?
                .map(|code| CabinetCode::parse(&code))
                .transpose()
                .map_err(corrupt)?,
            applied_on: parse_day(row.try_get("applied_on")?)?,
            qrt_booked_on: parse_day(row.try_get("qrt_booked_on")?)?,
            test_date: parse_day(row.try_get("test_date")?)?,
            active: flag(row, "active")?,
            created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
            reminders_sent: counts.try_get("sent")?,
            reminders_pending: counts.try_get("pending")?,
            reminders_failed: counts.try_get("failed")?,
            revoked,
        })
    }

    /// Revokes the code a candidate holds and issues a new one of the same way, in one
    /// transaction with the audit line and the message that tells the candidate. The revoked
    /// code stays issued, so it is never handed out again.
    pub async fn replace_code(&self, request: &ReplaceCode<'_>, now: DateTime<Utc>) -> StorageResult<Replacement> {
        let ReplaceCode { chat_id, reason, actor, update_id } = *request;
        let at = timestamp(now);
        let mut tx = self.begin_write().await?;
        let held = sqlx::query(
            "SELECT c.code, p.way, c.phone FROM candidates c LEFT JOIN promo_codes p ON p.code = c.code
             WHERE c.chat_id = $1",
        )
        .bind(chat_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(held) = held else { return Ok(Replacement::NoCandidate) };
        let (Some(old), Some(way)) =
            (held.try_get::<Option<String>, _>("code")?, held.try_get::<Option<String>, _>("way")?)
        else {
            return Ok(Replacement::NoCode);
        };
        let way: Way = way.parse().map_err(corrupt)?;
        // Codes issued before codes were bound to one account may be held by two chats; a
        // replacement for one would leave the other with a revoked code.
        let holders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM candidates WHERE code = $1")
            .bind(&old)
            .fetch_one(&mut *tx)
            .await?;
        if holders > 1 {
            return Ok(Replacement::Shared);
        }
        let Some(new) = self.take_free_code(&mut tx, way, &at).await? else { return Ok(Replacement::PoolEmpty(way)) };
        sqlx::query(
            "INSERT INTO revoked_codes (code, phone, chat_id, reason, revoked_at, revoked_by, replaced_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&old)
        .bind(held.try_get::<Option<String>, _>("phone")?)
        .bind(chat_id)
        .bind(reason)
        .bind(&at)
        .bind(actor.id.map(OrganiserId::get))
        .bind(&new)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE eligible SET code = $1, claimed_by = $2 WHERE code = $3")
            .bind(&new)
            .bind(chat_id)
            .bind(&old)
            .execute(&mut *tx)
            .await?;
        // A notice of an earlier replacement not sent yet would name a revoked code.
        sqlx::query(
            "UPDATE outbox SET status = $1, updated_at = $2 WHERE chat_id = $3 AND message = $4 AND status = $5",
        )
        .bind(OutboxStatus::Cancelled)
        .bind(&at)
        .bind(chat_id)
        .bind(CODE_REPLACED_MESSAGE)
        .bind(OutboxStatus::Pending)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE candidates SET code = $1, updated_at = $2 WHERE chat_id = $3")
            .bind(&new)
            .bind(&at)
            .bind(chat_id)
            .execute(&mut *tx)
            .await?;
        let notice = PlannedRow {
            key: format!("code-replaced-{new}"),
            kind: ReminderKind::Notice,
            message: CODE_REPLACED_MESSAGE.to_owned(),
            args: serde_json::json!({ "code": new, "way": way.code() }),
            due_at: now,
            expires_at: None,
        };
        let insert = sqlx::query(
            "INSERT INTO outbox (chat_id, plan_key, kind, message, args, due_at, expires_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        );
        bind_row(insert, chat_id, &notice, &at).execute(&mut *tx).await?;
        let entry = AuditEntry {
            at: now,
            actor,
            action: AuditAction::ReplaceCode,
            detail: format!("chat {chat_id}: {old} -> {new}: {reason}"),
            rows: 1,
        };
        insert_audit(&mut tx, &entry).await?;
        // The update that asked is handled with the change: a replay after a crash finds it
        // done instead of replacing the new code too (see `receipt.rs`).
        if let Some(update_id) = update_id {
            sqlx::query("UPDATE inbox SET handled = 1, body = '' WHERE update_id = $1")
                .bind(update_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Replacement::Replaced {
            old: PromoCode::parse(&old).map_err(corrupt)?,
            new: PromoCode::parse(&new).map_err(corrupt)?,
            way,
        })
    }
}

const CARD_COLUMNS: &str = "c.chat_id, c.lang, c.stage, c.city, c.way, c.step, c.phone, c.code, p.way AS code_way,
    p.issued_at, c.cabinet_code, c.applied_on, c.qrt_booked_on, c.test_date, c.active, c.created_at";

pub(super) async fn insert_audit(tx: &mut Transaction<'_, Any>, entry: &AuditEntry) -> StorageResult<()> {
    sqlx::query("INSERT INTO audit (at, actor, via, action, detail, rows) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(timestamp(entry.at))
        .bind(entry.actor.id.map(OrganiserId::get))
        .bind(entry.actor.via)
        .bind(entry.action)
        .bind(&entry.detail)
        .bind(entry.rows)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
