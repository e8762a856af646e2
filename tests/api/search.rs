//! Search over messages (issue 13, contract §10): folding of case and Vietnamese marks
//! (`đ` too), phrases and prefixes, what each role may find, queries that are not FTS5 syntax,
//! paging, and the index filled for a database written before search existed.

use std::sync::Arc;

use reqwest::{StatusCode, Url};
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::helpers::{Sock, TestApp, User, spawn_app_in};

/// `GET /api/chat/search` with `q` and further parameters, properly encoded.
async fn search(app: &TestApp, user: &User, q: &str, more: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut params = vec![("q", q)];
    params.extend_from_slice(more);
    let url = Url::parse_with_params("http://x/api/chat/search", &params).unwrap();
    app.get(&format!("/api/chat/search?{}", url.query().unwrap()), user)
        .await
}

/// The ids found, newest first, asserting the search succeeded.
async fn found(app: &TestApp, user: &User, q: &str) -> Vec<i64> {
    let (status, body) = search(app, user, q, &[]).await;
    assert_eq!(status, StatusCode::OK, "{q}: {body}");
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["message"]["id"].as_i64().unwrap())
        .collect()
}

async fn say(sock: &Sock, room: i64, content: &str) -> i64 {
    let ack = sock
        .ack("send_message", json!({"roomId": room, "content": content}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    ack["message"]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn case_and_vietnamese_marks_fold_including_d_with_stroke() {
    let app = spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.rates.messages_burst = 10_000
    })
    .await;
    let lan = app.customer("lan").await;
    let admin = app.admin("ada").await;
    let room = lan.room_id.unwrap();
    let sock = app.socket(&lan).await;
    sock.join(room).await;
    let care = say(&sock, room, "Cảm ơn shop đã CHĂM SÓC khách hàng chu đáo").await;
    let name = say(&sock, room, "Tôi là Đặng Thị Lan, đơn hàng #4521").await;
    let apart = say(&sock, room, "sóc con chạy, còn chăm thì ngủ").await;

    assert_eq!(found(&app, &admin, "cham soc").await, vec![apart, care]);
    assert_eq!(found(&app, &admin, "CHĂM sóc").await, vec![apart, care]);
    assert_eq!(found(&app, &admin, "dang").await, vec![name]);
    assert_eq!(found(&app, &admin, "ĐẶNG").await, vec![name]);
    assert_eq!(found(&app, &admin, "chu dao").await, vec![care]);
    assert_eq!(found(&app, &admin, "don hang").await, vec![name]);
    // A phrase keeps its words together and in order.
    assert_eq!(found(&app, &admin, "\"cham soc\"").await, vec![care]);
    assert_eq!(found(&app, &admin, "\"soc cham\"").await, Vec::<i64>::new());
    // A prefix, of a word or of a phrase's last word.
    assert_eq!(found(&app, &admin, "kha*").await, vec![care]);
    assert_eq!(found(&app, &admin, "\"dang th\"*").await, vec![name]);
    assert_eq!(found(&app, &admin, "452*").await, vec![name]);
    assert!(
        found(&app, &admin, "kha").await.is_empty(),
        "no prefix without *"
    );
    // The room each message is in is not text: its token matches nothing.
    assert!(found(&app, &admin, &format!("r{room}")).await.is_empty());

    let (_, body) = search(&app, &admin, "dang", &[]).await;
    let hit = &body["results"][0];
    assert_eq!(
        hit["message"]["content"],
        "Tôi là Đặng Thị Lan, đơn hàng #4521"
    );
    assert_eq!(hit["message"]["sender"]["role"], "CUSTOMER");
    assert_eq!(hit["message"]["roomId"], room);
    assert_eq!(hit["room"]["id"], room);
    assert_eq!(hit["room"]["customer"]["id"], lan.id);
    assert!(hit["room"]["name"].as_str().unwrap().contains('#'));
    assert_eq!(body["total"], 1);
    assert_eq!(body["totalCapped"], false);
    sock.close().await;
}

#[tokio::test]
async fn each_role_finds_only_messages_it_may_read() {
    let app = spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.rates.messages_burst = 10_000
    })
    .await;
    let alice = app.customer("alice").await;
    let bob = app.customer("bob").await;
    let sam = app.staff("sam").await;
    let tom = app.staff("tom").await;
    let admin = app.admin("ada").await;
    let (room_a, room_b) = (alice.room_id.unwrap(), bob.room_id.unwrap());
    let (a, b, t) = (
        app.socket(&alice).await,
        app.socket(&bob).await,
        app.socket(&tom).await,
    );
    a.join(room_a).await;
    b.join(room_b).await;
    t.join(room_b).await;
    let from_alice = say(&a, room_a, "where is my parcel").await;
    let from_bob = say(&b, room_b, "my parcel is late").await;
    // Tom answers Bob and so holds his room: Sam may no longer read it.
    let from_tom = say(&t, room_b, "your parcel ships today").await;

    assert_eq!(found(&app, &alice, "parcel").await, vec![from_alice]);
    assert_eq!(found(&app, &bob, "parcel").await, vec![from_tom, from_bob]);
    assert_eq!(found(&app, &sam, "parcel").await, vec![from_alice]);
    assert_eq!(
        found(&app, &tom, "parcel").await,
        vec![from_tom, from_bob, from_alice]
    );
    assert_eq!(
        found(&app, &admin, "parcel").await,
        vec![from_tom, from_bob, from_alice]
    );
    let (_, body) = search(&app, &sam, "parcel", &[]).await;
    assert_eq!(body["total"], 1, "the count is scoped too: {body}");
    // Sam is refused the room itself, so the search agrees with reading it.
    let (status, _) = app
        .get(&format!("/api/chat/rooms/{room_b}/messages"), &sam)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A new OPEN session in Bob's room lets every staff member read it again, and find it.
    app.open_session(&bob, "still late").await;
    assert_eq!(
        found(&app, &sam, "parcel").await,
        vec![from_tom, from_bob, from_alice]
    );
    for s in [a, b, t] {
        s.close().await;
    }
}

#[tokio::test]
async fn fts_syntax_in_a_query_is_read_as_words_or_refused_never_a_500() {
    let app = spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.rates.messages_burst = 10_000
    })
    .await;
    let lan = app.customer("lan").await;
    let admin = app.admin("ada").await;
    let room = lan.room_id.unwrap();
    let sock = app.socket(&lan).await;
    sock.join(room).await;
    let id = say(&sock, room, "rock AND roll near the unclosed door: body").await;

    for q in [
        "\"unclosed",
        "AND",
        "NEAR(",
        "(rock",
        "roll)near(",
        "body:",
        "{body}: rock",
        "roll)",
        "rock AND",
    ] {
        assert_eq!(found(&app, &admin, q).await, vec![id], "{q}");
    }
    for q in [
        "NOT",
        "OR",
        "a:b",
        "^",
        "\"\"\"",
        "x\"y\"z",
        "(((",
        "rock -roll",
        "\\",
    ] {
        let (status, body) = search(&app, &admin, q, &[]).await;
        assert!(
            status == StatusCode::OK
                || (status == StatusCode::BAD_REQUEST && body["code"] == "VALIDATION_FAILED"),
            "{q}: {status} {body}"
        );
    }
    for q in [
        "*",
        "",
        "   ",
        "\"\"",
        "- ( ) *",
        &"word ".repeat(17),
        &"x".repeat(201),
    ] {
        let (status, body) = search(&app, &admin, q, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert_eq!(body["code"], "VALIDATION_FAILED");
    }
    let (status, body) = app.get("/api/chat/search", &admin).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no q: {body}");
    let (status, _) = app
        .call(reqwest::Method::GET, "/api/chat/search?q=rock", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    sock.close().await;
}

#[tokio::test]
async fn pages_newest_first_with_the_total() {
    let app = spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.rates.messages_burst = 10_000
    })
    .await;
    let lan = app.customer("lan").await;
    let admin = app.admin("ada").await;
    let room = lan.room_id.unwrap();
    let sock = app.socket(&lan).await;
    sock.join(room).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(say(&sock, room, &format!("invoice number {i}")).await);
        say(&sock, room, "something else").await;
    }
    ids.reverse();
    let mut seen = Vec::new();
    for offset in ["0", "3", "6"] {
        let (status, body) = search(
            &app,
            &admin,
            "invoice",
            &[("limit", "3"), ("offset", offset)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["total"], 7);
        assert_eq!(body["totalCapped"], false);
        seen.extend(
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["message"]["id"].as_i64().unwrap()),
        );
    }
    assert_eq!(seen, ids);
    let (_, body) = search(&app, &admin, "invoice", &[("offset", "7")]).await;
    assert_eq!(body["results"], json!([]));
    assert_eq!(body["total"], 7);
    for bad in [("offset", "1001"), ("offset", "-1"), ("limit", "x")] {
        let (status, body) = search(&app, &admin, "invoice", &[bad]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}: {body}");
        assert_eq!(body["code"], "VALIDATION_FAILED");
    }
    sock.close().await;
}

#[tokio::test]
async fn messages_written_before_the_upgrade_are_found() {
    crate::test_db::sqlite_only!("the upgrade of an old SQLite file");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let path = dir.path().join("frontdesk.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../fixtures/schema_v1.sql"))
            .unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, user_name, password_hash, role, first_name, created_at)
               VALUES (1, 'old_customer', '', 'CUSTOMER', 'Old', 1700000000000);
             INSERT INTO rooms (id, name, customer_id, created_at, last_message_at, message_count)
               VALUES (1, 'Support Request #1', 1, 1700000000000, 1700000001000, 2);
             INSERT INTO messages (id, room_id, sender_id, content, created_at)
               VALUES (1, 1, 1, 'Giao hàng cho Đỗ Đức', 1700000001000),
                      (2, 1, 1, 'unrelated', 1700000002000);",
        )
        .unwrap();
    }
    let app = spawn_app_in(dir.clone(), |_| {}).await;
    let admin = app.admin("ada").await;
    assert_eq!(found(&app, &admin, "do duc").await, vec![1]);
    assert_eq!(found(&app, &admin, "giao hang").await, vec![1]);
    // And new messages are indexed as they come.
    let (_, body) = app
        .call(
            reqwest::Method::GET,
            "/api/chat/rooms/1/messages",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(body["messages"].as_array().unwrap().len(), 2);
    let sock = app.socket(&admin).await;
    sock.join(1).await;
    let id = say(&sock, 1, "đã giao").await;
    assert_eq!(found(&app, &admin, "giao").await, vec![id, 1]);
    sock.close().await;
}

#[tokio::test]
async fn the_desk_shows_matches_as_text_and_opens_the_room_at_one() {
    let app = spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.rates.messages_burst = 10_000
    })
    .await;
    let lan = app.customer("lan").await;
    app.staff("sam").await;
    let room = lan.room_id.unwrap();
    let sock = app.socket(&lan).await;
    sock.join(room).await;
    let id = say(&sock, room, "Đổi <img src=x onerror=alert(1)> size").await;
    for i in 0..30 {
        say(&sock, room, &format!("later {i}")).await;
    }
    sock.close().await;
    let sam = app.console("sam").await;
    let desk = app.page("/console?q=doi+size", &sam.cookie).await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.body.contains("id=\"search-results\""), "{}", desk.body);
    assert!(!desk.body.contains("<img src=x"), "escaped");
    let link = format!("/console/rooms/{room}?q=doi%20size&#38;offset=0&#38;at={id}");
    assert!(desk.body.contains(&link), "{}", desk.body);
    // The room opens with the found message marked, and the messages after it.
    let opened = app
        .page(
            &format!("/console/rooms/{room}?q=doi+size&at={id}"),
            &sam.cookie,
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK);
    assert!(
        opened.body.contains(&format!("found\" id=\"m{id}\"")),
        "{}",
        opened.body
    );
    assert!(opened.body.contains("later 29"));
    assert!(
        opened.body.contains("id=\"search-results\""),
        "the search stays in the sidebar"
    );
    // A query without a word is explained, not an error page.
    let refused = app.page("/console?q=*", &sam.cookie).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.body.contains("at least one word"));
}
