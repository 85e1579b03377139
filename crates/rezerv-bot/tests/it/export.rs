//! Exports of the issued codes and the funnel, as CSV and .xlsx, on their own and through the
//! console's button, with Telegram failing on the way.

use std::io::Cursor;

use bot_api_emulator::{BotMessage, Fault, Methods, TestUser};
use calamine::{Data, Reader, Xlsx};
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::{AuditAction, Lang, Way};
use rezerv_bot::export::{ExportFormat, ExportKind, UTF8_BOM, export};
use rezerv_bot::storage::{Actor, ReplaceCode};
use rezerv_test_support::app::{TestApp, answers, spawn_app, texts};
use rezerv_test_support::flows::get_code;

const ORGANISER: i64 = 555_000_222;

/// Two candidates with codes (QAZTEST in Almaty, QRT in Astana), the first one's code
/// replaced: three issued codes, one of them revoked.
async fn issued_and_replaced(app: &TestApp) {
    app.seed(3, &["+7 701 111 22 33", "+7 702 333 44 55"]).await;
    let first = TestUser::new(4001, "ru");
    let second = TestUser::new(4002, "kk");
    assert_eq!(get_code(app, &first, Lang::Ru, "almaty", Way::Qaztest, "87011112233").await, "QAZTEST-0001");
    assert_eq!(get_code(app, &second, Lang::Kk, "astana", Way::Qrt, "87023334455").await, "QRT-0001");
    let now = app.clock.now();
    app.db
        .replace_code(
            &ReplaceCode { chat_id: 4001, reason: "=invalid on qrt.kz", actor: Actor::cli(), update_id: None },
            now,
        )
        .await
        .unwrap();
}

fn csv_lines(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes.strip_prefix(UTF8_BOM).expect("a BOM first")).expect("UTF-8");
    text.lines().map(str::to_owned).collect()
}

/// The first sheet of a workbook, as calamine reads it.
fn sheet(bytes: &[u8]) -> (String, Vec<Vec<Data>>) {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("a workbook");
    let name = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&name).expect("the sheet");
    (name, range.rows().map(<[Data]>::to_vec).collect())
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(text) => text.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_export_has_a_bom_and_a_row_per_issued_code_with_the_replacement() {
    let app = spawn_app().await;
    issued_and_replaced(&app).await;

    let file = export(&app.app, ExportKind::Codes, ExportFormat::Csv, Lang::Ru).await.unwrap();
    assert_eq!((file.name.as_str(), file.rows), ("codes-2023-09-05.csv", 3));
    let lines = csv_lines(&file.bytes);
    assert_eq!(
        lines,
        [
            "Телефон;Промокод;Способ;Город;Выдан, Asia/Almaty;Отозван;Причина отзыва;Заменён на",
            // Revoked: the phone it went to, the reason (a formula defused) and its replacement.
            "+77011112233;QAZTEST-0001;QAZTEST (офлайн);Алматы;2023-09-05 10:00;да;'=invalid on qrt.kz;QAZTEST-0002",
            "+77011112233;QAZTEST-0002;QAZTEST (офлайн);Алматы;2023-09-05 10:00;нет;;",
            "+77023334455;QRT-0001;QAZAQ RESMI TEST (онлайн);Астана;2023-09-05 10:00;нет;;",
        ]
        .map(str::to_owned)
        .to_vec()
    );
    // The same in Kazakh: headers and names in the organiser's language.
    let kk = export(&app.app, ExportKind::Codes, ExportFormat::Csv, Lang::Kk).await.unwrap();
    let kk = csv_lines(&kk.bytes);
    assert!(
        kk[0].starts_with("Телефон;Промокод;Тәсіл;Қала;Берілген уақыты, Asia/Almaty;Кері қайтарылған"),
        "{}",
        kk[0]
    );
    assert!(kk[1].ends_with(";иә;'=invalid on qrt.kz;QAZTEST-0002"), "{}", kk[1]);

    let funnel = export(&app.app, ExportKind::Funnel, ExportFormat::Csv, Lang::Ru).await.unwrap();
    let lines = csv_lines(&funnel.bytes);
    assert!(lines[0].starts_with("Этап;Шаг;Способ;Город;Кандидатов;С промокодом"), "{}", lines[0]);
    assert!(lines.contains(&"шаги пройдены;;QAZTEST (офлайн);Алматы;1;1;0;0;0".to_owned()), "{lines:#?}");
    assert!(lines.contains(&"шаги пройдены;;QAZAQ RESMI TEST (онлайн);Астана;1;1;0;0;0".to_owned()), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_xlsx_export_reads_back_with_calamine() {
    let app = spawn_app().await;
    issued_and_replaced(&app).await;

    let file = export(&app.app, ExportKind::Codes, ExportFormat::Xlsx, Lang::Ru).await.unwrap();
    assert!(file.bytes.starts_with(b"PK\x03\x04"), "an .xlsx is a zip");
    assert_eq!(file.name, "codes-2023-09-05.xlsx");
    let (name, rows) = sheet(&file.bytes);
    assert_eq!(name, "Промокоды");
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows[0].iter().map(text).collect::<Vec<_>>()[..3], ["Телефон", "Промокод", "Способ"]);
    let revoked = &rows[1];
    assert_eq!(text(&revoked[0]), "+77011112233", "a phone stays text, with its plus");
    assert_eq!(text(&revoked[1]), "QAZTEST-0001");
    assert_eq!(text(&revoked[5]), "да");
    // Text is never a formula in .xlsx: the reason is kept as typed.
    assert_eq!(text(&revoked[6]), "=invalid on qrt.kz");
    assert_eq!(text(&revoked[7]), "QAZTEST-0002");
    // Issued at 10:00 in Almaty on 5 September 2023: a real date, serial 45174 + 10/24.
    let Data::DateTime(issued) = &revoked[4] else { panic!("not a date: {:?}", revoked[4]) };
    assert!((issued.as_f64() - (45174.0 + 10.0 / 24.0)).abs() < 1e-6, "{issued:?}");
    assert_eq!(text(&rows[2][5]), "нет");
    assert_eq!(text(&rows[2][7]), "");

    let funnel = export(&app.app, ExportKind::Funnel, ExportFormat::Xlsx, Lang::Kk).await.unwrap();
    let (name, rows) = sheet(&funnel.bytes);
    assert_eq!(name, "Воронка");
    assert_eq!(text(&rows[0][0]), "Кезең");
    let almaty = rows.iter().find(|row| row.get(3).is_some_and(|city| text(city) == "Алматы")).expect("Almaty");
    assert_eq!(almaty[4], Data::Float(1.0), "counts are numbers");
}

/// Presses a console button and waits until its whole turn is done (the file is sent within it).
async fn press_and_wait(app: &TestApp, user: &TestUser, label: &str) -> Vec<BotMessage> {
    let (message_id, data) = app.find_button(user, label);
    app.emu.press_button(user, message_id, &data);
    app.settle_turn(user).await
}

fn documents(messages: &[BotMessage]) -> Vec<&BotMessage> {
    messages.iter().filter(|message| message.document.is_some()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_exports_through_the_button_and_gets_the_document() {
    let app = spawn_app().await;
    issued_and_replaced(&app).await;
    let admin = app.organiser(ORGANISER, "ru").await;

    app.send(&admin, "/admin").await;
    let choice = app.press(&admin, &app.t(Lang::Ru, "console-btn-export")).await;
    assert!(texts(&choice).contains("Экспорт"), "{}", texts(&choice));
    let labels: Vec<&str> = choice[0].buttons().iter().map(|button| button.text.as_str()).collect();
    assert_eq!(labels, ["Промокоды · CSV", "Промокоды · XLSX", "Воронка · CSV", "Воронка · XLSX"]);
    assert!(
        choice[0].buttons().iter().all(|button| button.callback_data.as_ref().is_some_and(|data| data.len() <= 64))
    );

    let sent = press_and_wait(&app, &admin, "Промокоды · XLSX").await;
    let [message] = documents(&sent)[..] else { panic!("one document expected: {}", texts(&sent)) };
    let document = message.document.as_ref().unwrap();
    assert_eq!(document.file_name, "codes-2023-09-05.xlsx");
    assert_eq!(message.text, "Выданные промокоды: строк в файле — 3.");
    let (_, rows) = sheet(&document.bytes);
    assert_eq!(rows.len(), 4);

    // /export offers the same choice; the funnel comes as CSV.
    app.send(&admin, "/export").await;
    let sent = press_and_wait(&app, &admin, "Воронка · CSV").await;
    let [message] = documents(&sent)[..] else { panic!("one document expected: {}", texts(&sent)) };
    let document = message.document.as_ref().unwrap();
    assert_eq!(document.file_name, "funnel-2023-09-05.csv");
    assert!(document.bytes.starts_with(UTF8_BOM));

    let exports: Vec<_> = app
        .db
        .audit_log(20)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == AuditAction::Export)
        .map(|entry| (entry.detail, entry.rows))
        .collect();
    // Newest first; the funnel has the two candidates' rows and the organiser's own.
    assert_eq!(exports, [("funnel csv".to_owned(), 3), ("codes xlsx".to_owned(), 3)]);
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_organiser_gets_the_ordinary_answer_to_export_and_no_file() {
    let app = spawn_app().await;
    issued_and_replaced(&app).await;
    let user = TestUser::new(4100, "ru");
    app.send(&user, "/start").await;
    app.press(&user, &app.t(Lang::Ru, "language-name")).await;
    let unknown = app.send(&user, "/nosuchcommand").await;
    let reply = app.send(&user, "/export").await;
    assert_eq!(texts(&reply), texts(&unknown), "/export answers as any unknown command");
    // A forged export button: the stale-button toast and no file.
    let prompt = app.emu.last_message(user.id).unwrap();
    app.emu.press_button(&user, prompt.message_id, "a:codes.csv");
    let events = app.settle(&user).await;
    assert_eq!(answers(&events), vec![Some(app.t(Lang::Ru, "toast-stale-button"))]);
    assert!(app.emu.messages(user.id).iter().all(|message| message.document.is_none()));
    assert!(!app.db.audit_log(20).await.unwrap().iter().any(|entry| entry.action == AuditAction::Export));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_survives_a_429_and_a_500_on_send_document() {
    let app = spawn_app().await;
    issued_and_replaced(&app).await;
    let admin = app.organiser(ORGANISER, "kk").await;
    app.send(&admin, "/export").await;
    app.emu.inject_method_faults(
        Some(admin.id),
        Methods::Only("sendDocument".into()),
        vec![Fault::too_many_requests(1), Fault::internal_server_error()],
    );
    let sent = press_and_wait(&app, &admin, "Промокодтар · CSV").await;
    let [message] = documents(&sent)[..] else { panic!("one document expected: {}", texts(&sent)) };
    assert_eq!(message.text, "Берілген промокодтар: файлдағы жол саны — 3.");
    assert_eq!(app.emu.pending_faults(admin.id), 0, "both faults were met");
    let tries = app.emu.requests().iter().filter(|request| request.method == "senddocument").count();
    assert_eq!(tries, 3);
    assert_eq!(csv_lines(&message.document.as_ref().unwrap().bytes).len(), 4);
    app.assert_clean();
}
