-- The durable outbox: every message the bot sends on its own initiative is one row.
-- (chat_id, plan_key) is unique, so re-planning never duplicates a reminder.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    plan_key    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    args        TEXT NOT NULL DEFAULT '{}',
    due_at      TEXT NOT NULL,
    expires_at  TEXT,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'in_flight', 'sent', 'failed', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_until TEXT,
    last_error  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    sent_at     TEXT,
    UNIQUE (chat_id, plan_key)
) STRICT;

-- The sender's claim: pending rows by due time, and in-flight rows by lease.
CREATE INDEX outbox_pending ON outbox (due_at) WHERE status = 'pending';
CREATE INDEX outbox_in_flight ON outbox (lease_until) WHERE status = 'in_flight';

-- Planning inputs seen at the last re-plan, so unchanged candidates cost one read.
ALTER TABLE candidates ADD COLUMN plan_fingerprint TEXT;
