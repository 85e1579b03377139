-- The organisers' console (issue 11).

-- Organisers: the Telegram user ids that see the console, managed with `rezerv-bot admins`.
-- A removed organiser keeps the row (removed_at set) until the bot has taken the console's
-- command menu off their chat; `menu_shown` says whether it is there now.
CREATE TABLE organisers (
    user_id    INTEGER PRIMARY KEY,
    added_at   TEXT NOT NULL,
    removed_at TEXT,
    menu_shown INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Every organiser action: who (a Telegram user id; NULL from the command line), when, what,
-- and how many rows it touched. Never updated nor deleted by the bot.
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  INTEGER,
    via    TEXT NOT NULL CHECK (via IN ('telegram', 'cli')),
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    rows   INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Codes an organiser marked as not working. A revoked code keeps its issued_at, so it is never
-- issued again; the phone and chat it was issued to are kept here for the export, because
-- `eligible.code` then names the replacement.
CREATE TABLE revoked_codes (
    code        TEXT PRIMARY KEY REFERENCES promo_codes (code),
    phone       TEXT,
    chat_id     INTEGER,
    reason      TEXT NOT NULL,
    revoked_at  TEXT NOT NULL,
    revoked_by  INTEGER,
    replaced_by TEXT REFERENCES promo_codes (code)
) STRICT;
