//! "Add to calendar": the .ics file the button sends, read back with an independent parser
//! (the `ical` crate), its dates in the campaign's zone, its UIDs stable across updates, its
//! texts in the candidate's language; the button on the next steps and on /status; a stale
//! press; Telegram's faults on the upload.

use bot_api_emulator::{BotMessage, Document, Fault, Methods, TestUser};
use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use ical::parser::ical::component::IcalCalendar;
use ical::property::Property;
use rezerv_bot::bot::Callback;
use rezerv_bot::bot::State;
use rezerv_bot::domain::{Lang, Way};
use rezerv_bot::i18n::Args;
use rezerv_test_support::app::{TestApp, answers, sent, spawn_app, texts};
use rezerv_test_support::flows::get_code;

const PHONE: &str = "+77010000001";

/// One event of the file, as the independent parser read it.
#[derive(Debug)]
struct Read {
    uid: String,
    sequence: u32,
    stamp: String,
    start: NaiveDate,
    end: NaiveDate,
    summary: String,
    description: String,
    url: String,
    /// (ACTION, TRIGGER, DESCRIPTION) of each alarm.
    alarms: Vec<(String, String, String)>,
}

fn value(properties: &[Property], name: &str) -> String {
    let found = properties.iter().find(|property| property.name == name);
    found.and_then(|property| property.value.clone()).unwrap_or_else(|| panic!("no {name}"))
}

/// A TEXT value unescaped (RFC 5545 §3.3.11).
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        match (ch, ch == '\\') {
            (_, true) => match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            (ch, false) => out.push(ch),
        }
    }
    out
}

/// A DATE property: `VALUE=DATE` and eight digits, nothing else.
fn date_of(properties: &[Property], name: &str) -> NaiveDate {
    let property = properties.iter().find(|property| property.name == name).expect(name);
    let params = property.params.clone().unwrap_or_default();
    assert_eq!(params, [("VALUE".to_owned(), vec!["DATE".to_owned()])], "{name} is an all-day DATE");
    NaiveDate::parse_from_str(property.value.as_deref().unwrap_or_default(), "%Y%m%d").expect(name)
}

fn parse(ics: &str) -> (IcalCalendar, Vec<Read>) {
    let mut parser = ical::IcalParser::new(ics.as_bytes());
    let calendar = parser.next().expect("a calendar").expect("the file parses");
    assert!(parser.next().is_none(), "one calendar");
    let events = calendar
        .events
        .iter()
        .map(|event| Read {
            uid: value(&event.properties, "UID"),
            sequence: value(&event.properties, "SEQUENCE").parse().expect("SEQUENCE is a number"),
            stamp: value(&event.properties, "DTSTAMP"),
            start: date_of(&event.properties, "DTSTART"),
            end: date_of(&event.properties, "DTEND"),
            summary: unescape(&value(&event.properties, "SUMMARY")),
            description: unescape(&value(&event.properties, "DESCRIPTION")),
            url: value(&event.properties, "URL"),
            alarms: event
                .alarms
                .iter()
                .map(|alarm| {
                    let field = |name| value(&alarm.properties, name);
                    (field("ACTION"), field("TRIGGER"), unescape(&field("DESCRIPTION")))
                })
                .collect(),
        })
        .collect();
    (calendar, events)
}

fn calendar_value(calendar: &IcalCalendar, name: &str) -> String {
    value(&calendar.properties, name)
}

fn kind<'a>(events: &'a [Read], user: &TestUser, kind: &str) -> Option<&'a Read> {
    events.iter().find(|event| event.uid == format!("{kind}-{}@rezerv-bot", user.id))
}

/// A relative TRIGGER (`-P1D`, `-PT14H`, `-PT14H30M`) as a duration.
fn trigger(text: &str) -> Duration {
    let rest = text.strip_prefix("-P").expect("an alarm before the start");
    if let Some(days) = rest.strip_suffix('D') {
        return -Duration::days(days.parse().unwrap());
    }
    let rest = rest.strip_prefix('T').unwrap();
    let (hours, rest) = rest.split_once('H').unwrap_or(("0", rest));
    let minutes = rest.strip_suffix('M').unwrap_or("0");
    -(Duration::hours(hours.parse().unwrap()) + Duration::minutes(minutes.parse().unwrap()))
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Presses the calendar button on the newest message that has it; returns the toast answers
/// and the messages sent.
async fn press_calendar(app: &TestApp, user: &TestUser, lang: Lang) -> (Vec<Option<String>>, Vec<BotMessage>) {
    let (message_id, data) = app.find_button(user, &app.t(lang, "btn-calendar"));
    assert_eq!(data, Callback::Calendar.encode());
    app.emu.press_button(user, message_id, &data);
    let events = app.settle(user).await;
    (answers(&events), sent(events))
}

/// Presses the calendar button and returns the one file it sent.
async fn download(app: &TestApp, user: &TestUser, lang: Lang) -> Document {
    let (toasts, messages) = press_calendar(app, user, lang).await;
    assert_eq!(toasts, [None], "answered once, without a toast");
    assert_eq!(messages.len(), 1, "one message: {}", texts(&messages));
    assert_eq!(messages[0].text, app.t(lang, "calendar-caption"), "the caption in the candidate's language");
    let document = messages[0].document.clone().expect("a document");
    assert!(document.file_name.ends_with(".ics"), "{}", document.file_name);
    document
}

fn ics(document: &Document) -> String {
    String::from_utf8(document.bytes.clone()).expect("UTF-8")
}

fn has_calendar_button(app: &TestApp, message: &BotMessage, lang: Lang) -> bool {
    message.button(&app.t(lang, "btn-calendar")).is_some()
}

/// The texts the bot renders for an event, to compare with what the parser read.
fn render(app: &TestApp, lang: Lang, id: &str, city: &str, deadline: &str) -> String {
    let links = &app.app.campaign.links;
    let args = Args::new()
        .with("city", city.to_owned())
        .with("deadline", app.locales().date(lang, day(deadline)))
        .with("application", links.qaztest_application.clone())
        .with("qrt", links.qrt.clone());
    app.locales().t_args(lang, id, &args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qaztest_candidate_in_almaty_gets_the_cutoff_the_test_day_and_the_results_day_in_russian() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(6001, "ru");
    get_code(&app, &user, Lang::Ru, "almaty", Way::Qaztest, PHONE).await;
    let next_steps = app.emu.last_message(user.id).unwrap();
    assert!(has_calendar_button(&app, &next_steps, Lang::Ru), "the next steps offer it: {}", next_steps.text);
    app.press(&user, &app.t(Lang::Ru, "btn-test-date")).await;
    let saved = app.press(&user, "08.09 пт").await;
    assert!(has_calendar_button(&app, saved.last().unwrap(), Lang::Ru), "{}", texts(&saved));

    let document = download(&app, &user, Lang::Ru).await;
    let text = ics(&document);
    let (calendar, events) = parse(&text);
    assert_eq!(calendar_value(&calendar, "VERSION"), "2.0");
    assert_eq!(calendar_value(&calendar, "METHOD"), "PUBLISH");
    assert!(calendar_value(&calendar, "PRODID").contains("rezerv-bot"));
    assert_eq!(events.len(), 3, "{text}");

    // The deadline: Almaty's application cutoff, all day, with an alarm at 10:00 the day before.
    let deadline = kind(&events, &user, "deadline").expect("the deadline");
    assert_eq!((deadline.start, deadline.end), (day("2023-09-17"), day("2023-09-18")));
    assert_eq!(deadline.summary, "QAZTEST: последний день подачи заявки, Алматы");
    assert_eq!(deadline.summary, render(&app, Lang::Ru, "calendar-deadline-qaztest", "Алматы", "2023-09-17"));
    let about = render(&app, Lang::Ru, "calendar-deadline-qaztest-about", "Алматы", "2023-09-17");
    assert_eq!(deadline.description, about, "read back whole: unfolded and unescaped");
    assert!(deadline.description.contains("по 17 сентября 2023 (воскресенье) включительно"), "{about}");
    assert!(deadline.description.contains("http://kazakhtest.kz/kz/news/594372/"));
    assert_eq!(deadline.url, "http://kazakhtest.kz/kz/news/594372/");
    assert_eq!(deadline.alarms.len(), 1);
    let (action, offset, alarm_text) = &deadline.alarms[0];
    assert_eq!(action, "DISPLAY");
    let rings: NaiveDateTime = deadline.start.and_hms_opt(0, 0, 0).unwrap() + trigger(offset);
    assert_eq!(rings, day("2023-09-16").and_hms_opt(10, 0, 0).unwrap(), "10:00 the day before");
    assert!(alarm_text.starts_with("Завтра последний день"), "{alarm_text}");

    // The test day, and the results 7 working days after it: Friday 8 → Tuesday 19 September.
    let test = kind(&events, &user, "test").expect("the test day");
    assert_eq!((test.start, test.end), (day("2023-09-08"), day("2023-09-09")));
    assert_eq!(test.summary, "QAZTEST: тест, Алматы");
    assert!(test.alarms.is_empty());
    let results = kind(&events, &user, "results").expect("the results day");
    assert_eq!(results.start, day("2023-09-19"));
    assert_eq!(results.summary, app.t(Lang::Ru, "calendar-results"));
    assert!(results.description.contains("не позднее 19 сентября 2023"), "{}", results.description);
    assert!(results.description.contains("«Менің тарихым»") && results.url == "https://app.testcenter.kz/auth");
    // One SEQUENCE and one DTSTAMP for the whole file.
    assert!(events.iter().all(|event| event.sequence == deadline.sequence && event.stamp == deadline.stamp));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qaztest_candidate_in_astana_gets_it_in_kazakh_from_the_status() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(6002, "kk");
    get_code(&app, &user, Lang::Kk, "astana", Way::Qaztest, PHONE).await;
    let status = app.send(&user, "/status").await;
    assert!(has_calendar_button(&app, &status[0], Lang::Kk), "/status offers it: {}", status[0].text);

    let document = download(&app, &user, Lang::Kk).await;
    let (calendar, events) = parse(&ics(&document));
    assert!(calendar_value(&calendar, "PRODID").ends_with("//KK"));
    assert_eq!(events.len(), 1, "no test date yet, so no test day and no results day");
    let deadline = kind(&events, &user, "deadline").expect("the deadline");
    assert_eq!(deadline.start, day("2023-09-22"), "Astana's cutoff");
    assert_eq!(deadline.summary, "QAZTEST: өтінім берудің соңғы күні, Астана");
    let about = render(&app, Lang::Kk, "calendar-deadline-qaztest-about", "Астана", "2023-09-22");
    assert_eq!(deadline.description, about);
    assert!(about.contains("2023 жылғы 22 қыркүйек"), "{about}");
    assert!(deadline.alarms[0].2.starts_with("Ертең"), "{:?}", deadline.alarms);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qrt_deadline_is_the_testing_periods_last_day_and_qrt_has_no_results_day() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(6003, "ru");
    get_code(&app, &user, Lang::Ru, "almaty", Way::Qrt, PHONE).await;
    app.press(&user, &app.t(Lang::Ru, "btn-test-date")).await;
    app.press(&user, "12.09 вт").await;

    let (_, events) = parse(&ics(&download(&app, &user, Lang::Ru).await));
    let deadline = kind(&events, &user, "deadline").expect("the deadline");
    assert_eq!(deadline.start, day("2023-09-22"), "the window's last day, whatever the city");
    assert_eq!(deadline.summary, app.t(Lang::Ru, "calendar-deadline-qrt"));
    assert_eq!(deadline.url, "https://www.qrt.kz");
    assert!(deadline.description.contains("https://www.qrt.kz") && !deadline.description.contains("заявк"));
    let test = kind(&events, &user, "test").expect("the test day");
    assert_eq!(test.start, day("2023-09-12"));
    assert_eq!(test.summary, app.t(Lang::Ru, "calendar-test-qrt"));
    assert!(kind(&events, &user, "results").is_none(), "no results delay is invented for QRT");
    assert_eq!(events.len(), 2);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_test_date_or_city_makes_a_file_that_updates_the_same_events() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(6004, "ru");
    get_code(&app, &user, Lang::Ru, "almaty", Way::Qaztest, PHONE).await;
    app.press(&user, &app.t(Lang::Ru, "btn-test-date")).await;
    app.press(&user, "08.09 пт").await;
    let (_, first) = parse(&ics(&download(&app, &user, Lang::Ru).await));

    // An hour later the candidate moves the test to Monday 11 September.
    app.clock.advance(Duration::hours(1));
    app.press(&user, &app.t(Lang::Ru, "btn-test-date")).await;
    app.press(&user, "11.09 пн").await;
    let (_, second) = parse(&ics(&download(&app, &user, Lang::Ru).await));
    let uids = |events: &[Read]| events.iter().map(|event| event.uid.clone()).collect::<Vec<_>>();
    assert_eq!(uids(&second), uids(&first), "the same events");
    for (before, after) in first.iter().zip(&second) {
        assert!(after.sequence > before.sequence, "{} {} → {}", after.uid, before.sequence, after.sequence);
        assert!(after.stamp > before.stamp, "{} → {}", before.stamp, after.stamp);
    }
    assert_eq!(kind(&second, &user, "test").unwrap().start, day("2023-09-11"));
    // Monday 11 + 7 working days = Wednesday 20 September.
    assert_eq!(kind(&second, &user, "results").unwrap().start, day("2023-09-20"));
    assert_eq!(kind(&second, &user, "deadline").unwrap().start, day("2023-09-17"));

    // Then to Astana: the deadline moves to its cutoff, under the same UID.
    app.clock.advance(Duration::minutes(5));
    app.press(&user, &app.t(Lang::Ru, "btn-change-city")).await;
    app.press(&user, "Астана").await;
    assert_eq!(app.state(&user).await, Some(State::Ready { city: "astana".parse().unwrap(), way: Way::Qaztest }));
    let (_, third) = parse(&ics(&download(&app, &user, Lang::Ru).await));
    assert_eq!(uids(&third), uids(&first));
    let deadline = kind(&third, &user, "deadline").unwrap();
    assert_eq!(deadline.start, day("2023-09-22"));
    assert!(
        deadline.summary.ends_with("Астана") && deadline.sequence > kind(&second, &user, "deadline").unwrap().sequence
    );
    // Astana's results come 2 working days after Monday 11: Wednesday 13 September.
    assert_eq!(kind(&third, &user, "results").unwrap().start, day("2023-09-13"));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dates_are_days_of_the_campaign_zone_and_the_stamp_is_utc_whatever_the_hour() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(6005, "ru");
    get_code(&app, &user, Lang::Ru, "almaty", Way::Qaztest, PHONE).await;
    app.press(&user, &app.t(Lang::Ru, "btn-test-date")).await;
    app.press(&user, "15.09 пт").await;
    // 23:30 on 16 September in Almaty (UTC+6 in 2023) is still the 16th there, 17:30 in UTC.
    let late = app.app.campaign.tz.with_ymd_and_hms(2023, 9, 16, 23, 30, 0).unwrap();
    app.clock.set(late.with_timezone(&chrono::Utc));

    let text = ics(&download(&app, &user, Lang::Ru).await);
    let (calendar, events) = parse(&text);
    assert_eq!(calendar_value(&calendar, "X-WR-TIMEZONE"), "Asia/Almaty");
    assert!(events.iter().all(|event| event.stamp == "20230916T173000Z"), "{text}");
    assert_eq!(kind(&events, &user, "deadline").unwrap().start, day("2023-09-17"));
    assert_eq!(kind(&events, &user, "test").unwrap().start, day("2023-09-15"));
    // Every other time in the file is a DATE (checked by the parse) or a duration: no local
    // DATE-TIME without a zone, so no VTIMEZONE is needed.
    for line in text.split("\r\n") {
        let value = line.split_once(':').map_or("", |(_, value)| value);
        let date_time =
            value.len() >= 15 && value.as_bytes()[8] == b'T' && value[..8].bytes().all(|b| b.is_ascii_digit());
        assert!(!date_time || value.ends_with('Z'), "a floating DATE-TIME: {line}");
    }
    // The raw file, as Google Calendar, Apple Calendar and Outlook take it: CRLF, 75 octets.
    assert!(text.ends_with("END:VCALENDAR\r\n") && !text.replace("\r\n", "").contains('\n'));
    assert!(text.split("\r\n").all(|line| line.len() <= 75), "{text}");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_without_a_city_or_a_way_gets_a_toast_and_no_file() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE, "+77010000002"]).await;
    let user = TestUser::new(6006, "ru");
    app.send(&user, "/start").await;
    app.press(&user, &app.t(Lang::Ru, "language-name")).await;
    // No city yet: /status offers no calendar.
    let status = app.send(&user, "/status").await;
    assert!(!has_calendar_button(&app, &status[0], Lang::Ru), "{}", status[0].text);
    let latest = app.emu.last_message(user.id).unwrap();
    app.emu.press_button(&user, latest.message_id, &Callback::Calendar.encode());
    let events = app.settle(&user).await;
    assert_eq!(answers(&events), [Some(app.t(Lang::Ru, "toast-calendar-no-dates"))]);
    assert!(sent(events).is_empty(), "nothing sent");
    assert_eq!(app.state(&user).await, Some(State::City { fixed_way: None }), "the state is unchanged");

    // After /forget, the button of the old next steps is stale the same way.
    let other = TestUser::new(6007, "ru");
    get_code(&app, &other, Lang::Ru, "almaty", Way::Qaztest, "+77010000002").await;
    app.send(&other, "/forget").await;
    app.press(&other, &app.t(Lang::Ru, "btn-forget-yes")).await;
    let (toasts, messages) = press_calendar(&app, &other, Lang::Ru).await;
    assert_eq!(toasts, [Some(app.t(Lang::Ru, "toast-calendar-no-dates"))]);
    assert!(messages.is_empty(), "{}", texts(&messages));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_arrives_once_through_a_429_a_500_and_a_dropped_connection() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(6008, "ru");
    get_code(&app, &user, Lang::Ru, "shymkent", Way::Qaztest, PHONE).await;
    let faults = vec![Fault::too_many_requests(1), Fault::internal_server_error(), Fault::Drop];
    app.emu.inject_method_faults(Some(user.id), Methods::Only("sendDocument".into()), faults);
    let (message_id, data) = app.find_button(&user, &app.t(Lang::Ru, "btn-calendar"));
    app.emu.press_button(&user, message_id, &data);
    let got = app.settle_turn(&user).await;
    assert_eq!(app.emu.pending_faults(user.id), 0, "every fault was met");
    let files: Vec<&BotMessage> = got.iter().filter(|message| message.document.is_some()).collect();
    assert_eq!(files.len(), 1, "one file, no apology: {}", texts(&got));
    assert_eq!(got.len(), 1, "{}", texts(&got));
    let (_, events) = parse(&ics(files[0].document.as_ref().unwrap()));
    assert_eq!(kind(&events, &user, "deadline").unwrap().start, day("2023-09-17"));
    assert_eq!(app.emu.callbacks_answered_twice(), 0);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_telegram_refuses_the_file_the_candidate_gets_the_apology_and_keeps_the_state() {
    let app = spawn_app().await;
    app.seed(5, &[PHONE]).await;
    let user = TestUser::new(6009, "ru");
    get_code(&app, &user, Lang::Ru, "almaty", Way::Qrt, PHONE).await;
    let before = app.state(&user).await;
    let refusal = Fault::Status { code: 400, description: "Bad Request: file is too big".into(), retry_after: None };
    app.emu.inject_method_faults(Some(user.id), Methods::Only("sendDocument".into()), vec![refusal]);
    let (message_id, data) = app.find_button(&user, &app.t(Lang::Ru, "btn-calendar"));
    app.emu.press_button(&user, message_id, &data);
    let got = app.settle_turn(&user).await;
    assert_eq!(texts(&got), app.t(Lang::Ru, "error-apology"));
    assert_eq!(app.state(&user).await, before);
    // The button stays for another try.
    let pressed = app.emu.messages(user.id).into_iter().find(|message| message.message_id == message_id);
    assert!(has_calendar_button(&app, &pressed.expect("the pressed message"), Lang::Ru));
    app.assert_clean();
}
