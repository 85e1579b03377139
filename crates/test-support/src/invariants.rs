//! The promo-code bookkeeping every fuzzer checks. The storage layer has no reads for these
//! (the bot never needs them), so they are SQL here: test-only checking code.

use rezerv_bot::storage::Db;

/// The code counts, and every way they broke (empty when sound).
#[derive(Debug, Clone, Default)]
pub struct Codes {
    pub issued: i64,
    /// Codes linked to eligible people.
    pub held: i64,
    pub broken: Vec<String>,
}

/// No code held by two candidates; every issued code held by exactly one eligible person; every
/// candidate's code the one linked to their own phone.
pub async fn check_codes(db: &Db) -> Result<Codes, sqlx::Error> {
    let pool = db.pool();
    let mut broken = Vec::new();
    let twice: Vec<(String, i64)> = sqlx::query_as(
        "SELECT code, COUNT(*) FROM candidates WHERE code IS NOT NULL GROUP BY code HAVING COUNT(*) > 1",
    )
    .fetch_all(pool)
    .await?;
    if !twice.is_empty() {
        broken.push(format!("codes held by more than one candidate: {twice:?}"));
    }
    // A code stays consumed, and linked to the eligible person, after /forget deletes the
    // candidate's row: so the codes "held" are the eligible list's links, and each issued code
    // must be held by exactly one person (every simulated user has a phone of their own).
    let issued: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM promo_codes WHERE issued_at IS NOT NULL").fetch_one(pool).await?;
    let held: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT code) FROM eligible WHERE code IS NOT NULL").fetch_one(pool).await?;
    if issued != held {
        broken.push(format!("{issued} codes issued but {held} held by eligible people"));
    }
    let strays: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.chat_id, c.code FROM candidates c
         WHERE c.code IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM eligible e JOIN promo_codes p ON p.code = e.code
             WHERE e.code = c.code AND e.phone = c.phone AND p.issued_at IS NOT NULL)",
    )
    .fetch_all(pool)
    .await?;
    if !strays.is_empty() {
        broken.push(format!("codes not linked to the holder's phone: {strays:?}"));
    }
    Ok(Codes { issued, held, broken })
}
