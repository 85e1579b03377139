-- Questions candidates typed that the FAQ did not answer (issue 13): those it matched to
-- nothing, and those it was unsure of ("did you mean…"), with the entry the candidate then
-- picked, if any. The organisers read the most frequent ones (`rezerv-bot faq --unanswered`)
-- to grow the FAQ. The candidate's own data: /forget deletes them with the row, and they are
-- deleted after the retention period (storage/faq.rs).
CREATE TABLE faq_questions (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES candidates (chat_id) ON DELETE CASCADE,
    lang        TEXT NOT NULL CHECK (lang IN ('kk', 'ru')),
    -- as typed (cut to 500 characters), and folded for counting alike questions together
    text        TEXT NOT NULL,
    normalized  TEXT NOT NULL,
    band        TEXT NOT NULL CHECK (band IN ('nothing', 'unsure')),
    asked_at    TEXT NOT NULL,
    resolved_as TEXT
) STRICT;

CREATE INDEX faq_questions_chat ON faq_questions (chat_id, id);
CREATE INDEX faq_questions_asked ON faq_questions (asked_at);
