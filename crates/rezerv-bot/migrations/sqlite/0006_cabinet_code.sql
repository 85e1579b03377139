-- In cabinet mode (campaign key `code_source = "cabinet"`) candidates generate their promo
-- code in the pkrezerv.gov.kz cabinet; this is the copy one pasted to the bot, as pasted. It
-- is the candidate's own data: /forget deletes it with the row.
ALTER TABLE candidates ADD COLUMN cabinet_code TEXT;
