-- Replicas (issue 12): every process that runs the bot has an id of its own, and says it is
-- alive every few seconds. An update is stored by the replica that received it, which handles
-- it; one whose replica stopped saying so is an orphan, and another replica adopts it. On
-- SQLite one process runs the bot (the run lock): a new one adopts every unhandled update.
CREATE TABLE replicas (
    id      TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
) STRICT;

-- The update's private chat, so that a replica handles a chat's updates in order (a later
-- update waits while an earlier one of the same chat is unhandled), and its replica.
ALTER TABLE inbox ADD COLUMN chat_id INTEGER;
ALTER TABLE inbox ADD COLUMN replica TEXT;
CREATE INDEX inbox_unhandled ON inbox (chat_id, update_id) WHERE handled = 0;
