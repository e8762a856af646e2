//! Running unattended: crashes lose nothing acked, SIGTERM is clean, storage faults answer
//! 503 and recover, backups are consistent, broken files are refused untouched.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Sock, spawn_app, spawn_app_in};
use crate::process::{BIN, ServerProcess};

async fn register(http: &reqwest::Client, base: &str, name: &str) -> (String, i64) {
    let body: Value = http
        .post(format!("{base}/api/auth/register"))
        .json(&json!({"userName": name, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["accessToken"]
        .as_str()
        .expect("registered")
        .to_string();
    let rooms: Value = http
        .get(format!("{base}/api/chat/rooms"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (token, rooms[0]["id"].as_i64().unwrap())
}

async fn all_message_ids(http: &reqwest::Client, base: &str, token: &str, room: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let mut url = format!("{base}/api/chat/rooms/{room}/messages?limit=100");
        if let Some(b) = before {
            url.push_str(&format!("&before={b}"));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let batch: Vec<i64> = page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect();
        ids.extend(&batch);
        match page["pagination"]["nextBefore"].as_i64() {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    ids
}

#[tokio::test]
async fn sigkill_mid_stream_loses_no_acked_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("frontdesk.db");
    let server = ServerProcess::start(&db, "127.0.0.1:0");
    let http = reqwest::Client::new();
    let (token, room) = register(&http, &server.base, "durable").await;
    let sock = Sock::connect(&server.base, Some(&token)).await.unwrap();

    let acked = Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let sender = {
        let acked = acked.clone();
        async move {
            for i in 0..10_000 {
                let ack = tokio::time::timeout(
                    Duration::from_secs(2),
                    sock.ack(
                        "send_message",
                        json!({"roomId": room, "content": format!("m{i}")}),
                    ),
                )
                .await;
                match ack {
                    Ok(a) if a["ok"] == true => acked
                        .lock()
                        .unwrap()
                        .push(a["message"]["id"].as_i64().unwrap()),
                    _ => break,
                }
            }
        }
    };
    let killer = async {
        while acked.lock().unwrap().len() < 150 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.signal("KILL");
    };
    // The ack helper panics when the server vanishes mid-ack; that ends the sender too.
    let sender = tokio::spawn(sender);
    killer.await;
    let _ = sender.await;
    drop(server);
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 150);

    let check: String = Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let server = ServerProcess::start(&db, "127.0.0.1:0");
    let login: Value = http
        .post(format!("{}/api/auth/login", server.base))
        .json(&json!({"userName": "durable", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored = all_message_ids(
        &http,
        &server.base,
        login["accessToken"].as_str().unwrap(),
        room,
    )
    .await;
    for id in &acked {
        assert!(stored.contains(id), "acked message {id} was lost");
    }
}

#[tokio::test]
async fn sigterm_closes_sockets_and_exits_within_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("frontdesk.db");
    let mut server = ServerProcess::start(&db, "127.0.0.1:0");
    let http = reqwest::Client::new();
    let (token, room) = register(&http, &server.base, "leaving").await;
    let sock = Sock::connect(&server.base, Some(&token)).await.unwrap();
    let ack = sock
        .ack(
            "send_message",
            json!({"roomId": room, "content": "last words"}),
        )
        .await;
    assert_eq!(ack["ok"], true);
    let started = Instant::now();
    server.signal("TERM");
    let status = server
        .wait_exit(Duration::from_secs(5))
        .expect("exited within 5 s");
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // Everything was checkpointed into the main file: it opens read-only with the message.
    let conn = Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn backup_while_serving_gives_a_consistent_copy() {
    crate::test_db::sqlite_only!("backups are copies of the SQLite file");
    let app = spawn_app().await;
    let customer = app.customer("archived").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    for i in 0..20 {
        sock.ack(
            "send_message",
            json!({"roomId": room, "content": format!("keep {i}")}),
        )
        .await;
    }
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("copy.db");
    let output = std::process::Command::new(BIN)
        .args(["backup"])
        .arg(&copy)
        .arg("--db")
        .arg(&app.config.db_path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("20 messages"));
    let conn = Connection::open(&copy).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 20);
    // Refuses to overwrite.
    let again = std::process::Command::new(BIN)
        .args(["backup"])
        .arg(&copy)
        .arg("--db")
        .arg(&app.config.db_path)
        .output()
        .unwrap();
    assert!(!again.status.success());
    // The copy is a working database: a server starts on it with the data.
    let restored = spawn_app_in(Arc::new(out), |_| {}).await;
    let _ = restored;
}

#[tokio::test]
async fn a_truncated_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("frontdesk.db");
    {
        let mut server = ServerProcess::start(&db, "127.0.0.1:0");
        let http = reqwest::Client::new();
        for i in 0..30 {
            register(&http, &server.base, &format!("filler{i}")).await;
        }
        server.signal("TERM");
        server.wait_exit(Duration::from_secs(5)).expect("stopped");
    }
    let bytes = std::fs::read(&db).unwrap();
    let cut = &bytes[..bytes.len() / 2];
    std::fs::write(&db, cut).unwrap();
    let _ = std::fs::remove_file(dir.path().join("frontdesk.db-wal"));
    let output = std::process::Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("truncated"), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), cut, "left untouched");
    let _ = Method::GET;
}

#[tokio::test]
async fn metrics_count_what_happened() {
    let app = spawn_app().await;
    let customer = app.customer("counted").await;
    let session = app.open_session(&customer, "m").await;
    let (a, b) = (app.staff("win").await, app.staff("lose").await);
    app.claim(&a, session).await;
    let (lost, _) = app
        .post(&format!("/api/chat/sessions/{session}/join"), &b, json!({}))
        .await;
    assert_eq!(lost, reqwest::StatusCode::CONFLICT);
    let sock = app.socket(&customer).await;
    sock.ack(
        "send_message",
        json!({"roomId": customer.room_id, "content": "one"}),
    )
    .await;
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "frontdesk_sockets_connected 1",
        "frontdesk_messages_stored_total 1",
        "frontdesk_claims_total{result=\"won\"} 1",
        "frontdesk_claims_total{result=\"lost\"} 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in\n{text}"
        );
    }
    assert!(text.contains("frontdesk_http_request_duration_seconds_bucket"));
    assert!(text.contains("frontdesk_write_batches_total"));
    let res = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert!(res.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn logs_carry_request_ids_but_no_tokens_passwords_or_message_content() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("frontdesk.db");
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = ServerProcess::start_logging(&db, "127.0.0.1:0", log.into(), "debug");
    let http = reqwest::Client::new();
    let (token, room) = register(&http, &server.base, "private_person").await;
    // A token in the query string, as some Socket.IO clients send it.
    let polled = http
        .get(format!(
            "{}/socket.io/?EIO=4&transport=polling&token={token}",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(polled.status(), StatusCode::OK);
    let sock = Sock::connect(&server.base, Some(&token)).await.unwrap();
    sock.ack(
        "send_message",
        json!({"roomId": room, "content": "my secret diagnosis"}),
    )
    .await;
    sock.ack(
        "send_message",
        json!({"roomId": 0, "content": "refused secret"}),
    )
    .await;
    let _ = http
        .get(format!("{}/api/auth/me", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    server.signal("TERM");
    server.wait_exit(Duration::from_secs(5)).expect("stopped");
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        text.contains("request_id="),
        "requests are logged with an id:\n{text}"
    );
    for secret in [
        token.as_str(),
        PASSWORD,
        "my secret diagnosis",
        "refused secret",
    ] {
        assert!(!text.contains(secret), "the log holds `{secret}`");
    }
}
