//! The database file: upgrades from older builds, refusal of foreign files, and secrets and
//! data that survive a restart.

use std::sync::Arc;

use reqwest::StatusCode;
use rusqlite::Connection;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_in};

#[tokio::test]
async fn a_version_1_database_opens_without_losing_a_row() {
    crate::test_db::sqlite_only!("the upgrade of an old SQLite file");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let path = dir.path().join("frontdesk.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../fixtures/schema_v1.sql"))
            .unwrap();
        let hash = frontdesk::auth::hash_password("old-password-1").unwrap();
        conn.execute(
            "INSERT INTO users (id, user_name, password_hash, role, first_name, created_at)
             VALUES (1, 'old_customer', ?1, 'CUSTOMER', 'Old', 1700000000000)",
            [&hash],
        )
        .unwrap();
        conn.execute_batch(
            "INSERT INTO rooms (id, name, customer_id, created_at, last_message_at, message_count)
               VALUES (1, 'Support Request #1', 1, 1700000000000, 1700000001000, 1);
             INSERT INTO sessions (id, room_id, title, status, started_at)
               VALUES (1, 1, 'Old topic', 'OPEN', 1700000000500);
             INSERT INTO messages (id, room_id, session_id, sender_id, content, created_at)
               VALUES (1, 1, 1, 1, 'written before the upgrade', 1700000001000);",
        )
        .unwrap();
    }
    let app = spawn_app_in(dir.clone(), |_| {}).await;
    let version: i64 = Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, frontdesk::db::LATEST_VERSION);

    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "old_customer", "password": "old-password-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let user = crate::helpers::User {
        id: 1,
        name: "old_customer".into(),
        token: body["accessToken"].as_str().unwrap().into(),
        room_id: Some(1),
    };
    let (_, history) = app.get("/api/chat/rooms/1/messages", &user).await;
    assert_eq!(
        history["messages"][0]["content"],
        "written before the upgrade"
    );
    let (_, room) = app.get("/api/chat/rooms/1", &user).await;
    assert_eq!(room["activeSession"]["title"], "Old topic");
    assert_eq!(room["unreadCount"], 0, "read markers (new in v2) work");
    // New features work on the upgraded file: a read marker is stored.
    let sock = app.socket(&user).await;
    sock.join(1).await;
    let ack = sock
        .ack("mark_read", json!({"roomId": 1, "messageId": 1}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    sock.close().await;
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let junk = b"this is somebody's spreadsheet, not a database".repeat(100);
    std::fs::write(&path, &junk).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = frontdesk::server::run(frontdesk::Config::new(&path), listener, async {})
        .await
        .expect_err("must refuse");
    assert!(err.contains("not a SQLite database"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), junk);
}

#[tokio::test]
async fn a_short_jwt_secret_is_refused_with_guidance() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = frontdesk::Config::new(dir.path().join("x.db"));
    config.jwt_secret = Some("too-short".into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = frontdesk::server::run(config, listener, async {})
        .await
        .expect_err("must refuse");
    assert!(err.contains("at least 32"), "{err}");
}

#[tokio::test]
async fn tokens_and_data_survive_a_restart() {
    let app = spawn_app().await;
    let customer = app.customer("steady").await;
    app.open_session(&customer, "before restart").await;
    let dir = app.dir();
    app.stop().await;

    let app = spawn_app_in(dir, |_| {}).await;
    let (status, me) = app.get("/api/auth/me", &customer).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the generated secret was kept: {me}"
    );
    let (_, room) = app
        .get(
            &format!("/api/chat/rooms/{}", customer.room_id.unwrap()),
            &customer,
        )
        .await;
    assert_eq!(room["activeSession"]["title"], "before restart");
}
