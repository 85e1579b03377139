-- The Telegram account (its private chat id) a person's code was issued to. Operators pass
-- numbers on to new owners: only this account is shown the code again (after /forget too),
-- and another account sharing the same phone is refused.
ALTER TABLE eligible ADD COLUMN claimed_by INTEGER;

-- Codes issued before: the first chat that holds the code, while its row exists.
UPDATE eligible
SET claimed_by = (SELECT c.chat_id FROM candidates c WHERE c.code = eligible.code ORDER BY c.created_at, c.chat_id LIMIT 1)
WHERE code IS NOT NULL;
