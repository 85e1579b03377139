//! Retention: personal data stays until the campaign's date (90 days after the window closes
//! on 22 September 2023: from 00:00 on 21 December in Almaty), then the worker erases it,
//! keeping the anonymous counts and the code ledger.

use std::time::Duration;

use bot_api_emulator::TestUser;
use rezerv_bot::clock::Clock;
use rezerv_bot::domain::{AuditAction, AuditVia, Lang, Stage, Way};
use rezerv_bot::storage::{Actor, PurgeCounts, ReplaceCode};
use rezerv_test_support::app::{TestApp, spawn_app, texts};
use rezerv_test_support::flows::{get_code, walk_to_step};

const ORGANISER: i64 = 555_000_444;

/// A candidate with a replaced code, one stalled at step 3 with reminders planned, an
/// organiser who looked the first one up.
async fn campaign_data(app: &TestApp) {
    app.seed(3, &["+7 701 111 22 33", "+7 702 333 44 55"]).await;
    let first = TestUser::new(5001, "ru");
    get_code(app, &first, Lang::Ru, "almaty", Way::Qaztest, "87011112233").await;
    app.db
        .replace_code(
            &ReplaceCode { chat_id: 5001, reason: "site says invalid", actor: Actor::cli(), update_id: None },
            app.clock.now(),
        )
        .await
        .unwrap();
    let second = TestUser::new(5002, "kk");
    walk_to_step(app, &second, Lang::Kk, "astana", Way::Qaztest, 3).await;
    app.plan_now().await;
    let admin = app.organiser(ORGANISER, "ru").await;
    let card = texts(&app.send(&admin, "/find 87011112233").await);
    assert!(card.contains("5001"), "{card}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_the_date_nothing_goes_and_after_it_the_worker_erases_keeping_counts_and_the_ledger() {
    let mut app = spawn_app().await;
    campaign_data(&app).await;
    let before = app.db.purge_preview().await.unwrap();
    // The organiser's own chat is a row too; the audit names a candidate in /find and the
    // replacement.
    assert_eq!((before.candidates, before.eligible, before.revoked_codes, before.audit_details), (3, 2, 1, 2));
    assert!(before.outbox > 0, "the stalled candidate has reminders planned");
    let funnel_before = app.db.export_funnel_counts().await.unwrap();

    // Through the last hour of 20 December, nothing goes.
    for (date, hour) in [("2023-09-05", 10), ("2023-12-20", 23)] {
        app.set_local(date, hour);
        assert_eq!(app.retention().try_execute_task().await.unwrap(), None, "{date} {hour}:00");
        assert_eq!(app.db.purge_preview().await.unwrap(), before);
    }

    // From 00:00 on 21 December the worker, started with the bot, erases it.
    app.set_local("2023-12-21", 1);
    app.restart().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while app.db.purge_preview().await.unwrap().total() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the worker did not erase within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stats = app.db.stats().await.unwrap();
    assert_eq!((stats.candidates, stats.eligible), (0, 0));
    assert!(app.db.outbox_counts().await.unwrap().iter().all(|(_, count)| *count == 0));

    // The ledger: every issued code with its time and revocation, without a phone.
    let codes = app.db.issued_codes().await.unwrap();
    let ledger: Vec<_> = codes
        .iter()
        .map(|code| (code.code.as_str(), code.phone.is_some(), code.city.is_some(), code.revoked.is_some()))
        .collect();
    assert_eq!(ledger, [("QAZTEST-0001", false, false, true), ("QAZTEST-0002", false, false, false)]);
    assert_eq!(codes[0].revoked.as_ref().unwrap().reason, "site says invalid");
    assert_eq!(stats.codes_issued, 2);
    assert_eq!(app.db.codes_left(Way::Qaztest).await.unwrap(), 1, "the revoked code is never issued again");

    // The anonymous counts: the same funnel as before the erasure.
    assert_eq!(app.db.export_funnel_counts().await.unwrap(), funnel_before);
    let ready = funnel_before.iter().find(|count| count.stage == Stage::Ready).unwrap();
    assert_eq!((ready.candidates, ready.with_code), (1, 1));

    // The audit keeps who did what, without the phone looked up, and the purge itself.
    let audit = app.db.audit_log(20).await.unwrap();
    let find = audit.iter().find(|entry| entry.action == AuditAction::Find).unwrap();
    assert_eq!((find.detail.as_str(), find.rows), ("", 1));
    let purge = audit.iter().find(|entry| entry.action == AuditAction::Purge).unwrap();
    assert_eq!((purge.actor.via, purge.rows), (AuditVia::Auto, before.total()));

    // A later pass finds nothing, and logs nothing; a candidate who writes again after the
    // date is erased at the next pass.
    assert_eq!(app.retention().try_execute_task().await.unwrap(), Some(PurgeCounts::default()));
    let late = TestUser::new(5003, "ru");
    app.send(&late, "/start").await;
    let erased = app.retention().try_execute_task().await.unwrap().unwrap();
    assert_eq!(erased.candidates, 1);
    let purges = app.db.audit_log(20).await.unwrap().iter().filter(|entry| entry.action == AuditAction::Purge).count();
    assert_eq!(purges, 2);
}
