//! What an operator watches (issue 15): `/metrics` names and labels (claims by result, the
//! queue now and how long claims took, requests by route template without ids or Socket.IO
//! long-polls, build, database and WAL size), `Cache-Control: no-store` on answers carrying a
//! token, and JSON logs.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app};
use crate::process::BIN;

pub(crate) async fn scrape(app: &TestApp) -> String {
    let res = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

/// The value of the sample named exactly `series` (name plus labels).
pub(crate) fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_show_claims_the_queue_waits_requests_and_the_build() {
    let app = spawn_app().await;
    let (first, second) = (app.customer("early").await, app.customer("later").await);
    let waited = app.open_session(&first, "claimed soon").await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    app.open_session(&second, "still waiting").await;
    let (a, b) = (app.staff("winner").await, app.staff("loser").await);
    app.claim(&a, waited).await;
    let (lost, _) = app
        .post(&format!("/api/chat/sessions/{waited}/join"), &b, json!({}))
        .await;
    assert_eq!(lost, StatusCode::CONFLICT);
    // Long-polling Socket.IO requests, which must not show in the request histogram.
    let poll = app
        .http
        .get(app.url("/socket.io/?EIO=4&transport=polling"))
        .send()
        .await
        .unwrap();
    assert_eq!(poll.status(), StatusCode::OK);
    let text = scrape(&app).await;

    assert_eq!(
        sample(&text, "frontdesk_claims_total{result=\"won\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "frontdesk_claims_total{result=\"lost\"}"),
        Some(1.0),
        "{text}"
    );
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        sample(
            &text,
            &format!("frontdesk_build_info{{version=\"{version}\"}}")
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "frontdesk_sessions_waiting"),
        Some(1.0),
        "{text}"
    );
    let oldest = sample(&text, "frontdesk_oldest_wait_seconds").expect("oldest wait");
    assert!(oldest > 0.0 && oldest < 60.0, "{oldest}");
    // The claimed session waited more than a second: counted once, above the 1 s bucket.
    assert_eq!(
        sample(&text, "frontdesk_claim_wait_seconds_count"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "frontdesk_claim_wait_seconds_bucket{le=\"1.0\"}"),
        Some(0.0),
        "{text}"
    );
    assert!(
        sample(&text, "frontdesk_claim_wait_seconds_sum").is_some_and(|w| w >= 1.0),
        "{text}"
    );
    assert!(sample(&text, "frontdesk_database_size_bytes").unwrap() > 4096.0);
    assert!(
        sample(&text, "frontdesk_wal_size_bytes").is_some(),
        "{text}"
    );
    assert_eq!(
        sample(&text, "frontdesk_backup_last_success_timestamp_seconds"),
        Some(0.0)
    );

    // Requests by route template and status, without ids and without Socket.IO.
    let requests: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("frontdesk_http_request_duration_seconds_count"))
        .collect();
    assert!(
        requests.iter().any(|l| l.contains("method=\"POST\"")
            && l.contains("route=\"/api/auth/login\"")
            && l.contains("status=\"200\"")),
        "{requests:#?}"
    );
    assert!(
        requests
            .iter()
            .any(|l| l.contains("route=\"/api/chat/sessions/:param0/join\"")
                && l.contains("status=\"409\"")),
        "{requests:#?}"
    );
    for line in &requests {
        assert!(
            !line.contains(&format!("/{waited}/")),
            "an id in a label: {line}"
        );
        assert!(!line.contains("socket.io"), "a long-poll counted: {line}");
    }
}

#[tokio::test]
async fn answers_that_carry_a_token_are_never_cached() {
    let app = spawn_app().await;
    app.customer("cached").await;
    for (path, body) in [
        (
            "/api/auth/register",
            json!({"userName": "fresh", "password": PASSWORD}),
        ),
        (
            "/api/auth/login",
            json!({"userName": "cached", "password": PASSWORD}),
        ),
        ("/api/auth/guest", json!({"firstName": "Guest"})),
    ] {
        let res = app
            .http
            .request(Method::POST, app.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        let body: Value = res.json().await.unwrap();
        assert!(body["accessToken"].is_string(), "{path}: {body}");
    }
    // The console's sign-in answer (its cookie is the token) too.
    app.staff("desk").await;
    let page = app.console_sign_in("desk", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers["cache-control"], "no-store");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let mut child = Command::new(BIN)
        .args([
            "--log-format",
            "json",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
        ])
        .arg(dir.path().join("frontdesk.db"))
        .env("RUST_LOG", "frontdesk=debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("listening line").unwrap();
        if let Some(url) = line.strip_prefix("Frontdesk listening on ") {
            break url.trim().to_string();
        }
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        reqwest::get(format!("{base}/healthz")).await.unwrap();
    });
    std::thread::sleep(Duration::from_millis(200));
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(&log_path).unwrap();
    let objects: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        objects.iter().any(|o| o["fields"]["message"] == "request"
            && o["fields"]["path"] == "/healthz"
            && o["fields"]["client"] == "127.0.0.1"),
        "{log}"
    );
}
