//! What each candidate should be reminded of, and when. `plan` is a pure function of the
//! campaign, the candidate and the time; `Planner` stores its answer in the outbox.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tokio::sync::{Notify, watch};

use crate::clock::SharedClock;
use crate::config::Campaign;
use crate::domain::{ReminderKind, Stage, Way};
use crate::storage::{Db, PlanInput, PlannedRow, StorageResult};

/// The outbox kinds the planner owns; other kinds (broadcasts) it never touches.
pub const PLANNED_KINDS: [ReminderKind; 4] =
    [ReminderKind::WindowOpen, ReminderKind::Deadline, ReminderKind::Results, ReminderKind::Nudge];

/// Stages before the code, where a stalled candidate gets a nudge.
const NUDGE_STAGES: [Stage; 5] = [Stage::Start, Stage::City, Stage::Way, Stage::Steps, Stage::Contact];

/// How many days after its day a late results reminder is still sent (a bot that was down).
/// It says where the certificate is, which stays true; after 3 days a candidate who waited
/// for the results has looked for them already, and the message would only be noise.
pub const RESULTS_GRACE_DAYS: i64 = 3;

/// The reminders `input` should have from `now` on.
pub fn plan(campaign: &Campaign, input: &PlanInput, now: DateTime<Utc>) -> Vec<PlannedRow> {
    let mut rows = Vec::new();
    if !input.active {
        return rows;
    }
    let at = |date| campaign.reminder_instant(date);
    let ends = |date| campaign.day_ends(date);
    let window = campaign.window;
    let city = input.city.as_deref().and_then(|id| campaign.city(&id.parse().ok()?));
    // What ends the deadline reminders: QAZTEST's application; for QRT, which has none, the
    // online test taken or the code entered on qrt.kz. A recorded test date means either.
    let done = |way: Way| {
        input.test_date.is_some()
            || match way {
                Way::Qaztest => input.applied_on.is_some(),
                Way::Qrt => input.qrt_booked_on.is_some(),
            }
    };
    let recorded_anything = input.applied_on.is_some() || input.qrt_booked_on.is_some() || input.test_date.is_some();
    let mut push = |key: String, kind, message: &str, args: serde_json::Value, due: DateTime<Utc>, expires| {
        if due > now {
            rows.push(PlannedRow { key, kind, message: message.to_owned(), args, due_at: due, expires_at: expires });
        }
    };

    let opens_at = at(window.opens);
    if input.created_at < opens_at && !recorded_anything {
        push(
            "window-open".into(),
            ReminderKind::WindowOpen,
            "reminder-window-open",
            json!({ "opens": window.opens, "closes": window.closes }),
            opens_at,
            Some(ends(window.closes)),
        );
    }

    if let (Some(city), Some(way)) = (city, input.way)
        && !done(way)
    {
        let deadline = campaign.deadline(city, way);
        for days in &campaign.reminders.deadline_days_before {
            let day = deadline - Duration::days(i64::from(*days));
            // `days` is what it says if sent on time; the sender counts it again on the day
            // it goes out. `days_before` orders the reminders of one deadline: the newest
            // that has fallen due supersedes the older ones.
            let (message, args) = match way {
                Way::Qaztest => (
                    "reminder-deadline",
                    json!({ "deadline": deadline, "city": city.id, "way": way.code(), "days": days, "days_before": days }),
                ),
                // Online, one testing period for everyone: no city.
                Way::Qrt => (
                    "reminder-deadline-qrt",
                    json!({ "deadline": deadline, "way": way.code(), "days": days, "days_before": days }),
                ),
            };
            push(format!("deadline-{days}"), ReminderKind::Deadline, message, args, at(day), Some(ends(deadline)));
        }
    }

    if let (Some(city), Some(Way::Qaztest), Some(test_date)) = (city, input.way, input.test_date)
        && let Some(due) = campaign.results_due(city, Way::Qaztest, test_date)
    {
        push(
            format!("results-{test_date}"),
            ReminderKind::Results,
            "reminder-results",
            json!({ "date": due, "test_date": test_date }),
            at(due),
            Some(ends(due + Duration::days(RESULTS_GRACE_DAYS))),
        );
    }

    if !input.has_code && NUDGE_STAGES.contains(&input.stage) {
        let stalled = input.stage_since + Duration::days(i64::from(campaign.reminders.nudge_after_days));
        let local_day = campaign.local_date(stalled);
        let due = if at(local_day) >= stalled { at(local_day) } else { at(local_day + Duration::days(1)) };
        let still_open = city.map_or(now < ends(window.closes), |city| due < ends(campaign.last_deadline(city)));
        let step = input.step.map(|step| step.to_string()).unwrap_or_default();
        if still_open {
            // A nudge goes out on its own day or not at all: a late "you stopped at step N"
            // tells a candidate nothing true about today.
            push(
                format!("nudge-{}-{step}", input.stage),
                ReminderKind::Nudge,
                "reminder-nudge",
                json!({ "step": input.step }),
                due,
                Some(ends(campaign.local_date(due))),
            );
        }
    }
    rows
}

/// A compact record of the planning inputs: equal fingerprints, equal plans.
fn fingerprint(input: &PlanInput) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{}",
        input.active,
        input.created_at.timestamp(),
        input.stage,
        input.city.as_deref().unwrap_or("-"),
        input.way.map_or("-", Way::code),
        input.step.unwrap_or(0),
        input.stage_since.timestamp(),
        input.applied_on,
        input.qrt_booked_on,
        input.test_date,
        input.has_code
    )
}

/// How many candidates one planning transaction takes.
const BATCH: u32 = 256;
/// How long changes gather after a wake-up before they are planned in one transaction.
/// Reminders are hours or days away, so this costs nothing a candidate could notice.
const GATHER: Duration = Duration::milliseconds(250);
/// How often to look for changes nobody announced (another process, a missed wake-up).
const SWEEP: Duration = Duration::seconds(30);

/// Keeps each candidate's outbox in line with their progress. Writes to a candidate's
/// planning inputs mark the row (a trigger does it); the planner works through marked rows
/// in batches, off the path of the update.
#[derive(Debug, Clone)]
pub struct Planner {
    db: Db,
    campaign: Arc<Campaign>,
    clock: SharedClock,
    wake: Arc<Notify>,
}

impl Planner {
    pub fn new(db: Db, campaign: Arc<Campaign>, clock: SharedClock) -> Planner {
        Planner { db, campaign, clock, wake: Arc::default() }
    }

    /// Tells the running planner that something may have changed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Re-plans one batch of changed candidates; returns how many it took (0: none left).
    pub async fn try_execute_task(&self) -> StorageResult<usize> {
        let now = self.clock.now();
        self.db
            .replan_dirty(BATCH, &PLANNED_KINDS, now, |input| {
                let print = fingerprint(input);
                let rows =
                    (input.fingerprint.as_deref() != Some(print.as_str())).then(|| plan(&self.campaign, input, now));
                (print, rows)
            })
            .await
    }

    /// Re-plans every changed candidate; returns how many.
    pub async fn drain(&self) -> StorageResult<usize> {
        let mut total = 0;
        loop {
            match self.try_execute_task().await? {
                0 => return Ok(total),
                taken => total += taken,
            }
        }
    }

    /// Re-plans the candidates marked so far, in full batches while there are more.
    async fn catch_up(&self) -> StorageResult<usize> {
        let mut total = 0;
        loop {
            let taken = self.try_execute_task().await?;
            total += taken;
            if taken < BATCH as usize {
                return Ok(total);
            }
        }
    }

    /// Plans as changes come in, until `stopped` turns true (or its sender is gone); then
    /// catches up once more.
    pub async fn run(self, mut stopped: watch::Receiver<bool>) {
        let gather = GATHER.to_std().unwrap_or_default();
        let sweep = SWEEP.to_std().unwrap_or_default();
        loop {
            let stopping = *stopped.borrow() || stopped.has_changed().is_err();
            // While stopping, catch up fully; otherwise leave what changed during this round
            // to the next one, so a busy minute plans in a few large batches, not a stream
            // of small ones.
            let round = if stopping { self.drain().await } else { self.catch_up().await };
            if let Err(err) = round {
                tracing::error!(error = %err, "cannot re-plan reminders");
            }
            if stopping {
                return;
            }
            tokio::select! {
                () = self.wake.notified() => tokio::time::sleep(gather).await,
                () = tokio::time::sleep(sweep) => {}
                _ = stopped.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;

    fn campaign() -> Campaign {
        Campaign::embedded().unwrap()
    }

    fn local(campaign: &Campaign, date: &str, hour: u32) -> DateTime<Utc> {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        campaign.tz.from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap()).unwrap().with_timezone(&Utc)
    }

    fn input(campaign: &Campaign, created: &str) -> PlanInput {
        PlanInput {
            chat_id: 1,
            active: true,
            created_at: local(campaign, created, 9),
            stage: Stage::Steps,
            city: Some("almaty".into()),
            way: Some(Way::Qaztest),
            step: Some(2),
            stage_since: local(campaign, created, 9),
            applied_on: None,
            qrt_booked_on: None,
            test_date: None,
            has_code: false,
            fingerprint: None,
        }
    }

    fn keys(rows: &[PlannedRow]) -> Vec<&str> {
        rows.iter().map(|row| row.key.as_str()).collect()
    }

    #[test]
    fn deadline_reminders_at_ten_local_before_the_city_cutoff() {
        let c = campaign();
        let rows = plan(&c, &input(&c, "2023-09-02"), local(&c, "2023-09-02", 9));
        let deadlines: Vec<_> = rows.iter().filter(|row| row.kind == ReminderKind::Deadline).collect();
        assert_eq!(keys(&rows), ["deadline-7", "deadline-3", "deadline-1", "nudge-steps-2"]);
        // Almaty QAZTEST closes 17 September: 10, 14 and 16 September at 10:00 local.
        assert_eq!(deadlines[0].due_at, local(&c, "2023-09-10", 10));
        assert_eq!(deadlines[1].due_at, local(&c, "2023-09-14", 10));
        assert_eq!(deadlines[2].due_at, local(&c, "2023-09-16", 10));
        assert_eq!(rows[3].due_at, local(&c, "2023-09-05", 10));
    }

    #[test]
    fn past_reminders_are_not_planned_and_applying_stops_them() {
        let c = campaign();
        let rows = plan(&c, &input(&c, "2023-09-02"), local(&c, "2023-09-12", 9));
        assert_eq!(keys(&rows), ["deadline-3", "deadline-1"]);
        let mut applied = input(&c, "2023-09-02");
        applied.applied_on = NaiveDate::from_ymd_opt(2023, 9, 3);
        assert!(plan(&c, &applied, local(&c, "2023-09-03", 9)).iter().all(|row| row.kind != ReminderKind::Deadline));
    }

    #[test]
    fn qrt_is_reminded_before_the_window_ends() {
        let c = campaign();
        let mut qrt = input(&c, "2023-09-02");
        qrt.way = Some(Way::Qrt);
        let rows = plan(&c, &qrt, local(&c, "2023-09-02", 9));
        assert_eq!(rows[0].due_at, local(&c, "2023-09-15", 10), "7 days before 22 September");
    }

    #[test]
    fn early_starters_hear_when_the_window_opens() {
        let c = campaign();
        let mut early = input(&c, "2023-08-20");
        early.stage = Stage::Ready;
        early.has_code = true;
        let rows = plan(&c, &early, local(&c, "2023-08-20", 9));
        assert_eq!(rows[0].key, "window-open");
        assert_eq!(rows[0].due_at, local(&c, "2023-09-01", 10));
    }

    #[test]
    fn results_reminder_only_for_qaztest() {
        let c = campaign();
        let mut tested = input(&c, "2023-09-02");
        tested.stage = Stage::Ready;
        tested.has_code = true;
        tested.test_date = NaiveDate::from_ymd_opt(2023, 9, 8);
        let rows = plan(&c, &tested, local(&c, "2023-09-03", 9));
        assert_eq!(keys(&rows), ["results-2023-09-08"]);
        assert_eq!(rows[0].due_at, local(&c, "2023-09-19", 10), "Friday + 7 working days");
        tested.way = Some(Way::Qrt);
        assert!(plan(&c, &tested, local(&c, "2023-09-03", 9)).is_empty(), "no results date is invented for QRT");
    }

    #[test]
    fn every_planned_kind_is_owned_by_the_planner() {
        let c = campaign();
        let mut everything = input(&c, "2023-08-20");
        everything.test_date = NaiveDate::from_ymd_opt(2023, 9, 8);
        let mut kinds: Vec<ReminderKind> =
            plan(&c, &everything, local(&c, "2023-08-20", 9)).into_iter().map(|r| r.kind).collect();
        everything.test_date = None;
        kinds.extend(plan(&c, &everything, local(&c, "2023-08-20", 9)).into_iter().map(|r| r.kind));
        for kind in PLANNED_KINDS {
            assert!(kinds.contains(&kind), "{kind} never planned: {kinds:?}");
        }
        assert!(kinds.iter().all(|k| PLANNED_KINDS.contains(k)), "{kinds:?}");
    }

    #[test]
    fn qrt_deadline_reminders_name_no_city_and_stop_once_the_online_test_is_booked() {
        let c = campaign();
        let mut qrt = input(&c, "2023-09-02");
        qrt.way = Some(Way::Qrt);
        let rows = plan(&c, &qrt, local(&c, "2023-09-02", 9));
        let deadlines: Vec<_> = rows.iter().filter(|row| row.kind == ReminderKind::Deadline).collect();
        assert_eq!(deadlines.len(), 3);
        for row in &deadlines {
            assert_eq!(row.message, "reminder-deadline-qrt");
            assert_eq!(row.args["deadline"], "2023-09-22", "the testing period's last day");
            assert!(row.args.get("city").is_none(), "{}", row.args);
        }
        // "I have applied" is QAZTEST's: it does not stop QRT's reminders; the online test does.
        qrt.applied_on = NaiveDate::from_ymd_opt(2023, 9, 3);
        assert!(plan(&c, &qrt, local(&c, "2023-09-03", 9)).iter().any(|row| row.kind == ReminderKind::Deadline));
        qrt.applied_on = None;
        qrt.qrt_booked_on = NaiveDate::from_ymd_opt(2023, 9, 3);
        assert!(plan(&c, &qrt, local(&c, "2023-09-03", 9)).iter().all(|row| row.kind != ReminderKind::Deadline));
        // And booking QRT says nothing about a QAZTEST application.
        let mut qaztest = input(&c, "2023-09-02");
        qaztest.qrt_booked_on = NaiveDate::from_ymd_opt(2023, 9, 3);
        assert!(plan(&c, &qaztest, local(&c, "2023-09-03", 9)).iter().any(|row| row.kind == ReminderKind::Deadline));
    }

    #[test]
    fn deadline_reminders_expire_when_the_deadline_day_ends_and_carry_their_days_before() {
        let c = campaign();
        let rows = plan(&c, &input(&c, "2023-09-02"), local(&c, "2023-09-02", 9));
        for row in rows.iter().filter(|row| row.kind == ReminderKind::Deadline) {
            // Almaty QAZTEST: the cutoff is 17 September, so they end at midnight after it.
            assert_eq!(row.expires_at, Some(local(&c, "2023-09-18", 0)), "{}", row.key);
            assert_eq!(row.args["days_before"], row.args["days"], "{}", row.key);
            assert_eq!(row.args["city"], "almaty");
        }
    }

    #[test]
    fn a_nudge_is_sent_on_its_own_day_or_not_at_all() {
        let c = campaign();
        let rows = plan(&c, &input(&c, "2023-09-02"), local(&c, "2023-09-02", 9));
        let nudge = rows.iter().find(|row| row.kind == ReminderKind::Nudge).unwrap();
        assert_eq!(nudge.due_at, local(&c, "2023-09-05", 10));
        assert_eq!(nudge.expires_at, Some(local(&c, "2023-09-06", 0)));
    }

    #[test]
    fn a_late_results_reminder_is_kept_for_three_days() {
        let c = campaign();
        let mut tested = input(&c, "2023-09-02");
        tested.stage = Stage::Ready;
        tested.has_code = true;
        tested.test_date = NaiveDate::from_ymd_opt(2023, 9, 8);
        let rows = plan(&c, &tested, local(&c, "2023-09-03", 9));
        // Due Tuesday 19 September; still sent up to the end of Friday the 22nd.
        assert_eq!(rows[0].expires_at, Some(local(&c, "2023-09-23", 0)));
    }

    #[test]
    fn inactive_candidates_get_nothing() {
        let c = campaign();
        let mut blocked = input(&c, "2023-09-02");
        blocked.active = false;
        assert!(plan(&c, &blocked, local(&c, "2023-09-02", 9)).is_empty());
    }
}
