//! The organisers' command line, run as the real binary.

use std::process::Command;

use bot_api_emulator::TestUser;
use rezerv_bot::domain::{Lang, Way};
use rezerv_test_support::app::spawn_app_on;
use rezerv_test_support::db::TempDir;
use rezerv_test_support::flows::{get_code, walk_to_step};
use rezerv_test_support::outbox::deadline_reminder;

fn run(dir: &TempDir, args: &[&str]) -> (bool, String, String) {
    run_on(&dir.database_url(), args)
}

pub(crate) fn run_on(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rezerv-bot"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("TELOXIDE_TOKEN")
        .output()
        .expect("run rezerv-bot");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn imports_report_counts_bad_lines_and_change_nothing_twice() {
    let dir = TempDir::new();
    let bad = write(&dir, "bad.csv", "code\nQRT-0001\nno spaces allowed\nQRT-0002\nX\n");
    let (ok, _, err) = run(&dir, &["import-codes", "--way", "qrt", &bad]);
    assert!(!ok);
    assert!(err.contains("line 3") && err.contains("line 5") && err.contains("nothing was imported"), "{err}");

    let good = write(&dir, "codes.csv", "code\nQRT-0001\nQRT-0002\nQRT-0001\n");
    let (ok, out, err) = run(&dir, &["import-codes", "--way", "qrt", &good]);
    assert!(ok, "{err}");
    assert!(out.contains("2 new") && out.contains("line 4: QRT-0001 repeats line 2"), "{out}");
    let (ok, out, _) = run(&dir, &["import-codes", "--way", "qrt", &good]);
    assert!(ok && out.contains("0 new, 2 already present"), "{out}");

    let phones = write(&dir, "eligible.csv", "phone;name\n+7 701 111 22 33;A\n8 (702) 444-55-66;B\n");
    let (ok, out, err) = run(&dir, &["import-eligible", &phones]);
    assert!(ok && out.contains("2 new"), "{out}{err}");

    let (ok, out, _) = run(&dir, &["stats"]);
    assert!(ok);
    assert!(out.contains("eligible phones: 2"), "{out}");
    assert!(out.contains("codes left qrt") && out.contains("codes left qaztest"), "{out}");
}

#[test]
fn run_without_a_token_says_what_to_do() {
    let dir = TempDir::new();
    let (ok, _, err) = run(&dir, &["run"]);
    assert!(!ok);
    assert!(err.contains("TELOXIDE_TOKEN"), "{err}");
}

#[test]
fn a_bad_campaign_file_stops_start_up_naming_the_key() {
    let dir = TempDir::new();
    let text =
        rezerv_bot::config::campaign_embedded_text().replacen("cutoff = \"2023-09-17\"", "cutoff = \"2023-10-17\"", 1);
    let campaign = write(&dir, "campaign.toml", &text);
    let (ok, _, err) = run(&dir, &["--campaign", &campaign, "stats"]);
    assert!(!ok);
    assert!(err.contains("groups[1].cutoff"), "{err}");
}

#[tokio::test]
async fn reminders_lists_waves_and_due_rows_without_sending() {
    let dir = TempDir::new();
    let db = rezerv_bot::storage::Db::connect(&dir.database_url()).await.unwrap();
    let campaign = rezerv_bot::config::Campaign::embedded().unwrap();
    let at = |day: u32| campaign.reminder_instant(chrono::NaiveDate::from_ymd_opt(2023, 9, day).unwrap());
    db.set_lang(42, rezerv_bot::domain::Lang::Kk, at(1)).await.unwrap();
    for (key, day) in [("deadline-7", 10), ("deadline-3", 14)] {
        let row = deadline_reminder(key, rezerv_bot::domain::ReminderKind::Deadline, at(day));
        db.enqueue(42, &row, at(1)).await.unwrap();
    }
    db.close().await;

    let (ok, out, err) = run(&dir, &["--today", "2023-09-05", "reminders"]);
    assert!(ok, "{err}");
    assert!(out.contains("2023-09-10 Sun 10:00  deadline") && out.contains("2023-09-14 Thu 10:00  deadline"), "{out}");

    let (ok, out, err) = run(&dir, &["--today", "2023-09-12", "reminders", "--due"]);
    assert!(ok, "{err}");
    assert!(out.contains("1 reminder(s) due"), "{out}");
    assert!(out.contains("2023 жылғы 17 қыркүйек"), "rendered in the candidate's language: {out}");
    // Nothing was sent: it is still due.
    let (_, again, _) = run(&dir, &["--today", "2023-09-12", "reminders", "--due"]);
    assert!(again.contains("1 reminder(s) due"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_due_on_the_16th_lists_only_the_one_day_reminder_of_a_stalled_candidate() {
    // A QAZTEST candidate in Almaty stalls at step 3 on 5 September; nothing is sent until
    // the 16th.
    let mut app = spawn_app_on("2023-09-05").await;
    let user = TestUser::new(2601, "ru");
    walk_to_step(&app, &user, Lang::Ru, "almaty", Way::Qaztest, 3).await;
    app.plan_now().await;
    app.stop().await;

    let (ok, out, err) = run_on(app.database_url(), &["--today", "2023-09-16", "reminders", "--due"]);
    assert!(ok, "{err}");
    assert!(out.contains("1 reminder(s) due"), "{out}");
    assert!(out.contains("deadline-1") && out.contains("остался 1 день"), "{out}");
    for stale in ["deadline-7", "deadline-3", "nudge-steps-3", "осталось"] {
        assert!(!out.contains(stale), "lists {stale}: {out}");
    }
    assert!(out.contains("3 more due but no longer true, to be cancelled: expired 1, superseded 2"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisers_are_managed_and_codes_replaced_from_the_command_line_with_every_action_audited() {
    let mut app = spawn_app_on("2023-09-05").await;
    app.seed(2, &["+7 701 123 45 67"]).await;
    let user = TestUser::new(2701, "ru");
    let old = get_code(&app, &user, Lang::Ru, "almaty", Way::Qrt, "87011234567").await;
    app.stop().await;
    let db = app.database_url();

    let (ok, out, err) = run_on(db, &["admins", "add", "12345"]);
    assert!(ok && out.contains("12345 is now an organiser"), "{out}{err}");
    let (ok, out, _) = run_on(db, &["admins", "add", "12345"]);
    assert!(ok && out.contains("already"), "{out}");
    let (ok, _, err) = run_on(db, &["admins", "add", "0"]);
    assert!(!ok && err.contains("not a Telegram user id"), "{err}");
    let (ok, out, _) = run_on(db, &["admins", "list"]);
    assert!(ok && out.trim() == "12345", "{out}");

    let (ok, out, err) = run_on(db, &["find", "+7 701 123 45 67"]);
    assert!(ok, "{err}");
    assert!(out.contains("2701") && out.contains(&old) && !out.contains("<code>"), "plain text: {out}");

    let (ok, _, err) = run_on(db, &["replace-code", "2701", "--reason", "  "]);
    assert!(!ok && err.contains("reason"), "{err}");
    let (ok, out, err) = run_on(db, &["replace-code", "2701", "--reason", "rejected by qrt.kz"]);
    assert!(ok && out.contains(&old) && out.contains("QRT-0002"), "{out}{err}");
    let queued = app.db.outbox_of(2701).await.unwrap();
    assert!(
        queued.iter().any(|(key, _)| key == "code-replaced-QRT-0002"),
        "the candidate's notice is queued: {queued:?}"
    );
    let (ok, _, err) = run_on(db, &["replace-code", "2701", "--reason", "again"]);
    assert!(!ok && err.contains("nothing was changed"), "the pool is empty now: {err}");

    let (ok, out, _) = run_on(db, &["admins", "remove", "12345"]);
    assert!(ok && out.contains("no longer"), "{out}");
    let (ok, out, _) = run_on(db, &["audit"]);
    assert!(ok);
    let actions: Vec<&str> = out.lines().filter_map(|line| line.split_whitespace().nth(3)).collect();
    assert_eq!(actions, ["admin-remove", "replace-code", "find", "admin-add"], "{out}");
    assert!(out.lines().all(|line| line.split_whitespace().nth(1) == Some("cli")), "{out}");
}

#[test]
fn imports_take_xlsx_as_well_as_csv() {
    let dir = TempDir::new();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row, code) in (0u32..).zip(["code", "QAZ-0001", "QAZ-0002"]) {
        sheet.write_string(row, 0, code).unwrap();
    }
    let codes = dir.path().join("codes.xlsx");
    std::fs::write(&codes, workbook.save_to_buffer().unwrap()).unwrap();
    let (ok, out, err) = run(&dir, &["import-codes", "--way", "qaztest", &codes.display().to_string()]);
    assert!(ok && out.contains("2 new"), "{out}{err}");

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_number(0, 0, 87011112233.0).unwrap();
    sheet.write_string(2, 0, "not a phone").unwrap();
    let phones = dir.path().join("eligible.xlsx");
    std::fs::write(&phones, workbook.save_to_buffer().unwrap()).unwrap();
    let (ok, _, err) = run(&dir, &["import-eligible", &phones.display().to_string()]);
    assert!(!ok);
    assert!(err.contains("line 3") && err.contains("nothing was imported"), "{err}");
    let (_, audit, _) = run(&dir, &["audit"]);
    assert!(audit.contains("import-eligible") && audit.contains("import-codes"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_the_codes_and_the_funnel_as_csv_or_xlsx() {
    let mut app = spawn_app_on("2023-09-05").await;
    app.seed(2, &["+7 701 111 22 33"]).await;
    let user = TestUser::new(2701, "ru");
    rezerv_test_support::flows::get_code(&app, &user, Lang::Ru, "almaty", Way::Qaztest, "87011112233").await;
    app.stop().await;
    let dir = TempDir::new();
    let out = |name: &str| dir.path().join(name).display().to_string();

    let (ok, printed, err) =
        run_on(app.database_url(), &["--today", "2023-09-06", "export", "codes", "--out", &out("codes.csv")]);
    assert!(ok && printed.contains("1 row(s) written") && printed.contains("(csv)"), "{printed}{err}");
    let csv = std::fs::read(out("codes.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "a BOM first");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.contains("+77011112233;QAZTEST-0001;QAZTEST (офлайн);Алматы;2023-09-05 10:00;нет"), "{text}");

    let args = ["export", "funnel", "--format", "xlsx", "--lang", "kk", "--out", &out("funnel.bin")];
    let (ok, printed, err) = run_on(app.database_url(), &args);
    assert!(ok && printed.contains("(xlsx)"), "{printed}{err}");
    assert!(std::fs::read(out("funnel.bin")).unwrap().starts_with(b"PK\x03\x04"));

    let (ok, _, err) = run_on(app.database_url(), &["export", "codes", "--out", &out("codes.txt")]);
    assert!(!ok && err.contains("--format"), "{err}");
    let (_, audit, _) = run_on(app.database_url(), &["audit"]);
    assert!(audit.contains("export") && audit.contains("funnel xlsx") && audit.contains("codes csv"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_dry_run_prints_the_counts_per_table_and_purge_waits_for_its_date() {
    let mut app = spawn_app_on("2023-09-05").await;
    app.seed(2, &["+7 701 111 22 33", "+7 702 222 33 44"]).await;
    let user = TestUser::new(2801, "ru");
    rezerv_test_support::flows::get_code(&app, &user, Lang::Ru, "almaty", Way::Qaztest, "87011112233").await;
    app.stop().await;
    let db = app.database_url().to_owned();

    let (ok, out, err) = run_on(&db, &["--today", "2023-09-05", "purge", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("erased from 2023-12-21 00:00 (Asia/Almaty), 90 days after the window closed on 2023-09-22"),
        "{out}"
    );
    assert!(out.contains("has not come yet"), "{out}");
    for line in ["candidates            1", "eligible              2"] {
        assert!(out.contains(line), "no `{line}`: {out}");
    }
    assert!(out.contains("kept: the code ledger"), "{out}");
    let (ok, _, err) = run_on(&db, &["--today", "2023-12-20", "purge"]);
    assert!(!ok && err.contains("nothing was erased"), "{err}");

    let (ok, out, _) = run_on(&db, &["--today", "2023-12-21", "purge", "--dry-run"]);
    assert!(ok && out.contains("has passed") && out.contains("candidates            1"), "{out}");
    let (ok, out, err) = run_on(&db, &["--today", "2023-12-21", "purge"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("personal data is erased from") && out.contains("erased:"), "{out}");
    let (_, after, _) = run_on(&db, &["--today", "2023-12-21", "purge", "--dry-run"]);
    assert!(after.contains("candidates            0") && after.contains("eligible              0"), "{after}");
    let (_, stats, _) = run_on(&db, &["stats"]);
    assert!(stats.contains("codes issued: 1"), "the ledger stays: {stats}");
}

#[test]
fn faq_ask_prints_the_entry_its_confidence_the_band_and_the_runners_up() {
    let dir = TempDir::new();
    let (ok, out, err) = run(&dir, &["faq", "--ask", "когда будут результаты?"]);
    assert!(ok, "{err}");
    assert!(out.contains("best:       results 0."), "{out}");
    assert!(out.contains("band:       confident"), "{out}");
    let runners = out.lines().find(|line| line.starts_with("runners-up:")).unwrap_or_default();
    assert_eq!(runners.matches(", ").count(), 2, "three runners-up: {out}");
    // The answer follows, in the language asked for (Russian by default).
    assert!(out.contains("<b>Результаты</b>"), "{out}");
    let (ok, out, _) = run(&dir, &["faq", "--ask", "когда будут результаты?", "--lang", "kk", "--explain"]);
    assert!(ok && out.contains("<b>Нәтиже</b>") && out.contains("as typed:"), "{out}");

    let (ok, out, _) = run(&dir, &["faq", "--ask", "расскажи анекдот"]);
    assert!(ok && out.contains("band:       nothing"), "{out}");
    let (ok, _, err) = run(&dir, &["faq"]);
    assert!(!ok && err.contains("--ask"), "{err}");
}

#[tokio::test]
async fn faq_unanswered_lists_the_most_frequent_questions_first() {
    let app = spawn_app_on("2023-09-05").await;
    let first = TestUser::new(6101, "ru");
    let second = TestUser::new(6102, "kk");
    for user in [&first, &second] {
        app.send(user, "/start").await;
    }
    for (user, text) in [(&first, "как приготовить плов"), (&second, "Как приготовить плов?"), (&second, "әзіл айтшы")]
    {
        app.send(user, text).await;
    }
    let (ok, out, err) = run_on(app.database_url(), &["faq", "--unanswered"]);
    assert!(ok, "{err}");
    let rows: Vec<&str> = out.lines().filter(|line| line.starts_with("  ")).collect();
    assert!(rows[0].contains("2  ru") && rows[0].contains("плов"), "{out}");
    assert!(rows[1].contains("1  kk") && rows[1].contains("әзіл айтшы"), "{out}");
    assert!(out.contains("(none)"), "nothing resolved yet: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_prints_the_funnel_as_text_and_as_json_with_the_same_numbers_audited() {
    let mut app = spawn_app_on("2023-09-05").await;
    app.seed(3, &["+7 701 123 45 67"]).await;
    get_code(&app, &TestUser::new(2801, "ru"), Lang::Ru, "astana", Way::Qaztest, "87011234567").await;
    walk_to_step(&app, &TestUser::new(2802, "kk"), Lang::Kk, "aktobe", Way::Qrt, 5).await;
    app.send(&TestUser::new(2803, "ru"), "/start").await;
    app.stop().await;
    let db = app.database_url();

    let (ok, json, err) = run_on(db, &["--today", "2023-09-05", "stats", "--json"]);
    assert!(ok, "{err}");
    let stats: serde_json::Value = serde_json::from_str(&json).expect("stats --json is JSON");
    let totals = |bars: &serde_json::Value| -> Vec<i64> {
        bars.as_array().unwrap().iter().map(|bar| bar["total"].as_i64().unwrap()).collect()
    };
    assert_eq!(totals(&stats["funnel"]), [3, 2, 2, 2]);
    assert_eq!(stats["funnel"][0]["by_group"]["astana"], 1);
    assert_eq!(stats["funnel"][0]["by_group"]["others"], 1);
    assert_eq!(stats["funnel"][0]["no_city"], 1);
    let ways = stats["ways"].as_array().unwrap();
    let (qrt, qaztest) = (&ways[0], &ways[1]);
    assert_eq!((qrt["way"].as_str(), qaztest["way"].as_str()), (Some("qrt"), Some("qaztest")));
    // QRT: way, steps 1-6, steps done, code, booked, test date; 2802 is on step 5.
    assert_eq!(totals(&qrt["funnel"]), [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    assert_eq!(qrt["funnel"][5]["step_id"], "qrt-site");
    assert_eq!(totals(&qaztest["funnel"]), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    assert_eq!((qaztest["codes_issued"].as_i64(), qaztest["codes_left"].as_i64()), (Some(1), Some(2)));
    assert_eq!(stats["new_today"], 3);
    assert_eq!(stats["blocked"], 0);
    assert_eq!(stats["today"], "2023-09-05");
    assert_eq!(stats["code_source"], "pool");
    assert_eq!(stats["eligible_phones"], 1);
    assert!(stats["reminders"]["pending"].as_i64().unwrap() > 0, "deadline reminders are planned: {json}");

    let (ok, text, err) = run_on(db, &["--today", "2023-09-05", "stats"]);
    assert!(ok, "{err}");
    for line in
        ["candidates: 3", "eligible phones: 1", "codes issued: 1", "codes left qrt", "new today (2023-09-05): 3"]
    {
        assert!(text.contains(line), "the text lacks `{line}`: {text}");
    }
    let started = text.lines().find(|line| line.trim_start().starts_with("started")).expect("the funnel's first line");
    assert_eq!(started.split_whitespace().collect::<Vec<_>>(), ["started", "3", "1", "1", "1"], "{text}");
    let step = text.lines().find(|line| line.contains("step 5 qrt-site")).expect("QRT's step 5");
    assert!(step.split_whitespace().nth(3) == Some("1"), "{step}");

    // The picture, as organisers get it in Telegram, written to a file in Kazakh.
    let picture = std::env::temp_dir().join(format!("rezerv-stats-{}.png", std::process::id()));
    let (ok, _, err) =
        run_on(db, &["--today", "2023-09-05", "stats", "--png", &picture.display().to_string(), "--lang", "kk"]);
    assert!(ok, "{err}");
    let decoder = png::Decoder::new(std::io::Cursor::new(std::fs::read(&picture).unwrap()));
    assert_eq!(decoder.read_info().expect("a PNG").info().width, 1280);

    let (ok, audit, _) = run_on(db, &["audit"]);
    assert!(ok);
    let actions: Vec<(&str, &str)> = audit
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Some((*fields.get(3)?, *fields.get(5)?))
        })
        .collect();
    assert_eq!(actions, [("stats", "text,"), ("stats", "text"), ("stats", "json")], "{audit}");
    assert!(audit.lines().next().is_some_and(|line| line.ends_with("text, png")), "{audit}");
}
