//! The README's main command: the sandbox finishes a journey offline from piped input, and
//! shows a message edited in place again.

use std::io::Write;
use std::process::{Command, Stdio};

use rezerv_test_support::db::TempDir;

fn run_sandbox(dir: &TempDir, lang: &str, input: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rezerv-bot"))
        .args(["chat", "--lang", lang, "--today", "2023-09-05", "--database-url", &dir.database_url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the sandbox");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "sandbox failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[test]
fn piped_input_finishes_a_kazakh_journey_with_a_demo_code() {
    let dir = TempDir::new();
    // Language (Kazakh is suggested first), Almaty, QAZTEST, 7 steps, contact, status, and
    // the status's one button: the calendar file.
    let input = "/start\n1\n2\n2\n1\n1\n1\n1\n1\n1\n1\n:contact\n/status\n1\n";
    let out = run_sandbox(&dir, "kk", input);
    assert!(out.contains("seeded a demo eligible list"), "{out}");
    assert!(out.contains("DEMO-QAZTEST-0001"), "{out}");
    assert!(out.contains("Менің жауабым"), "{out}");
    assert!(out.contains("Сіздің мәртебеңіз"), "{out}");
    assert!(out.contains("<file> rezerv-dates.ics ("), "{out}");

    // A second run on the same database resumes, and seeds nothing new.
    let again = run_sandbox(&dir, "kk", "/code\n");
    assert!(!again.contains("seeded"), "{again}");
    assert!(again.contains("DEMO-QAZTEST-0001"), "{again}");
}

#[test]
fn a_second_run_on_the_same_database_answers_every_input() {
    let dir = TempDir::new();
    let first = run_sandbox(&dir, "ru", "/start\n1\n2\n");
    assert!(!first.contains("did not answer"), "{first}");
    // Each run starts a new emulator; its update ids must not collide with the inbox rows the
    // last run left (handled, not yet purged), or those inputs would be taken for copies.
    let second = run_sandbox(&dir, "ru", "/start\n1\n2\n");
    assert!(!second.contains("did not answer"), "{second}");
}

#[test]
fn a_menu_edited_in_place_is_shown_again_with_its_new_buttons() {
    let dir = TempDir::new();
    run_sandbox(&dir, "kk", "/start\n1\n");
    let added = Command::new(env!("CARGO_BIN_EXE_rezerv-bot"))
        .args(["admins", "add", "700001", "--database-url", &dir.database_url()])
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    // The broadcast composer's way filter: pressing QAZTEST edits the menu, the tick moved.
    let out = run_sandbox(&dir, "kk", "/broadcast\n3\n");
    assert_eq!(out.matches("bot (edited)>").count(), 1, "{out}");
    let edited = out.split("bot (edited)>").nth(1).unwrap_or_default();
    assert!(edited.contains("[3] ✓ QAZTEST"), "{out}");
    assert!(!edited.contains("[1] ✓"), "{out}");
}
