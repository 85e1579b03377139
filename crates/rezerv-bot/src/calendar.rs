//! The candidate's dates as an iCalendar file (RFC 5545), for Google Calendar, Apple Calendar
//! and Outlook to import.
//!
//! Every event is all-day (`VALUE=DATE`): a deadline is a day of the campaign's calendar, and
//! a date carries no zone a phone could shift it by. The only DATE-TIME is `DTSTAMP`, in UTC.
//! Each event's `UID` is fixed per candidate and kind, and `SEQUENCE` grows with the time the
//! file is made, so a later file (another city, another test date) updates the events an
//! earlier one put in the calendar instead of adding copies. The writer (`icalendar`) escapes
//! text and ends lines with CRLF; lines are folded at 75 octets here (see [`fold`]).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Property};

use crate::domain::Lang;

/// Which of the candidate's dates an event is. Its UID is made of this and the chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// QAZTEST: the city's application cutoff; QRT: the testing period's last day.
    Deadline,
    /// The test date the candidate recorded.
    TestDay,
    /// The day QAZTEST results are due at the latest.
    Results,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [EventKind::Deadline, EventKind::TestDay, EventKind::Results];

    pub fn code(self) -> &'static str {
        match self {
            EventKind::Deadline => "deadline",
            EventKind::TestDay => "test",
            EventKind::Results => "results",
        }
    }
}

/// The UID of one kind of event of one candidate: the same in every file made for them.
pub fn uid(kind: EventKind, chat_id: i64) -> String {
    format!("{}-{chat_id}@rezerv-bot", kind.code())
}

/// `SEQUENCE` for a file made at `made_at`: the seconds since 2020, so that a later file
/// always has the higher one without anything stored. RFC 5545's INTEGER is 32-bit signed:
/// this lasts until 2088.
pub fn sequence(made_at: DateTime<Utc>) -> u32 {
    let epoch = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH);
    let seconds = (made_at - epoch).num_seconds().clamp(0, i64::from(i32::MAX));
    u32::try_from(seconds).unwrap_or(0)
}

/// An alarm on the day before the event, at a local time of day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayBefore {
    pub text: String,
    pub at: NaiveTime,
}

/// One all-day event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayEvent {
    pub kind: EventKind,
    pub date: NaiveDate,
    pub title: String,
    pub description: String,
    pub url: String,
    pub alarm: Option<DayBefore>,
}

/// One candidate's calendar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFile {
    pub chat_id: i64,
    /// The language of the titles and descriptions (named in `PRODID`).
    pub lang: Lang,
    /// The campaign's IANA zone, whose calendar the dates are in (`X-WR-TIMEZONE`).
    pub time_zone: String,
    pub made_at: DateTime<Utc>,
    pub events: Vec<DayEvent>,
}

impl CalendarFile {
    /// The file's text: `BEGIN:VCALENDAR` … `END:VCALENDAR`, CRLF line ends.
    pub fn to_ics(&self) -> String {
        let mut calendar = Calendar::empty();
        let prodid = format!("-//rezerv-bot//Candidate dates//{}", self.lang.code().to_uppercase());
        for (key, value) in [
            ("PRODID", prodid.as_str()),
            ("VERSION", "2.0"),
            ("CALSCALE", "GREGORIAN"),
            ("METHOD", "PUBLISH"),
            ("X-WR-TIMEZONE", self.time_zone.as_str()),
        ] {
            calendar.append_property(Property::new(key, value));
        }
        let sequence = sequence(self.made_at);
        for event in &self.events {
            calendar.push(self.event(event, sequence));
        }
        // The writer's folds are undone and made again where no space touches them.
        let mut ics = String::new();
        for line in calendar.to_string().replace("\r\n ", "").split_terminator("\r\n") {
            fold(line, &mut ics);
        }
        ics
    }

    fn event(&self, day: &DayEvent, sequence: u32) -> Event {
        let uid = uid(day.kind, self.chat_id);
        let mut event = Event::with_uid(&uid);
        event
            .timestamp(self.made_at)
            .sequence(sequence)
            .summary(&text(&day.title))
            .description(&text(&day.description))
            .url(&day.url)
            .starts(day.date)
            // DTEND of an all-day event is the day after: RFC 5545 §3.6.1.
            .ends(day.date.succ_opt().unwrap_or(day.date))
            // A date to keep, not time taken: it does not show the candidate as busy.
            .add_property("TRANSP", "TRANSPARENT");
        if let Some(alarm) = &day.alarm {
            let mut valarm = Alarm::display(&text(&alarm.text), -Duration::days(1));
            valarm
                .add_property("TRIGGER", trigger_day_before(alarm.at))
                // The writer gives every component a DTSTAMP and a UID; fixed here, so that
                // the file depends on nothing but its input (RFC 9074 gives alarms a UID).
                .timestamp(self.made_at)
                .uid(&uid.replacen('@', "-alarm@", 1));
            event.alarm(valarm);
        }
        event.done()
    }
}

/// A TEXT value the writer escapes completely: it escapes line feeds, not carriage returns.
fn text(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\r', "\n")
}

/// Appends a content line folded at 75 octets (RFC 5545 §3.1), with CRLF. A fold goes only
/// between two characters that are not whitespace: unfolding removes the CRLF and the one
/// space after it, but some readers also trim each physical line (the `ical` crate does, and
/// so do mail transports), which would eat a space at the end of a line or the start of the
/// next. `icalendar`'s own folding ends lines with a space.
pub fn fold(line: &str, out: &mut String) {
    const OCTETS: usize = 75;
    let mut rest = line;
    // A continuation line's leading space counts towards its 75 octets.
    let mut room = OCTETS;
    while rest.len() > room {
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let longest = cut;
        let spaced = |at: usize| {
            rest[..at].chars().next_back().is_some_and(char::is_whitespace)
                || rest[at..].chars().next().is_some_and(char::is_whitespace)
        };
        while cut > 0 && (!rest.is_char_boundary(cut) || spaced(cut)) {
            cut -= 1;
        }
        // A line of nothing but spaces has no such place: any boundary will do.
        if cut == 0 {
            cut = longest;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        room = OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

/// The `TRIGGER` of an alarm at `at` on the day before an all-day event, which starts at
/// midnight: 10:00 the day before is 14 hours before, `-PT14H`.
pub fn trigger_day_before(at: NaiveTime) -> String {
    let before = Duration::days(1) - (at - NaiveTime::MIN);
    let minutes = before.num_minutes();
    match (minutes / 60, minutes % 60) {
        (24, 0) => "-P1D".to_owned(),
        (hours, 0) => format!("-PT{hours}H"),
        (0, minutes) => format!("-PT{minutes}M"),
        (hours, minutes) => format!("-PT{hours}H{minutes}M"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// A city's Kazakh name from the shipped campaign: non-ASCII text (two octets a letter)
    /// whose folding and escaping the tests check, kept as data, not in code.
    fn kk_city(id: &str) -> String {
        let campaign = crate::config::Campaign::embedded().unwrap();
        campaign.city(&id.parse().unwrap()).unwrap().name(Lang::Kk).to_owned()
    }

    /// Every character TEXT escapes, around non-ASCII names.
    fn escaped_title() -> String {
        format!("QAZTEST; {}, {} \\ {}", kk_city("almaty"), kk_city("karaganda"), kk_city("turkistan"))
    }

    fn sample(made_at: DateTime<Utc>) -> CalendarFile {
        let deadline = DayEvent {
            kind: EventKind::Deadline,
            date: date("2023-09-17"),
            // Every character TEXT escapes, and a line long enough to fold within a letter.
            title: escaped_title(),
            description: format!(
                "{}\nhttp://kazakhtest.kz/kz/news/594372/",
                format!("{}. ", kk_city("karaganda")).repeat(12)
            ),
            url: "http://kazakhtest.kz/kz/news/594372/".into(),
            alarm: Some(DayBefore { text: kk_city("almaty"), at: NaiveTime::from_hms_opt(10, 0, 0).unwrap() }),
        };
        let results = DayEvent {
            kind: EventKind::Results,
            date: date("2023-09-29"),
            title: "Results".into(),
            description: "https://app.testcenter.kz/auth".into(),
            url: "https://app.testcenter.kz/auth".into(),
            alarm: None,
        };
        CalendarFile {
            chat_id: 7001,
            lang: Lang::Kk,
            time_zone: "Asia/Almaty".into(),
            made_at,
            events: vec![deadline, results],
        }
    }

    fn stamp(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn lines_end_in_crlf_and_fold_at_75_octets() {
        let ics = sample(stamp("2023-09-05T05:00:00Z")).to_ics();
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"), "{ics}");
        let body = ics.strip_suffix("\r\n").unwrap();
        for line in body.split("\r\n") {
            assert!(!line.contains(['\r', '\n']), "a bare line break in {line:?}");
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert!(body.split("\r\n").any(|line| line.starts_with(' ')), "the description is folded: {ics}");
    }

    #[test]
    fn the_file_names_what_a_calendar_needs() {
        let ics = sample(stamp("2023-09-05T05:00:00Z")).to_ics();
        for line in [
            "PRODID:-//rezerv-bot//Candidate dates//KK",
            "VERSION:2.0",
            "METHOD:PUBLISH",
            "X-WR-TIMEZONE:Asia/Almaty",
            "UID:deadline-7001@rezerv-bot",
            "DTSTAMP:20230905T050000Z",
            "DTSTART;VALUE=DATE:20230917",
            "DTEND;VALUE=DATE:20230918",
            "TRIGGER:-PT14H",
            "ACTION:DISPLAY",
            "UID:results-7001@rezerv-bot",
            "TRANSP:TRANSPARENT",
        ] {
            assert!(ics.split("\r\n").any(|got| got == line), "no {line}: {ics}");
        }
        let summary = format!(
            "SUMMARY:QAZTEST\\; {}\\, {} \\\\ {}",
            kk_city("almaty"),
            kk_city("karaganda"),
            kk_city("turkistan")
        );
        assert!(ics.contains(&summary), "{ics}");
    }

    #[test]
    fn folds_never_touch_a_space() {
        let mut out = String::new();
        let line = format!("DESCRIPTION:{}", format!("{} ", kk_city("karaganda")).repeat(18).trim_end());
        fold(&line, &mut out);
        let lines: Vec<&str> = out.strip_suffix("\r\n").unwrap().split("\r\n").collect();
        assert!(lines.len() > 3, "{out}");
        for (index, physical) in lines.iter().enumerate() {
            assert!(physical.len() <= 75, "{physical}");
            assert!(!physical.ends_with(char::is_whitespace), "{physical:?}");
            if index > 0 {
                let content = physical.strip_prefix(' ').expect("a continuation starts with one space");
                assert!(!content.starts_with(char::is_whitespace), "{physical:?}");
            }
        }
        assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
        // Only spaces, or a line that fits: still folded within the limit, or left whole.
        let mut spaces = String::new();
        fold(&" ".repeat(200), &mut spaces);
        assert!(spaces.split("\r\n").all(|physical| physical.len() <= 75));
        let mut short = String::new();
        fold("VERSION:2.0", &mut short);
        assert_eq!(short, "VERSION:2.0\r\n");
    }

    #[test]
    fn the_same_input_makes_the_same_file() {
        let made = stamp("2023-09-05T05:00:00Z");
        assert_eq!(sample(made).to_ics(), sample(made).to_ics());
    }

    #[test]
    fn a_later_file_has_a_higher_sequence() {
        let first = sequence(stamp("2023-09-05T05:00:00Z"));
        assert!(sequence(stamp("2023-09-05T05:00:01Z")) > first);
        assert_eq!(sequence(stamp("2020-01-01T00:00:10Z")), 10);
        assert_eq!(sequence(stamp("2019-06-01T00:00:00Z")), 0);
        assert!(sequence(stamp("2088-01-01T00:00:00Z")) <= i32::MAX as u32);
    }

    #[test]
    fn the_alarm_falls_on_the_day_before_at_the_local_time() {
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(trigger_day_before(at(10, 0)), "-PT14H");
        assert_eq!(trigger_day_before(at(9, 30)), "-PT14H30M");
        assert_eq!(trigger_day_before(at(0, 0)), "-P1D");
        assert_eq!(trigger_day_before(at(23, 15)), "-PT45M");
    }

    #[test]
    fn uids_name_the_kind_and_the_chat() {
        let uids: Vec<String> = EventKind::ALL.iter().map(|kind| uid(*kind, -5)).collect();
        assert_eq!(uids, ["deadline--5@rezerv-bot", "test--5@rezerv-bot", "results--5@rezerv-bot"]);
    }

    /// An independent parser (the `ical` crate) reads the file back as it was meant.
    #[test]
    fn an_independent_parser_reads_it_back() {
        let file = sample(stamp("2023-09-05T05:00:00Z"));
        let ics = file.to_ics();
        let mut parsed = ical::IcalParser::new(ics.as_bytes());
        let calendar = parsed.next().expect("one calendar").expect("it parses");
        assert!(parsed.next().is_none());
        assert_eq!(calendar.events.len(), 2);
        let value = |properties: &[ical::property::Property], name: &str| {
            properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
        };
        let deadline = &calendar.events[0];
        let unescaped = value(&deadline.properties, "SUMMARY")
            .replace("\\\\", "\u{0}")
            .replace("\\;", ";")
            .replace("\\,", ",")
            .replace("\\n", "\n")
            .replace('\u{0}', "\\");
        assert_eq!(unescaped, file.events[0].title);
        let description = value(&deadline.properties, "DESCRIPTION").replace("\\n", "\n");
        assert_eq!(description, file.events[0].description, "unfolded");
        assert_eq!(deadline.alarms.len(), 1);
        assert_eq!(value(&deadline.alarms[0].properties, "TRIGGER"), "-PT14H");
        assert!(calendar.events[1].alarms.is_empty());
    }
}
