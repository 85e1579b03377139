//! What operations tools see: /healthz, /readyz and /metrics.

use bot_api_emulator::{Fault, Methods, TestUser};
use rezerv_test_support::app::{TestApp, spawn_app_configured};

async fn app_with_http() -> TestApp {
    spawn_app_configured("2023-09-05", |settings| {
        settings.listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    })
    .await
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let url = format!("http://{}{path}", app.http_addr().expect("the HTTP server"));
    let response = reqwest::get(url).await.expect("the bot answers");
    (response.status().as_u16(), response.text().await.expect("a body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_answer_while_the_database_is_migrated() {
    let app = app_with_http().await;
    assert_eq!(get(&app, "/healthz").await, (200, "ok\n".to_owned()));
    assert_eq!(get(&app, "/readyz").await, (200, "ready\n".to_owned()));
    app.db.close().await;
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(get(&app, "/healthz").await.0, 200, "alive all the same");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_updates_telegram_calls_with_their_status_and_the_database_figures() {
    let app = app_with_http().await;
    app.seed(3, &[]).await;
    let user = TestUser::new(4201, "ru");
    app.emu.inject_method_faults(Some(user.id), Methods::Only("sendMessage".into()), vec![Fault::too_many_requests(1)]);
    app.send(&user, "/start").await;
    let (status, text) = get(&app, "/metrics").await;
    assert_eq!(status, 200);
    for line in [
        r#"rezerv_updates_total{kind="message",outcome="handled"} 1"#,
        r#"rezerv_telegram_requests_total{method="sendMessage",status="429"} 1"#,
        r#"rezerv_telegram_requests_total{method="sendMessage",status="200"} 1"#,
        r#"rezerv_codes_left{way="qrt"} 3"#,
        r#"rezerv_codes_left{way="qaztest"} 3"#,
        r#"rezerv_candidates{stage="start"} 1"#,
        "rezerv_leader 1",
        "rezerv_handler_seconds_count 1",
    ] {
        assert!(text.lines().any(|got| got == line), "no `{line}` in:\n{text}");
    }
    assert!(text.ends_with("# EOF\n"), "OpenMetrics text");
}
