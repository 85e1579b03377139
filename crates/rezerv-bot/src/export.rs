//! Organisers' exports: the issued codes (for the testing operators) and the funnel counts,
//! as CSV or as `.xlsx`, with headers in the organiser's language.
//!
//! The CSV is UTF-8 with a byte-order mark, which is what makes Excel read Cyrillic, and uses
//! semicolons, the list separator of Excel set to Russian or Kazakh.

use chrono::{Datelike, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use thiserror::Error;

use crate::bot::App;
use crate::config::Campaign;
use crate::domain::{Lang, Way, spelled};
use crate::i18n::{Args, Locales};
use crate::storage::{FunnelCount, IssuedCode, StorageError};

spelled! {
    /// What is exported.
    pub enum ExportKind("export") {
        /// Every issued code with its holder's phone, city and revocation.
        Codes = "codes",
        /// Candidates per stage, step, way and city.
        Funnel = "funnel",
    }
}

spelled! {
    /// The file's format.
    pub enum ExportFormat("export format") {
        Csv = "csv",
        Xlsx = "xlsx",
    }
}

impl ExportFormat {
    /// The format a file name's extension names, if any.
    pub fn from_file_name(name: &str) -> Option<ExportFormat> {
        let (_, extension) = name.rsplit_once('.')?;
        extension.to_ascii_lowercase().parse().ok()
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

#[derive(Debug, Error)]
pub enum ExportError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write the .xlsx: {0}")]
    Xlsx(#[from] XlsxError),
}

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(i64),
    /// A local date and time (campaign time zone): a real date in `.xlsx`.
    Time(NaiveDateTime),
    Empty,
}

/// A sheet: its name, the header row and the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A finished export: its file name (e.g. `codes-2023-09-05.xlsx`), its bytes and how many
/// rows it holds besides the header.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub rows: usize,
    pub format: ExportFormat,
}

/// Reads what `kind` exports and writes it as `format`, in `lang`.
pub async fn export(app: &App, kind: ExportKind, format: ExportFormat, lang: Lang) -> Result<ExportFile, ExportError> {
    let table = match kind {
        ExportKind::Codes => codes_table(&app.db.issued_codes().await?, &app.locales, &app.campaign, lang),
        ExportKind::Funnel => funnel_table(&app.db.export_funnel_counts().await?, &app.locales, &app.campaign, lang),
    };
    let bytes = match format {
        ExportFormat::Csv => to_csv(&table)?,
        ExportFormat::Xlsx => to_xlsx(&table)?,
    };
    let name = format!("{kind}-{}.{format}", app.today().format("%Y-%m-%d"));
    Ok(ExportFile { name, bytes, rows: table.rows.len(), format })
}

fn way_name(locales: &Locales, lang: Lang, way: Way) -> String {
    locales.t(lang, &format!("way-{}", way.code()))
}

/// A stored city id as the organiser reads it: its name, or the id itself if the campaign
/// no longer knows it.
fn city_name(campaign: &Campaign, lang: Lang, id: &str) -> String {
    id.parse().ok().and_then(|id| campaign.city(&id)).map_or_else(|| id.to_owned(), |city| city.name(lang).to_owned())
}

pub fn codes_table(codes: &[IssuedCode], locales: &Locales, campaign: &Campaign, lang: Lang) -> Table {
    let t = |id: &str| locales.t(lang, id);
    let headers = vec![
        t("export-codes-phone"),
        t("export-codes-code"),
        t("export-codes-way"),
        t("export-codes-city"),
        locales.t_args(lang, "export-codes-issued-at", &Args::new().with("zone", campaign.tz.name())),
        t("export-codes-revoked"),
        t("export-codes-reason"),
        t("export-codes-replaced-by"),
    ];
    let text = |value: &str| Cell::Text(value.to_owned());
    let rows = codes
        .iter()
        .map(|code| {
            let revoked = code.revoked.as_ref();
            vec![
                code.phone.as_ref().map_or(Cell::Empty, |phone| text(phone.as_str())),
                text(code.code.as_str()),
                Cell::Text(way_name(locales, lang, code.way)),
                code.city.as_deref().map_or(Cell::Empty, |city| Cell::Text(city_name(campaign, lang, city))),
                Cell::Time(code.issued_at.with_timezone(&campaign.tz).naive_local()),
                Cell::Text(t(if revoked.is_some() { "export-yes" } else { "export-no" })),
                revoked.map_or(Cell::Empty, |revoked| text(&revoked.reason)),
                revoked
                    .and_then(|revoked| revoked.replaced_by.as_ref())
                    .map_or(Cell::Empty, |code| text(code.as_str())),
            ]
        })
        .collect();
    Table { sheet: t("export-codes-sheet"), headers, rows }
}

pub fn funnel_table(counts: &[FunnelCount], locales: &Locales, campaign: &Campaign, lang: Lang) -> Table {
    let t = |id: &str| locales.t(lang, id);
    let headers = [
        "export-funnel-stage",
        "export-funnel-step",
        "export-funnel-way",
        "export-funnel-city",
        "export-funnel-candidates",
        "export-funnel-with-code",
        "export-funnel-applied",
        "export-funnel-test-date",
        "export-funnel-blocked",
    ]
    .map(t)
    .to_vec();
    let rows = counts
        .iter()
        .map(|count| {
            vec![
                Cell::Text(t(&format!("console-stage-{}", count.stage.as_str()))),
                count.step.map_or(Cell::Empty, Cell::Number),
                count.way.map_or(Cell::Empty, |way| Cell::Text(way_name(locales, lang, way))),
                count.city.as_deref().map_or(Cell::Empty, |city| Cell::Text(city_name(campaign, lang, city))),
                Cell::Number(count.candidates),
                Cell::Number(count.with_code),
                Cell::Number(count.applied),
                Cell::Number(count.with_test_date),
                Cell::Number(count.blocked),
            ]
        })
        .collect();
    Table { sheet: t("export-funnel-sheet"), headers, rows }
}

/// The byte-order mark that tells Excel the CSV is UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The table as CSV: UTF-8 with a BOM, semicolon-separated, one header row.
pub fn to_csv(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(UTF8_BOM.to_vec());
    writer.write_record(&table.headers)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(csv_cell))?;
    }
    writer.into_inner().map_err(|err| csv::Error::from(err.into_error()))
}

fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => formula_safe(text),
        Cell::Number(number) => number.to_string(),
        Cell::Time(time) => time.format("%Y-%m-%d %H:%M").to_string(),
        Cell::Empty => String::new(),
    }
}

/// A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (OWASP's "CSV
/// injection"); a reason typed by an organiser could start so. Such text gets a leading
/// apostrophe. A phone (`+77012345678`: a sign and digits only) is a number, not a formula,
/// and is kept as it is.
fn formula_safe(text: &str) -> String {
    let mut chars = text.chars();
    let risky = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !chars.as_str().chars().all(|c| c.is_ascii_digit()),
        _ => false,
    };
    if risky { format!("'{text}") } else { text.to_owned() }
}

/// The table as an `.xlsx` workbook of one sheet: a bold, frozen header row, texts as texts
/// (never formulas), counts as numbers, times as dates.
pub fn to_xlsx(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let time_format = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(&table.sheet))?;
    for (column, header) in (0u16..).zip(&table.headers) {
        sheet.write_string_with_format(0, column, header, &bold)?;
    }
    for (row, cells) in (1u32..).zip(&table.rows) {
        for (column, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(row, column, text)?;
                }
                Cell::Number(number) => {
                    // Counts stay far below 2^53, where an f64 is exact.
                    sheet.write_number(row, column, *number as f64)?;
                }
                Cell::Time(time) => {
                    sheet.write_datetime_with_format(row, column, excel_time(time)?, &time_format)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    workbook.save_to_buffer()
}

fn excel_time(time: &NaiveDateTime) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(time.year()).map_err(|_| XlsxError::DateTimeRangeError(time.to_string()))?;
    // Month, day, hour, minute and second always fit.
    ExcelDateTime::from_ymd(year, time.month() as u8, time.day() as u8)?.and_hms(
        time.hour() as u16,
        time.minute() as u8,
        time.second(),
    )
}

/// Excel's rules for a sheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    if cleaned.trim().is_empty() { "Sheet1".to_owned() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_phones_kept() {
        assert_eq!(formula_safe("+77012345678"), "+77012345678");
        assert_eq!(formula_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(formula_safe("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
        assert_eq!(formula_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(formula_safe("site says invalid"), "site says invalid");
    }

    #[test]
    fn sheet_names_follow_excels_rules() {
        assert_eq!(sheet_name("a/b:c"), "abc");
        assert_eq!(sheet_name(&"x".repeat(40)).chars().count(), 31);
        assert_eq!(sheet_name("[]"), "Sheet1");
    }

    #[test]
    fn formats_come_from_file_names() {
        assert_eq!(ExportFormat::from_file_name("codes.XLSX"), Some(ExportFormat::Xlsx));
        assert_eq!(ExportFormat::from_file_name("out/codes.csv"), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::from_file_name("codes.txt"), None);
        assert_eq!(ExportFormat::from_file_name("codes"), None);
    }
}
