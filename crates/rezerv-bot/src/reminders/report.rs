//! `rezerv-bot reminders`: what will be sent, without sending it.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::render;
use crate::config::Campaign;
use crate::domain::Lang;
use crate::i18n::Locales;
use crate::storage::{Db, StorageResult};

/// How many due rows `--due` shows in full.
const DUE_SHOWN: i64 = 20;

pub async fn report(
    db: &Db,
    campaign: &Campaign,
    locales: &Locales,
    now: DateTime<Utc>,
    due: bool,
) -> StorageResult<String> {
    let mut out = String::new();
    let local_now = now.with_timezone(&campaign.tz);
    if due {
        let today = campaign.local_date(now);
        let rows = db.due_now(now, today, i64::MAX).await?;
        let _ = writeln!(
            out,
            "{} reminder(s) due at {}; nothing is sent",
            rows.len(),
            local_now.format("%Y-%m-%d %H:%M %Z")
        );
        if let Some(until) = campaign.quiet_until(now) {
            let until = until.with_timezone(&campaign.tz).format("%H:%M");
            let _ = writeln!(out, "quiet hours: broadcasts among them wait until {until}");
        }
        let stale = db.due_unsendable(now, today).await?;
        if !stale.is_empty() {
            let total: i64 = stale.iter().map(|(_, count)| count).sum();
            let reasons: Vec<String> = stale.iter().map(|(reason, count)| format!("{reason} {count}")).collect();
            let _ = writeln!(out, "{total} more due but no longer true, to be cancelled: {}", reasons.join(", "));
        }
        for row in rows.iter().take(usize::try_from(DUE_SHOWN).unwrap_or(20)) {
            let lang = db.recipient(row.chat_id).await?.and_then(|(lang, _)| lang).unwrap_or(Lang::Ru);
            let text = match crate::alerts::broadcast_of(row) {
                Some(id) => match db.broadcast_texts(id).await? {
                    Some(texts) => texts.get(lang).to_owned(),
                    None => format!("broadcast {id} is not in the database"),
                },
                None => render(locales, campaign, lang, &row.message, &row.args)
                    .unwrap_or_else(|problem| problem.to_string()),
            };
            let due_local = row.due_at.with_timezone(&campaign.tz).format("%Y-%m-%d %H:%M");
            let _ =
                writeln!(out, "\n#{} chat {} {} ({lang}) due {due_local}:\n{text}", row.id, row.chat_id, row.plan_key);
        }
        if rows.len() > usize::try_from(DUE_SHOWN).unwrap_or(20) {
            let _ = writeln!(out, "\n... and {} more", rows.len() - 20);
        }
        return Ok(out);
    }
    let mut days: BTreeMap<(String, String), i64> = BTreeMap::new();
    for wave in db.waves(now).await? {
        let day = wave.due_at.with_timezone(&campaign.tz).format("%Y-%m-%d %a %H:%M").to_string();
        *days.entry((day, wave.kind.to_string())).or_default() += wave.count;
    }
    let _ = writeln!(out, "coming reminders from {}:", local_now.format("%Y-%m-%d %H:%M %Z"));
    if days.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for ((day, kind), count) in &days {
        let _ = writeln!(out, "  {day}  {kind:<12} {count:>8}");
    }
    for (status, count) in db.outbox_counts().await? {
        let _ = writeln!(out, "outbox {status:<10} {count:>8}");
    }
    Ok(out)
}
