//! The campaign file: every date, city and link of one selection round. A deployment edits
//! this file for its own year; nothing date- or link-shaped lives in code.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use thiserror::Error;

use crate::domain::{CityId, CodeSource, Lang, UnknownValue, Way};

/// The campaign shipped with the binary: the 2023 round of the announcement.
pub const EMBEDDED_CAMPAIGN: &str = include_str!("../../config/campaign.toml");

#[derive(Debug, Error)]
pub enum CampaignError {
    #[error("cannot read campaign file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("campaign file is not valid TOML: {0}")]
    Syntax(String),
    #[error("campaign key `{key}`: {problem}")]
    Invalid { key: String, problem: String },
}

fn invalid(key: impl Into<String>, problem: impl Into<String>) -> CampaignError {
    CampaignError::Invalid { key: key.into(), problem: problem.into() }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignFile {
    time_zone: String,
    /// `pool` (the default) or `cabinet`.
    #[serde(default)]
    code_source: Option<String>,
    window: WindowFile,
    links: LinksFile,
    holidays: Vec<String>,
    reminders: RemindersFile,
    groups: Vec<GroupFile>,
    cities: Vec<CityFile>,
    ways: Vec<WayFile>,
    /// Optional: without it personal data is kept until erased by hand.
    #[serde(default)]
    retention: Option<RetentionFile>,
    /// Where candidates reach the organisers, e.g. when a promo code does not work.
    #[serde(default)]
    support: Option<SupportFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetentionFile {
    days_after_close: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SupportFile {
    contact: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowFile {
    opens: String,
    closes: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinksFile {
    pkrezerv: String,
    qrt: String,
    qaztest_application: String,
    qaztest_results: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RemindersFile {
    local_time: String,
    deadline_days_before: Vec<u32>,
    nudge_after_days: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    id: String,
    cutoff: String,
    results_working_days: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CityFile {
    id: String,
    group: String,
    kind: CityKind,
    kk: String,
    ru: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WayFile {
    id: String,
    steps: Vec<StepFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    id: String,
    link: String,
    /// The step where the announcement has the candidate generate the promo code.
    #[serde(default)]
    generates_code: bool,
}

/// The testing window, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens: NaiveDate,
    pub closes: NaiveDate,
}

impl Window {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.opens <= date && date <= self.closes
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.opens.iter_days().take_while(|day| *day <= self.closes)
    }
}

/// Cities that share an application cutoff and a results delay.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub cutoff: NaiveDate,
    pub results_working_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CityKind {
    /// Astana, Almaty, Shymkent: cities of republican significance.
    Republican,
    /// The 17 regional (oblast) centres.
    Regional,
}

#[derive(Debug, Clone)]
pub struct City {
    pub id: CityId,
    pub kind: CityKind,
    group: usize,
    name_kk: String,
    name_ru: String,
}

impl City {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.name_kk,
            Lang::Ru => &self.name_ru,
        }
    }
}

/// One guided step of a way: its id names the locale messages, its link is where to go.
#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub link: String,
    /// Whether this is the step where the candidate generates the code in the cabinet.
    pub generates_code: bool,
}

#[derive(Debug, Clone)]
pub struct Links {
    pub pkrezerv: String,
    pub qrt: String,
    pub qaztest_application: String,
    pub qaztest_results: String,
}

/// When reminders go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminders {
    /// Local time of day every reminder is sent at.
    pub local_time: NaiveTime,
    /// Days before the deadline, largest first.
    pub deadline_days_before: Vec<u32>,
    /// A candidate stalled this many days on one step gets one nudge.
    pub nudge_after_days: u32,
}

/// How long candidates' personal data outlives the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days after the window's last day.
    pub days_after_close: u32,
    /// The day the data is erased, from its first moment (campaign time zone).
    pub erase_on: NaiveDate,
}

/// The most days personal data may be kept after the window closes: ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;

/// A validated campaign.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub tz: Tz,
    /// Where the candidates' promo codes come from.
    pub code_source: CodeSource,
    pub window: Window,
    pub links: Links,
    pub reminders: Reminders,
    /// When personal data is erased; `None`: never automatically.
    pub retention: Option<Retention>,
    /// The organisers' contact for candidates (`[support] contact`), if the file gives one.
    pub support: Option<String>,
    holidays: BTreeSet<NaiveDate>,
    groups: Vec<Group>,
    cities: Vec<City>,
    steps: HashMap<Way, Vec<Step>>,
}

fn parse_date(key: &str, value: &str) -> Result<NaiveDate, CampaignError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| invalid(key, format!("`{value}` is not a date in YYYY-MM-DD form")))
}

fn check_link(key: &str, value: &str) -> Result<String, CampaignError> {
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !value.contains(char::is_whitespace) => Ok(value.into()),
        _ => Err(invalid(key, format!("`{value}` is not an http(s) link"))),
    }
}

/// A contact shown to candidates as it is written: a phone, an e-mail, a link, a Telegram
/// name. One line of 1-200 characters (a sentence fits, a letter does not).
fn check_contact(value: &str) -> Result<String, CampaignError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 || trimmed.chars().any(char::is_control) {
        return Err(invalid("support.contact", "a contact of 1-200 characters on one line is needed"));
    }
    Ok(trimmed.to_owned())
}

fn check_id(key: &str, value: &str) -> Result<(), CampaignError> {
    let ok = !value.is_empty()
        && value.len() <= 24
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok { Ok(()) } else { Err(invalid(key, format!("`{value}` must be 1-24 characters of a-z, 0-9 or -"))) }
}

fn validate_reminders(file: &RemindersFile) -> Result<Reminders, CampaignError> {
    let local_time = NaiveTime::parse_from_str(&file.local_time, "%H:%M")
        .map_err(|_| invalid("reminders.local_time", format!("`{}` is not a time in HH:MM form", file.local_time)))?;
    let mut days = file.deadline_days_before.clone();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    if days.len() != file.deadline_days_before.len() {
        return Err(invalid("reminders.deadline_days_before", "a day is listed twice"));
    }
    if days.iter().any(|day| !(1..=60).contains(day)) {
        return Err(invalid("reminders.deadline_days_before", "each must be 1 to 60 days"));
    }
    if !(1..=60).contains(&file.nudge_after_days) {
        return Err(invalid("reminders.nudge_after_days", "must be 1 to 60 days"));
    }
    Ok(Reminders { local_time, deadline_days_before: days, nudge_after_days: file.nudge_after_days })
}

impl Campaign {
    pub fn embedded() -> Result<Campaign, CampaignError> {
        Campaign::from_toml(EMBEDDED_CAMPAIGN)
    }

    pub fn load(path: &Path) -> Result<Campaign, CampaignError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| CampaignError::Read { path: path.display().to_string(), source })?;
        Campaign::from_toml(&text)
    }

    pub fn from_toml(text: &str) -> Result<Campaign, CampaignError> {
        let file: CampaignFile = toml::from_str(text).map_err(|err| CampaignError::Syntax(err.to_string()))?;
        Campaign::validate(file)
    }

    fn validate(file: CampaignFile) -> Result<Campaign, CampaignError> {
        let tz: Tz = file
            .time_zone
            .parse()
            .map_err(|_| invalid("time_zone", format!("`{}` is not an IANA zone", file.time_zone)))?;
        let window = Window {
            opens: parse_date("window.opens", &file.window.opens)?,
            closes: parse_date("window.closes", &file.window.closes)?,
        };
        if window.closes < window.opens {
            return Err(invalid("window.closes", "the window closes before it opens"));
        }
        let links = Links {
            pkrezerv: check_link("links.pkrezerv", &file.links.pkrezerv)?,
            qrt: check_link("links.qrt", &file.links.qrt)?,
            qaztest_application: check_link("links.qaztest_application", &file.links.qaztest_application)?,
            qaztest_results: check_link("links.qaztest_results", &file.links.qaztest_results)?,
        };

        let mut holidays = BTreeSet::new();
        for (index, value) in file.holidays.iter().enumerate() {
            let key = format!("holidays[{index}]");
            if !holidays.insert(parse_date(&key, value)?) {
                return Err(invalid(key, format!("{value} is listed twice")));
            }
        }

        let reminders = validate_reminders(&file.reminders)?;
        let code_source = match &file.code_source {
            Some(value) => value.parse().map_err(|err: UnknownValue| invalid("code_source", err.to_string()))?,
            None => CodeSource::Pool,
        };

        let mut groups = Vec::new();
        let mut group_index = HashMap::new();
        for (index, group) in file.groups.iter().enumerate() {
            let key = format!("groups[{index}]");
            check_id(&format!("{key}.id"), &group.id)?;
            if group_index.insert(group.id.clone(), index).is_some() {
                return Err(invalid(format!("{key}.id"), format!("duplicate id `{}`", group.id)));
            }
            let cutoff = parse_date(&format!("{key}.cutoff"), &group.cutoff)?;
            if !window.contains(cutoff) {
                return Err(invalid(
                    format!("{key}.cutoff"),
                    format!("{cutoff} is outside the testing window {} to {}", window.opens, window.closes),
                ));
            }
            if !(1..=60).contains(&group.results_working_days) {
                return Err(invalid(format!("{key}.results_working_days"), "must be 1 to 60"));
            }
            groups.push(Group { id: group.id.clone(), cutoff, results_working_days: group.results_working_days });
        }
        if groups.is_empty() {
            return Err(invalid("groups", "at least one group is needed"));
        }

        let mut cities = Vec::new();
        let mut city_ids = HashSet::new();
        for (index, city) in file.cities.iter().enumerate() {
            let key = format!("cities[{index}]");
            let id = CityId::parse(&city.id).map_err(|err| invalid(format!("{key}.id"), err.to_string()))?;
            if !city_ids.insert(id.clone()) {
                return Err(invalid(format!("{key}.id"), format!("duplicate id `{}`", city.id)));
            }
            let group = *group_index
                .get(&city.group)
                .ok_or_else(|| invalid(format!("{key}.group"), format!("no group with id `{}`", city.group)))?;
            for (lang_key, name) in [("kk", &city.kk), ("ru", &city.ru)] {
                if name.trim().is_empty() || name.chars().count() > 40 {
                    return Err(invalid(format!("{key}.{lang_key}"), "a name of 1-40 characters is needed"));
                }
            }
            cities.push(City { id, kind: city.kind, group, name_kk: city.kk.clone(), name_ru: city.ru.clone() });
        }
        for (index, group) in groups.iter().enumerate() {
            if !cities.iter().any(|city| city.group == index) {
                return Err(invalid(format!("groups[{index}]"), format!("group `{}` has no city", group.id)));
            }
        }
        if !cities.iter().any(|city| city.kind == CityKind::Republican) {
            return Err(invalid("cities", "at least one republican city is needed"));
        }

        let mut steps = HashMap::new();
        for (index, way) in file.ways.iter().enumerate() {
            let key = format!("ways[{index}]");
            let parsed: Way =
                way.id.parse().map_err(|err: UnknownValue| invalid(format!("{key}.id"), err.to_string()))?;
            if steps.contains_key(&parsed) {
                return Err(invalid(format!("{key}.id"), format!("duplicate way `{}`", way.id)));
            }
            if way.steps.is_empty() || way.steps.len() > 20 {
                return Err(invalid(format!("{key}.steps"), "a way needs 1 to 20 steps"));
            }
            let mut seen = HashSet::new();
            let mut list = Vec::new();
            for (step_index, step) in way.steps.iter().enumerate() {
                let step_key = format!("{key}.steps[{step_index}]");
                check_id(&format!("{step_key}.id"), &step.id)?;
                if !seen.insert(step.id.clone()) {
                    return Err(invalid(format!("{step_key}.id"), format!("duplicate step `{}`", step.id)));
                }
                let link = check_link(&format!("{step_key}.link"), &step.link)?;
                let earlier = list.iter().any(|earlier: &Step| earlier.generates_code);
                if step.generates_code && earlier {
                    return Err(invalid(
                        format!("{step_key}.generates_code"),
                        "only one step of a way generates the code",
                    ));
                }
                list.push(Step { id: step.id.clone(), link, generates_code: step.generates_code });
            }
            if code_source == CodeSource::Cabinet && !list.iter().any(|step| step.generates_code) {
                return Err(invalid(
                    format!("{key}.steps"),
                    "with code_source = \"cabinet\", the step where the candidate generates the code needs `generates_code = true`",
                ));
            }
            steps.insert(parsed, list);
        }
        for way in Way::ALL {
            if !steps.contains_key(&way) {
                return Err(invalid("ways", format!("way `{way}` is missing")));
            }
        }

        let support = file.support.map(|support| check_contact(&support.contact)).transpose()?;
        let mut campaign = Campaign {
            tz,
            code_source,
            window,
            links,
            reminders,
            retention: None,
            support,
            holidays,
            groups,
            cities,
            steps,
        };
        campaign.retention =
            file.retention.as_ref().map(|retention| campaign.validate_retention(retention)).transpose()?;
        Ok(campaign)
    }

    /// The erasure must come after the last results a candidate can be waiting for: those of a
    /// QAZTEST taken on the window's last day, in the slowest group.
    fn validate_retention(&self, file: &RetentionFile) -> Result<Retention, CampaignError> {
        let key = "retention.days_after_close";
        let days = file.days_after_close;
        if !(1..=MAX_RETENTION_DAYS).contains(&days) {
            return Err(invalid(key, format!("must be 1 to {MAX_RETENTION_DAYS} days")));
        }
        let erase_on = self.window.closes + chrono::Duration::days(i64::from(days));
        let slowest = self.groups.iter().map(|group| group.results_working_days).max().unwrap_or(0);
        let last_results = self.add_working_days(self.window.closes, slowest);
        if erase_on <= last_results {
            return Err(invalid(
                key,
                format!(
                    "{days} days erases candidates on {erase_on}, before the last QAZTEST results are due ({last_results})"
                ),
            ));
        }
        Ok(Retention { days_after_close: days, erase_on })
    }

    /// The moment candidates' personal data is erased: the start of the retention's erase day
    /// in the campaign time zone. `None` without a `[retention]` key.
    pub fn erase_personal_data_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let retention = self.retention?;
        Some(self.day_ends(retention.erase_on.pred_opt().unwrap_or(retention.erase_on)))
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The cities of `group`, in file order.
    pub fn cities_of_group<'a>(&'a self, group: &'a Group) -> impl Iterator<Item = &'a City> {
        self.cities.iter().filter(move |city| self.groups[city.group].id == group.id)
    }

    pub fn cities(&self) -> &[City] {
        &self.cities
    }

    /// Every city's name in both languages: the FAQ matcher counts them for no entry.
    pub fn city_names(&self) -> Vec<String> {
        self.cities.iter().flat_map(|city| [city.name_kk.clone(), city.name_ru.clone()]).collect()
    }

    pub fn city(&self, id: &CityId) -> Option<&City> {
        self.cities.iter().find(|city| city.id == *id)
    }

    pub fn cities_of_kind(&self, kind: CityKind) -> impl Iterator<Item = &City> {
        self.cities.iter().filter(move |city| city.kind == kind)
    }

    pub fn group_of(&self, city: &City) -> &Group {
        &self.groups[city.group]
    }

    pub fn steps(&self, way: Way) -> &[Step] {
        self.steps.get(&way).map(Vec::as_slice).unwrap_or_default()
    }

    /// The number (from 1) of the way's step where the candidate generates the code, if one is
    /// marked. Always there in cabinet mode (validated).
    pub fn code_step(&self, way: Way) -> Option<u8> {
        let index = self.steps(way).iter().position(|step| step.generates_code)?;
        u8::try_from(index + 1).ok()
    }

    /// The last day a candidate in `city` can apply for `way`. QAZTEST closes by city group;
    /// QRT is online and open until the testing window ends.
    pub fn deadline(&self, city: &City, way: Way) -> NaiveDate {
        match way {
            Way::Qaztest => self.group_of(city).cutoff,
            Way::Qrt => self.window.closes,
        }
    }

    /// The latest deadline over both ways: after it, nothing is open for the city.
    pub fn last_deadline(&self, city: &City) -> NaiveDate {
        Way::ALL.iter().map(|way| self.deadline(city, *way)).max().unwrap_or(self.window.closes)
    }

    /// When QAZTEST results are due for a test taken on `test_date`. QRT gives no delay: its
    /// results appear in the qrt.kz cabinet, so none is invented.
    pub fn results_due(&self, city: &City, way: Way, test_date: NaiveDate) -> Option<NaiveDate> {
        match way {
            Way::Qaztest => Some(self.add_working_days(test_date, self.group_of(city).results_working_days)),
            Way::Qrt => None,
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// The date `days` working days after `from` (weekends and listed holidays skipped).
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> NaiveDate {
        let mut date = from;
        let mut left = days;
        while left > 0 {
            date = date.succ_opt().unwrap_or(date);
            if self.is_working_day(date) {
                left -= 1;
            }
        }
        date
    }

    /// The instant of the reminder time on `date`, local to the campaign.
    pub fn reminder_instant(&self, date: NaiveDate) -> chrono::DateTime<chrono::Utc> {
        use chrono::TimeZone;
        let local = date.and_time(self.reminders.local_time);
        // A local time skipped by a clock change falls back to the hour after.
        let zoned = self
            .tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| self.tz.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest());
        match zoned {
            Some(zoned) => zoned.with_timezone(&chrono::Utc),
            None => local.and_utc(),
        }
    }

    /// The instant `date` ends in the campaign time zone: the midnight after it.
    pub fn day_ends(&self, date: NaiveDate) -> chrono::DateTime<chrono::Utc> {
        use chrono::TimeZone;
        let midnight = date.succ_opt().unwrap_or(date).and_time(NaiveTime::MIN);
        // A midnight skipped by a clock change falls back to the hour after.
        let zoned = self
            .tz
            .from_local_datetime(&midnight)
            .earliest()
            .or_else(|| self.tz.from_local_datetime(&(midnight + chrono::Duration::hours(1))).earliest());
        match zoned {
            Some(zoned) => zoned.with_timezone(&chrono::Utc),
            None => midnight.and_utc(),
        }
    }

    /// Today's date in the campaign's time zone.
    pub fn local_date(&self, now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn broken(from: &str, to: &str) -> String {
        assert!(EMBEDDED_CAMPAIGN.contains(from), "fixture text `{from}` not in campaign");
        match Campaign::from_toml(&EMBEDDED_CAMPAIGN.replacen(from, to, 1)) {
            Ok(_) => panic!("`{to}` was accepted"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn shipped_campaign_is_valid_and_complete() {
        let campaign = Campaign::embedded().unwrap();
        assert_eq!(campaign.window.opens, date("2023-09-01"));
        assert_eq!(campaign.window.closes, date("2023-09-22"));
        assert_eq!(campaign.cities_of_kind(CityKind::Republican).count(), 3);
        assert_eq!(campaign.cities_of_kind(CityKind::Regional).count(), 17);
        assert_eq!(campaign.steps(Way::Qrt).len(), 6);
        assert_eq!(campaign.steps(Way::Qaztest).len(), 7);
        let astana = campaign.city(&"astana".parse().unwrap()).unwrap();
        let almaty = campaign.city(&"almaty".parse().unwrap()).unwrap();
        let oral = campaign.city(&"oral".parse().unwrap()).unwrap();
        assert_eq!(campaign.deadline(astana, Way::Qaztest), date("2023-09-22"));
        assert_eq!(campaign.deadline(almaty, Way::Qaztest), date("2023-09-17"));
        assert_eq!(campaign.deadline(oral, Way::Qaztest), date("2023-09-17"));
        assert_eq!(campaign.deadline(oral, Way::Qrt), date("2023-09-22"));
        assert_eq!(campaign.group_of(astana).results_working_days, 2);
        assert_eq!(campaign.group_of(oral).results_working_days, 7);
        assert_eq!(campaign.tz, chrono_tz::Asia::Almaty);
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let campaign = Campaign::embedded().unwrap();
        let astana = campaign.city(&"astana".parse().unwrap()).unwrap();
        let almaty = campaign.city(&"almaty".parse().unwrap()).unwrap();
        // Friday 2023-09-08 + 2 working days = Tuesday 2023-09-12.
        assert_eq!(campaign.results_due(astana, Way::Qaztest, date("2023-09-08")), Some(date("2023-09-12")));
        // Friday 2023-10-20 + 7: the 25 October holiday inside pushes it to 2023-11-01.
        assert_eq!(campaign.results_due(almaty, Way::Qaztest, date("2023-10-20")), Some(date("2023-11-01")));
        // A holiday on a working day is skipped: Tuesday 2023-08-29 + 2 = Friday 2023-09-01.
        assert_eq!(campaign.add_working_days(date("2023-08-29"), 2), date("2023-09-01"));
        assert_eq!(campaign.results_due(astana, Way::Qrt, date("2023-09-08")), None);
    }

    #[test]
    fn errors_name_the_key() {
        assert!(broken("cutoff = \"2023-09-17\"", "cutoff = \"2023-09-30\"").contains("groups[1].cutoff"));
        assert!(broken("cutoff = \"2023-09-17\"", "cutoff = \"17.09.2023\"").contains("groups[1].cutoff"));
        assert!(broken("id = \"almaty\"", "id = \"astana\"").contains("cities[1].id"));
        assert!(broken("group = \"others\"", "group = \"nowhere\"").contains(".group"));
        assert!(broken("time_zone = \"Asia/Almaty\"", "time_zone = \"Mars/Base\"").contains("time_zone"));
        assert!(broken("opens = \"2023-09-01\"", "opens = \"2023-09-30\"").contains("window.closes"));
        assert!(broken("qrt = \"https://www.qrt.kz\"", "qrt = \"qrt.kz\"").contains("links.qrt"));
        assert!(broken("id = \"qaztest\"", "id = \"qrt\"").contains("ways[1].id"));
        assert!(broken("local_time = \"10:00\"", "local_time = \"10am\"").contains("reminders.local_time"));
        assert!(broken("[7, 3, 1]", "[7, 3, 3]").contains("reminders.deadline_days_before"));
        assert!(broken("code_source = \"pool\"", "code_source = \"portal\"").contains("code_source"));
        let twice = "{ id = \"qrt-site\", link = \"https://www.qrt.kz\", generates_code = true }";
        assert!(
            broken("{ id = \"qrt-site\", link = \"https://www.qrt.kz\" }", twice)
                .contains("ways[0].steps[4].generates_code")
        );
    }

    #[test]
    fn retention_erases_from_the_first_moment_of_its_day_in_the_campaign_time_zone() {
        let campaign = Campaign::embedded().unwrap();
        let retention = campaign.retention.unwrap();
        assert_eq!((retention.days_after_close, retention.erase_on), (90, date("2023-12-21")));
        // 00:00 in Almaty (UTC+6 in 2023) is 18:00 UTC the day before.
        assert_eq!(campaign.erase_personal_data_at().unwrap().to_rfc3339(), "2023-12-20T18:00:00+00:00");
        let without = EMBEDDED_CAMPAIGN.replacen("[retention]\ndays_after_close = 90\n", "", 1);
        assert_eq!(Campaign::from_toml(&without).unwrap().erase_personal_data_at(), None);
    }

    #[test]
    fn retention_is_checked() {
        assert!(broken("days_after_close = 90", "days_after_close = 0").contains("retention.days_after_close"));
        assert!(broken("days_after_close = 90", "days_after_close = 4000").contains("1 to 3650"));
        // The slowest group's results, for a test on Friday 22 September, are due on 3 October
        // (7 working days).
        let early = broken("days_after_close = 90", "days_after_close = 11");
        assert!(early.contains("retention.days_after_close") && early.contains("2023-10-03"), "{early}");
        assert!(broken("days_after_close = 90", "days_after_close = 90\nweeks = 1").contains("weeks"));
        let later = EMBEDDED_CAMPAIGN.replacen("days_after_close = 90", "days_after_close = 12", 1);
        assert_eq!(Campaign::from_toml(&later).unwrap().retention.unwrap().erase_on, date("2023-10-04"));
    }

    #[test]
    fn the_support_contact_is_optional_and_one_line() {
        assert_eq!(Campaign::embedded().unwrap().support, None);
        let with = format!("{EMBEDDED_CAMPAIGN}\n[support]\ncontact = \"  @support_bot \"\n");
        assert_eq!(Campaign::from_toml(&with).unwrap().support.as_deref(), Some("@support_bot"));
        for bad in ["", "   ", "line one\\nline two"] {
            let text = format!("{EMBEDDED_CAMPAIGN}\n[support]\ncontact = \"{bad}\"\n");
            let err = Campaign::from_toml(&text).unwrap_err().to_string();
            assert!(err.contains("support.contact"), "{bad}: {err}");
        }
        let long = format!("{EMBEDDED_CAMPAIGN}\n[support]\ncontact = \"{}\"\n", "x".repeat(201));
        assert!(Campaign::from_toml(&long).unwrap_err().to_string().contains("support.contact"));
    }

    #[test]
    fn the_code_source_is_pool_unless_the_file_says_cabinet() {
        let shipped = Campaign::embedded().unwrap();
        assert_eq!(shipped.code_source, CodeSource::Pool);
        // Step 4 of both ways, as in the announcement.
        assert_eq!((shipped.code_step(Way::Qrt), shipped.code_step(Way::Qaztest)), (Some(4), Some(4)));
        let without = EMBEDDED_CAMPAIGN.replacen("code_source = \"pool\"\n", "", 1);
        assert_eq!(Campaign::from_toml(&without).unwrap().code_source, CodeSource::Pool);
        let cabinet = EMBEDDED_CAMPAIGN.replacen("code_source = \"pool\"", "code_source = \"cabinet\"", 1);
        assert_eq!(Campaign::from_toml(&cabinet).unwrap().code_source, CodeSource::Cabinet);
    }

    #[test]
    fn cabinet_mode_needs_the_step_that_generates_the_code() {
        let cabinet = EMBEDDED_CAMPAIGN.replacen("code_source = \"pool\"", "code_source = \"cabinet\"", 1);
        let unmarked = cabinet.replacen(", generates_code = true", "", 1);
        let err = Campaign::from_toml(&unmarked).unwrap_err().to_string();
        assert!(err.contains("ways[0].steps") && err.contains("generates_code"), "{err}");
        // A pool campaign may leave it unmarked.
        let pool = EMBEDDED_CAMPAIGN.replacen(", generates_code = true", "", 1);
        assert_eq!(Campaign::from_toml(&pool).unwrap().code_step(Way::Qrt), None);
    }
}
