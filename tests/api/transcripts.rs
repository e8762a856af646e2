//! Transcripts (issue 13, contract §10): who may download one, each format, HTML escaping,
//! one session or the whole room, and a session of another room refused.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Sock, TestApp, User, spawn_app};

/// Downloads a transcript: status, content type, disposition and body.
async fn download(
    app: &TestApp,
    user: &User,
    room: i64,
    query: &str,
) -> (StatusCode, String, String, String) {
    let res = app
        .http
        .get(app.url(&format!("/api/chat/rooms/{room}/transcript{query}")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (res.status(), ct, cd, res.text().await.unwrap())
}

async fn say(sock: &Sock, room: i64, content: &str) -> Value {
    let ack = sock
        .ack("send_message", json!({"roomId": room, "content": content}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    ack["message"].clone()
}

/// A room with two sessions: the first ended, the second in progress; Sam holds it.
struct Story {
    app: TestApp,
    hoa: User,
    sam: User,
    room: i64,
    first: i64,
    second: i64,
}

async fn story() -> Story {
    let app = spawn_app().await;
    let hoa = app.customer("hoa").await;
    let sam = app.staff("sam").await;
    let room = hoa.room_id.unwrap();
    let (c, s) = (app.socket(&hoa).await, app.socket(&sam).await);
    c.join(room).await;
    s.join(room).await;
    let first = app.open_session(&hoa, "Đơn hàng #1 <b>chưa</b> giao").await;
    app.claim(&sam, first).await;
    say(&c, room, "Xin chào <script>alert(1)</script>").await;
    say(&s, room, "Chào chị,\nem kiểm tra ngay & báo lại").await;
    app.end(&sam, first).await;
    let second = app.open_session(&hoa, "Đổi size").await;
    app.claim(&sam, second).await;
    say(&c, room, "Cho tôi đổi size M").await;
    c.close().await;
    s.close().await;
    Story {
        app,
        hoa,
        sam,
        room,
        first,
        second,
    }
}

#[tokio::test]
async fn each_format_is_a_download_of_the_whole_room_or_one_session() {
    let Story {
        app,
        hoa,
        room,
        first,
        second,
        ..
    } = story().await;

    let (status, ct, cd, body) = download(&app, &hoa, room, "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ct, "application/json");
    assert_eq!(
        cd,
        format!("attachment; filename=\"transcript-room-{room}.json\"")
    );
    let t: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(t["room"]["id"], room);
    let ids: Vec<i64> = t["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![first, second], "sessions oldest first");
    let texts: Vec<&str> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec![
            "Xin chào <script>alert(1)</script>",
            "Chào chị,\nem kiểm tra ngay & báo lại",
            "Cho tôi đổi size M"
        ]
    );
    assert_eq!(
        t["messages"][0]["sender"]["role"], "CUSTOMER",
        "the Message shape: {body}"
    );

    let (status, ct, cd, text) =
        download(&app, &hoa, room, &format!("?sessionId={first}&format=txt")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(ct, "text/plain; charset=utf-8");
    assert_eq!(
        cd,
        format!("attachment; filename=\"transcript-room-{room}-session-{first}.txt\"")
    );
    assert!(
        text.contains("Xin chào <script>alert(1)</script>"),
        "{text}"
    );
    assert!(
        text.contains("] First sam: Chào chị"),
        "the staff member is named: {text}"
    );
    assert!(
        text.contains(": Chào chị,\n    em kiểm tra ngay & báo lại\n"),
        "{text}"
    );
    assert!(
        !text.contains("Cho tôi đổi size M"),
        "only that session: {text}"
    );
    let line = text.lines().find(|l| l.contains("Xin chào")).unwrap();
    assert!(
        line.starts_with('[') && line.contains(" UTC] ") && line.contains("hoa"),
        "time, author, text: {line}"
    );

    let (status, ct, cd, html) = download(&app, &hoa, room, "?format=html").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "text/html; charset=utf-8");
    assert_eq!(
        cd,
        format!("attachment; filename=\"transcript-room-{room}.html\"")
    );
    assert!(
        !html.contains("<script>alert"),
        "user text is escaped: {html}"
    );
    assert!(
        html.contains("Xin chào &#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("Xin chào &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("<b>chưa</b>"),
        "a session title is escaped too"
    );
    assert!(html.contains("Cho tôi đổi size M") && html.contains("Đổi size"));
    for bad in ["?format=pdf", "?sessionId=x"] {
        let (status, _, _, body) = download(&app, &hoa, room, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body.contains("VALIDATION_FAILED"), "{body}");
    }
}

#[tokio::test]
async fn only_those_who_may_read_the_room_get_its_transcript() {
    let Story {
        app,
        hoa,
        sam,
        room,
        first,
        ..
    } = story().await;
    let other = app.customer("other").await;
    let tom = app.staff("tom").await;
    let admin = app.admin("ada").await;
    for (user, expected) in [
        (&hoa, StatusCode::OK),
        (&sam, StatusCode::OK),
        (&admin, StatusCode::OK),
        (&other, StatusCode::FORBIDDEN),
        // Sam holds the room and its session is in progress: Tom may not read it.
        (&tom, StatusCode::FORBIDDEN),
    ] {
        for query in ["".to_string(), format!("?sessionId={first}&format=html")] {
            let (status, _, _, body) = download(&app, user, room, &query).await;
            assert_eq!(status, expected, "{} {query}: {body}", user.name);
            if expected == StatusCode::FORBIDDEN {
                assert!(!body.contains("Xin chào"), "{body}");
            }
        }
    }
    let res = app
        .http
        .get(app.url(&format!("/api/chat/rooms/{room}/transcript")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let (status, _, _, _) = download(&app, &admin, 9999, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_session_of_another_room_is_not_found() {
    let Story { app, hoa, room, .. } = story().await;
    let other = app.customer("other").await;
    let theirs = app.open_session(&other, "their topic").await;
    let admin = app.admin("ada").await;
    for user in [&hoa, &admin] {
        let (status, _, _, body) =
            download(&app, user, room, &format!("?sessionId={theirs}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(!body.contains("their topic"), "{body}");
    }
    let (status, _, _, body) = download(&app, &hoa, room, "?sessionId=424242").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn the_consoles_download_links_follow_the_same_rule() {
    let Story {
        app, room, first, ..
    } = story().await;
    app.staff("tom").await;
    app.admin("ada").await;
    let sam = app.console("sam").await;
    let tom = app.console("tom").await;
    let ada = app.console("ada").await;

    // The desk offers the room's and each session's transcript.
    let desk = app
        .page(&format!("/console/rooms/{room}"), &sam.cookie)
        .await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(
        desk.body
            .contains(&format!("/console/rooms/{room}/transcript?format=txt")),
        "{}",
        desk.body
    );
    assert!(desk.body.contains(&format!(
        "/console/rooms/{room}/transcript?sessionId={first}&amp;format=html"
    )));
    // And the admin console's session list, per session.
    let list = app.page("/console/admin/sessions", &ada.cookie).await;
    assert!(list.body.contains(&format!(
        "/console/rooms/{room}/transcript?sessionId={first}&amp;format=txt"
    )));

    let path = format!("/console/rooms/{room}/transcript?sessionId={first}&format=html");
    for (who, cookie, expected) in [
        ("sam", &sam.cookie, StatusCode::OK),
        ("ada", &ada.cookie, StatusCode::OK),
        ("tom", &tom.cookie, StatusCode::FORBIDDEN),
    ] {
        let file = app.page(&path, cookie).await;
        assert_eq!(file.status, expected, "{who}: {}", file.body);
        if expected == StatusCode::OK {
            assert_eq!(
                file.headers["content-disposition"],
                format!("attachment; filename=\"transcript-room-{room}-session-{first}.html\"")
            );
            assert!(
                file.body.contains("Xin chào &#60;script&#62;")
                    || file.body.contains("Xin chào &lt;script&gt;")
            );
        } else {
            assert!(!file.body.contains("Xin chào"));
        }
    }
    let signed_out = app.page(&path, "").await;
    assert!(signed_out.status.is_redirection(), "{}", signed_out.status);
    let bad = app
        .page(
            &format!("/console/rooms/{room}/transcript?format=pdf"),
            &sam.cookie,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
