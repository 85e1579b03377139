-- Promo codes imported by organisers, one pool per way. A code is consumed for good once
-- issued_at is set, even if the candidate later erases their data.
CREATE TABLE promo_codes (
    code        TEXT PRIMARY KEY,
    way         TEXT NOT NULL CHECK (way IN ('qrt', 'qaztest')),
    imported_at TEXT NOT NULL,
    issued_at   TEXT
) STRICT;

CREATE INDEX promo_codes_free ON promo_codes (way, code) WHERE issued_at IS NULL;

-- The organisers' eligible list: E.164 phones. `code` links the person to the one code they
-- were ever issued, across both ways and across /forget.
CREATE TABLE eligible (
    phone       TEXT PRIMARY KEY,
    imported_at TEXT NOT NULL,
    code        TEXT UNIQUE REFERENCES promo_codes (code)
) STRICT;

-- One row per private chat. `dialogue` is the serialized dialogue state; stage, city, way and
-- step are derived from it on every write so that they can be queried.
CREATE TABLE candidates (
    chat_id     INTEGER PRIMARY KEY,
    lang        TEXT CHECK (lang IN ('kk', 'ru')),
    source      TEXT,
    dialogue    TEXT,
    stage       TEXT NOT NULL DEFAULT 'start',
    city        TEXT,
    way         TEXT CHECK (way IN ('qrt', 'qaztest')),
    step        INTEGER,
    stage_since TEXT NOT NULL,
    phone       TEXT,
    code        TEXT REFERENCES promo_codes (code),
    applied_on  TEXT,
    test_date   TEXT,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE INDEX candidates_stage ON candidates (stage, way, city);
