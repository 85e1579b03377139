//! Promo-code contention: many candidates claim at once on SQLite. Prints claims per second
//! and checks that every code is unique and none is lost.
//!
//! cargo bench --bench claims -- [--claims 1000] [--rounds 5]

use std::collections::HashSet;
use std::time::Instant;

use chrono::Utc;
use clap::Parser;
use rezerv_bot::domain::{Phone, PromoCode, Way};
use rezerv_bot::storage::{Claim, Db};
use rezerv_test_support::db::TempDir;
use rezerv_test_support::phone::phone_in;

/// Many candidates claim promo codes at once on SQLite: claims per second, every code unique,
/// none lost.
#[derive(Debug, Parser)]
struct Options {
    /// Concurrent claims per round.
    #[arg(long, default_value_t = 1000)]
    claims: usize,
    /// Rounds, each on a fresh database; the median rate is the figure.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Options { claims, rounds, .. } = Options::parse();
    let mut rates = Vec::new();
    for round in 1..=rounds {
        let dir = TempDir::new();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("claims.db").display())).await?;
        let pool_size = claims + claims / 10;
        let codes: Vec<PromoCode> =
            (0..pool_size).map(|n| PromoCode::parse(&format!("QRT-{n:07}"))).collect::<Result<_, _>>()?;
        db.import_codes(Way::Qrt, &codes, Utc::now()).await?;
        let phones: Vec<Phone> =
            (0..claims).map(|n| Phone::parse(&phone_in(705, n as i64))).collect::<Result<_, _>>()?;
        db.import_eligible(&phones, Utc::now()).await?;

        let started = Instant::now();
        let mut tasks = Vec::with_capacity(claims);
        for (n, phone) in phones.into_iter().enumerate() {
            let db = db.clone();
            tasks.push(tokio::spawn(async move { db.claim_code(n as i64 + 1, &phone, Way::Qrt, Utc::now()).await }));
        }
        let mut issued = HashSet::new();
        let mut errors = 0;
        for task in tasks {
            match task.await? {
                Ok(Claim::Issued(code)) => {
                    if !issued.insert(code.as_str().to_owned()) {
                        anyhow::bail!("{code} was issued twice");
                    }
                }
                Ok(other) => anyhow::bail!("unexpected claim outcome {other:?}"),
                Err(_) => errors += 1,
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        let left = db.codes_left(Way::Qrt).await?;
        let lost = pool_size as i64 - left - issued.len() as i64;
        let rate = claims as f64 / elapsed;
        rates.push(rate);
        println!(
            "round {round}: {claims} concurrent claims in {:.3} s = {rate:.0} claims/s; {} unique codes, {errors} errors, {left} left, {lost} lost",
            elapsed,
            issued.len()
        );
        if lost != 0 || errors != 0 || issued.len() != claims {
            anyhow::bail!("claims were lost or failed");
        }
        db.close().await;
    }
    rates.sort_by(f64::total_cmp);
    println!("median: {:.0} claims/s (goal: at least 1,000), every code unique, none lost", rates[rates.len() / 2]);
    Ok(())
}
