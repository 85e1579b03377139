//! Organisers' imports: promo codes per way, and the eligible list of phones, from CSV or from
//! an Excel workbook (`.xlsx`), on the command line or sent to the bot.
//!
//! Only the first column is read (column A of the first sheet). A file is checked whole
//! before anything is written: any bad row rejects the file, and every bad row is reported
//! with its line (a spreadsheet's row number). Re-importing a file changes nothing.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Cursor;
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::domain::{AuditAction, Phone, PhoneError, PromoCode, PromoCodeError, Way};
use crate::storage::{Actor, AuditEntry, Db, StorageError};

/// What an import fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportTarget {
    /// A way's pool of promo codes.
    Codes(Way),
    /// The eligible list of phones.
    Eligible,
}

impl ImportTarget {
    /// The target a document's caption names in Telegram: `codes qrt`, `codes qaztest` or
    /// `eligible`, in any case and spacing.
    pub fn from_caption(caption: &str) -> Option<ImportTarget> {
        let words: Vec<String> = caption.split_whitespace().map(str::to_ascii_lowercase).collect();
        match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["eligible"] => Some(ImportTarget::Eligible),
            ["codes", way] => way.parse().ok().map(ImportTarget::Codes),
            _ => None,
        }
    }

    pub fn audit_action(self) -> AuditAction {
        match self {
            ImportTarget::Codes(_) => AuditAction::ImportCodes,
            ImportTarget::Eligible => AuditAction::ImportEligible,
        }
    }
}

impl fmt::Display for ImportTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportTarget::Codes(way) => write!(f, "codes {way}"),
            ImportTarget::Eligible => f.write_str("eligible"),
        }
    }
}

/// Why one row was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// The CSV reader's complaint, e.g. an unclosed quote.
    Csv(String),
    /// The first column is empty while the row is not.
    EmptyCell,
    NotPhone(String),
    NotCode(String),
    /// A spreadsheet cell that holds a date, a true/false or a formula's error, shown as read.
    NotText(String),
    /// The code is in the other way's pool already.
    InOtherPool {
        code: String,
        way: Way,
    },
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowProblem::Csv(detail) => write!(f, "not valid CSV: {detail}"),
            RowProblem::EmptyCell => f.write_str("the first column is empty"),
            RowProblem::NotPhone(value) => write!(f, "`{value}` is not a Kazakhstani mobile number (+7 7xx xxx xx xx)"),
            RowProblem::NotCode(value) => {
                write!(f, "`{value}` is not a promo code (4 to 32 Latin letters, digits or dashes)")
            }
            RowProblem::NotText(value) => write!(f, "the cell holds {value}, not text or a number"),
            RowProblem::InOtherPool { code, way } => write!(f, "{code} is already in the {way} pool"),
        }
    }
}

impl From<PhoneError> for RowProblem {
    fn from(error: PhoneError) -> Self {
        match error {
            PhoneError::Empty => RowProblem::EmptyCell,
            PhoneError::BadCharacters(value) | PhoneError::NotKazakhMobile(value) => RowProblem::NotPhone(value),
        }
    }
}

impl From<PromoCodeError> for RowProblem {
    fn from(error: PromoCodeError) -> Self {
        match error {
            PromoCodeError::Empty => RowProblem::EmptyCell,
            PromoCodeError::Length(value) | PromoCodeError::Characters(value) => RowProblem::NotCode(value),
        }
    }
}

/// A problem with one line of the file (1-based, as an editor or a spreadsheet shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub problem: RowProblem,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// The largest workbook unpacked: its parts' declared sizes together. Real lists of phones or
/// codes unpack to a few megabytes; this refuses a "zip bomb" before it fills the memory.
pub const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
/// The most rows a file may have: far more than any campaign's list.
pub const MAX_ROWS: usize = 1_000_000;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the file was rejected and nothing was imported; {} bad row(s):\n{}", .0.len(), list(.0))]
    BadRows(Vec<RowError>),
    #[error("the file has no rows")]
    Empty,
    #[error("the file is neither an Excel workbook (.xlsx) nor CSV text in UTF-8; save it as one of them")]
    NotUtf8,
    #[error("the file is in the old Excel format (.xls) or another spreadsheet format; save it as .xlsx or CSV")]
    OldExcel,
    #[error("the file is named .xlsx but is not an Excel workbook")]
    NotXlsx,
    #[error("the workbook cannot be read: {0}")]
    Unreadable(String),
    #[error("the file is too large: at most {MAX_ROWS} rows and {} MB unpacked", MAX_UNPACKED_BYTES / 1024 / 1024)]
    TooLarge,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn list(rows: &[RowError]) -> String {
    rows.iter().map(|row| format!("  {row}")).collect::<Vec<_>>().join("\n")
}

/// A value that appears again later in the same file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub line: u64,
    pub first_line: u64,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: usize,
    pub inserted: usize,
    pub already_present: usize,
    pub duplicates: Vec<Duplicate>,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} row(s) read: {} new, {} already present, {} duplicate(s) in the file",
            self.rows,
            self.inserted,
            self.already_present,
            self.duplicates.len()
        )?;
        for duplicate in &self.duplicates {
            write!(f, "\n  line {}: {} repeats line {}", duplicate.line, duplicate.value, duplicate.first_line)?;
        }
        Ok(())
    }
}

/// A file to import: its name (its extension says the format, with its content) and bytes.
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The first column's values, with their lines; a row that cannot give one has its problem.
type Values = Vec<(u64, Result<String, RowProblem>)>;

/// Header cells that mark a first row to skip.
const HEADERS: &[&str] = &["code", "codes", "promo_code", "promocode", "phone", "phones", "phone_number", "msisdn"];

/// Skips a header: the first row, if it holds one of `HEADERS`.
fn without_header(mut values: Values) -> Values {
    let is_header =
        matches!(values.first(), Some((_, Ok(value))) if HEADERS.contains(&value.to_ascii_lowercase().as_str()));
    if is_header {
        let _header = values.remove(0);
    }
    values
}

/// An xlsx (and any zip) file starts with a local file header.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The old binary Excel format (.xls) is an OLE compound file.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default()
}

/// Reads the first column of `file`: a workbook by its content (a zip), else CSV text. A name
/// ending in `.xlsx` must hold a workbook; an old `.xls` is refused with what to do.
pub fn read_values(file: &ImportFile) -> Result<Values, ImportError> {
    let extension = extension(&file.name);
    if file.bytes.starts_with(ZIP_MAGIC) {
        return read_xlsx(&file.bytes);
    }
    if file.bytes.starts_with(OLE_MAGIC) || ["xls", "xlsb", "ods"].contains(&extension.as_str()) {
        return Err(ImportError::OldExcel);
    }
    if ["xlsx", "xlsm"].contains(&extension.as_str()) {
        return Err(ImportError::NotXlsx);
    }
    let text = std::str::from_utf8(&file.bytes).map_err(|_| ImportError::NotUtf8)?;
    read_csv(text)
}

/// Values of the CSV's first column, with their line numbers.
fn read_csv(text: &str) -> Result<Values, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or_default();
    // Spreadsheets set to Russian or Kazakh save CSV with semicolons.
    let delimiter = if first_line.contains(';') && !first_line.contains(',') { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut values = Vec::new();
    // The csv crate does not count the blank lines it skips, so lines come from byte offsets.
    let mut lines = LineCounter::new(text);
    for record in reader.records() {
        if values.len() >= MAX_ROWS {
            return Err(ImportError::TooLarge);
        }
        match record {
            Ok(record) => {
                let line = lines.line_at(record.position().map_or(0, csv::Position::byte));
                if record.iter().all(|cell| cell.trim().is_empty()) {
                    continue;
                }
                values.push((line, Ok(record.get(0).unwrap_or_default().trim().to_owned())));
            }
            Err(err) => {
                let line = lines.line_at(err.position().map_or(0, csv::Position::byte));
                let detail = match err.kind() {
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_owned(),
                    _ => err.to_string(),
                };
                values.push((line, Err(RowProblem::Csv(detail))));
            }
        }
    }
    Ok(without_header(values))
}

/// Maps byte offsets (in increasing order) to 1-based line numbers.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter { text: text.as_bytes(), offset: 0, line: 1 }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        let target = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        if target > self.offset {
            self.line += self.text[self.offset..target].iter().filter(|b| **b == b'\n').count() as u64;
            self.offset = target;
        }
        // A record's position may be the start of the blank lines before it.
        while let Some(byte @ (b'\n' | b'\r')) = self.text.get(self.offset) {
            if *byte == b'\n' {
                self.line += 1;
            }
            self.offset += 1;
        }
        self.line
    }
}

/// What a row of the sheet holds: its column A, and whether any cell is filled.
#[derive(Default)]
struct SheetRow {
    first: Option<Result<String, RowProblem>>,
    filled: bool,
}

/// Values of column A of the workbook's first sheet, with their row numbers. calamine reads
/// untrusted bytes; should it ever panic, the file is refused as unreadable.
fn read_xlsx(bytes: &[u8]) -> Result<Values, ImportError> {
    check_unpacked_size(bytes)?;
    match std::panic::catch_unwind(|| read_first_sheet(bytes)) {
        Ok(values) => values,
        Err(_) => Err(ImportError::Unreadable("the workbook's structure is broken".to_owned())),
    }
}

/// Refuses a workbook whose parts would unpack to more than `MAX_UNPACKED_BYTES`.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), ImportError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|err| ImportError::Unreadable(err.to_string()))?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|err| ImportError::Unreadable(err.to_string()))?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNPACKED_BYTES { Err(ImportError::TooLarge) } else { Ok(()) }
}

fn read_first_sheet(bytes: &[u8]) -> Result<Values, ImportError> {
    let unreadable = |err: calamine::XlsxError| ImportError::Unreadable(err.to_string());
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let Some(sheet) = workbook.sheet_names().first().cloned() else { return Err(ImportError::Empty) };
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let mut rows: BTreeMap<u32, SheetRow> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        let Some(value) = cell_value(cell.get_value()) else { continue };
        if !rows.contains_key(&row) && rows.len() >= MAX_ROWS {
            return Err(ImportError::TooLarge);
        }
        let entry = rows.entry(row).or_default();
        entry.filled = true;
        if column == 0 {
            entry.first = Some(value);
        }
    }
    let values = rows
        .into_iter()
        .filter(|(_, row)| row.filled)
        .map(|(row, cells)| (u64::from(row) + 1, cells.first.unwrap_or(Err(RowProblem::EmptyCell))))
        .collect();
    Ok(without_header(values))
}

/// A cell as text; `None` for a blank one.
fn cell_value(value: &DataRef<'_>) -> Option<Result<String, RowProblem>> {
    let text = match value {
        DataRef::Empty => return None,
        DataRef::String(text) => text.trim().to_owned(),
        DataRef::SharedString(text) => text.trim().to_owned(),
        DataRef::Int(number) => number.to_string(),
        // A phone typed as a number (87012345678) is stored as a float.
        DataRef::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => format!("{number:.0}"),
        DataRef::Float(number) => number.to_string(),
        DataRef::Bool(value) => return Some(Err(RowProblem::NotText(value.to_string().to_ascii_uppercase()))),
        DataRef::DateTime(value) => return Some(Err(RowProblem::NotText(value.to_string()))),
        DataRef::DateTimeIso(value) | DataRef::DurationIso(value) => {
            return Some(Err(RowProblem::NotText(value.clone())));
        }
        DataRef::Error(error) => return Some(Err(RowProblem::NotText(error.to_string()))),
    };
    (!text.is_empty()).then_some(Ok(text))
}

/// Good rows with their line numbers, and the in-file duplicates that were left out.
type ParsedRows<T> = (Vec<(u64, T)>, Vec<Duplicate>);

/// Parses every row with `parse`; collects bad rows and in-file duplicates.
fn parse_rows<T, E: Into<RowProblem>>(
    values: Values,
    parse: impl Fn(&str) -> Result<T, E>,
    key: impl Fn(&T) -> String,
) -> Result<ParsedRows<T>, ImportError> {
    if values.is_empty() {
        return Err(ImportError::Empty);
    }
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    let mut duplicates = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (line, value) in values {
        match value.and_then(|value| parse(&value).map_err(Into::into)) {
            Ok(item) => {
                let item_key = key(&item);
                if let Some(first_line) = seen.get(&item_key) {
                    duplicates.push(Duplicate { line, first_line: *first_line, value: item_key });
                } else {
                    seen.insert(item_key, line);
                    parsed.push((line, item));
                }
            }
            Err(problem) => errors.push(RowError { line, problem }),
        }
    }
    if errors.is_empty() { Ok((parsed, duplicates)) } else { Err(ImportError::BadRows(errors)) }
}

async fn import_codes(db: &Db, way: Way, values: Values, now: DateTime<Utc>) -> Result<ImportSummary, ImportError> {
    let (rows, duplicates) = parse_rows(values, PromoCode::parse, |code| code.as_str().to_owned())?;
    let codes: Vec<PromoCode> = rows.iter().map(|(_, code)| code.clone()).collect();
    let report = db.import_codes(way, &codes, now).await?;
    if !report.conflicts.is_empty() {
        let errors = report
            .conflicts
            .iter()
            .map(|(index, other)| RowError {
                line: rows[*index].0,
                problem: RowProblem::InOtherPool {
                    code: rows[*index].1.to_string(),
                    // The other pool of two: whatever it is stored as, it is not `way`'s.
                    way: other.parse().unwrap_or(if way == Way::Qrt { Way::Qaztest } else { Way::Qrt }),
                },
            })
            .collect();
        return Err(ImportError::BadRows(errors));
    }
    Ok(ImportSummary {
        rows: rows.len() + duplicates.len(),
        inserted: report.inserted,
        already_present: report.already_present,
        duplicates,
    })
}

async fn import_eligible(db: &Db, values: Values, now: DateTime<Utc>) -> Result<ImportSummary, ImportError> {
    let (rows, duplicates) = parse_rows(values, Phone::parse, |phone| phone.as_str().to_owned())?;
    let phones: Vec<Phone> = rows.into_iter().map(|(_, phone)| phone).collect();
    let report = db.import_eligible(&phones, now).await?;
    Ok(ImportSummary {
        rows: phones.len() + duplicates.len(),
        inserted: report.inserted,
        already_present: report.already_present,
        duplicates,
    })
}

/// Imports a CSV or `.xlsx` file into `target`, all or nothing, and writes the attempt to the
/// audit log (a rejected file too, with 0 rows). The file is read off the async threads.
pub async fn import_file(
    db: &Db,
    target: ImportTarget,
    file: ImportFile,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    let name = file.name.clone();
    let values = tokio::task::spawn_blocking(move || read_values(&file))
        .await
        .map_err(|_| ImportError::Unreadable("the file could not be read".to_owned()))?;
    let outcome = match values {
        Ok(values) => match target {
            ImportTarget::Codes(way) => import_codes(db, way, values, now).await,
            ImportTarget::Eligible => import_eligible(db, values, now).await,
        },
        Err(err) => Err(err),
    };
    let (detail, rows) = match &outcome {
        Ok(summary) => (format!("{name}: {summary}"), summary.rows as i64),
        Err(ImportError::Storage(_)) => return outcome,
        Err(ImportError::BadRows(bad)) => (format!("{name}: rejected, {} bad row(s)", bad.len()), 0),
        Err(err) => (format!("{name}: rejected, {err}"), 0),
    };
    let detail = format!("{target}: {}", detail.lines().next().unwrap_or_default());
    db.audit(&AuditEntry { at: now, actor, action: target.audit_action(), detail, rows }).await?;
    outcome
}

/// Reads a file from disk for [`import_file`].
pub fn read_file(path: &Path) -> Result<ImportFile, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read { path: path.display().to_string(), source })?;
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(ImportFile { name, bytes })
}

/// Imports codes from CSV text (not audited: for tests and tools).
pub async fn import_codes_text(
    db: &Db,
    way: Way,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    import_codes(db, way, read_csv(text)?, now).await
}

/// Imports eligible phones from CSV text (not audited: for tests and tools).
pub async fn import_eligible_text(db: &Db, text: &str, now: DateTime<Utc>) -> Result<ImportSummary, ImportError> {
    import_eligible(db, read_csv(text)?, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_values(text: &str) -> Values {
        read_csv(text).unwrap()
    }

    fn lines<T>(result: Result<ParsedRows<T>, ImportError>) -> Vec<u64> {
        match result {
            Err(ImportError::BadRows(errors)) => errors.iter().map(|e| e.line).collect(),
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("bad rows accepted"),
        }
    }

    #[test]
    fn header_bom_blank_lines_and_semicolons_are_handled() {
        let rows = csv_values("\u{feff}phone;name\n+7 701 111 22 33;A\n\n87012223344;B\n");
        assert_eq!(rows, vec![(2, Ok("+7 701 111 22 33".to_owned())), (4, Ok("87012223344".to_owned()))]);
    }

    #[test]
    fn an_unclosed_quote_reports_its_line() {
        let text = "code\nAAAA1\n\"BBBB2\nCCCC3\n";
        assert_eq!(lines(parse_rows(csv_values(text), PromoCode::parse, |c| c.as_str().to_owned())), vec![3]);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = "phone\n+77011112233\nnot a phone\n+7 495 000 00 00\n87011112233\n";
        assert_eq!(lines(parse_rows(csv_values(text), Phone::parse, |p| p.as_str().to_owned())), vec![3, 4]);
    }

    #[test]
    fn a_row_with_an_empty_first_column_is_bad() {
        let text = "+77011112233,a\n,b\n";
        let Err(ImportError::BadRows(errors)) = parse_rows(csv_values(text), Phone::parse, |p| p.as_str().to_owned())
        else {
            panic!("accepted")
        };
        assert_eq!(errors, vec![RowError { line: 2, problem: RowProblem::EmptyCell }]);
    }

    #[test]
    fn duplicates_are_reported_not_fatal() {
        let (rows, duplicates) =
            parse_rows(csv_values("+77011112233\n8 701 111 22 33\n"), Phone::parse, |p| p.as_str().to_owned()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(duplicates, vec![Duplicate { line: 2, first_line: 1, value: "+77011112233".into() }]);
    }

    #[test]
    fn captions_name_a_target() {
        assert_eq!(ImportTarget::from_caption("codes qrt"), Some(ImportTarget::Codes(Way::Qrt)));
        assert_eq!(ImportTarget::from_caption("  Codes   QAZTEST "), Some(ImportTarget::Codes(Way::Qaztest)));
        assert_eq!(ImportTarget::from_caption("eligible"), Some(ImportTarget::Eligible));
        for wrong in ["", "codes", "codes qrt now", "eligible qrt", "code qrt", "codes online"] {
            assert_eq!(ImportTarget::from_caption(wrong), None, "{wrong}");
        }
    }

    fn file(name: &str, bytes: &[u8]) -> ImportFile {
        ImportFile { name: name.to_owned(), bytes: bytes.to_vec() }
    }

    #[test]
    fn formats_are_told_by_content_and_name() {
        assert!(matches!(
            read_values(&file("list.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest")),
            Err(ImportError::OldExcel)
        ));
        assert!(matches!(read_values(&file("list.ods", b"whatever")), Err(ImportError::OldExcel)));
        assert!(matches!(read_values(&file("list.xlsx", b"+77011112233\n")), Err(ImportError::NotXlsx)));
        assert!(matches!(read_values(&file("list.csv", b"\xff\xfe+\x007\x00")), Err(ImportError::NotUtf8)));
        // A zip that is no workbook, whatever it is called.
        assert!(matches!(read_values(&file("list.csv", b"PK\x03\x04garbage")), Err(ImportError::Unreadable(_))));
        assert_eq!(read_values(&file("list", b"+77011112233\n")).unwrap(), vec![(1, Ok("+77011112233".to_owned()))]);
    }
}
