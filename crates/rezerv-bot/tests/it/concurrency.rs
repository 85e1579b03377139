//! Many candidates at once through the real dispatcher.

use std::collections::HashSet;

use bot_api_emulator::TestUser;
use rezerv_bot::bot::State;
use rezerv_bot::domain::Way;
use rezerv_test_support::app::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_users_claiming_at_once_get_two_hundred_distinct_codes() {
    const USERS: i64 = 200;
    let app = spawn_app().await;
    let phones: Vec<String> = (0..USERS).map(|n| format!("+7702{n:07}")).collect();
    let phone_refs: Vec<&str> = phones.iter().map(String::as_str).collect();
    app.seed(250, &phone_refs).await;
    let users: Vec<TestUser> = (0..USERS).map(|n| TestUser::new(5000 + n, "ru")).collect();
    for user in &users {
        app.app
            .dialogues
            .save(user.id, &State::Contact { city: "almaty".parse().unwrap(), way: Way::Qaztest })
            .await
            .unwrap();
    }
    // Every contact is queued before the bot picks any of them up.
    for (user, phone) in users.iter().zip(&phones) {
        app.emu.share_own_contact(user, phone);
    }
    let deadline = std::time::Instant::now() + rezerv_test_support::app::REPLY_TIMEOUT * 2;
    let done = |user: &TestUser| app.emu.messages(user.id).iter().any(|m| m.inline_keyboard.len() > 1);
    while !users.iter().all(done) {
        assert!(std::time::Instant::now() < deadline, "not every user got an answer");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut codes = HashSet::new();
    for user in &users {
        let replies = app.emu.messages(user.id);
        let code_message = replies.iter().find(|m| m.text.contains("<code>")).expect("a code message");
        let code = code_message.text.split("<code>").nth(1).and_then(|rest| rest.split("</code>").next()).unwrap();
        assert!(codes.insert(code.to_owned()), "{code} was issued twice");
        // The state is saved right after the prompt is sent.
        let ready = State::Ready { city: "almaty".parse().unwrap(), way: Way::Qaztest };
        while app.state(user).await.unwrap() != ready {
            assert!(std::time::Instant::now() < deadline, "user {} never reached Ready", user.id);
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    assert_eq!(codes.len(), USERS as usize);
    assert_eq!(app.db.codes_left(Way::Qaztest).await.unwrap(), 50);
    app.assert_clean();
}
