//! `/broadcast`: an organiser composes a broadcast in Telegram. The segment is chosen with
//! buttons (one message, edited in place), then the organiser's next messages are the Kazakh
//! and the Russian text; a preview shows both exactly as candidates will see them, with the
//! number of recipients, a test to oneself, and Confirm / Cancel. The draft lives in
//! `broadcast_drafts`, so a restart loses nothing.
//!
//! An organiser's text must not cost every candidate's message a database query: only users
//! in [`Writers`], the in-memory set of organisers whose draft waits for a text, are looked at.

use std::collections::HashSet;
use std::sync::RwLock;

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, MessageEntityKind};

use crate::bot::flows::View;
use crate::bot::ui::{self, button};
use crate::bot::{Callback, HandlerResult, Turn};
use crate::broadcast::{self, BroadcastText, MAX_RENDERED_CHARS, Place, SEGMENT_STAGES, Segment, TextError};
use crate::domain::{AuditAction, CityId, Lang, OrganiserId, Stage, Way};
use crate::i18n::{Args, html_escape};
use crate::storage::{AuditEntry, Db, Draft, DraftStep, LangCounts, NewBroadcast, Queued, StorageResult, Tally};
use crate::telegram::Patience;

/// The organisers whose next message is a broadcast's text: filled from the database before
/// the first update, then kept by the handlers (drafts are made in Telegram only).
#[derive(Debug, Default)]
pub struct Writers {
    ids: RwLock<HashSet<i64>>,
}

impl Writers {
    pub async fn load(&self, db: &Db) -> StorageResult<()> {
        let writing = db.organisers_writing().await?;
        let mut ids = self.ids.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        ids.clear();
        ids.extend(writing);
        Ok(())
    }

    pub fn contains(&self, user_id: i64) -> bool {
        self.ids.read().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&user_id)
    }

    fn set(&self, organiser: OrganiserId, writing: bool) {
        let mut ids = self.ids.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if writing {
            ids.insert(organiser.get());
        } else {
            ids.remove(&organiser.get());
        }
    }
}

/// A button of a broadcast being composed or sent, as its callback data spells it after
/// `b:` (every form fits Telegram's 64 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BroadcastButton {
    Way(Option<Way>),
    Lang(Option<Lang>),
    HasCode(Option<bool>),
    Applied(Option<bool>),
    Stage(Option<Stage>),
    City(Option<CityId>),
    /// A group of cities of the campaign file, by id.
    Group(String),
    /// Open the list of cities and groups.
    Cities,
    /// Open the list of stages.
    Stages,
    /// Back from a list to the filters.
    Back,
    /// The segment is chosen: on to the texts.
    Next,
    /// Send both texts to oneself.
    Test,
    Confirm,
    /// Drop the draft.
    Discard,
    /// Stop a broadcast being sent.
    Stop(i64),
}

fn flag(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "y",
        Some(false) => "n",
        None => "",
    }
}

fn parse_flag(text: &str) -> Option<Option<bool>> {
    match text {
        "y" => Some(Some(true)),
        "n" => Some(Some(false)),
        "" => Some(None),
        _ => None,
    }
}

/// Parses an optional value whose only spelling is its canonical one.
fn parse_any<T: std::str::FromStr + ToString>(text: &str) -> Option<Option<T>> {
    if text.is_empty() {
        return Some(None);
    }
    let value: T = text.parse().ok()?;
    (value.to_string() == text).then_some(Some(value))
}

/// The longest group id the campaign file allows.
const MAX_GROUP_ID: usize = 24;

impl BroadcastButton {
    pub fn encode(&self) -> String {
        let text = |value: Option<String>| value.unwrap_or_default();
        match self {
            BroadcastButton::Way(way) => format!("w:{}", text(way.map(|way| way.to_string()))),
            BroadcastButton::Lang(lang) => format!("l:{}", text(lang.map(|lang| lang.to_string()))),
            BroadcastButton::HasCode(value) => format!("k:{}", flag(*value)),
            BroadcastButton::Applied(value) => format!("p:{}", flag(*value)),
            BroadcastButton::Stage(stage) => format!("s:{}", text(stage.map(|stage| stage.to_string()))),
            BroadcastButton::City(city) => format!("c:{}", text(city.as_ref().map(CityId::to_string))),
            BroadcastButton::Group(group) => format!("g:{group}"),
            BroadcastButton::Cities => "cities".into(),
            BroadcastButton::Stages => "stages".into(),
            BroadcastButton::Back => "back".into(),
            BroadcastButton::Next => "next".into(),
            BroadcastButton::Test => "test".into(),
            BroadcastButton::Confirm => "ok".into(),
            BroadcastButton::Discard => "x".into(),
            BroadcastButton::Stop(id) => format!("stop:{id}"),
        }
    }

    /// Parses what `encode` made; anything else is `None`.
    pub fn decode(data: &str) -> Option<BroadcastButton> {
        let (tag, arg) = match data.split_once(':') {
            Some((tag, arg)) => (tag, Some(arg)),
            None => (data, None),
        };
        Some(match (tag, arg) {
            ("w", Some(way)) => BroadcastButton::Way(parse_any(way)?),
            ("l", Some(lang)) => BroadcastButton::Lang(parse_any(lang)?),
            ("k", Some(value)) => BroadcastButton::HasCode(parse_flag(value)?),
            ("p", Some(value)) => BroadcastButton::Applied(parse_flag(value)?),
            ("s", Some(stage)) => {
                let stage: Option<Stage> = parse_any(stage)?;
                if stage.is_some_and(|stage| !SEGMENT_STAGES.contains(&stage)) {
                    return None;
                }
                BroadcastButton::Stage(stage)
            }
            ("c", Some(city)) => BroadcastButton::City(parse_any(city)?),
            ("g", Some(group)) => {
                let valid = !group.is_empty()
                    && group.len() <= MAX_GROUP_ID
                    && group.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !valid {
                    return None;
                }
                BroadcastButton::Group(group.to_owned())
            }
            ("cities", None) => BroadcastButton::Cities,
            ("stages", None) => BroadcastButton::Stages,
            ("back", None) => BroadcastButton::Back,
            ("next", None) => BroadcastButton::Next,
            ("test", None) => BroadcastButton::Test,
            ("ok", None) => BroadcastButton::Confirm,
            ("x", None) => BroadcastButton::Discard,
            ("stop", Some(id)) => {
                let id: i64 = id.parse().ok().filter(|parsed: &i64| *parsed > 0 && parsed.to_string() == id)?;
                BroadcastButton::Stop(id)
            }
            _ => return None,
        })
    }
}

fn bb(label: String, pressed: BroadcastButton) -> InlineKeyboardButton {
    button(label, Callback::Broadcast(pressed))
}

/// Which screen of the segment's message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    Filters,
    Cities,
    Stages,
}

/// `/broadcast`, or the menu's button: a new draft for everyone, and its filters.
pub async fn start(turn: Turn, organiser: OrganiserId) -> HandlerResult {
    let draft = Draft {
        organiser,
        step: DraftStep::Segment,
        segment: Segment::everyone().to_string(),
        text_kk: None,
        text_ru: None,
    };
    turn.app.db.save_draft(&draft, turn.app.clock.now()).await?;
    turn.app.writers.set(organiser, false);
    let segment = Segment::everyone();
    let counts = counts(&turn, &segment).await?;
    let (text, keyboard) = panel(&turn.view(), &segment, counts, Screen::Filters);
    ui::send(&turn.telegram, turn.chat_id(), text, Some(keyboard.into())).await?;
    Ok(())
}

/// The menu's "Broadcast" button.
pub async fn start_pressed(turn: Turn, query: CallbackQuery, organiser: OrganiserId) -> HandlerResult {
    turn.answer(&query, None).await?;
    start(turn, organiser).await
}

async fn counts(turn: &Turn, segment: &Segment) -> StorageResult<LangCounts> {
    turn.app.db.audience_counts(&broadcast::audience(segment, &turn.app.campaign)).await
}

/// The draft's segment, or `None` if it no longer reads (the campaign file changed since):
/// such a draft is closed rather than sent to anyone it was not meant for.
fn draft_segment(turn: &Turn, draft: &Draft) -> Option<Segment> {
    Segment::parse(&draft.segment, &turn.app.campaign)
        .inspect_err(|err| tracing::warn!(segment = %draft.segment, error = %err, "a draft's segment no longer reads"))
        .ok()
}

/// Closes a draft whose segment no longer reads.
async fn close_unreadable(turn: &Turn, organiser: OrganiserId) -> StorageResult<String> {
    turn.app.db.discard_draft(organiser).await?;
    turn.app.writers.set(organiser, false);
    Ok(turn.view().t("console-broadcast-closed"))
}

/// The segment in words, e.g. "way: QAZTEST · city: Karaganda".
pub fn describe(view: &View<'_>, segment: &Segment) -> String {
    let mut parts = Vec::new();
    if let Some(way) = segment.way {
        parts.push(view.ta("console-seg-way", Args::new().with("way", view.way_name(way))));
    }
    match &segment.place {
        Some(Place::City(id)) => {
            let name = view.city(id).map_or_else(|| id.to_string(), |city| view.city_name(city));
            parts.push(view.ta("console-seg-city", Args::new().with("city", name)));
        }
        Some(Place::Group(group)) => parts.push(group_label(view, group)),
        None => {}
    }
    if let Some(stage) = segment.stage {
        parts.push(view.ta("console-seg-stage", Args::new().with("stage", stage_name(view, stage))));
    }
    if let Some(lang) = segment.lang {
        parts.push(view.t(&format!("console-seg-lang-{lang}")));
    }
    if let Some(has) = segment.has_code {
        parts.push(view.t(if has { "console-seg-code-yes" } else { "console-seg-code-no" }));
    }
    if let Some(applied) = segment.applied {
        parts.push(view.t(if applied { "console-seg-applied-yes" } else { "console-seg-applied-no" }));
    }
    if parts.is_empty() { view.t("console-seg-everyone") } else { parts.join(" · ") }
}

fn stage_name(view: &View<'_>, stage: Stage) -> String {
    view.t(&format!("console-stage-{stage}"))
}

/// A group of cities, named by its id and its QAZTEST cutoff.
fn group_label(view: &View<'_>, group: &str) -> String {
    let cutoff =
        view.app.campaign.group(group).map(|group| group.cutoff.format("%d.%m.%Y").to_string()).unwrap_or_default();
    view.ta("console-seg-group", Args::new().with("group", html_escape(group).into_owned()).with("cutoff", cutoff))
}

/// A button label, marked when it is the current choice.
fn choice(label: String, chosen: bool) -> String {
    if chosen { format!("✓ {label}") } else { label }
}

/// The segment's message: what it is, how many it reaches, and the buttons of `screen`.
fn panel(view: &View<'_>, segment: &Segment, counts: LangCounts, screen: Screen) -> (String, InlineKeyboardMarkup) {
    let summary = view.ta(
        "console-broadcast-panel",
        Args::new()
            .with("segment", describe(view, segment))
            .with("total", counts.total())
            .with("kk", counts.kk)
            .with("ru", counts.ru),
    );
    let (text, rows) = match screen {
        Screen::Filters => (summary, filter_rows(view, segment)),
        Screen::Cities => (format!("{summary}\n\n{}", view.t("console-broadcast-cities")), city_rows(view, segment)),
        Screen::Stages => (format!("{summary}\n\n{}", view.t("console-broadcast-stages")), stage_rows(view, segment)),
    };
    (text, InlineKeyboardMarkup::new(rows))
}

fn filter_rows(view: &View<'_>, segment: &Segment) -> Vec<Vec<InlineKeyboardButton>> {
    let mut ways = vec![bb(choice(view.t("console-bb-any-way"), segment.way.is_none()), BroadcastButton::Way(None))];
    ways.extend(
        Way::ALL.map(|way| bb(choice(view.way_name(way), segment.way == Some(way)), BroadcastButton::Way(Some(way)))),
    );
    let mut langs =
        vec![bb(choice(view.t("console-bb-any-lang"), segment.lang.is_none()), BroadcastButton::Lang(None))];
    langs.extend(Lang::ALL.map(|lang| {
        let name = view.app.locales.t(lang, "language-name");
        bb(choice(name, segment.lang == Some(lang)), BroadcastButton::Lang(Some(lang)))
    }));
    let flags = |any: &str, yes: &str, no: &str, value: Option<bool>, make: fn(Option<bool>) -> BroadcastButton| {
        vec![
            bb(choice(view.t(any), value.is_none()), make(None)),
            bb(choice(view.t(yes), value == Some(true)), make(Some(true))),
            bb(choice(view.t(no), value == Some(false)), make(Some(false))),
        ]
    };
    let place = match &segment.place {
        Some(Place::City(id)) => view.city(id).map_or_else(|| id.to_string(), |city| view.city_name(city)),
        Some(Place::Group(group)) => html_escape(group).into_owned(),
        None => view.t("console-bb-current-any"),
    };
    let stage = segment.stage.map_or_else(|| view.t("console-bb-current-any"), |stage| stage_name(view, stage));
    vec![
        ways,
        langs,
        flags(
            "console-bb-any-code",
            "console-bb-code-yes",
            "console-bb-code-no",
            segment.has_code,
            BroadcastButton::HasCode,
        ),
        flags(
            "console-bb-any-applied",
            "console-bb-applied-yes",
            "console-bb-applied-no",
            segment.applied,
            BroadcastButton::Applied,
        ),
        vec![
            bb(view.ta("console-bb-cities", Args::new().with("current", place)), BroadcastButton::Cities),
            bb(view.ta("console-bb-stages", Args::new().with("current", stage)), BroadcastButton::Stages),
        ],
        vec![
            bb(view.t("console-bb-next"), BroadcastButton::Next),
            bb(view.t("console-bb-cancel"), BroadcastButton::Discard),
        ],
    ]
}

fn city_rows(view: &View<'_>, segment: &Segment) -> Vec<Vec<InlineKeyboardButton>> {
    let campaign = &view.app.campaign;
    let mut rows =
        vec![vec![bb(choice(view.t("console-bb-any-city"), segment.place.is_none()), BroadcastButton::City(None))]];
    for group in campaign.groups() {
        let chosen = segment.place == Some(Place::Group(group.id.clone()));
        rows.push(vec![bb(
            choice(plain_label(&group_label(view, &group.id)), chosen),
            BroadcastButton::Group(group.id.clone()),
        )]);
    }
    let cities: Vec<InlineKeyboardButton> = campaign
        .cities()
        .iter()
        .map(|city| {
            let chosen = segment.place == Some(Place::City(city.id.clone()));
            bb(choice(city.name(view.lang).to_owned(), chosen), BroadcastButton::City(Some(city.id.clone())))
        })
        .collect();
    rows.extend(cities.chunks(3).map(<[InlineKeyboardButton]>::to_vec));
    rows.push(vec![bb(view.t("console-bb-back"), BroadcastButton::Back)]);
    rows
}

fn stage_rows(view: &View<'_>, segment: &Segment) -> Vec<Vec<InlineKeyboardButton>> {
    let mut rows =
        vec![vec![bb(choice(view.t("console-bb-any-stage"), segment.stage.is_none()), BroadcastButton::Stage(None))]];
    let stages: Vec<InlineKeyboardButton> = SEGMENT_STAGES
        .iter()
        .map(|stage| {
            bb(choice(stage_name(view, *stage), segment.stage == Some(*stage)), BroadcastButton::Stage(Some(*stage)))
        })
        .collect();
    rows.extend(stages.chunks(2).map(<[InlineKeyboardButton]>::to_vec));
    rows.push(vec![bb(view.t("console-bb-back"), BroadcastButton::Back)]);
    rows
}

/// A label for a button, which shows no HTML.
fn plain_label(html: &str) -> String {
    broadcast::visible_text(html).unwrap_or_else(|_| html.to_owned())
}

/// A button of a draft or of a broadcast being sent.
pub async fn pressed(
    turn: Turn,
    query: CallbackQuery,
    organiser: OrganiserId,
    pressed: BroadcastButton,
) -> HandlerResult {
    if let BroadcastButton::Stop(id) = pressed {
        return stop(turn, query, organiser, id).await;
    }
    let Some(mut draft) = turn.app.db.draft(organiser).await? else {
        return turn.answer(&query, Some(turn.view().t("console-broadcast-closed"))).await;
    };
    let Some(mut segment) = draft_segment(&turn, &draft) else {
        let closed = close_unreadable(&turn, organiser).await?;
        return turn.answer(&query, Some(closed)).await;
    };
    let screen = match (&pressed, draft.step) {
        (BroadcastButton::Discard, _) => return discard(turn, query, organiser).await,
        (BroadcastButton::Test, DraftStep::Preview) => return test(turn, query, organiser, &draft, &segment).await,
        (BroadcastButton::Confirm, DraftStep::Preview) => {
            return confirm(turn, query, organiser, &draft, &segment).await;
        }
        (BroadcastButton::Next, DraftStep::Segment) => return next(turn, query, organiser, draft, &segment).await,
        (_, DraftStep::Segment) => match pressed {
            BroadcastButton::Way(way) => {
                segment.way = way;
                Screen::Filters
            }
            BroadcastButton::Lang(lang) => {
                segment.lang = lang;
                Screen::Filters
            }
            BroadcastButton::HasCode(value) => {
                segment.has_code = value;
                Screen::Filters
            }
            BroadcastButton::Applied(value) => {
                segment.applied = value;
                Screen::Filters
            }
            BroadcastButton::Stage(stage) => {
                segment.stage = stage;
                Screen::Filters
            }
            BroadcastButton::City(city) => {
                match city {
                    Some(id) if turn.app.campaign.city(&id).is_none() => return stale(&turn, &query).await,
                    city => segment.place = city.map(Place::City),
                }
                Screen::Filters
            }
            BroadcastButton::Group(group) => {
                if turn.app.campaign.group(&group).is_none() {
                    return stale(&turn, &query).await;
                }
                segment.place = Some(Place::Group(group));
                Screen::Filters
            }
            BroadcastButton::Cities => Screen::Cities,
            BroadcastButton::Stages => Screen::Stages,
            BroadcastButton::Back => Screen::Filters,
            _ => return stale(&turn, &query).await,
        },
        _ => return stale(&turn, &query).await,
    };
    draft.segment = segment.to_string();
    turn.app.db.save_draft(&draft, turn.app.clock.now()).await?;
    turn.answer(&query, None).await?;
    let counts = counts(&turn, &segment).await?;
    let (text, keyboard) = panel(&turn.view(), &segment, counts, screen);
    match query.regular_message() {
        Some(message) => ui::edit_html(&turn.telegram, message.chat.id, message.id, text, Some(keyboard)).await?,
        None => {
            ui::send(&turn.telegram, turn.chat_id(), text, Some(keyboard.into())).await?;
        }
    }
    Ok(())
}

async fn stale(turn: &Turn, query: &CallbackQuery) -> HandlerResult {
    turn.answer(query, Some(turn.view().t("toast-stale-button"))).await
}

async fn discard(turn: Turn, query: CallbackQuery, organiser: OrganiserId) -> HandlerResult {
    turn.app.db.discard_draft(organiser).await?;
    turn.app.writers.set(organiser, false);
    turn.ack(&query).await?;
    turn.say(turn.view().t("console-broadcast-discarded")).await
}

/// The segment is chosen: an empty one is refused, otherwise the Kazakh text comes next.
async fn next(
    turn: Turn,
    query: CallbackQuery,
    organiser: OrganiserId,
    mut draft: Draft,
    segment: &Segment,
) -> HandlerResult {
    let counts = counts(&turn, segment).await?;
    if counts.total() == 0 {
        turn.answer(&query, None).await?;
        return turn.say(turn.view().t("console-broadcast-empty")).await;
    }
    draft.step = DraftStep::Kk;
    turn.app.db.save_draft(&draft, turn.app.clock.now()).await?;
    turn.app.writers.set(organiser, true);
    turn.ack(&query).await?;
    turn.say(ask_text(&turn.view(), Lang::Kk)).await
}

fn ask_text(view: &View<'_>, lang: Lang) -> String {
    view.ta(&format!("console-broadcast-ask-{lang}"), Args::new().with("max", MAX_RENDERED_CHARS))
}

/// What an organiser is told about a text that cannot be broadcast.
pub fn text_error(view: &View<'_>, error: &TextError) -> String {
    match error {
        TextError::Empty => view.t("console-text-empty"),
        TextError::TooLong { chars } => {
            view.ta("console-text-too-long", Args::new().with("chars", *chars).with("max", MAX_RENDERED_CHARS))
        }
        TextError::UnsupportedTag { tag } => {
            view.ta("console-text-unsupported-tag", Args::new().with("tag", html_escape(tag).into_owned()))
        }
        TextError::Unclosed { tag } => {
            view.ta("console-text-unclosed", Args::new().with("tag", html_escape(tag).into_owned()))
        }
        TextError::UnexpectedClose { tag } => {
            view.ta("console-text-unexpected-close", Args::new().with("tag", html_escape(tag).into_owned()))
        }
        TextError::Mismatched { expected, found } => view.ta(
            "console-text-mismatched",
            Args::new()
                .with("expected", html_escape(expected).into_owned())
                .with("found", html_escape(found).into_owned()),
        ),
        TextError::StrayAngle => view.t("console-text-stray-angle"),
    }
}

/// Whether a message is a command (which is handled as one, never taken as a text).
pub fn is_command(message: &Message) -> bool {
    message.text().is_some_and(|text| text.starts_with('/'))
}

/// The draft of an organiser who is writing a text, for a message that is not a command.
/// Only users in `Writers` cost a query.
pub async fn writing_draft(message: Message, turn: Turn) -> Option<Draft> {
    let user = message.from.as_ref()?;
    let id = i64::try_from(user.id.0).ok()?;
    if !turn.app.writers.contains(id) || is_command(&message) {
        return None;
    }
    let organiser = OrganiserId::new(id).ok()?;
    match turn.app.db.draft(organiser).await {
        Ok(Some(draft)) if draft.step.text_lang().is_some() => Some(draft),
        Ok(_) => {
            turn.app.writers.set(organiser, false);
            None
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot read a broadcast draft");
            None
        }
    }
}

/// The organiser's text for the draft: checked, kept, and the next step shown.
pub async fn text_received(turn: Turn, message: Message, organiser: OrganiserId, mut draft: Draft) -> HandlerResult {
    let view = turn.view();
    let Some(lang) = draft.step.text_lang() else { return Ok(()) };
    let Some(text) = message.text() else {
        return turn.say(format!("{}\n\n{}", view.t("console-broadcast-text-only"), ask_text(&view, lang))).await;
    };
    let source = html_source(text, message.entities().unwrap_or_default());
    let text = match BroadcastText::parse(&source) {
        Ok(text) => text,
        Err(error) => return turn.say(format!("{}\n\n{}", text_error(&view, &error), ask_text(&view, lang))).await,
    };
    let now = turn.app.clock.now();
    match lang {
        Lang::Kk => {
            draft.text_kk = Some(text.html().to_owned());
            draft.step = DraftStep::Ru;
            turn.app.db.save_draft(&draft, now).await?;
            turn.say(ask_text(&view, Lang::Ru)).await
        }
        Lang::Ru => {
            draft.text_ru = Some(text.html().to_owned());
            draft.step = DraftStep::Preview;
            turn.app.db.save_draft(&draft, now).await?;
            turn.app.writers.set(organiser, false);
            preview(&turn, organiser, draft).await
        }
    }
}

/// The organiser's message as HTML source: the text as typed (its tags are HTML), with the
/// formatting applied with Telegram's own buttons (bold, a link…) turned into the same tags.
/// Entities count UTF-16 code units; Telegram nests them (one holds the other or none).
pub fn html_source(text: &str, entities: &[MessageEntity]) -> String {
    use MessageEntityKind as Kind;
    // (position, closes before opens, outer first, entity's order, tag)
    let mut marks: Vec<(usize, u8, usize, usize, String)> = Vec::new();
    for (index, entity) in entities.iter().enumerate() {
        let (open, close) = match &entity.kind {
            Kind::Bold => ("<b>".to_owned(), "</b>"),
            Kind::Italic => ("<i>".to_owned(), "</i>"),
            Kind::Underline => ("<u>".to_owned(), "</u>"),
            Kind::Strikethrough => ("<s>".to_owned(), "</s>"),
            Kind::Spoiler => ("<tg-spoiler>".to_owned(), "</tg-spoiler>"),
            Kind::Code => ("<code>".to_owned(), "</code>"),
            Kind::Pre { .. } => ("<pre>".to_owned(), "</pre>"),
            Kind::Blockquote | Kind::ExpandableBlockquote => ("<blockquote>".to_owned(), "</blockquote>"),
            Kind::TextLink { url } => (format!("<a href=\"{}\">", html_escape(url.as_str())), "</a>"),
            // Detected by Telegram in the text itself (links, mentions…): nothing to add.
            _ => continue,
        };
        let end = entity.offset + entity.length;
        marks.push((entity.offset, 1, usize::MAX - entity.length, index, open));
        marks.push((end, 0, entity.length, usize::MAX - index, close.to_owned()));
    }
    marks.sort();
    let mut out = String::with_capacity(text.len() + marks.iter().map(|mark| mark.4.len()).sum::<usize>());
    let mut marks = marks.into_iter().peekable();
    let mut at = 0;
    for ch in text.chars() {
        while let Some(mark) = marks.next_if(|mark| mark.0 <= at) {
            out.push_str(&mark.4);
        }
        out.push(ch);
        at += ch.len_utf16();
    }
    for mark in marks {
        out.push_str(&mark.4);
    }
    out
}

/// Both texts as candidates will see them, each with its recipients, then Test / Confirm /
/// Cancel. A text Telegram refuses goes back to its step, with Telegram's reason.
async fn preview(turn: &Turn, organiser: OrganiserId, mut draft: Draft) -> HandlerResult {
    let view = turn.view();
    let Some(segment) = draft_segment(turn, &draft) else {
        let closed = close_unreadable(turn, organiser).await?;
        return turn.say(closed).await;
    };
    let counts = counts(turn, &segment).await?;
    for (lang, text, count) in [(Lang::Kk, &draft.text_kk, counts.kk), (Lang::Ru, &draft.text_ru, counts.ru)] {
        let Some(text) = text.clone() else { return Ok(()) };
        turn.say(view.ta(&format!("console-broadcast-preview-{lang}"), Args::new().with("count", count))).await?;
        if let Err(error) = ui::send(&turn.telegram, turn.chat_id(), text, None).await {
            let teloxide::RequestError::Api(refusal) = &error else { return Err(error.into()) };
            draft.step = if lang == Lang::Kk { DraftStep::Kk } else { DraftStep::Ru };
            turn.app.db.save_draft(&draft, turn.app.clock.now()).await?;
            turn.app.writers.set(organiser, true);
            let reason = html_escape(&refusal.to_string()).into_owned();
            return turn
                .say(format!(
                    "{}\n\n{}",
                    view.ta("console-broadcast-refused", Args::new().with("lang", lang.code()).with("reason", reason)),
                    ask_text(&view, lang)
                ))
                .await;
        }
    }
    let summary = view.ta(
        "console-broadcast-summary",
        Args::new()
            .with("segment", describe(&view, &segment))
            .with("total", counts.total())
            .with("kk", counts.kk)
            .with("ru", counts.ru),
    );
    let rows = vec![
        vec![bb(view.t("console-bb-test"), BroadcastButton::Test)],
        vec![
            bb(view.ta("console-bb-confirm", Args::new().with("total", counts.total())), BroadcastButton::Confirm),
            bb(view.t("console-bb-cancel"), BroadcastButton::Discard),
        ],
    ];
    ui::send(&turn.telegram, turn.chat_id(), summary, Some(InlineKeyboardMarkup::new(rows).into())).await?;
    Ok(())
}

/// Both texts to the organiser, as a candidate of each language gets them.
async fn test(
    turn: Turn,
    query: CallbackQuery,
    organiser: OrganiserId,
    draft: &Draft,
    segment: &Segment,
) -> HandlerResult {
    let (Some(kk), Some(ru)) = (&draft.text_kk, &draft.text_ru) else { return stale(&turn, &query).await };
    turn.answer(&query, Some(turn.view().t("console-broadcast-test-sent"))).await?;
    for text in [kk, ru] {
        turn.telegram.send_outbox_html(Patience::INTERACTIVE, turn.chat_id(), text.clone(), false).await?;
    }
    let entry = AuditEntry {
        at: turn.app.clock.now(),
        actor: super::actor(organiser),
        action: AuditAction::Broadcast,
        detail: format!("test {segment}"),
        rows: 2,
    };
    turn.app.db.audit(&entry).await?;
    Ok(())
}

/// Queues the broadcast (one row per recipient, in one transaction) and shows its progress.
async fn confirm(
    turn: Turn,
    query: CallbackQuery,
    organiser: OrganiserId,
    draft: &Draft,
    segment: &Segment,
) -> HandlerResult {
    let (Some(kk), Some(ru)) = (&draft.text_kk, &draft.text_ru) else { return stale(&turn, &query).await };
    let audience = broadcast::audience(segment, &turn.app.campaign);
    let text = segment.to_string();
    let new =
        NewBroadcast { segment: &text, audience: &audience, text_kk: kk, text_ru: ru, actor: super::actor(organiser) };
    let queued = turn.app.db.queue_broadcast(&new, turn.app.clock.now()).await?;
    let Queued::Queued { id, recipients } = queued else {
        turn.answer(&query, None).await?;
        return turn.say(turn.view().t("console-broadcast-empty")).await;
    };
    tracing::info!(broadcast = id, recipients, segment = %text, "broadcast queued");
    turn.app.writers.set(organiser, false);
    turn.ack(&query).await?;
    let view = turn.view();
    let progress = super::watcher::Progress {
        id,
        segment: describe(&view, segment),
        stopped: false,
        tally: Tally { left: recipients, ..Tally::default() },
    };
    let (text, keyboard) = super::watcher::progress_message(&view, &progress, turn.app.clock.now());
    let sent = ui::send(&turn.telegram, turn.chat_id(), text, keyboard.map(Into::into)).await?;
    turn.app.db.set_progress_message(id, sent.chat.id.0, sent.id.0, view.lang).await?;
    Ok(())
}

/// Stops a broadcast: what is not sent yet is cancelled.
async fn stop(turn: Turn, query: CallbackQuery, organiser: OrganiserId, id: i64) -> HandlerResult {
    let Some(cancelled) = turn.app.db.stop_broadcast(id, super::actor(organiser), turn.app.clock.now()).await? else {
        return stale(&turn, &query).await;
    };
    tracing::info!(broadcast = id, cancelled, "broadcast stopped");
    let toast = turn.view().ta("console-broadcast-stopped", Args::new().with("count", cancelled));
    turn.answer(&query, Some(toast)).await?;
    // The watcher shows it stopped now, and the totals once the rows in flight are done.
    turn.app.bell.progress_changed();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_round_trips_within_64_bytes() {
        let mut samples = vec![
            BroadcastButton::Cities,
            BroadcastButton::Stages,
            BroadcastButton::Back,
            BroadcastButton::Next,
            BroadcastButton::Test,
            BroadcastButton::Confirm,
            BroadcastButton::Discard,
            BroadcastButton::Stop(i64::MAX),
            BroadcastButton::Way(None),
            BroadcastButton::Lang(None),
            BroadcastButton::Stage(None),
            BroadcastButton::City(None),
            BroadcastButton::City(Some(CityId::parse(&"x".repeat(CityId::MAX_LEN)).unwrap())),
            BroadcastButton::Group("g".repeat(MAX_GROUP_ID)),
        ];
        samples.extend(Way::ALL.map(|way| BroadcastButton::Way(Some(way))));
        samples.extend(Lang::ALL.map(|lang| BroadcastButton::Lang(Some(lang))));
        samples.extend(SEGMENT_STAGES.map(|stage| BroadcastButton::Stage(Some(stage))));
        for value in [None, Some(true), Some(false)] {
            samples.extend([BroadcastButton::HasCode(value), BroadcastButton::Applied(value)]);
        }
        for sample in samples {
            let data = Callback::Broadcast(sample.clone()).encode();
            assert!(data.len() <= crate::bot::MAX_CALLBACK_BYTES, "{data}");
            assert_eq!(Callback::decode(&data), Some(Callback::Broadcast(sample)), "{data}");
        }
    }

    #[test]
    fn telegram_formatting_becomes_the_same_tags_and_typed_tags_stay() {
        let url: url::Url = "https://kazakhtest.kz/a?b=1&c=2".parse().unwrap();
        // Kazakh in its Latin alphabet (two bytes a letter in UTF-8, one unit in UTF-16, as
        // Cyrillic): the city bold, the rest a bold-italic link.
        let text = "Qarağandy: jaña mekenjaı";
        let entities = [
            MessageEntity::bold(0, 9),
            MessageEntity::text_link(url, 11, 13),
            MessageEntity::bold(11, 13),
            MessageEntity::italic(11, 13),
            MessageEntity::new(MessageEntityKind::Url, 0, 3),
        ];
        assert_eq!(
            html_source(text, &entities),
            "<b>Qarağandy</b>: <a href=\"https://kazakhtest.kz/a?b=1&amp;c=2\"><b><i>jaña mekenjaı</i></b></a>"
        );
        // UTF-16 offsets: an emoji counts two.
        assert_eq!(html_source("📣 Jaña", &[MessageEntity::bold(3, 4)]), "📣 <b>Jaña</b>");
        assert_eq!(html_source("<i>typed</i> tags", &[]), "<i>typed</i> tags");
        assert!(BroadcastText::parse(&html_source(text, &entities)).is_ok());
    }

    #[test]
    fn foreign_data_is_rejected() {
        for data in
            ["b:", "b:w:QRT", "b:s:lost", "b:k:yes", "b:stop:0", "b:stop:007", "b:g:", "b:g:A", "b:next:1", "b:l:en"]
        {
            assert_eq!(Callback::decode(data), None, "{data}");
        }
    }
}
