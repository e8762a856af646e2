//! Contract §11, privacy: an admin exports everything kept about a customer, and erases it for
//! good: the erased strings are gone from the database file and its WAL, counts and times
//! stay, and the account never signs in again.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app};
use crate::test_db::on_postgres;

const SECRETS: [&str; 6] = [
    "zebrasecret123",
    "Hoaunique Ngocsecret",
    "hoa.unique@example.test",
    "0909 777 555",
    "uniquetopic456",
    "attachmentsecret987",
];

fn file_holds(path: &std::path::Path, needle: &str) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let needle = needle.to_lowercase();
    let lower = bytes.to_ascii_lowercase();
    lower.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Whether a row still holds `needle` where the account's data lives (either engine).
fn stored(app: &TestApp, needle: &str) -> bool {
    let like = format!("%{}%", needle.to_lowercase());
    app.db().i64(
        "SELECT (SELECT count(*) FROM users
                 WHERE lower(user_name || ' ' || first_name || ' ' || last_name || ' '
                             || coalesce(email, '') || ' ' || coalesce(phone, '')) LIKE ?1)
              + (SELECT count(*) FROM messages WHERE lower(content) LIKE ?1)
              + (SELECT count(*) FROM sessions
                 WHERE lower(title || ' ' || coalesce(rating_comment, '')) LIKE ?1)
              + (SELECT count(*) FROM attachments WHERE lower(file_name) LIKE ?1)",
        &[&like],
    ) > 0
}

#[tokio::test]
async fn an_export_holds_everything_and_an_erasure_leaves_nothing_in_the_file() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let customer = app.customer("hoacust").await;
    let room = customer.room_id.unwrap();
    app.db().execute(
        "UPDATE users SET first_name = 'Hoaunique', last_name = 'Ngocsecret', email = ?2, phone = ?3 WHERE id = ?1",
        &[&customer.id, &SECRETS[2], &SECRETS[3]],
    );
    let session = app.open_session(&customer, SECRETS[4]).await;
    app.claim(&mai, session).await;
    let sock = app.socket(&customer).await;
    let staff = app.socket(&mai).await;
    let part = Part::bytes(format!("note: {}\n", SECRETS[5]).into_bytes()).file_name("n.txt");
    let file: serde_json::Value = app
        .http
        .post(app.url(&format!("/api/chat/rooms/{room}/attachments")))
        .bearer_auth(&customer.token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ack = sock
        .ack("send_message", json!({"roomId": room, "content": format!("my code is {}", SECRETS[0]), "attachmentIds": [file["id"]]}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    staff
        .ack(
            "send_message",
            json!({"roomId": room, "content": "Chào chị Hoaunique Ngocsecret"}),
        )
        .await;

    // The export: the profile, the contact details, the sessions, the messages and files.
    let (status, export) = app
        .get(&format!("/api/admin/users/{}/export", customer.id), &boss)
        .await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(export["email"], SECRETS[2]);
    assert_eq!(export["phone"], SECRETS[3]);
    assert_eq!(export["sessions"][0]["title"], SECRETS[4]);
    assert_eq!(export["messages"].as_array().unwrap().len(), 2);
    assert_eq!(export["messages"][0]["attachments"][0]["fileName"], "n.txt");
    for who in [&mai, &customer] {
        let (status, _) = app
            .get(&format!("/api/admin/users/{}/export", customer.id), who)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .post(
                &format!("/api/admin/users/{}/erase", customer.id),
                who,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = app.get("/api/admin/users/9999/export", &boss).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app
        .post(
            &format!("/api/admin/users/{}/erase", mai.id),
            &boss,
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "staff are deactivated, not erased: {body}"
    );

    let db = app.config.db_path.clone();
    let wal = db.with_extension("db-wal");
    assert!(
        SECRETS
            .iter()
            .any(|s| stored(&app, s) || file_holds(&db, s) || file_holds(&wal, s)),
        "the test can find them before"
    );
    let (status, erased) = app
        .post(
            &format!("/api/admin/users/{}/erase", customer.id),
            &boss,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert_eq!(erased["isActive"], false);
    assert_eq!(erased["firstName"], "");
    let files = app.db().i64("SELECT count(*) FROM attachment_chunks", &[]);
    assert_eq!(files, 0, "the file's bytes are gone");
    for s in SECRETS {
        assert!(!stored(&app, s), "{s:?} is still in a row");
        // PostgreSQL's files keep a changed row's old version until VACUUM; the bytes of
        // SQLite's file are ours to clear (docs/SCALING.md).
        if !on_postgres() {
            assert!(!file_holds(&db, s), "{s:?} is still in the database file");
            assert!(!file_holds(&wal, s), "{s:?} is still in the WAL");
        }
    }

    // The history still adds up: the messages are there, without their text.
    let (_, history) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &boss)
        .await;
    let messages = history["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert!(
        messages
            .iter()
            .all(|m| m["content"] == "" && m["attachments"] == json!([]))
    );
    assert_eq!(history["pagination"]["total"], 2);
    let (_, s) = app
        .get(&format!("/api/chat/sessions/{session}"), &boss)
        .await;
    assert_eq!(s["status"], "ENDED", "its open session ended");

    // Never again: not with the old token, not with the password, not by reactivation.
    let (status, _) = app.get("/api/auth/me", &customer).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "hoacust", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .post(
            &format!("/api/admin/users/{}/activate", customer.id),
            &boss,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "ACCOUNT_ERASED");
    // A second erasure is a no-op.
    let (status, _) = app
        .post(
            &format!("/api/admin/users/{}/erase", customer.id),
            &boss,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The search finds nothing of it.
    let (_, found) = app.get("/api/chat/search?q=zebrasecret123", &boss).await;
    assert_eq!(found["total"], 0, "{found}");
}

#[tokio::test]
async fn the_console_erases_only_when_the_user_name_is_typed() {
    let app = spawn_app().await;
    app.admin("boss").await;
    let customer = app.customer("typedcust").await;
    let console = app.console("boss").await;
    let page = app
        .page(
            &format!("/console/admin/users/{}", customer.id),
            &console.cookie,
        )
        .await;
    assert!(page.body.contains("id=\"erase-user\""), "{}", page.body);
    let export = app
        .page(
            &format!("/console/admin/users/{}/export", customer.id),
            &console.cookie,
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        export.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(
        export.body.contains("\"userName\": \"typedcust\""),
        "{}",
        export.body
    );

    let path = format!("/console/admin/users/{}/erase", customer.id);
    let refused = app
        .form(
            &path,
            &console.cookie,
            &[("csrf", &console.csrf), ("confirm", "typo")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let (status, _) = app.get("/api/auth/me", &customer).await;
    assert_eq!(status, StatusCode::OK, "nothing erased");
    let done = app
        .form(
            &path,
            &console.cookie,
            &[("csrf", &console.csrf), ("confirm", "typedcust")],
        )
        .await;
    assert!(
        done.status.is_redirection() || done.status == StatusCode::OK,
        "{}",
        done.status
    );
    let page = app
        .page(
            &format!("/console/admin/users/{}", customer.id),
            &console.cookie,
        )
        .await;
    assert!(page.body.contains("id=\"erased-note\""), "{}", page.body);
    let (status, _) = app.get("/api/auth/me", &customer).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
