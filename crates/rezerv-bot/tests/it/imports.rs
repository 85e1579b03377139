//! Imports from .xlsx as well as CSV, with the same rules, and imports sent to the bot as a
//! document with a caption.

use bot_api_emulator::{BotMessage, Fault, Methods, TestUser};
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::{AuditAction, AuditVia, Lang, Way};
use rezerv_bot::import::{ImportError, ImportFile, ImportTarget, RowProblem, import_file};
use rezerv_bot::storage::Actor;
use rezerv_test_support::app::{sent, spawn_app, texts};
use rezerv_test_support::flows::walk_to_step;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const ORGANISER: i64 = 555_000_333;

/// A cell of column A in a test workbook.
enum Cell {
    Text(&'static str),
    Number(f64),
    Bool(bool),
    Date,
    /// Column A left empty while column B is not.
    OnlyB,
    Blank,
}

/// A workbook whose first sheet has `cells` in column A, from row 1 down, and a note in
/// column B of each filled row (which the import ignores).
fn workbook(cells: &[Cell]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (row, cell) in (0u32..).zip(cells) {
        match cell {
            Cell::Text(text) => {
                sheet.write_string(row, 0, *text).unwrap();
            }
            Cell::Number(number) => {
                sheet.write_number(row, 0, *number).unwrap();
            }
            Cell::Bool(value) => {
                sheet.write_boolean(row, 0, *value).unwrap();
            }
            Cell::Date => {
                sheet.write_datetime_with_format(row, 0, ExcelDateTime::from_ymd(2023, 9, 5).unwrap(), &date).unwrap();
            }
            Cell::OnlyB | Cell::Blank => {}
        }
        if !matches!(cell, Cell::Blank) {
            sheet.write_string(row, 1, "note").unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn file(name: &str, bytes: Vec<u8>) -> ImportFile {
    ImportFile { name: name.to_owned(), bytes }
}

fn bad_lines(outcome: Result<impl std::fmt::Debug, ImportError>) -> Vec<(u64, RowProblem)> {
    match outcome {
        Err(ImportError::BadRows(rows)) => rows.into_iter().map(|row| (row.line, row.problem)).collect(),
        other => panic!("expected bad rows, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_imports_of_codes_and_eligible_phones_follow_the_csv_rules() {
    let app = spawn_app().await;
    let now = app.clock.now();
    let import = |target, file| import_file(&app.db, target, file, Actor::cli(), now);

    // A header, a blank row, a duplicate, upper-casing: as for CSV, with the sheet's row numbers.
    let codes = workbook(&[
        Cell::Text("code"),
        Cell::Text("QRT-1001"),
        Cell::Text("qrt-1002"),
        Cell::Blank,
        Cell::Text("QRT-1001"),
    ]);
    let summary = import(ImportTarget::Codes(Way::Qrt), file("codes.xlsx", codes)).await.unwrap();
    assert_eq!((summary.rows, summary.inserted, summary.already_present), (3, 2, 0));
    assert_eq!(summary.duplicates.iter().map(|d| (d.line, d.first_line)).collect::<Vec<_>>(), [(5, 2)]);
    assert_eq!(app.db.codes_left(Way::Qrt).await.unwrap(), 2);

    // Every bad row by its row number, and nothing imported.
    let phones = workbook(&[
        Cell::Text("phone"),
        Cell::Number(87011112233.0),
        Cell::Text("not a phone"),
        Cell::Bool(true),
        Cell::Date,
        Cell::OnlyB,
        Cell::Text("+7 702 444 55 66"),
    ]);
    let rejected = bad_lines(import(ImportTarget::Eligible, file("eligible.xlsx", phones)).await);
    assert_eq!(rejected.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [3, 4, 5, 6]);
    assert_eq!(rejected[0].1, RowProblem::NotPhone("not a phone".into()));
    assert_eq!(rejected[1].1, RowProblem::NotText("TRUE".into()));
    assert!(matches!(rejected[2].1, RowProblem::NotText(_)), "a date is not a phone: {:?}", rejected[2]);
    assert_eq!(rejected[3].1, RowProblem::EmptyCell);
    assert_eq!(app.db.eligible_count().await.unwrap(), 0, "nothing may be imported");

    // A phone typed as a number (Excel keeps it as a float) is read whole.
    let phones = workbook(&[Cell::Number(87011112233.0), Cell::Text("+7 702 444 55 66")]);
    let summary = import(ImportTarget::Eligible, file("eligible.xlsx", phones)).await.unwrap();
    assert_eq!(summary.inserted, 2);
    assert!(
        app.db.find(&rezerv_bot::storage::Lookup::parse("+77011112233").unwrap()).await.unwrap().eligible
            == Some(rezerv_bot::storage::Eligibility::Listed)
    );

    // A code already in the other pool rejects the file, as from CSV.
    let clash = workbook(&[Cell::Text("QAZ-2001"), Cell::Text("QRT-1002")]);
    let rejected = bad_lines(import(ImportTarget::Codes(Way::Qaztest), file("clash.xlsx", clash)).await);
    assert_eq!(rejected, [(2, RowProblem::InOtherPool { code: "QRT-1002".into(), way: Way::Qrt })]);
    assert_eq!(app.db.codes_left(Way::Qaztest).await.unwrap(), 0);

    // Each attempt is audited: accepted with the rows read, rejected with none.
    let audit = app.db.audit_log(10).await.unwrap();
    let imports: Vec<_> = audit.iter().map(|entry| (entry.action, entry.rows, entry.actor.via)).collect();
    assert_eq!(
        imports,
        [
            (AuditAction::ImportCodes, 0, AuditVia::Cli),
            (AuditAction::ImportEligible, 2, AuditVia::Cli),
            (AuditAction::ImportEligible, 0, AuditVia::Cli),
            (AuditAction::ImportCodes, 3, AuditVia::Cli),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_workbooks_get_a_clear_error_and_never_a_panic() {
    let app = spawn_app().await;
    let now = app.clock.now();
    let good = workbook(&[Cell::Text("QRT-1001")]);
    let mut flipped = good.clone();
    for byte in flipped.iter_mut().skip(40).step_by(7) {
        *byte = !*byte;
    }
    for (name, bytes) in [
        ("garbage.xlsx", b"PK\x03\x04 this is no workbook".to_vec()),
        ("truncated.xlsx", good[..good.len() / 2].to_vec()),
        ("flipped.xlsx", flipped),
        // A zip that is not a workbook, named as CSV: the content decides.
        ("renamed.csv", good[..30].to_vec()),
    ] {
        let outcome = import_file(&app.db, ImportTarget::Codes(Way::Qrt), file(name, bytes), Actor::cli(), now).await;
        assert!(matches!(outcome, Err(ImportError::Unreadable(_))), "{name}: {outcome:?}");
    }
    let outcome = import_file(
        &app.db,
        ImportTarget::Eligible,
        file("old.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec()),
        Actor::cli(),
        now,
    )
    .await;
    assert!(matches!(outcome, Err(ImportError::OldExcel)), "{outcome:?}");
    let outcome =
        import_file(&app.db, ImportTarget::Eligible, file("named.xlsx", b"+77011112233\n".to_vec()), Actor::cli(), now)
            .await;
    assert!(matches!(outcome, Err(ImportError::NotXlsx)), "{outcome:?}");
    assert_eq!(app.db.codes_left(Way::Qrt).await.unwrap(), 0);
}

fn csv(lines: &[&str]) -> Vec<u8> {
    lines.iter().map(|line| format!("{line}\n")).collect::<String>().into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_imports_an_xlsx_and_a_csv_by_caption_and_gets_the_report() {
    let app = spawn_app().await;
    let admin = app.organiser(ORGANISER, "ru").await;

    let codes = workbook(&[Cell::Text("code"), Cell::Text("QRT-1001"), Cell::Text("QRT-1002"), Cell::Text("qrt-1001")]);
    let report = texts(&app.send_document(&admin, "codes.xlsx", &codes, Some("codes qrt")).await);
    for fact in [
        "✅ Промокоды QAZAQ RESMI TEST (онлайн) из файла «codes.xlsx» загружены",
        "Прочитано строк: 3; новых кодов: 2; уже были в базе: 0; повторов в файле: 1",
        "Осталось кодов QAZAQ RESMI TEST (онлайн): 2",
        "строка 4: QRT-1001 повторяет строку 2",
    ] {
        assert!(report.contains(fact), "the report lacks {fact}: {report}");
    }
    assert_eq!(app.db.codes_left(Way::Qrt).await.unwrap(), 2);

    let kk = app.organiser(ORGANISER + 1, "kk").await;
    let phones = csv(&["phone;name", "+7 701 111 22 33;A", "8 (702) 444-55-66;B"]);
    let report = texts(&app.send_document(&kk, "тізім.csv", &phones, Some("Eligible")).await);
    assert!(report.contains("«тізім.csv» файлынан үміткерлер тізімі жүктелді"), "{report}");
    assert!(report.contains("жаңа нөмір: 2"), "{report}");
    assert_eq!(app.db.eligible_count().await.unwrap(), 2);

    let audit = app.db.audit_log(10).await.unwrap();
    let imports: Vec<_> = audit
        .iter()
        .filter(|entry| matches!(entry.action, AuditAction::ImportCodes | AuditAction::ImportEligible))
        .map(|entry| (entry.action, entry.rows, entry.actor.via, entry.actor.id.map(|id| id.get())))
        .collect();
    assert_eq!(
        imports,
        [
            (AuditAction::ImportEligible, 2, AuditVia::Telegram, Some(ORGANISER + 1)),
            (AuditAction::ImportCodes, 3, AuditVia::Telegram, Some(ORGANISER)),
        ]
    );
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_file_from_telegram_is_rejected_whole_with_every_line_number() {
    let app = spawn_app().await;
    let admin = app.organiser(ORGANISER, "ru").await;
    let phones = workbook(&[Cell::Text("+7 701 111 22 33"), Cell::Text("not a phone"), Cell::Bool(false)]);
    let report = texts(&app.send_document(&admin, "eligible.xlsx", &phones, Some("eligible")).await);
    assert!(
        report.starts_with("❌ Файл «eligible.xlsx» не принят, ничего не загружено. Строк с ошибками: 2."),
        "{report}"
    );
    assert!(report.contains("строка 2: «not a phone» — не номер мобильного телефона Казахстана"), "{report}");
    assert!(report.contains("строка 3: в ячейке FALSE, а нужен текст или число"), "{report}");
    assert_eq!(app.db.eligible_count().await.unwrap(), 0);

    // 25 bad rows: the first 20 in the message, all of them in a file beside it.
    let mut lines = vec!["+77011112233"];
    lines.extend(std::iter::repeat_n("<b>bad</b>", 25));
    app.emu.send_document(&admin, "many.csv", &csv(&lines), Some("eligible"));
    let report = app.settle_turn(&admin).await;
    let [message, attachment] = &report[..] else { panic!("a report and its file expected: {}", texts(&report)) };
    assert!(
        message.text.contains("Строк с ошибками: 25.") && message.text.contains("…и ещё строк: 5."),
        "{}",
        message.text
    );
    assert!(message.text.contains("строка 21: «&lt;b&gt;bad&lt;/b&gt;»"), "escaped for HTML: {}", message.text);
    assert!(!message.text.contains("строка 22:"), "{}", message.text);
    let document = attachment.document.as_ref().expect("the whole list as a file");
    assert_eq!(document.file_name, "many-report.txt");
    let listed = String::from_utf8(document.bytes.clone()).unwrap();
    assert_eq!(listed.lines().count(), 25);
    assert!(listed.contains("строка 26: «<b>bad</b>»"), "{listed}");
    assert_eq!(app.db.eligible_count().await.unwrap(), 0);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_caption_no_caption_a_photo_and_an_unreadable_file_each_get_a_clear_answer() {
    let app = spawn_app().await;
    let admin = app.organiser(ORGANISER, "ru").await;
    let codes = csv(&["QRT-1001"]);
    let t = |id: &str| app.t(Lang::Ru, id);

    let reply = texts(&app.send_document(&admin, "codes.csv", &codes, None).await);
    assert_eq!(reply, t("console-import-no-caption"));
    let reply = texts(&app.send_document(&admin, "codes.csv", &codes, Some("codes <online>")).await);
    assert!(reply.contains("подпись «codes &lt;online&gt;» не понятна"), "{reply}");
    app.emu.send_photo(&admin);
    assert_eq!(texts(&sent(app.settle(&admin).await)), t("console-import-photo"));
    let reply = texts(&app.send_document(&admin, "codes.xlsx", b"PK\x03\x04 broken", Some("codes qrt")).await);
    assert!(reply.starts_with("Ничего не загружено: книгу «codes.xlsx» не удалось прочитать"), "{reply}");
    let reply =
        texts(&app.send_document(&admin, "codes.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1..", Some("codes qrt")).await);
    assert!(reply.contains("в старом формате Excel (.xls)"), "{reply}");
    // Over 10 MB: refused before it is fetched.
    let big = vec![b'A'; 10 * 1024 * 1024 + 1];
    let reply = texts(&app.send_document(&admin, "big.csv", &big, Some("codes qrt")).await);
    assert!(reply.contains("файл больше 10 МБ"), "{reply}");

    let fetched: Vec<_> = app.emu.requests().into_iter().filter(|request| request.method == "getfile").collect();
    assert_eq!(fetched.len(), 2, "only the two readable-looking files were fetched");
    assert_eq!(app.db.codes_left(Way::Qrt).await.unwrap(), 0, "nothing was imported");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_organisers_document_gets_the_ordinary_answer() {
    let app = spawn_app().await;
    let user = TestUser::new(4200, "ru");
    walk_to_step(&app, &user, Lang::Ru, "almaty", Way::Qaztest, 2).await;
    app.emu.send_sticker(&user);
    let ordinary = texts(&sent(app.settle(&user).await));
    let reply = texts(&app.send_document(&user, "codes.csv", &csv(&["QRT-1001"]), Some("codes qrt")).await);
    assert_eq!(reply, ordinary, "a document answers as a sticker does");
    app.emu.send_photo(&user);
    assert_eq!(texts(&sent(app.settle(&user).await)), ordinary);
    assert!(app.emu.requests().iter().all(|request| request.method != "getfile"), "nothing was fetched");
    assert_eq!(app.db.codes_left(Way::Qrt).await.unwrap(), 0);
    assert!(app.db.audit_log(10).await.unwrap().is_empty());
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_survives_a_429_and_a_500_on_get_file_and_a_500_on_the_download() {
    let app = spawn_app().await;
    let admin = app.organiser(ORGANISER, "ru").await;
    app.emu.inject_method_faults(
        None,
        Methods::Only("getFile".into()),
        vec![Fault::too_many_requests(1), Fault::internal_server_error()],
    );
    app.emu.inject_method_faults(None, Methods::Only("downloadFile".into()), vec![Fault::internal_server_error()]);
    app.emu.send_document(&admin, "codes.csv", &csv(&["QRT-1001", "QRT-1002"]), Some("codes qrt"));
    let report: Vec<BotMessage> = app.settle_turn(&admin).await;
    assert!(texts(&report).contains("новых кодов: 2"), "{}", texts(&report));
    assert_eq!(app.emu.pending_global_faults(), 0, "every fault was met");
    let tries = |method: &str| app.emu.requests().iter().filter(|request| request.method == method).count();
    assert_eq!((tries("getfile"), tries("downloadfile")), (3, 2));
    assert_eq!(app.db.codes_left(Way::Qrt).await.unwrap(), 2);
    app.assert_clean();
}

/// An organiser is a candidate too in their own chat: their journey is untouched by the
/// console, and only documents and photos go to the import.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisers_journey_is_the_candidates_one() {
    let app = spawn_app().await;
    let admin = app.organiser(ORGANISER, "ru").await;
    let prompt = walk_to_step(&app, &admin, Lang::Ru, "almaty", Way::Qaztest, 2).await;
    let reply = app.send(&admin, "hello").await;
    assert_eq!(reply.last().unwrap().text, prompt.text, "free text re-prompts the step");
    app.assert_clean();
}
