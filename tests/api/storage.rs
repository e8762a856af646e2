//! Storage faults: another process holding the write lock, a full database, and the WAL under
//! constant readers. Each answers cleanly, keeps nothing half-written, and recovers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::helpers::spawn_app_in;

#[tokio::test]
async fn a_write_lock_held_by_another_process_gives_503_then_recovers() {
    crate::test_db::sqlite_only!("SQLite's file lock");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, |c| c.busy_timeout_ms = 300).await;
    let customer = app.customer("patient").await;
    let room = customer.room_id.unwrap();
    let locker = Connection::open(dir_db(&app)).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let (status, body) = app
        .post(
            &format!("/api/chat/rooms/{room}/sessions"),
            &customer,
            json!({"title": "blocked"}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["statusCode"], 503);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited about the busy timeout, no deadlock"
    );
    // Reads go on meanwhile (WAL).
    let (status, _) = app.get(&format!("/api/chat/rooms/{room}"), &customer).await;
    assert_eq!(status, StatusCode::OK);
    locker.execute_batch("ROLLBACK").unwrap();
    let (_, sessions) = app
        .get(&format!("/api/chat/rooms/{room}/sessions"), &customer)
        .await;
    assert_eq!(sessions, json!([]), "the refused write left nothing");
    let (status, _) = app
        .post(
            &format!("/api/chat/rooms/{room}/sessions"),
            &customer,
            json!({"title": "now"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

fn dir_db(app: &crate::helpers::TestApp) -> std::path::PathBuf {
    app.config.db_path.clone()
}

#[tokio::test]
async fn a_full_database_refuses_writes_cleanly_and_recovers_with_room() {
    crate::test_db::sqlite_only!("the size cap is on the SQLite file");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir.clone(), |c| {
        c.max_db_bytes = Some(400 * 1024);
        c.rates.messages_per_second = 100_000;
        c.rates.messages_burst = 100_000;
    })
    .await;
    let customer = app.customer("verbose").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    let big = "x".repeat(4_000);
    let mut stored = 0;
    let mut refusal = Value::Null;
    for _ in 0..500 {
        let ack = sock
            .ack("send_message", json!({"roomId": room, "content": big}))
            .await;
        if ack["ok"] == true {
            stored += 1;
        } else {
            refusal = ack;
            break;
        }
    }
    assert_eq!(
        refusal["error"]["message"], "Storage is full; nothing was saved",
        "{refusal}"
    );
    assert!(stored > 10);
    // Still serving; the count and the rows agree (nothing half-written).
    let (status, page) = app
        .get(
            &format!("/api/chat/rooms/{room}/messages?limit=100"),
            &customer,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["pagination"]["total"], stored);
    let (status, body) = app
        .post(
            &format!("/api/chat/rooms/{room}/sessions"),
            &customer,
            json!({"title": "t".repeat(200)}),
        )
        .await;
    assert!(
        status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::CREATED,
        "{status} {body}"
    );
    sock.close().await;
    app.stop().await;

    // With room to grow, the same database takes writes again and kept every message.
    let app = spawn_app_in(dir, |c| c.max_db_bytes = Some(64 * 1024 * 1024)).await;
    let sock = app.socket(&customer).await;
    let ack = sock
        .ack("send_message", json!({"roomId": room, "content": big}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    let (_, page) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &customer)
        .await;
    assert_eq!(page["pagination"]["total"], stored + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_wal_stays_bounded_under_constant_readers() {
    crate::test_db::sqlite_only!("SQLite's write-ahead log");
    let app = Arc::new(
        spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
            c.rates.messages_per_second = 1_000_000;
            c.rates.messages_burst = 1_000_000;
        })
        .await,
    );
    let customer = app.customer("wal_writer").await;
    let room = customer.room_id.unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..3 {
        let (app, customer, stop) = (app.clone(), customer.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                app.get(
                    &format!("/api/chat/rooms/{room}/messages?limit=100"),
                    &customer,
                )
                .await;
                reads += 1;
            }
            reads
        }));
    }
    // Eight writers at once, 5,000-character messages: about 16 MB through the WAL.
    let mut writers = Vec::new();
    for w in 0..8 {
        let app = app.clone();
        writers.push(tokio::spawn(async move {
            let writer = app.customer(&format!("wal_w{w}")).await;
            let sock = app.socket(&writer).await;
            let body = "w".repeat(5_000);
            for _ in 0..400 {
                let ack = sock
                    .ack(
                        "send_message",
                        json!({"roomId": writer.room_id, "content": body}),
                    )
                    .await;
                assert_eq!(ack["ok"], true);
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut reads = 0;
    for r in readers {
        reads += r.await.unwrap();
    }
    assert!(reads > 100, "the readers really ran ({reads})");
    let mut wal = app.config.db_path.clone().into_os_string();
    wal.push("-wal");
    let wal_bytes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    // About 16 MB went through the WAL; checkpoints keep reusing the file instead of growing it.
    assert!(
        wal_bytes < 12 * 1024 * 1024,
        "WAL grew to {wal_bytes} bytes"
    );
}
