//! Contract §9, the limits and the lifetime of files: per file, in total and per message, an
//! upload that does not say its length, a large file in chunks that the backup keeps, and an
//! upload cut off by a crash.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;

use crate::attachments::{PNG, send, upload};
use crate::helpers::{TestApp, spawn_app, spawn_app_in};

#[tokio::test]
async fn limits_per_file_in_total_and_per_message_hold() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, |c| {
        c.attachments.max_file_bytes = 4096;
        c.attachments.max_total_bytes = 6000;
        c.attachments.per_message = 2;
    })
    .await;
    let customer = app.customer("big").await;
    let room = customer.room_id.unwrap();
    let text = |n: usize| "a".repeat(n).into_bytes();

    let (status, body) = upload(&app, &customer, room, "big.txt", "text/plain", text(4097)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
    let (status, _) = upload(&app, &customer, room, "a.txt", "text/plain", text(4000)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = upload(&app, &customer, room, "b.txt", "text/plain", text(2001)).await;
    assert_eq!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "storage is full: {body}"
    );
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, f) = upload(&app, &customer, room, "c.txt", "text/plain", text(10)).await;
        assert_eq!(status, StatusCode::CREATED, "{f}");
        ids.push(f["id"].clone());
    }
    let sock = app.socket(&customer).await;
    let ack = send(&sock, room, "three", json!(ids)).await;
    assert_eq!(ack["ok"], false, "{ack}");
    assert_eq!(ack["error"]["code"], "VALIDATION_FAILED");
    let ack = send(&sock, room, "two", json!(ids[..2])).await;
    assert_eq!(ack["ok"], true, "{ack}");

    // A body without a length is refused before it is read.
    let raw = format!(
        "POST /api/chat/rooms/{room}/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n--b\r\n\r\n0\r\n\r\n",
        customer.token
    );
    let answer = raw_request(&app, raw.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
}

#[tokio::test]
async fn a_large_file_round_trips_in_chunks_and_the_backup_keeps_it() {
    let app = spawn_app().await;
    let customer = app.customer("bigfile").await;
    let room = customer.room_id.unwrap();
    // A PDF header and 1 MiB + 17 bytes of varied content: five chunks.
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0..(1 << 20) + 17).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let (status, file) = upload(
        &app,
        &customer,
        room,
        "big.pdf",
        "application/pdf",
        bytes.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let sock = app.socket(&customer).await;
    assert_eq!(
        send(&sock, room, "the manual", json!([file["id"]])).await["ok"],
        true
    );
    let res = app
        .http
        .get(app.url(file["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    assert!(
        res.bytes().await.unwrap().as_ref() == bytes.as_slice(),
        "same bytes back"
    );

    // The backup is one file, and the file is in it.
    crate::test_db::sqlite_only!("backups are copies of the SQLite file");
    let backup = app.dir().path().join("copy.db");
    frontdesk::db::backup(&app.config.db_path, &backup).expect("backup");
    let restored = Arc::new(tempfile::tempdir().unwrap());
    std::fs::copy(&backup, restored.path().join("frontdesk.db")).unwrap();
    app.stop().await;
    let again = spawn_app_in(restored, |_| {}).await;
    let user = again.login("bigfile").await;
    let (_, history) = again
        .get(&format!("/api/chat/rooms/{room}/messages"), &user)
        .await;
    let url = history["messages"][0]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let res = again.http.get(again.url(&url)).send().await.unwrap();
    assert!(
        res.bytes().await.unwrap().as_ref() == bytes.as_slice(),
        "restored from the backup"
    );
}

#[tokio::test]
async fn an_upload_cut_off_by_a_crash_is_cleared_at_start_up() {
    let app = spawn_app().await;
    let customer = app.customer("crash").await;
    let room = customer.room_id.unwrap();
    let (_, kept) = upload(&app, &customer, room, "a.png", "image/png", PNG.to_vec()).await;
    let dir = app.dir();
    let db = app.db();
    app.stop().await;
    // What a crash mid-upload leaves: a row that never completed, with one chunk.
    db.execute(
        "INSERT INTO attachments (id, room_id, uploader_id, file_name, content_type, size, url_key, created_at)
           VALUES (900, ?1, ?2, 'half.pdf', 'application/pdf', 999999, 'k', 0)",
        &[&room, &customer.id],
    );
    db.execute(
        "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (900, 0, ?1)",
        &[&b"%PDF-".to_vec()],
    );
    let again = spawn_app_in(dir, |_| {}).await;
    let left = db.texts(
        "SELECT CAST(count(*) AS TEXT), CAST(min(id) AS TEXT) FROM attachments",
        &[],
    );
    assert_eq!(
        left,
        ["1".to_string(), kept["id"].to_string()],
        "the unfinished one is gone, the fresh one stays"
    );
    let chunks = db.i64(
        "SELECT count(*) FROM attachment_chunks WHERE attachment_id = 900",
        &[],
    );
    assert_eq!(chunks, 0);
    again.stop().await;
}

async fn raw_request(app: &TestApp, bytes: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = vec![0; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer")
        .unwrap();
    String::from_utf8_lossy(&answer[..n]).into_owned()
}
