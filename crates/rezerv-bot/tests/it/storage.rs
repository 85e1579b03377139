//! The storage layer against a real database (SQLite, or PostgreSQL when the suite runs on it):
//! claims, imports, erasure, and two replicas side by side.

use std::collections::HashSet;

use chrono::Utc;
use rezerv_bot::domain::{Phone, PromoCode, Way};
use rezerv_bot::import::{self, ImportError};
use rezerv_bot::storage::{Claim, Db, InboxEntry, PoolCount, PoolLevel};
use rezerv_test_support::db::fresh_db;
use rezerv_test_support::phone::phone_of;

fn phone(n: u32) -> Phone {
    Phone::parse(&phone_of(n.into())).unwrap()
}

async fn seed(db: &Db, way: Way, codes: usize, phones: u32) {
    let codes: Vec<PromoCode> =
        (0..codes).map(|i| PromoCode::parse(&format!("{}-{i:05}", way.code())).unwrap()).collect();
    db.import_codes(way, &codes, Utc::now()).await.unwrap();
    let phones: Vec<Phone> = (0..phones).map(phone).collect();
    db.import_eligible(&phones, Utc::now()).await.unwrap();
}

#[tokio::test]
async fn two_hundred_concurrent_claims_get_two_hundred_distinct_codes() {
    let (db, _dir) = fresh_db().await;
    seed(&db, Way::Qrt, 250, 200).await;
    let mut tasks = Vec::new();
    for n in 0..200u32 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move { db.claim_code(i64::from(n) + 1, &phone(n), Way::Qrt, Utc::now()).await }));
    }
    let mut codes = HashSet::new();
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Claim::Issued(code) => assert!(codes.insert(code.as_str().to_owned()), "{code} issued twice"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(codes.len(), 200);
    assert_eq!(db.codes_left(Way::Qrt).await.unwrap(), 50);
}

/// Two replicas: two handles on one database, each with its own connections, as two
/// processes have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_claiming_at_once_issue_each_code_once_and_each_phone_one_code() {
    let (first, dir) = fresh_db().await;
    let second = Db::connect(&dir.database_url()).await.unwrap();
    seed(&first, Way::Qrt, 250, 200).await;
    let mut tasks = Vec::new();
    for n in 0..200u32 {
        // Every phone is claimed by two chats at once, one through each replica.
        for (db, chat) in [(&first, i64::from(n) + 1), (&second, i64::from(n) + 10_001)] {
            let db = db.clone();
            tasks.push(tokio::spawn(async move { db.claim_code(chat, &phone(n), Way::Qrt, Utc::now()).await }));
        }
    }
    let (mut codes, mut refused) = (HashSet::new(), 0);
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Claim::Issued(code) => assert!(codes.insert(code.as_str().to_owned()), "{code} issued twice"),
            Claim::PhoneTaken => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((codes.len(), refused), (200, 200), "one code per phone, the other chat refused");
    assert_eq!(second.codes_left(Way::Qrt).await.unwrap(), 50);
    assert!(rezerv_test_support::invariants::check_codes(&first).await.unwrap().broken.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_claiming_the_outbox_at_once_take_each_row_once() {
    use rezerv_bot::domain::{Lang, ReminderKind};
    use rezerv_bot::storage::PlannedRow;

    let (first, dir) = fresh_db().await;
    let second = Db::connect(&dir.database_url()).await.unwrap();
    let now = Utc::now();
    let chats: Vec<i64> = (1..=400).collect();
    first.add_candidates(&chats, Lang::Ru, now).await.unwrap();
    let row = PlannedRow {
        key: "wave".into(),
        kind: ReminderKind::Broadcast,
        message: "reminder-window-open".into(),
        args: serde_json::json!({}),
        due_at: now - chrono::Duration::minutes(1),
        expires_at: None,
    };
    let rows: Vec<(i64, PlannedRow)> = chats.iter().map(|chat| (*chat, row.clone())).collect();
    assert_eq!(first.enqueue_many(&rows, now).await.unwrap(), 400);
    let claim = |db: Db| {
        tokio::spawn(async move {
            let mut taken = Vec::new();
            loop {
                let lease = now + chrono::Duration::minutes(5);
                let claimed = db.claim_due(now, now.date_naive(), lease, 16).await.unwrap();
                if claimed.is_empty() {
                    return taken;
                }
                taken.extend(claimed.into_iter().map(|claimed| (claimed.row.chat_id, claimed.retired)));
            }
        })
    };
    let (a, b) = (claim(first.clone()), claim(second.clone()));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    let mut seen = HashSet::new();
    for (chat, retired) in a.iter().chain(&b) {
        assert_eq!(*retired, None, "chat {chat}'s row is sendable");
        assert!(seen.insert(*chat), "chat {chat}'s row was claimed twice");
    }
    assert_eq!(seen.len(), 400, "every row claimed");
}

#[tokio::test]
async fn asking_again_returns_the_same_code_across_ways() {
    let (db, _dir) = fresh_db().await;
    seed(&db, Way::Qrt, 3, 2).await;
    seed(&db, Way::Qaztest, 3, 0).await;
    let Claim::Issued(code) = db.claim_code(1, &phone(0), Way::Qrt, Utc::now()).await.unwrap() else { panic!() };
    assert_eq!(
        db.claim_code(1, &phone(0), Way::Qrt, Utc::now()).await.unwrap(),
        Claim::AlreadyIssued(code.clone(), Way::Qrt)
    );
    // The other way does not hand out a second code.
    assert_eq!(
        db.claim_code(1, &phone(0), Way::Qaztest, Utc::now()).await.unwrap(),
        Claim::AlreadyIssued(code.clone(), Way::Qrt)
    );
    // The same phone from another Telegram account (a number passed on) neither gets a
    // second code nor sees the first one.
    assert_eq!(db.claim_code(2, &phone(0), Way::Qaztest, Utc::now()).await.unwrap(), Claim::PhoneTaken);
    assert_eq!(db.profile(2).await.unwrap(), None, "and nothing is stored for it");
    assert_eq!(db.codes_left(Way::Qrt).await.unwrap(), 2);
    assert_eq!(db.codes_left(Way::Qaztest).await.unwrap(), 3);
}

#[tokio::test]
async fn phones_off_the_list_and_empty_pools_get_no_code() {
    let (db, _dir) = fresh_db().await;
    seed(&db, Way::Qrt, 1, 2).await;
    assert_eq!(db.claim_code(9, &phone(99), Way::Qrt, Utc::now()).await.unwrap(), Claim::NotEligible);
    assert!(matches!(db.claim_code(1, &phone(0), Way::Qrt, Utc::now()).await.unwrap(), Claim::Issued(_)));
    assert_eq!(db.claim_code(2, &phone(1), Way::Qrt, Utc::now()).await.unwrap(), Claim::PoolEmpty);
    assert_eq!(db.claim_code(2, &phone(1), Way::Qaztest, Utc::now()).await.unwrap(), Claim::PoolEmpty);
}

#[tokio::test]
async fn forget_erases_personal_data_and_keeps_the_code_consumed() {
    let (db, _dir) = fresh_db().await;
    seed(&db, Way::Qrt, 2, 1).await;
    db.set_lang(7, rezerv_bot::domain::Lang::Kk, Utc::now()).await.unwrap();
    db.record_source(7, "ads", Utc::now()).await.unwrap();
    let Claim::Issued(code) = db.claim_code(7, &phone(0), Way::Qrt, Utc::now()).await.unwrap() else { panic!() };
    assert!(db.profile(7).await.unwrap().unwrap().phone.is_some());

    assert!(db.forget(7).await.unwrap());
    assert_eq!(db.profile(7).await.unwrap(), None);
    let row_count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM candidates").fetch_one(db.pool()).await.unwrap();
    assert_eq!(row_count, 0);
    let issued: Option<String> = sqlx::query_scalar("SELECT issued_at FROM promo_codes WHERE code = $1")
        .bind(code.as_str())
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(issued.is_some(), "the code must stay consumed");
    assert_eq!(db.codes_left(Way::Qrt).await.unwrap(), 1);
    // Coming back with the same phone shows the same code; no second one is issued.
    assert_eq!(db.claim_code(7, &phone(0), Way::Qrt, Utc::now()).await.unwrap(), Claim::AlreadyIssued(code, Way::Qrt));
    assert_eq!(db.codes_left(Way::Qrt).await.unwrap(), 1);
}

#[tokio::test]
async fn a_bad_import_is_rejected_whole_with_line_numbers() {
    let (db, _dir) = fresh_db().await;
    let text = "phone\n+7 701 000 00 01\n8 (701) 000-00-02\nnot a phone\n+7 701 000 00 03\n+1 555 0100\n";
    let Err(ImportError::BadRows(rows)) = import::import_eligible_text(&db, text, Utc::now()).await else {
        panic!("bad file accepted")
    };
    assert_eq!(rows.iter().map(|row| row.line).collect::<Vec<_>>(), vec![4, 6]);
    assert_eq!(db.eligible_count().await.unwrap(), 0, "nothing may be imported");
}

#[tokio::test]
async fn reimporting_the_same_file_changes_nothing() {
    let (db, _dir) = fresh_db().await;
    let text = "code\nQRT-0001\nqrt-0002\nQRT-0001\n";
    let first = import::import_codes_text(&db, Way::Qrt, text, Utc::now()).await.unwrap();
    assert_eq!((first.inserted, first.already_present, first.duplicates.len()), (2, 0, 1));
    assert_eq!(first.duplicates[0].line, 4);
    let again = import::import_codes_text(&db, Way::Qrt, text, Utc::now()).await.unwrap();
    assert_eq!((again.inserted, again.already_present), (0, 2));
    assert_eq!(db.codes_left(Way::Qrt).await.unwrap(), 2);
}

#[tokio::test]
async fn a_code_already_in_the_other_pool_rejects_the_file() {
    let (db, _dir) = fresh_db().await;
    import::import_codes_text(&db, Way::Qrt, "AAAA-1\n", Utc::now()).await.unwrap();
    let Err(ImportError::BadRows(rows)) =
        import::import_codes_text(&db, Way::Qaztest, "BBBB-1\nAAAA-1\n", Utc::now()).await
    else {
        panic!("conflict accepted")
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 2);
    assert_eq!(db.codes_left(Way::Qaztest).await.unwrap(), 0, "nothing may be imported");
}

#[tokio::test]
async fn the_inbox_stores_each_update_once_and_forgets_it_once_confirmed() {
    let (db, _dir) = fresh_db().await;
    let entry = |id: i64| InboxEntry { update_id: id, chat_id: None, body: format!("{{\"update_id\":{id}}}") };
    let stored = |ids: Vec<i64>| ids.into_iter().collect::<HashSet<i64>>();
    assert_eq!(stored(db.store_updates(&[entry(1), entry(2)], Utc::now()).await.unwrap()), HashSet::from([1, 2]));
    assert_eq!(db.mark_handled(&[1, 2]).await.unwrap(), 2);
    // Telegram delivers an unconfirmed update again after a restart: handled or not, it is
    // not stored (nor handled) twice.
    assert_eq!(stored(db.store_updates(&[entry(2), entry(3)], Utc::now()).await.unwrap()), HashSet::from([3]));
    assert_eq!(db.pending_updates().await.unwrap(), [entry(3)], "only the unhandled one is replayed");
    // A getUpdates with offset 3 confirmed 1 and 2: they go; 3 stays until handled.
    assert_eq!(db.purge_confirmed(3).await.unwrap(), 2);
    assert_eq!(stored(db.store_updates(&[entry(1)], Utc::now()).await.unwrap()), HashSet::from([1]));
    assert_eq!(db.purge_confirmed(10).await.unwrap(), 0, "unhandled updates are never purged");
}

#[tokio::test]
async fn a_write_to_planning_inputs_marks_the_candidate_for_the_planner() {
    let (db, _dir) = fresh_db().await;
    let dirty = |db: Db| async move {
        sqlx::query_scalar::<_, i64>("SELECT plan_dirty FROM candidates WHERE chat_id = 7")
            .fetch_one(db.pool())
            .await
            .unwrap()
    };
    db.add_candidates(&[7], rezerv_bot::domain::Lang::Ru, Utc::now()).await.unwrap();
    assert_eq!(dirty(db.clone()).await, 0, "imported candidates wait until a planning input changes");
    db.set_lang(7, rezerv_bot::domain::Lang::Kk, Utc::now()).await.unwrap();
    assert_eq!(dirty(db.clone()).await, 0, "the language is not a planning input");
    db.set_test_date(7, chrono::NaiveDate::from_ymd_opt(2023, 9, 8), Utc::now()).await.unwrap();
    assert_eq!(dirty(db.clone()).await, 1, "a test date is");
}

#[tokio::test]
async fn a_state_saved_for_an_update_marks_that_update_handled_in_the_same_write() {
    use rezerv_bot::bot::State;
    use rezerv_bot::storage::{DialogueStore, Receipts};
    use teloxide::types::UpdateId;
    let (db, _dir) = fresh_db().await;
    let entry = |id: i64| InboxEntry { update_id: id, chat_id: None, body: format!("{{\"update_id\":{id}}}") };
    db.store_updates(&[entry(10), entry(11)], Utc::now()).await.unwrap();
    let clock: rezerv_bot::clock::SharedClock = std::sync::Arc::new(rezerv_bot::clock::ManualClock::new(Utc::now()));
    let store = DialogueStore::new(db.clone(), clock);

    // A save made outside a handler (a new chat's first row) marks nothing.
    store.save(7, &State::Start).await.unwrap();
    assert_eq!(db.pending_updates().await.unwrap(), [entry(10), entry(11)]);

    let receipts = Receipts::new(db.clone());
    let receipt = receipts.open(UpdateId(10));
    let for_update = store.for_receipt(&receipt);
    assert!(!receipt.saved_state());
    for_update.save(7, &State::City { fixed_way: None }).await.unwrap();
    assert!(receipt.saved_state());
    assert_eq!(db.pending_updates().await.unwrap(), [entry(11)], "update 10's effect is stored: never replay it");
    assert!(matches!(store.load::<State>(7).await.unwrap(), Some(State::City { fixed_way: None })));

    // The first row of a chat can be saved for an update too.
    store.for_receipt(&receipts.open(UpdateId(11))).save(8, &State::Start).await.unwrap();
    assert_eq!(db.pending_updates().await.unwrap(), []);
}

#[tokio::test]
async fn an_update_whose_handlers_saved_no_state_is_marked_handled_when_its_receipt_settles() {
    use rezerv_bot::storage::Receipts;
    use teloxide::types::UpdateId;
    let (db, _dir) = fresh_db().await;
    let entry = |id: i64| InboxEntry { update_id: id, chat_id: None, body: format!("{{\"update_id\":{id}}}") };
    db.store_updates(&[entry(20), entry(21)], Utc::now()).await.unwrap();
    let receipts = Receipts::new(db.clone());
    // Opening a receipt marks nothing: the update's effects are not stored yet.
    let receipt = receipts.open(UpdateId(20));
    assert_eq!(db.pending_updates().await.unwrap(), [entry(20), entry(21)]);
    receipt.settle().await;
    assert_eq!(db.pending_updates().await.unwrap(), [entry(21)], "marked before the chat's next update");
}

#[tokio::test]
async fn the_cleaner_marks_every_finished_update_that_nothing_marked_and_stops_when_asked() {
    use rezerv_bot::storage::Receipts;
    use teloxide::types::UpdateId;
    let (db, _dir) = fresh_db().await;
    let entry = |id: i64| InboxEntry { update_id: id, chat_id: None, body: format!("{{\"update_id\":{id}}}") };
    db.store_updates(&[entry(30), entry(31), entry(32)], Utc::now()).await.unwrap();
    let receipts = Receipts::new(db.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let cleaner = tokio::spawn(receipts.clone().clean_inbox(stopped));
    // An update outside any chat, or whose handler panicked: only finished, never settled.
    receipts.open(UpdateId(30)).finish();
    receipts.open(UpdateId(32)).finish();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while db.pending_updates().await.unwrap() != [entry(31)] {
        assert!(tokio::time::Instant::now() < deadline, "{:?}", db.pending_updates().await.unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), cleaner).await.unwrap().unwrap();
    assert_eq!(db.pending_updates().await.unwrap(), [entry(31)], "an update still being handled stays");
}

/// Unanswered FAQ questions are kept `QUESTION_RETENTION_DAYS`: a newer one drops the older.
#[tokio::test]
async fn unanswered_questions_are_dropped_after_the_retention_period() {
    use rezerv_bot::domain::Lang;
    use rezerv_bot::faq::Band;
    use rezerv_bot::storage::QUESTION_RETENTION_DAYS;
    let (db, _dir) = fresh_db().await;
    let now = Utc::now();
    db.add_candidates(&[1, 2], Lang::Ru, now).await.unwrap();
    let long_ago = now - chrono::Duration::days(QUESTION_RETENTION_DAYS + 1);
    let lately = now - chrono::Duration::days(QUESTION_RETENTION_DAYS - 1);
    db.record_question(1, Lang::Ru, "old", Band::Nothing, long_ago).await.unwrap();
    db.record_question(1, Lang::Ru, "kept", Band::Unsure, lately).await.unwrap();
    assert_eq!(db.questions_of(1).await.unwrap(), 2);
    db.record_question(2, Lang::Kk, "new", Band::Nothing, now).await.unwrap();
    assert_eq!(db.questions_of(1).await.unwrap(), 1);
    let texts: Vec<String> = db.asked_questions(false, 10).await.unwrap().into_iter().map(|q| q.text).collect();
    assert_eq!(texts.len(), 2);
    assert!(texts.contains(&"kept".to_owned()) && texts.contains(&"new".to_owned()), "{texts:?}");
    // A question is kept cut to 500 characters.
    db.record_question(2, Lang::Kk, &"ы".repeat(600), Band::Nothing, now).await.unwrap();
    let long = db.asked_questions(false, 10).await.unwrap().into_iter().find(|q| q.text.starts_with('ы')).unwrap();
    assert_eq!(long.text.chars().count(), 500);
}

#[tokio::test]
async fn a_pool_level_from_a_count_the_pool_no_longer_holds_is_not_recorded() {
    let (db, _dir) = fresh_db().await;
    seed(&db, Way::Qrt, 2, 2).await;
    for n in 0..2 {
        db.claim_code(n, &phone(n as u32), Way::Qrt, Utc::now()).await.unwrap();
    }
    db.move_pool_level(
        &PoolCount { way: Way::Qrt, imported: 2, left: 0 },
        None,
        Some(PoolLevel::Empty),
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    // A check counted the empty pool; a top-up came before it recorded what it saw.
    let stale = db.pool_counts().await.unwrap().into_iter().find(|count| count.way == Way::Qrt).unwrap();
    let top_up: Vec<PromoCode> = (0..6).map(|i| PromoCode::parse(&format!("TOPUP-{i}")).unwrap()).collect();
    db.import_codes(Way::Qrt, &top_up, Utc::now()).await.unwrap();
    db.move_pool_level(
        &PoolCount { way: Way::Qrt, imported: 8, left: 6 },
        Some(PoolLevel::Empty),
        None,
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    let moved = db.move_pool_level(&stale, None, Some(PoolLevel::Empty), None, Utc::now()).await.unwrap();
    assert!(!moved, "the old count would have marked a topped-up pool empty");
    assert_eq!(db.pool_level(Way::Qrt).await.unwrap(), None);
}
