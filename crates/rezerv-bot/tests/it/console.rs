//! The organisers' console: who sees it, `/find`, `/replace`, the scoped menus and the audit.

use bot_api_emulator::{Fault, Methods, TestUser};
use rezerv_bot::bot::sync_menus;
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::{AuditAction, AuditVia, Lang, OrganiserId, Way};
use rezerv_bot::i18n::Args;
use rezerv_bot::reminders::SenderConfig;
use rezerv_bot::storage::{Actor, Lookup, ReplaceCode, Replacement};
use rezerv_test_support::app::{TestApp, spawn_app, texts};
use rezerv_test_support::flows::get_code;
use serde_json::json;

const PHONE: &str = "+7 701 123 45 67";
const ORGANISER: i64 = 555_000_111;

async fn organiser(app: &TestApp, lang: &str) -> TestUser {
    let id = OrganiserId::new(ORGANISER).unwrap();
    assert!(app.db.add_organiser(id, Actor::cli(), app.clock.now()).await.unwrap());
    TestUser::new(ORGANISER, lang)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_organiser_gets_the_ordinary_answer_to_every_console_command() {
    let app = spawn_app().await;
    let user = TestUser::new(2001, "ru");
    app.send(&user, "/start").await;
    app.press(&user, &app.t(Lang::Ru, "language-name")).await;
    let unknown = app.send(&user, "/nosuchcommand").await;
    for command in ["/admin", "/find +77011234567", "/replace 2001 broken", "/ADMIN"] {
        let reply = app.send(&user, command).await;
        assert_eq!(reply[0].text, app.t(Lang::Ru, "unexpected-input"), "{command}");
        assert_eq!(texts(&reply), texts(&unknown), "{command} answers as any unknown command");
    }
    // A forged console button: the stale-button toast, nothing else.
    let prompt = app.emu.last_message(user.id).unwrap();
    app.emu.press_button(&user, prompt.message_id, "a:menu");
    let events = app.settle(&user).await;
    let toasts = rezerv_test_support::app::answers(&events);
    assert_eq!(toasts, vec![Some(app.t(Lang::Ru, "toast-stale-button"))]);
    assert!(app.db.audit_log(10).await.unwrap().is_empty(), "nothing is audited for a non-organiser");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_opens_the_menu_and_finds_a_candidate_by_phone_and_by_chat_id() {
    let app = spawn_app().await;
    app.seed(3, &[PHONE, "+7 705 555 55 55"]).await;
    let candidate = TestUser::new(3001, "kk");
    let code = get_code(&app, &candidate, Lang::Kk, "almaty", Way::Qaztest, "87011234567").await;
    let admin = organiser(&app, "ru").await;

    let menu = app.send(&admin, "/admin").await;
    assert!(menu[0].text.contains("Консоль организатора"), "{}", texts(&menu));
    let help = app.press(&admin, &app.t(Lang::Ru, "console-btn-find")).await;
    assert!(texts(&help).contains("/find"), "{}", texts(&help));

    for query in ["8 (701) 123-45-67", "3001"] {
        let card = texts(&app.send(&admin, &format!("/find {query}")).await);
        for fact in ["3001", &code, "Алматы", "QAZTEST", "+77011234567", "шаги пройдены", "/replace 3001"]
        {
            assert!(card.contains(fact), "{query}: the card lacks {fact}: {card}");
        }
    }
    let unlisted = texts(&app.send(&admin, "/find +7 702 000 00 00").await);
    assert_eq!(unlisted, app.t(Lang::Ru, "console-find-none-not-eligible"));
    let listed = texts(&app.send(&admin, "/find +7 705 555 55 55").await);
    assert_eq!(listed, app.t(Lang::Ru, "console-find-eligible-only"));
    let usage = texts(&app.send(&admin, "/find who?").await);
    assert_eq!(usage, app.t(Lang::Ru, "console-find-usage"));

    let audit = app.db.audit_log(10).await.unwrap();
    let finds: Vec<_> = audit.iter().filter(|entry| entry.action == AuditAction::Find).collect();
    assert_eq!(finds.len(), 4, "{audit:?}");
    assert_eq!(finds[0].detail, "********5555", "phones are masked in the log: {audit:?}");
    assert!(finds.iter().all(|entry| entry.actor == Actor::telegram(OrganiserId::new(ORGANISER).unwrap())));
    let rows: Vec<i64> = finds.iter().map(|entry| entry.rows).collect();
    assert_eq!(rows, [0, 0, 1, 1], "newest first: the last two lookups found nobody");
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_code_is_revoked_for_good_and_the_candidate_gets_the_new_one_in_their_language() {
    let app = spawn_app().await;
    app.seed(3, &[PHONE, "+7 701 999 99 99"]).await;
    let candidate = TestUser::new(3002, "kk");
    let old = get_code(&app, &candidate, Lang::Kk, "almaty", Way::Qrt, "87011234567").await;
    let admin = organiser(&app, "ru").await;

    let usage = texts(&app.send(&admin, "/replace 3002").await);
    assert_eq!(usage, app.t(Lang::Ru, "console-replace-usage"), "a reason is required");
    let done = texts(&app.send(&admin, "/replace +7 701 123 45 67 qrt.kz пишет «код недействителен»").await);
    assert!(done.contains(&old) && done.contains("QRT-0002"), "{done}");

    let profile = app.db.profile(3002).await.unwrap().unwrap();
    assert_eq!(profile.code.map(|(code, _)| code.as_str().to_owned()), Some("QRT-0002".to_owned()));
    // The notice goes out through the outbox, in the candidate's language.
    let sent = app.sender(SenderConfig::default()).drain().await.unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let notice = app.emu.last_message(candidate.id).unwrap();
    let way = app.t(Lang::Kk, "way-qrt");
    let expected =
        app.locales().t_args(Lang::Kk, "notice-code-replaced", &Args::new().with("code", "QRT-0002").with("way", way));
    assert_eq!(notice.text, expected, "in the candidate's language, Kazakh");
    // The status shows the new code.
    let status = texts(&app.send(&candidate, "/status").await);
    assert!(status.contains("QRT-0002") && !status.contains(&old), "{status}");

    // The revoked code is never issued again: the next candidate gets the pool's next code.
    let next = TestUser::new(3003, "ru");
    let issued = get_code(&app, &next, Lang::Ru, "astana", Way::Qrt, "87019999999").await;
    assert_eq!(issued, "QRT-0003");
    let card = texts(&app.send(&admin, "/find 3002").await);
    assert!(card.contains(&old) && card.contains("код недействителен"), "the card names the revoked code: {card}");
    let audit = app.db.audit_log(10).await.unwrap();
    assert!(audit.iter().any(|entry| entry.action == AuditAction::ReplaceCode && entry.detail.contains(&old)));
    app.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replacement_with_an_empty_pool_changes_nothing() {
    let app = spawn_app().await;
    app.seed(1, &[PHONE]).await;
    let candidate = TestUser::new(3004, "ru");
    let code = get_code(&app, &candidate, Lang::Ru, "almaty", Way::Qaztest, "87011234567").await;
    let now = app.clock.now();
    let request = |chat_id| ReplaceCode { chat_id, reason: "broken", actor: Actor::cli(), update_id: None };
    let outcome = app.db.replace_code(&request(3004), now).await.unwrap();
    assert_eq!(outcome, Replacement::PoolEmpty(Way::Qaztest));
    let profile = app.db.profile(3004).await.unwrap().unwrap();
    assert_eq!(profile.code.map(|(code, _)| code.as_str().to_owned()), Some(code));
    assert!(app.db.audit_log(10).await.unwrap().is_empty(), "nothing half-written");
    let found = app.db.find(&Lookup::parse("3004").unwrap()).await.unwrap();
    assert!(found.cards[0].revoked.is_empty());
    assert_eq!(app.db.replace_code(&request(999), now).await.unwrap(), Replacement::NoCandidate);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisers_get_the_console_menu_in_their_chat_only_and_lose_it_when_removed() {
    let app = spawn_app().await;
    let id = OrganiserId::new(ORGANISER).unwrap();
    app.db.add_organiser(id, Actor::cli(), app.clock.now()).await.unwrap();
    // Telegram fails the first tries; the menu is set all the same.
    app.emu.inject_method_faults(
        None,
        Methods::Only("setMyCommands".into()),
        vec![Fault::too_many_requests(1), Fault::internal_server_error()],
    );
    assert_eq!(sync_menus(&app.app).await.unwrap(), 1);
    let scope = json!({"type": "chat", "chat_id": ORGANISER});
    for lang in [Some("kk"), Some("ru"), None] {
        let names: Vec<String> = app.emu.commands_for_scope(&scope, lang).into_iter().map(|(name, _)| name).collect();
        assert!(names.contains(&"start".to_owned()) && names.contains(&"admin".to_owned()), "{lang:?}: {names:?}");
    }
    let everyone: Vec<String> = app.emu.commands(Some("ru")).into_iter().map(|(name, _)| name).collect();
    assert!(!everyone.contains(&"admin".to_owned()), "candidates never see the console: {everyone:?}");
    assert_eq!(sync_menus(&app.app).await.unwrap(), 0, "nothing left to do");

    assert!(app.db.remove_organiser(id, Actor::cli(), app.clock.now()).await.unwrap());
    assert_eq!(app.db.organiser(ORGANISER).await.unwrap(), None, "refused at once");
    assert_eq!(sync_menus(&app.app).await.unwrap(), 1);
    for lang in [Some("kk"), Some("ru"), None] {
        assert!(app.emu.commands_for_scope(&scope, lang).is_empty(), "{lang:?}");
    }
    assert!(app.db.organisers().await.unwrap().is_empty());
    let audit = app.db.audit_log(10).await.unwrap();
    let actions: Vec<_> = audit.iter().map(|entry| (entry.action, entry.actor.via)).collect();
    assert_eq!(actions, vec![(AuditAction::AdminRemove, AuditVia::Cli), (AuditAction::AdminAdd, AuditVia::Cli)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_telegram_refuses_holds_up_no_other_and_is_tried_again() {
    let app = spawn_app().await;
    let (first, second) = (OrganiserId::new(111).unwrap(), OrganiserId::new(222).unwrap());
    for id in [first, second] {
        app.db.add_organiser(id, Actor::cli(), app.clock.now()).await.unwrap();
    }
    // The first never opened the bot: Telegram answers 400 "chat not found".
    app.emu.inject_method_faults(
        None,
        Methods::Only("setMyCommands".into()),
        vec![Fault::Status { code: 400, description: "Bad Request: chat not found".into(), retry_after: None }],
    );
    // The bot's own loop may take the pass that meets the 400 (it runs beside the test); either
    // way, the pass that meets it goes on to the second organiser.
    sync_menus(&app.app).await.unwrap();
    let menu = |id: i64| app.emu.commands_for_scope(&json!({"type": "chat", "chat_id": id}), None);
    // The loop's pass may still be under way when the test's own finds nothing left to do.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while menu(222).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!menu(222).is_empty(), "the second organiser's menu is set");
    let refused = app.emu.requests().iter().filter(|r| r.method == "setmycommands" && r.status == 400).count();
    assert_eq!(refused, 1, "Telegram refused the first organiser once");
    sync_menus(&app.app).await.unwrap();
    assert!(!menu(111).is_empty(), "the first is tried again and gets it");
    assert!(app.db.menu_changes().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_organiser_is_refused_by_the_dispatcher_at_once() {
    let app = spawn_app().await;
    let admin = organiser(&app, "ru").await;
    assert!(texts(&app.send(&admin, "/admin").await).contains("Консоль"));
    app.db.remove_organiser(OrganiserId::new(ORGANISER).unwrap(), Actor::cli(), app.clock.now()).await.unwrap();
    let reply = app.send(&admin, "/admin").await;
    assert_eq!(reply[0].text, app.t(Lang::Ru, "unexpected-input"));
    let menu = app.emu.messages(admin.id).into_iter().rev().find(|m| !m.buttons().is_empty()).unwrap();
    app.emu.press_button(&admin, menu.message_id, "a:find");
    let toasts = rezerv_test_support::app::answers(&app.settle(&admin).await);
    assert_eq!(toasts, vec![Some(app.t(Lang::Ru, "toast-stale-button"))]);
}
