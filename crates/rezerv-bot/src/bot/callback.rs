//! Callback data as a typed enum, encoded compactly (Telegram allows 64 bytes).

use chrono::NaiveDate;

use super::flows::console::Panel;
use crate::domain::{CityId, Lang, Way};
use crate::faq::EntryId;

/// The largest `callback_data` Telegram accepts, in bytes.
pub const MAX_CALLBACK_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    Lang(Lang),
    City(CityId),
    /// Open the list of regional centres.
    Regional,
    /// Back from the regional list to the main cities.
    CitiesBack,
    Way(Way),
    ChangeCity,
    StepDone(u8),
    StepBack(u8),
    /// QAZTEST: "I have applied".
    Applied,
    /// QRT: "I have taken the online test or entered my code on qrt.kz".
    QrtBooked,
    DatePicker,
    TestDate(NaiveDate),
    Status,
    /// Send the candidate's dates as a calendar file.
    Calendar,
    ForgetYes,
    ForgetNo,
    /// A button of the organisers' console.
    Console(Panel),
    /// An FAQ entry's answer, offered after "that's not it".
    FaqEntry(EntryId),
    /// An FAQ entry picked from "did you mean…": it answers the question the matcher was
    /// unsure of.
    FaqChosen(EntryId),
    /// "That's not it" under an answer: the other entries to offer (at most `FAQ_OTHERS`).
    FaqOthers(Vec<EntryId>),
}

/// How many other entries "that's not it" offers: with `EntryId::MAX_LEN` ids, "fo:" and the
/// commas, 3 fit in 64 bytes (53).
pub const FAQ_OTHERS: usize = 3;

impl Callback {
    pub fn encode(&self) -> String {
        match self {
            Callback::Lang(lang) => format!("l:{}", lang.code()),
            Callback::City(id) => format!("c:{id}"),
            Callback::Regional => "rg".into(),
            Callback::CitiesBack => "cb".into(),
            Callback::Way(way) => format!("w:{}", way.code()),
            Callback::ChangeCity => "cc".into(),
            Callback::StepDone(step) => format!("sd:{step}"),
            Callback::StepBack(step) => format!("sb:{step}"),
            Callback::Applied => "ap".into(),
            Callback::QrtBooked => "qb".into(),
            Callback::DatePicker => "dp".into(),
            Callback::TestDate(date) => format!("td:{}", date.format("%Y%m%d")),
            Callback::Status => "st".into(),
            Callback::Calendar => "cal".into(),
            Callback::ForgetYes => "fy".into(),
            Callback::ForgetNo => "fn".into(),
            Callback::Console(panel) => format!("a:{panel}"),
            Callback::FaqEntry(id) => format!("fq:{id}"),
            Callback::FaqChosen(id) => format!("fc:{id}"),
            Callback::FaqOthers(ids) => {
                format!("fo:{}", ids.iter().map(EntryId::as_str).collect::<Vec<_>>().join(","))
            }
        }
    }

    /// Parses data produced by `encode`; anything else (old formats, forged data) is `None`.
    pub fn decode(data: &str) -> Option<Callback> {
        let (tag, arg) = match data.split_once(':') {
            Some((tag, arg)) => (tag, Some(arg)),
            None => (data, None),
        };
        let callback = match (tag, arg) {
            ("l", Some(lang)) => Callback::Lang(lang.parse().ok()?),
            ("c", Some(id)) => Callback::City(id.parse().ok()?),
            ("rg", None) => Callback::Regional,
            ("cb", None) => Callback::CitiesBack,
            ("w", Some(way)) if way == way.to_ascii_lowercase() => Callback::Way(way.parse().ok()?),
            ("cc", None) => Callback::ChangeCity,
            ("sd", Some(step)) => Callback::StepDone(parse_step(step)?),
            ("sb", Some(step)) => Callback::StepBack(parse_step(step)?),
            ("ap", None) => Callback::Applied,
            ("qb", None) => Callback::QrtBooked,
            ("dp", None) => Callback::DatePicker,
            ("td", Some(date)) if date.len() == 8 => {
                Callback::TestDate(NaiveDate::parse_from_str(date, "%Y%m%d").ok()?)
            }
            ("st", None) => Callback::Status,
            ("cal", None) => Callback::Calendar,
            ("fy", None) => Callback::ForgetYes,
            ("fn", None) => Callback::ForgetNo,
            ("a", Some(panel)) => Callback::Console(panel.parse().ok()?),
            ("fq", Some(id)) => Callback::FaqEntry(id.parse().ok()?),
            ("fc", Some(id)) => Callback::FaqChosen(id.parse().ok()?),
            ("fo", Some(ids)) => {
                let ids: Vec<EntryId> = ids.split(',').map(|id| id.parse().ok()).collect::<Option<_>>()?;
                if ids.is_empty() || ids.len() > FAQ_OTHERS {
                    return None;
                }
                Callback::FaqOthers(ids)
            }
            _ => return None,
        };
        Some(callback)
    }
}

fn parse_step(text: &str) -> Option<u8> {
    // Only the canonical form, so each step has exactly one encoding.
    let step: u8 = text.parse().ok()?;
    (step >= 1 && step.to_string() == text).then_some(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_samples() -> Vec<Callback> {
        let mut samples = vec![
            Callback::Regional,
            Callback::CitiesBack,
            Callback::ChangeCity,
            Callback::Applied,
            Callback::QrtBooked,
            Callback::DatePicker,
            Callback::Status,
            Callback::Calendar,
            Callback::ForgetYes,
            Callback::ForgetNo,
            Callback::City(CityId::parse(&"x".repeat(CityId::MAX_LEN)).unwrap()),
            Callback::TestDate(NaiveDate::from_ymd_opt(2023, 9, 22).unwrap()),
        ];
        let longest = EntryId::parse(&"x".repeat(EntryId::MAX_LEN)).unwrap();
        samples.push(Callback::FaqEntry(longest.clone()));
        samples.push(Callback::FaqChosen(longest.clone()));
        samples.push(Callback::FaqOthers(vec![longest.clone(); FAQ_OTHERS]));
        samples.push(Callback::FaqOthers(vec![EntryId::parse("ways").unwrap()]));
        // Every entry of the shipped FAQ, in every variant.
        let faq = crate::faq::Faq::embedded().unwrap();
        for id in faq.ids() {
            samples.extend([Callback::FaqEntry(id.clone()), Callback::FaqChosen(id.clone())]);
        }
        let ids: Vec<EntryId> = faq.ids().cloned().collect();
        samples.extend(ids.windows(FAQ_OTHERS).map(|three| Callback::FaqOthers(three.to_vec())));
        samples.extend(Lang::ALL.map(Callback::Lang));
        samples.extend(Way::ALL.map(Callback::Way));
        samples.extend(Panel::ALL.map(Callback::Console));
        samples.extend((1..=u8::MAX).flat_map(|step| [Callback::StepDone(step), Callback::StepBack(step)]));
        samples
    }

    #[test]
    fn every_variant_round_trips_within_64_bytes() {
        for callback in all_samples() {
            let data = callback.encode();
            assert!(data.len() <= MAX_CALLBACK_BYTES, "{data} is {} bytes", data.len());
            assert_eq!(Callback::decode(&data), Some(callback), "{data}");
        }
    }

    #[test]
    fn foreign_data_is_rejected() {
        let four = "fo:ways,qrt,cost,level";
        for data in [
            "",
            "x",
            "l:en",
            "c:",
            "c:Almaty",
            "sd:0",
            "sd:03",
            "sd:x",
            "td:20230931",
            "w:QRT",
            "ap:1",
            "qb:1",
            "cal:1",
            "l",
            "a:",
            "a:MENU",
            "fq:",
            "fq:Ways",
            "fc:a_b",
            "fo:",
            "fo:ways,",
            four,
            "fq",
        ] {
            assert_eq!(Callback::decode(data), None, "{data}");
        }
    }
}
