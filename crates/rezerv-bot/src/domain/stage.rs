use super::unknown::spelled;

spelled! {
    /// Where a candidate is in the dialogue, as stored in `candidates.stage` and used by the
    /// planner and the organisers' counts.
    pub enum Stage("stage") {
        /// The language picker.
        Start = "start",
        /// Choosing a city (republican or regional).
        City = "city",
        Way = "way",
        /// The guided steps.
        Steps = "steps",
        /// Waiting for the candidate's contact.
        Contact = "contact",
        /// Past the steps: the code is issued (pool mode) or generated in the cabinet.
        Ready = "ready",
        /// The stored state could not be read.
        Lost = "lost",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_round_trips() {
        for stage in Stage::ALL {
            assert_eq!(stage.as_str().parse::<Stage>(), Ok(stage));
            assert_eq!(stage.to_string(), stage.as_str());
        }
        assert!("Steps".parse::<Stage>().is_err());
        assert_eq!(format!("{:<6}|", Stage::Way), "way   |");
    }
}
