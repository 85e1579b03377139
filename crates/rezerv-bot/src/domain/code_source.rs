use super::unknown::spelled;

spelled! {
    /// Where candidates' promo codes come from, for a whole campaign (its `code_source` key).
    pub enum CodeSource("code source") {
        /// The organisers hand the bot a pool, and the bot issues one code per eligible phone
        /// after the guided steps.
        Pool = "pool",
        /// As the announcement has it: each candidate generates the code in their
        /// pkrezerv.gov.kz cabinet (step 4). The bot issues nothing, and keeps a copy of the code
        /// the candidate pastes, if they want.
        Cabinet = "cabinet",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_round_trips() {
        for source in CodeSource::ALL {
            assert_eq!(source.as_str().parse::<CodeSource>(), Ok(source));
        }
        assert!("Cabinet".parse::<CodeSource>().is_err());
    }
}
