-- QAZAQ RESMI TEST is online: there is no application to record. The day a QRT candidate said
-- they have taken the online test or entered their promo code on qrt.kz; it stops the QRT
-- deadline reminders, as `applied_on` does for QAZTEST.
ALTER TABLE candidates ADD COLUMN qrt_booked_on TEXT;

-- The trigger watches the new planning input too.
DROP TRIGGER candidates_plan_inputs_changed;
CREATE TRIGGER candidates_plan_inputs_changed
AFTER UPDATE OF active, stage, city, way, step, stage_since, code, applied_on, qrt_booked_on, test_date ON candidates
WHEN new.plan_dirty = 0 AND (
    old.active IS NOT new.active OR old.stage IS NOT new.stage OR old.city IS NOT new.city
    OR old.way IS NOT new.way OR old.step IS NOT new.step OR old.stage_since IS NOT new.stage_since
    OR old.code IS NOT new.code OR old.applied_on IS NOT new.applied_on
    OR old.qrt_booked_on IS NOT new.qrt_booked_on OR old.test_date IS NOT new.test_date)
BEGIN
    UPDATE candidates SET plan_dirty = 1 WHERE chat_id = new.chat_id;
END;

-- QRT candidates could only say "I have applied" before: that was this statement.
UPDATE candidates SET qrt_booked_on = applied_on, applied_on = NULL WHERE way = 'qrt' AND applied_on IS NOT NULL;

-- Deadline reminders now carry their days before the deadline, and QRT has its own texts:
-- every candidate is planned again.
UPDATE candidates SET plan_dirty = 1, plan_fingerprint = NULL;
