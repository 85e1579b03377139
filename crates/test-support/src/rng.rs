//! The seeded random source of the tests and the lab: the same seed gives the same draws.

use rand::SeedableRng;

/// Xoshiro256++ rather than `SmallRng`: its stream is fixed by its definition, so a seed
/// replays the same run on every platform and rand release.
pub type Seeded = rand::rngs::Xoshiro256PlusPlus;

pub fn seeded(seed: u64) -> Seeded {
    Seeded::seed_from_u64(seed)
}
