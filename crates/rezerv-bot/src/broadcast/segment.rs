//! Who a broadcast goes to: one parser for the console's buttons and the command line.

use std::fmt;

use thiserror::Error;

use crate::config::Campaign;
use crate::domain::{CityId, Lang, Stage, Way};

/// A city, or a group of cities that share a QAZTEST cutoff (`groups` in the campaign file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    City(CityId),
    Group(String),
}

/// The candidates a broadcast goes to: those matching every filter that is set. Only
/// candidates who still talk to the bot, and never organisers, are ever recipients.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segment {
    pub way: Option<Way>,
    pub place: Option<Place>,
    pub stage: Option<Stage>,
    /// The language the candidate reads: one who never chose gets Russian, as the sender
    /// renders it.
    pub lang: Option<Lang>,
    /// Holds a promo code (issued from the pool, or kept from the cabinet).
    pub has_code: Option<bool>,
    /// Recorded their QAZTEST application, or (QRT) that they took the online test or entered
    /// the code on qrt.kz.
    pub applied: Option<bool>,
}

/// The stages a segment can pick: every stage but the unreadable one.
pub const SEGMENT_STAGES: [Stage; 6] =
    [Stage::Start, Stage::City, Stage::Way, Stage::Steps, Stage::Contact, Stage::Ready];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SegmentError {
    #[error("`{0}` is not a filter of the form key=value")]
    NotAPair(String),
    #[error("unknown filter `{0}` (expected way, city, group, stage, lang, code or applied)")]
    UnknownKey(String),
    #[error("filter `{0}` is given twice")]
    Repeated(String),
    #[error("`{key}={value}`: expected {expected}")]
    BadValue { key: String, value: String, expected: String },
    #[error("give a city or a group of cities, not both")]
    CityAndGroup,
}

fn yes_no(key: &str, value: &str) -> Result<bool, SegmentError> {
    match value {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(bad(key, value, "yes or no")),
    }
}

fn bad(key: &str, value: &str, expected: impl Into<String>) -> SegmentError {
    SegmentError::BadValue { key: key.to_owned(), value: value.to_owned(), expected: expected.into() }
}

impl Segment {
    /// Everyone: no filter.
    pub fn everyone() -> Segment {
        Segment::default()
    }

    /// Parses `key=value,key=value` (e.g. `way=qaztest,city=karaganda,code=yes`); empty or `all`
    /// is everyone. Keys: `way` (qrt, qaztest), `city` (a city id of the campaign file), `group`
    /// (a group id), `stage` (start, city, way, steps, contact, ready), `lang` (kk, ru), `code`
    /// and `applied` (yes, no).
    pub fn parse(text: &str, campaign: &Campaign) -> Result<Segment, SegmentError> {
        let mut segment = Segment::default();
        let text = text.trim();
        if text.is_empty() || text == "all" {
            return Ok(segment);
        }
        let mut seen: Vec<&str> = Vec::new();
        for part in text.split(',').map(str::trim) {
            let Some((key, value)) = part.split_once('=').map(|(key, value)| (key.trim(), value.trim())) else {
                return Err(SegmentError::NotAPair(part.to_owned()));
            };
            if seen.contains(&key) {
                return Err(SegmentError::Repeated(key.to_owned()));
            }
            match key {
                "way" => segment.way = Some(value.parse().map_err(|_| bad(key, value, "qrt or qaztest"))?),
                "city" => {
                    let known = CityId::parse(value).ok().filter(|id| campaign.city(id).is_some());
                    let id = known.ok_or_else(|| bad(key, value, "a city id of the campaign file"))?;
                    if seen.contains(&"group") {
                        return Err(SegmentError::CityAndGroup);
                    }
                    segment.place = Some(Place::City(id));
                }
                "group" => {
                    let group =
                        campaign.group(value).ok_or_else(|| bad(key, value, "a group id of the campaign file"))?;
                    if seen.contains(&"city") {
                        return Err(SegmentError::CityAndGroup);
                    }
                    segment.place = Some(Place::Group(group.id.clone()));
                }
                "stage" => {
                    let stage = value.parse().ok().filter(|stage| SEGMENT_STAGES.contains(stage));
                    segment.stage =
                        Some(stage.ok_or_else(|| bad(key, value, "start, city, way, steps, contact or ready"))?);
                }
                "lang" => segment.lang = Some(value.parse().map_err(|_| bad(key, value, "kk or ru"))?),
                "code" => segment.has_code = Some(yes_no(key, value)?),
                "applied" => segment.applied = Some(yes_no(key, value)?),
                other => return Err(SegmentError::UnknownKey(other.to_owned())),
            }
            seen.push(key);
        }
        Ok(segment)
    }

    pub fn is_everyone(&self) -> bool {
        *self == Segment::default()
    }

    /// The city ids the segment's place stands for (`None`: every city, and none chosen).
    pub fn city_ids(&self, campaign: &Campaign) -> Option<Vec<String>> {
        match self.place.as_ref()? {
            Place::City(id) => Some(vec![id.to_string()]),
            Place::Group(group) => Some(campaign.cities_in_group(group).map(|city| city.id.to_string()).collect()),
        }
    }
}

/// The canonical text form, which `parse` reads back: `all`, or the filters in a fixed order.
impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let yes_no = |flag: bool| if flag { "yes" } else { "no" };
        let mut parts: Vec<String> = Vec::new();
        if let Some(way) = self.way {
            parts.push(format!("way={way}"));
        }
        match &self.place {
            Some(Place::City(id)) => parts.push(format!("city={id}")),
            Some(Place::Group(id)) => parts.push(format!("group={id}")),
            None => {}
        }
        if let Some(stage) = self.stage {
            parts.push(format!("stage={stage}"));
        }
        if let Some(lang) = self.lang {
            parts.push(format!("lang={lang}"));
        }
        if let Some(flag) = self.has_code {
            parts.push(format!("code={}", yes_no(flag)));
        }
        if let Some(flag) = self.applied {
            parts.push(format!("applied={}", yes_no(flag)));
        }
        if parts.is_empty() { f.write_str("all") } else { f.write_str(&parts.join(",")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign() -> Campaign {
        Campaign::embedded().unwrap()
    }

    #[test]
    fn filters_parse_and_print_back_in_one_canonical_form() {
        let campaign = campaign();
        let segment =
            Segment::parse(" city=karaganda , way=qaztest,code=yes,applied=no,lang=kk,stage=ready ", &campaign)
                .unwrap();
        assert_eq!(segment.way, Some(Way::Qaztest));
        assert_eq!(segment.place, Some(Place::City(CityId::parse("karaganda").unwrap())));
        assert_eq!(segment.to_string(), "way=qaztest,city=karaganda,stage=ready,lang=kk,code=yes,applied=no");
        assert_eq!(Segment::parse(&segment.to_string(), &campaign), Ok(segment));
        for everyone in ["", "all", "  "] {
            assert!(Segment::parse(everyone, &campaign).unwrap().is_everyone());
        }
        assert_eq!(Segment::everyone().to_string(), "all");
        let group = Segment::parse("group=astana", &campaign).unwrap();
        assert_eq!(group.city_ids(&campaign), Some(vec!["astana".to_owned()]));
        assert_eq!(
            Segment::parse("group=others", &campaign).unwrap().city_ids(&campaign).map(|ids| ids.len()),
            Some(19)
        );
    }

    #[test]
    fn bad_filters_say_what_is_wrong() {
        let campaign = campaign();
        let err = |text: &str| Segment::parse(text, &campaign).unwrap_err();
        assert_eq!(err("way"), SegmentError::NotAPair("way".into()));
        assert_eq!(err("town=almaty"), SegmentError::UnknownKey("town".into()));
        assert_eq!(err("way=qrt,way=qaztest"), SegmentError::Repeated("way".into()));
        assert!(matches!(err("city=london"), SegmentError::BadValue { .. }));
        assert!(matches!(err("group=nowhere"), SegmentError::BadValue { .. }));
        assert!(matches!(err("stage=lost"), SegmentError::BadValue { .. }));
        assert!(matches!(err("code=maybe"), SegmentError::BadValue { .. }));
        assert!(matches!(err("lang=en"), SegmentError::BadValue { .. }));
        assert_eq!(err("city=almaty,group=others"), SegmentError::CityAndGroup);
        assert_eq!(err("group=others,city=almaty"), SegmentError::CityAndGroup);
    }
}
