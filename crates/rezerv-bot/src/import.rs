//! Organisers' CSV imports: promo codes per way, and the eligible list of phones.
//!
//! A file is checked whole before anything is written: any bad row rejects the file, and
//! every bad row is reported with its line number. Re-importing a file changes nothing.

use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::domain::{Phone, PromoCode, Way};
use crate::storage::{Db, StorageError};

/// A problem with one line of the file (1-based, as an editor shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the file was rejected and nothing was imported; {} bad row(s):\n{}", .0.len(), list(.0))]
    BadRows(Vec<RowError>),
    #[error("the file has no rows")]
    Empty,
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

/// Header cells that mark a first row to skip.
const HEADERS: &[&str] = &["code", "codes", "promo_code", "promocode", "phone", "phones", "phone_number", "msisdn"];

/// Values of the file's first column, with their line numbers; or every malformed line.
fn first_column(text: &str) -> Result<Vec<(u64, String)>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or_default();
    // Spreadsheets set to Russian or Kazakh save CSV with semicolons.
    let delimiter = if first_line.contains(';') && !first_line.contains(',') { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut values = Vec::new();
    let mut errors = Vec::new();
    // The csv crate does not count the blank lines it skips, so lines come from byte offsets.
    let mut lines = LineCounter::new(text);
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = lines.line_at(record.position().map_or(0, csv::Position::byte));
                let value = record.get(0).unwrap_or_default().trim().to_owned();
                let blank = record.iter().all(|cell| cell.trim().is_empty());
                if blank
                    || (values.is_empty()
                        && errors.is_empty()
                        && HEADERS.contains(&value.to_ascii_lowercase().as_str()))
                {
                    continue;
                }
                values.push((line, value));
            }
            Err(err) => {
                let line = lines.line_at(err.position().map_or(0, csv::Position::byte));
                errors.push(RowError { line, message: format!("not valid CSV: {err}") });
            }
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
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

/// Good rows with their line numbers, and the in-file duplicates that were left out.
type ParsedRows<T> = (Vec<(u64, T)>, Vec<Duplicate>);

/// Parses every row with `parse`; collects bad rows and in-file duplicates.
fn parse_rows<T, E: fmt::Display>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, E>,
    key: impl Fn(&T) -> String,
) -> Result<ParsedRows<T>, ImportError> {
    let values = first_column(text).map_err(ImportError::BadRows)?;
    if values.is_empty() {
        return Err(ImportError::Empty);
    }
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    let mut duplicates = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (line, value) in values {
        match parse(&value) {
            Ok(item) => {
                let item_key = key(&item);
                if let Some(first_line) = seen.get(&item_key) {
                    duplicates.push(Duplicate { line, first_line: *first_line, value: item_key });
                } else {
                    seen.insert(item_key, line);
                    parsed.push((line, item));
                }
            }
            Err(err) => errors.push(RowError { line, message: err.to_string() }),
        }
    }
    if errors.is_empty() { Ok((parsed, duplicates)) } else { Err(ImportError::BadRows(errors)) }
}

fn read(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|source| ImportError::Read { path: path.display().to_string(), source })
}

pub async fn import_codes_text(
    db: &Db,
    way: Way,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    let (rows, duplicates) = parse_rows(text, PromoCode::parse, |code| code.as_str().to_owned())?;
    let codes: Vec<PromoCode> = rows.iter().map(|(_, code)| code.clone()).collect();
    let report = db.import_codes(way, &codes, now).await?;
    if !report.conflicts.is_empty() {
        let errors = report
            .conflicts
            .iter()
            .map(|(index, other)| RowError {
                line: rows[*index].0,
                message: format!("{} is already in the {other} pool", rows[*index].1),
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

pub async fn import_eligible_text(db: &Db, text: &str, now: DateTime<Utc>) -> Result<ImportSummary, ImportError> {
    let (rows, duplicates) = parse_rows(text, Phone::parse, |phone| phone.as_str().to_owned())?;
    let phones: Vec<Phone> = rows.into_iter().map(|(_, phone)| phone).collect();
    let report = db.import_eligible(&phones, now).await?;
    Ok(ImportSummary {
        rows: phones.len() + duplicates.len(),
        inserted: report.inserted,
        already_present: report.already_present,
        duplicates,
    })
}

pub async fn import_codes_file(
    db: &Db,
    way: Way,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<ImportSummary, ImportError> {
    import_codes_text(db, way, &read(path)?, now).await
}

pub async fn import_eligible_file(db: &Db, path: &Path, now: DateTime<Utc>) -> Result<ImportSummary, ImportError> {
    import_eligible_text(db, &read(path)?, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bom_blank_lines_and_semicolons_are_handled() {
        let rows = first_column("\u{feff}phone;name\n+7 701 111 22 33;A\n\n87012223344;B\n").unwrap();
        assert_eq!(rows, vec![(2, "+7 701 111 22 33".to_owned()), (4, "87012223344".to_owned())]);
    }

    #[test]
    fn an_unclosed_quote_reports_its_line() {
        let text = "code\nAAAA1\n\"BBBB2\nCCCC3\n";
        let Err(ImportError::BadRows(errors)) = parse_rows(text, PromoCode::parse, |c| c.as_str().to_owned()) else {
            panic!("malformed file accepted");
        };
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = "phone\n+77011112233\nnot a phone\n+7 495 000 00 00\n87011112233\n";
        let Err(ImportError::BadRows(errors)) = parse_rows(text, Phone::parse, |p| p.as_str().to_owned()) else {
            panic!("bad rows accepted");
        };
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4]);
    }

    #[test]
    fn duplicates_are_reported_not_fatal() {
        let (rows, duplicates) =
            parse_rows("+77011112233\n8 701 111 22 33\n", Phone::parse, |p| p.as_str().to_owned()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(duplicates, vec![Duplicate { line: 2, first_line: 1, value: "+77011112233".into() }]);
    }
}
