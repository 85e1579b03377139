-- Updates received from Telegram. The bot confirms an update to Telegram as soon as it is
-- stored here, and replays the unhandled ones after a crash. A handled update stays (without
-- its body) until Telegram has seen it confirmed, so that a copy delivered again is not
-- handled twice.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    handled     INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Candidates whose planning inputs changed since their reminders were last planned. The
-- planner works through them in batches, off the path of the update.
ALTER TABLE candidates ADD COLUMN plan_dirty INTEGER NOT NULL DEFAULT 1;
CREATE INDEX candidates_plan_dirty ON candidates (chat_id) WHERE plan_dirty = 1;

-- Every write that changes what the plan depends on marks the row, whatever code path made it.
CREATE TRIGGER candidates_plan_inputs_changed
AFTER UPDATE OF active, stage, city, way, step, stage_since, code, applied_on, test_date ON candidates
WHEN new.plan_dirty = 0 AND (
    old.active IS NOT new.active OR old.stage IS NOT new.stage OR old.city IS NOT new.city
    OR old.way IS NOT new.way OR old.step IS NOT new.step OR old.stage_since IS NOT new.stage_since
    OR old.code IS NOT new.code OR old.applied_on IS NOT new.applied_on OR old.test_date IS NOT new.test_date)
BEGIN
    UPDATE candidates SET plan_dirty = 1 WHERE chat_id = new.chat_id;
END;
