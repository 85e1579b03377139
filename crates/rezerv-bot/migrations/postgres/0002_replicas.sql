-- Replicas: as migrations/sqlite/0014_replicas.sql.
CREATE TABLE replicas (
    id      TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
);

ALTER TABLE inbox ADD COLUMN chat_id BIGINT;
ALTER TABLE inbox ADD COLUMN replica TEXT;
CREATE INDEX inbox_unhandled ON inbox (chat_id, update_id) WHERE handled = 0;
