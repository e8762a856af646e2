//! Contract §9: files in rooms. Uploads told by their bytes, sent with messages, served from
//! signed, expiring links with the headers that keep them inert, kept in the backup.

use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{TestApp, User, spawn_app};

/// A tiny valid PNG (1x1).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

pub(crate) async fn upload(
    app: &TestApp,
    user: &User,
    room: i64,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let part = Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)
        .unwrap();
    let res = app
        .http
        .post(app.url(&format!("/api/chat/rooms/{room}/attachments")))
        .bearer_auth(&user.token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .expect("upload");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn send(
    sock: &crate::helpers::Sock,
    room: i64,
    content: &str,
    ids: Value,
) -> Value {
    sock.ack(
        "send_message",
        json!({"roomId": room, "content": content, "attachmentIds": ids}),
    )
    .await
}

#[tokio::test]
async fn a_photo_goes_up_is_sent_with_a_message_and_opens_from_its_link() {
    let app = spawn_app().await;
    let customer = app.customer("photo").await;
    let room = customer.room_id.unwrap();
    let mai = app.staff("mai").await;
    let staff_sock = app.socket(&mai).await;
    staff_sock.join(room).await;

    // The browser says "text/plain" and ".txt": the bytes say PNG, and the bytes win.
    let (status, file) = upload(
        &app,
        &customer,
        room,
        "broken.txt",
        "text/plain",
        PNG.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["contentType"], "image/png");
    assert_eq!(file["fileName"], "broken.txt");
    assert_eq!(file["size"], PNG.len());
    let url = file["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("/api/chat/attachments/"),
        "a path, no host: {url}"
    );

    // Only attachments, no text: allowed.
    let sock = app.socket(&customer).await;
    let ack = send(&sock, room, "", json!([file["id"]])).await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["message"]["content"], "");
    assert_eq!(ack["message"]["attachments"][0]["id"], file["id"]);
    let heard = staff_sock.next("new_message").await.unwrap();
    assert_eq!(heard["attachments"][0]["contentType"], "image/png");

    // Every message has `attachments`, empty when it has none.
    let ack = send(&sock, room, "and text", json!([])).await;
    assert_eq!(ack["message"]["attachments"], json!([]));
    let (_, history) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &mai)
        .await;
    assert_eq!(history["messages"][0]["attachments"][0]["id"], file["id"]);
    assert_eq!(history["messages"][1]["attachments"], json!([]));
    let (_, rooms) = app.get(&format!("/api/chat/rooms/{room}"), &customer).await;
    assert_eq!(rooms["messages"][0]["attachments"], json!([]), "{rooms}");

    // The link needs no header; the file comes back as sent, inert.
    let res = app.http.get(app.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
}

#[tokio::test]
async fn pdfs_and_text_download_and_markup_or_programs_are_refused() {
    let app = spawn_app().await;
    let customer = app.customer("docs").await;
    let room = customer.room_id.unwrap();

    let (status, pdf) = upload(
        &app,
        &customer,
        room,
        "hoá đơn.pdf",
        "application/octet-stream",
        b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pdf}");
    assert_eq!(pdf["contentType"], "application/pdf");
    let res = app
        .http
        .get(app.url(pdf["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''ho%C3%A1%20%C4%91%C6%A1n.pdf"),
        "{disposition}"
    );

    let (status, txt) = upload(
        &app,
        &customer,
        room,
        "note.txt",
        "text/plain",
        "Mã đơn: 123\n".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{txt}");
    assert_eq!(txt["contentType"], "text/plain; charset=utf-8");
    let res = app
        .http
        .get(app.url(txt["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );

    for (name, bytes) in [
        (
            "cat.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
        ),
        (
            "page.png",
            b"\n<!DOCTYPE html><html><script>alert(1)</script>".to_vec(),
        ),
        (
            "setup.exe",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF".to_vec(),
        ),
        ("data.zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec()),
        ("bin.txt", vec![0x00, 0x01, 0x02, 0xFE]),
    ] {
        let (status, body) = upload(&app, &customer, room, name, "image/png", bytes).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{name}: {body}");
        assert_eq!(body["code"], "UNSUPPORTED_MEDIA_TYPE");
    }
    let (status, body) = upload(&app, &customer, room, "empty.txt", "text/plain", Vec::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "VALIDATION_FAILED");

    // A JSON body is not an upload.
    let (status, body) = app
        .post(
            &format!("/api/chat/rooms/{room}/attachments"),
            &customer,
            json!({"file": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(stored_files(&app), 2, "only the PDF and the text were kept");
}

#[tokio::test]
async fn only_those_who_may_send_in_the_room_may_upload_there() {
    let app = spawn_app().await;
    let customer = app.customer("owner").await;
    let other = app.customer("other").await;
    let room = customer.room_id.unwrap();
    let mai = app.staff("mai").await;
    let lan = app.staff("lan").await;

    let (status, body) = upload(&app, &other, room, "x.png", "image/png", PNG.to_vec()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = upload(&app, &customer, 9999, "x.png", "image/png", PNG.to_vec()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = app
        .http
        .post(app.url(&format!("/api/chat/rooms/{room}/attachments")))
        .multipart(Form::new().part("file", Part::bytes(PNG.to_vec()).file_name("x.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Staff may upload into an unassigned room (sending would assign it); once it is Mai's,
    // Lan may not.
    let session = app.open_session(&customer, "Help").await;
    app.claim(&mai, session).await;
    let (status, _) = upload(&app, &mai, room, "x.png", "image/png", PNG.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = upload(&app, &lan, room, "x.png", "image/png", PNG.to_vec()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "ROOM_ASSIGNED_TO_OTHER");
}

#[tokio::test]
async fn only_ones_own_unsent_uploads_in_that_room_can_be_sent() {
    let app = spawn_app().await;
    let customer = app.customer("sender").await;
    let room = customer.room_id.unwrap();
    let other = app.customer("thief").await;
    let other_room = other.room_id.unwrap();
    let (_, mine) = upload(&app, &customer, room, "a.png", "image/png", PNG.to_vec()).await;
    let (_, theirs) = upload(&app, &other, other_room, "b.png", "image/png", PNG.to_vec()).await;
    let sock = app.socket(&customer).await;
    let thief = app.socket(&other).await;

    for (who, room_id, ids) in [
        (&thief, other_room, json!([mine["id"]])),
        (&sock, room, json!([theirs["id"]])),
        (&sock, room, json!([mine["id"], mine["id"]])),
        (&sock, room, json!([12345])),
        (&sock, room, json!(["1"])),
        (&sock, room, json!(7)),
    ] {
        let ack = send(who, room_id, "x", ids.clone()).await;
        assert_eq!(ack["ok"], false, "{ids}: {ack}");
        assert_eq!(ack["error"]["code"], "VALIDATION_FAILED", "{ids}");
    }
    let ack = send(&sock, room, "   ", json!([])).await;
    assert_eq!(ack["ok"], false, "no text and no files: {ack}");
    let ack = send(&sock, room, "mine", json!([mine["id"]])).await;
    assert_eq!(ack["ok"], true, "{ack}");
    let ack = send(&sock, room, "again", json!([mine["id"]])).await;
    assert_eq!(ack["ok"], false, "already sent: {ack}");
    let (_, history) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &customer)
        .await;
    assert_eq!(
        history["messages"].as_array().unwrap().len(),
        1,
        "refusals stored nothing"
    );
}

#[tokio::test]
async fn a_changed_or_expired_link_is_refused() {
    let app = spawn_app().await;
    let customer = app.customer("links").await;
    let room = customer.room_id.unwrap();
    let (_, file) = upload(&app, &customer, room, "a.png", "image/png", PNG.to_vec()).await;
    let id = file["id"].as_i64().unwrap();
    let url = file["url"].as_str().unwrap();
    let (path, query) = url.split_once('?').unwrap();
    let expires: i64 = query.split('&').next().unwrap()["expires=".len()..]
        .parse()
        .unwrap();
    let signature = &query[query.find("signature=").unwrap() + "signature=".len()..];
    let get = |u: String| {
        let http = app.http.clone();
        let full = app.url(&u);
        async move { http.get(full).send().await.unwrap().status() }
    };
    assert_eq!(get(url.to_string()).await, StatusCode::OK);
    let flipped = format!(
        "{}{}",
        if signature.starts_with('0') { "1" } else { "0" },
        &signature[1..]
    );
    assert_eq!(
        get(format!("{path}?expires={expires}&signature={flipped}")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(format!(
            "{path}?expires={}&signature={signature}",
            expires + 3600
        ))
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(format!(
            "/api/chat/attachments/{}?expires={expires}&signature={signature}",
            id + 1
        ))
        .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(path.to_string()).await,
        StatusCode::BAD_REQUEST,
        "no signature at all"
    );

    // Correctly signed, with the file's own key, but for a time that has passed.
    let key = app
        .db()
        .text("SELECT url_key FROM attachments WHERE id = ?1", &[&id])
        .unwrap();
    let past = chrono::Utc::now().timestamp() - 60;
    let sig = sign(&key, id, past);
    assert_eq!(
        get(format!("{path}?expires={past}&signature={sig}")).await,
        StatusCode::FORBIDDEN
    );
    let future = past + 7200;
    let sig = sign(&key, id, future);
    assert_eq!(
        get(format!("{path}?expires={future}&signature={sig}")).await,
        StatusCode::OK,
        "the test signs as the server does"
    );
}

fn stored_files(app: &TestApp) -> i64 {
    app.db().i64("SELECT count(*) FROM attachments", &[])
}

/// A link's signature as the server makes it: HMAC-SHA256 of `id.expires` with the file's key.
fn sign(key: &str, id: i64, expires: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{id}.{expires}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
