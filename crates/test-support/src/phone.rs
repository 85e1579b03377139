//! Phones of simulated candidates: valid Kazakh mobile numbers, one of its own per number.

/// `+7`, the operator block (700, 701, 705…) and the last seven digits of `n`.
pub fn phone_in(block: u16, n: i64) -> String {
    format!("+7{block}{:07}", n.rem_euclid(10_000_000))
}

/// The eligible phone of chat `id` in the fuzzers: +7701 and the id's last seven digits, so a
/// neighbour's phone (`id - 1`) is another eligible person's.
pub fn phone_of(id: i64) -> String {
    phone_in(701, id)
}
