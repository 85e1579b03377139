-- Retention (issue 11): once the campaign's retention date has passed, candidates' personal
-- data is erased. These are the anonymous counts kept of the erased candidates, per stage,
-- step, way and city: one set of rows per purge, summed when read.
CREATE TABLE retained_counts (
    purged_at      TEXT NOT NULL,
    stage          TEXT NOT NULL,
    step           INTEGER,
    way            TEXT,
    city           TEXT,
    candidates     INTEGER NOT NULL,
    -- Held an issued code, or a copy of the code generated in the cabinet.
    with_code      INTEGER NOT NULL,
    -- Said they applied (QAZTEST), or took the online test or entered the code (QRT).
    applied        INTEGER NOT NULL,
    with_test_date INTEGER NOT NULL,
    -- Had blocked the bot.
    blocked        INTEGER NOT NULL
) STRICT;

-- The export of issued codes finds each code's holder by the code.
CREATE INDEX candidates_code ON candidates (code) WHERE code IS NOT NULL;

-- The audit log is kept, but a purge clears the detail of the lines that name a candidate
-- (`find`: a phone or chat id; `replace-code`: a chat id). The retention worker's purge is audited as done by the bot itself (`via = 'auto'`). SQLite
-- cannot change a CHECK in place: the table is rebuilt with its rows and ids.
CREATE TABLE audit_new (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  INTEGER,
    via    TEXT NOT NULL CHECK (via IN ('telegram', 'cli', 'auto')),
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    rows   INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO audit_new (id, at, actor, via, action, detail, rows)
SELECT id, at, actor, via, action, detail, rows FROM audit;
DROP TABLE audit;
ALTER TABLE audit_new RENAME TO audit;
