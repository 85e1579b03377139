-- Broadcasts and alerts of the organisers' console (issue 11).

-- A broadcast: the segment it went to, its text in each language (Telegram HTML, validated),
-- and the live progress message in the organiser's chat. Its outbox rows (kind 'broadcast')
-- carry its id in `args` and are rendered from here, in the recipient's language, when sent.
CREATE TABLE broadcasts (
    id               INTEGER PRIMARY KEY,
    segment          TEXT NOT NULL,
    text_kk          TEXT NOT NULL,
    text_ru          TEXT NOT NULL,
    recipients       INTEGER NOT NULL,
    -- The organiser who confirmed it; NULL from the command line.
    created_by       INTEGER,
    created_at       TEXT NOT NULL,
    -- The progress message, edited in place (composed in Telegram only), in the language the
    -- organiser composed in.
    progress_chat    INTEGER,
    progress_message INTEGER,
    progress_lang    TEXT CHECK (progress_lang IN ('kk', 'ru')),
    cancelled_at     TEXT,
    -- Every row done and the totals reported.
    finished_at      TEXT
) STRICT;

-- A broadcast's rows, for its progress, its cancel and its failure alert.
CREATE INDEX outbox_broadcast ON outbox (json_extract(args, '$.broadcast')) WHERE kind = 'broadcast';
-- A wave of reminders (one kind, one day), for its failure alert.
CREATE INDEX outbox_waves ON outbox (kind, due_at);

-- A broadcast being composed in Telegram, one per organiser: the segment chosen so far (in
-- its text form), then the texts. `step` says what the organiser's next message is.
CREATE TABLE broadcast_drafts (
    organiser  INTEGER PRIMARY KEY,
    step       TEXT NOT NULL CHECK (step IN ('segment', 'kk', 'ru', 'preview')),
    segment    TEXT NOT NULL DEFAULT '',
    text_kk    TEXT,
    text_ru    TEXT,
    updated_at TEXT NOT NULL
) STRICT;

-- A way's code pool below its alert threshold: the row exists while it is low or empty, so
-- the organisers are told once per crossing, a restart does not tell them again, and a
-- top-up (the row removed) arms the alert again.
CREATE TABLE pool_alerts (
    way   TEXT PRIMARY KEY CHECK (way IN ('qrt', 'qaztest')),
    level TEXT NOT NULL CHECK (level IN ('low', 'empty')),
    since TEXT NOT NULL
) STRICT;

-- Waves whose failures the organisers were told about, once each: `<kind>:<local day>` for
-- the reminders of one kind due on one day, `broadcast:<id>` for a broadcast.
CREATE TABLE wave_alerts (
    wave      TEXT PRIMARY KEY,
    failed    INTEGER NOT NULL,
    sends     INTEGER NOT NULL,
    raised_at TEXT NOT NULL
) STRICT;

-- The console's command menu gained /broadcast: set it again in every organiser's chat.
UPDATE organisers SET menu_shown = 0 WHERE removed_at IS NULL;
