//! The dialogue state: each variant carries what the candidate has chosen so far.

use serde::{Deserialize, Serialize};

use crate::domain::{CityId, Stage, Way};
use crate::storage::{StateSummary, StoredState};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum State {
    /// Nothing chosen yet: the language picker is next.
    #[default]
    Start,
    /// Choosing among the republican cities or "a regional centre". `fixed_way` is set once a
    /// code is issued, or the steps are done in cabinet mode: the city may still change, the
    /// way may not.
    City { fixed_way: Option<Way> },
    /// Choosing among the regional centres.
    RegionalCity { fixed_way: Option<Way> },
    /// Choosing the way, with the deadlines for the city shown.
    Way { city: CityId },
    /// Going through the guided steps; `step` counts from 1.
    Step { city: CityId, way: Way, step: u8 },
    /// Waiting for the candidate's own contact to issue the code.
    Contact { city: CityId, way: Way },
    /// Past the steps, the code issued (pool mode) or generated in the cabinet: what to do
    /// next, applied / test date / status.
    Ready { city: CityId, way: Way },
    /// Asked to confirm /forget; `back` is where "no" returns to.
    ConfirmForget { back: Box<State> },
    /// The stored state could not be read (schema change): apologise and start over.
    Lost,
}

impl State {
    pub fn city(&self) -> Option<&CityId> {
        match self {
            State::Way { city }
            | State::Step { city, .. }
            | State::Contact { city, .. }
            | State::Ready { city, .. } => Some(city),
            State::ConfirmForget { back } => back.city(),
            State::Start | State::City { .. } | State::RegionalCity { .. } | State::Lost => None,
        }
    }

    pub fn way(&self) -> Option<Way> {
        match self {
            State::Step { way, .. } | State::Contact { way, .. } | State::Ready { way, .. } => Some(*way),
            State::City { fixed_way } | State::RegionalCity { fixed_way } => *fixed_way,
            State::ConfirmForget { back } => back.way(),
            State::Start | State::Way { .. } | State::Lost => None,
        }
    }

    pub fn stage(&self) -> Stage {
        match self {
            State::Start => Stage::Start,
            State::City { .. } | State::RegionalCity { .. } => Stage::City,
            State::Way { .. } => Stage::Way,
            State::Step { .. } => Stage::Steps,
            State::Contact { .. } => Stage::Contact,
            State::Ready { .. } => Stage::Ready,
            State::ConfirmForget { back } => back.stage(),
            State::Lost => Stage::Lost,
        }
    }
}

impl StoredState for State {
    fn summary(&self) -> StateSummary {
        let step = match self {
            State::Step { step, .. } => Some(*step),
            _ => None,
        };
        StateSummary { stage: self.stage(), city: self.city().map(CityId::to_string), way: self.way(), step }
    }

    fn lost() -> Self {
        State::Lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_json() {
        let city = CityId::parse("almaty").unwrap();
        let states = [
            State::Start,
            State::City { fixed_way: None },
            State::RegionalCity { fixed_way: Some(Way::Qrt) },
            State::Way { city: city.clone() },
            State::Step { city: city.clone(), way: Way::Qaztest, step: 3 },
            State::Contact { city: city.clone(), way: Way::Qrt },
            State::Ready { city: city.clone(), way: Way::Qrt },
            State::ConfirmForget { back: Box::new(State::Ready { city, way: Way::Qrt }) },
        ];
        for state in states {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(serde_json::from_str::<State>(&json).unwrap(), state, "{json}");
        }
    }

    #[test]
    fn summary_exposes_the_queryable_columns() {
        let summary = State::Step { city: CityId::parse("oral").unwrap(), way: Way::Qaztest, step: 4 }.summary();
        assert_eq!(
            summary,
            StateSummary { stage: Stage::Steps, city: Some("oral".into()), way: Some(Way::Qaztest), step: Some(4) }
        );
    }
}
