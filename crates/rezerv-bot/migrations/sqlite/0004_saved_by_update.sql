-- The update whose handler last saved this candidate's dialogue state. Setting it marks that
-- update handled in the inbox within the same statement, so a crash can never replay an
-- update whose effect is already stored.
ALTER TABLE candidates ADD COLUMN saved_by_update INTEGER;

CREATE TRIGGER candidates_saved_by_update_inserted
AFTER INSERT ON candidates
WHEN new.saved_by_update IS NOT NULL
BEGIN
    UPDATE inbox SET handled = 1, body = '' WHERE update_id = new.saved_by_update;
END;

CREATE TRIGGER candidates_saved_by_update_updated
AFTER UPDATE OF saved_by_update ON candidates
WHEN new.saved_by_update IS NOT NULL
BEGIN
    UPDATE inbox SET handled = 1, body = '' WHERE update_id = new.saved_by_update;
END;
