//! Imports from Telegram: an organiser sends a CSV or .xlsx file as a document, captioned
//! `codes qrt`, `codes qaztest` or `eligible`, and gets the command line's report, in their
//! language. Anything else (no caption, another caption, a photo, a file too large or that
//! cannot be fetched or read) gets a clear answer and imports nothing.

use teloxide::prelude::*;
use teloxide::types::Document;

use crate::bot::flows::View;
use crate::bot::{HandlerResult, Turn};
use crate::domain::OrganiserId;
use crate::i18n::{Args, html_escape};
use crate::import::{ImportError, ImportFile, ImportSummary, ImportTarget, RowProblem};
use crate::telegram::{DownloadError, Patience};

/// The largest file taken from Telegram: lists of a campaign are far smaller, and the Bot API
/// lets a bot download 20 MB at most.
pub const MAX_IMPORT_BYTES: u64 = 10 * 1024 * 1024;
/// Lines of a report shown in the message itself; a longer report also comes as a text file,
/// so that every line is there and the message stays within Telegram's 4,096 characters.
pub const REPORT_LINES_SHOWN: usize = 20;
/// The most characters of a file's value quoted back in a report line.
const QUOTED_CHARS: usize = 40;

/// A photo from an organiser: a spreadsheet must come as a file.
pub async fn photo(turn: Turn) -> HandlerResult {
    turn.say(turn.view().t("console-import-photo")).await
}

pub async fn document(turn: Turn, organiser: OrganiserId, message: Message) -> HandlerResult {
    let view = turn.view();
    let Some(document) = message.document() else { return Ok(()) };
    let caption = message.caption().unwrap_or_default().trim();
    if caption.is_empty() {
        return turn.say(view.t("console-import-no-caption")).await;
    }
    let Some(target) = ImportTarget::from_caption(caption) else {
        let quoted = html_escape(&shorten(caption)).into_owned();
        return turn.say(view.ta("console-import-bad-caption", Args::new().with("caption", quoted))).await;
    };
    let bytes = match fetch(&turn, document).await? {
        Ok(bytes) => bytes,
        Err(DownloadError::TooLarge { .. }) => {
            return turn
                .say(view.ta("console-import-too-large", Args::new().with("max", MAX_IMPORT_BYTES / MEGABYTE)))
                .await;
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot download an organiser's import");
            return turn.say(view.t("console-import-download-failed")).await;
        }
    };
    let name = document.file_name.clone().unwrap_or_default();
    let file = ImportFile { name: name.clone(), bytes };
    let now = turn.app.clock.now();
    let outcome = crate::import::import_file(&turn.app.db, target, file, super::actor(organiser), now).await;
    let left = match (&outcome, target) {
        (Ok(_), ImportTarget::Codes(way)) => Some(turn.app.db.codes_left(way).await?),
        _ => None,
    };
    let report = match outcome {
        Ok(summary) => done_report(&view, target, &name, &summary, left.unwrap_or_default()),
        Err(ImportError::Storage(err)) => return Err(err.into()),
        Err(err) => rejected_report(&view, &name, &err),
    };
    send_report(&turn, &view, &name, report).await
}

const MEGABYTE: u64 = 1024 * 1024;

/// The file's bytes through `getFile` and the file server, both through the request layer;
/// the size is checked before and while downloading. The outer error is the `getFile`
/// request's, after its retries.
async fn fetch(turn: &Turn, document: &Document) -> Result<Result<Vec<u8>, DownloadError>, teloxide::RequestError> {
    let too_large = Err(DownloadError::TooLarge { max: MAX_IMPORT_BYTES });
    if u64::from(document.file.size) > MAX_IMPORT_BYTES {
        return Ok(too_large);
    }
    let id = document.file.id.clone();
    let file = turn.telegram.call(Patience::INTERACTIVE, |bot| bot.get_file(id)).await?;
    if u64::from(file.meta.size) > MAX_IMPORT_BYTES {
        return Ok(too_large);
    }
    Ok(turn.telegram.download(Patience::FILE, &file.path, MAX_IMPORT_BYTES).await)
}

/// A report: its first line, and its item lines (duplicates or bad rows) as HTML and as
/// plain text for the attachment.
struct Report {
    heading: String,
    lines: Vec<(String, String)>,
}

fn done_report(view: &View<'_>, target: ImportTarget, name: &str, summary: &ImportSummary, left: i64) -> Report {
    let file = html_escape(name).into_owned();
    let counts = Args::new()
        .with("file", file)
        .with("rows", summary.rows)
        .with("new", summary.inserted)
        .with("present", summary.already_present)
        .with("duplicates", summary.duplicates.len());
    let heading = match target {
        ImportTarget::Codes(way) => {
            view.ta("console-import-codes-done", counts.with("way", view.way_name(way)).with("left", left))
        }
        ImportTarget::Eligible => view.ta("console-import-eligible-done", counts),
    };
    let lines = summary
        .duplicates
        .iter()
        .map(|duplicate| {
            let line = |value: String| {
                let args =
                    Args::new().with("line", duplicate.line).with("value", value).with("first", duplicate.first_line);
                view.ta("console-import-duplicate", args)
            };
            (line(html_escape(&duplicate.value).into_owned()), line(duplicate.value.clone()))
        })
        .collect();
    Report { heading, lines }
}

fn rejected_report(view: &View<'_>, name: &str, error: &ImportError) -> Report {
    let file = || Args::new().with("file", html_escape(name).into_owned());
    let heading = |id: &str| Report { heading: view.ta(id, file()), lines: Vec::new() };
    match error {
        ImportError::BadRows(rows) => Report {
            heading: view.ta("console-import-rejected", file().with("count", rows.len())),
            lines: rows
                .iter()
                .map(|row| {
                    let line = |escape: bool| {
                        let args =
                            Args::new().with("line", row.line).with("problem", problem(view, &row.problem, escape));
                        view.ta("console-import-row", args)
                    };
                    (line(true), line(false))
                })
                .collect(),
        },
        ImportError::Empty => heading("import-error-empty"),
        ImportError::NotUtf8 => heading("import-error-not-utf8"),
        ImportError::OldExcel => heading("import-error-old-excel"),
        ImportError::NotXlsx => heading("import-error-not-xlsx"),
        ImportError::TooLarge => Report {
            heading: view.ta(
                "import-error-too-large",
                file().with("rows", crate::import::MAX_ROWS).with("mb", crate::import::MAX_UNPACKED_BYTES / MEGABYTE),
            ),
            lines: Vec::new(),
        },
        // A file on disk and the storage never fail here: both are handled before.
        ImportError::Unreadable(_) | ImportError::Read { .. } | ImportError::Storage(_) => {
            heading("import-error-unreadable")
        }
    }
}

/// Why a row was refused, in the organiser's language; the file's own text is shortened,
/// and escaped for HTML when `escape`.
fn problem(view: &View<'_>, problem: &RowProblem, escape: bool) -> String {
    let quote = |value: &str| {
        let value = shorten(value);
        if escape { html_escape(&value).into_owned() } else { value }
    };
    match problem {
        RowProblem::Csv(_) => view.t("import-row-csv"),
        RowProblem::EmptyCell => view.t("import-row-empty"),
        RowProblem::NotPhone(value) => view.ta("import-row-not-phone", Args::new().with("value", quote(value))),
        RowProblem::NotCode(value) => view.ta("import-row-not-code", Args::new().with("value", quote(value))),
        RowProblem::NotText(value) => view.ta("import-row-not-text", Args::new().with("value", quote(value))),
        RowProblem::InOtherPool { code, way } => {
            view.ta("import-row-other-pool", Args::new().with("code", quote(code)).with("way", view.way_name(*way)))
        }
    }
}

/// At most `QUOTED_CHARS` characters of a value from the file.
fn shorten(value: &str) -> String {
    if value.chars().count() <= QUOTED_CHARS {
        return value.to_owned();
    }
    let mut short: String = value.chars().take(QUOTED_CHARS - 1).collect();
    short.push('…');
    short
}

/// Sends the report: the heading and its first lines; when there are more, the whole list
/// follows as a text file.
async fn send_report(turn: &Turn, view: &View<'_>, name: &str, report: Report) -> HandlerResult {
    let mut text = vec![report.heading];
    text.extend(report.lines.iter().take(REPORT_LINES_SHOWN).map(|(html, _)| html.clone()));
    let more = report.lines.len().saturating_sub(REPORT_LINES_SHOWN);
    if more > 0 {
        text.push(view.ta("console-import-more", Args::new().with("count", more)));
    }
    turn.say(text.join("\n")).await?;
    if more == 0 {
        return Ok(());
    }
    let plain: String = report.lines.iter().map(|(_, plain)| format!("{plain}\n")).collect();
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let caption = view.ta("console-import-list-caption", Args::new().with("file", html_escape(name).into_owned()));
    let file_name = format!("{stem}-report.txt");
    turn.telegram.send_file(Patience::FILE, turn.chat_id(), file_name, plain.into_bytes(), caption).await?;
    Ok(())
}
