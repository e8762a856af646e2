//! Rooms: the lists staff work from, one room, its messages and sessions.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn each_role_sees_its_own_rooms_list() {
    let app = spawn_app().await;
    let (a, b) = (app.customer("cust_a").await, app.customer("cust_b").await);
    let staff = app.staff("staff1").await;
    let admin = app.admin("admin1").await;

    let (_, mine) = app.get("/api/chat/rooms", &a).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["id"], a.room_id.unwrap());

    let (_, staff_rooms) = app.get("/api/chat/rooms", &staff).await;
    assert_eq!(staff_rooms, json!([]));

    let (_, all) = app.get("/api/chat/rooms", &admin).await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // Once staff claims b's session, b's room is theirs.
    let session = app.open_session(&b, "Shipping").await;
    let (status, _) = app
        .post(
            &format!("/api/chat/sessions/{session}/join"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, staff_rooms) = app.get("/api/chat/rooms", &staff).await;
    assert_eq!(staff_rooms.as_array().unwrap().len(), 1);
    assert_eq!(staff_rooms[0]["id"], b.room_id.unwrap());
    assert_eq!(staff_rooms[0]["staff"]["userName"], "staff1");
    assert_eq!(staff_rooms[0]["activeSession"]["status"], "IN_PROGRESS");
}

#[tokio::test]
async fn unassigned_rooms_need_activity_and_leave_once_assigned() {
    let app = spawn_app().await;
    let quiet = app.customer("quiet").await;
    let waiting = app.customer("waiting").await;
    let staff = app.staff("staff1").await;
    let other = app.staff("staff2").await;
    let admin = app.admin("admin1").await;
    let _ = quiet;

    let (_, list) = app.get("/api/chat/rooms/unassigned", &staff).await;
    assert_eq!(
        list,
        json!([]),
        "a room with no message and no session is not in the queue"
    );

    app.open_session(&waiting, "Refund").await;
    let (_, list) = app.get("/api/chat/rooms/unassigned", &staff).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["customer"]["userName"], "waiting");

    // Staff answers through the socket: auto-assign.
    let sock = app.socket(&staff).await;
    sock.join(waiting.room_id.unwrap()).await;
    let ack = sock
        .ack(
            "send_message",
            json!({"roomId": waiting.room_id, "content": "Xin chào"}),
        )
        .await;
    assert_eq!(ack["ok"], true, "{ack}");

    let (_, list) = app.get("/api/chat/rooms/unassigned", &staff).await;
    assert_eq!(list, json!([]));
    let (_, mine) = app.get("/api/chat/rooms/assigned", &staff).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["staffId"], staff.id);
    assert_eq!(mine[0]["messages"][0]["content"], "Xin chào");
    assert_eq!(mine[0]["_count"]["messages"], 1);
    let (_, others) = app.get("/api/chat/rooms/assigned", &other).await;
    assert_eq!(others, json!([]));
    let (_, all) = app.get("/api/chat/rooms/assigned", &admin).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    sock.close().await;
}

#[tokio::test]
async fn message_history_pages_backwards() {
    let app = spawn_app().await;
    let customer = app.customer("chatty").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    for i in 0..7 {
        let ack = sock
            .ack(
                "send_message",
                json!({"roomId": room, "content": format!("m{i}")}),
            )
            .await;
        assert_eq!(ack["ok"], true);
    }
    let (status, page) = app
        .get(
            &format!("/api/chat/rooms/{room}/messages?limit=3"),
            &customer,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let contents: Vec<_> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(contents, vec![json!("m4"), json!("m5"), json!("m6")]);
    assert_eq!(page["pagination"]["hasMore"], true);
    assert_eq!(page["pagination"]["total"], 7);
    assert_eq!(page["pagination"]["limit"], 3);
    let before = page["pagination"]["nextBefore"].as_i64().unwrap();
    assert_eq!(before, page["messages"][0]["id"].as_i64().unwrap());

    let (_, older) = app
        .get(
            &format!("/api/chat/rooms/{room}/messages?limit=3&before={before}"),
            &customer,
        )
        .await;
    let contents: Vec<_> = older["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(contents, vec![json!("m1"), json!("m2"), json!("m3")]);
    let before = older["pagination"]["nextBefore"].as_i64().unwrap();
    let (_, oldest) = app
        .get(
            &format!("/api/chat/rooms/{room}/messages?limit=3&before={before}"),
            &customer,
        )
        .await;
    assert_eq!(oldest["messages"].as_array().unwrap().len(), 1);
    assert_eq!(oldest["pagination"]["hasMore"], false);
    assert_eq!(oldest["pagination"]["nextBefore"], serde_json::Value::Null);

    // The message shape of contract §3.
    let m = &page["messages"][2];
    assert_eq!(m["roomId"], room);
    assert_eq!(m["sender"]["id"], customer.id);
    assert_eq!(m["sender"]["role"], "CUSTOMER");
    assert!(m["createdAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        m["createdAt"].as_str().unwrap().len(),
        24,
        "ISO-8601 with milliseconds"
    );
    assert!(m.get("sessionId").is_some());
    assert!(m.get("clientMessageId").is_some());

    // Limits are clamped to the documented range.
    let (_, big) = app
        .get(
            &format!("/api/chat/rooms/{room}/messages?limit=1000"),
            &customer,
        )
        .await;
    assert_eq!(big["pagination"]["limit"], 100);
    sock.close().await;
}

#[tokio::test]
async fn a_room_lists_its_sessions_and_a_new_one_can_open_after_the_last_ends() {
    let app = spawn_app().await;
    let customer = app.customer("returning").await;
    let room = customer.room_id.unwrap();
    let first = app.open_session(&customer, "First visit").await;

    let (status, body) = app
        .post(
            &format!("/api/chat/rooms/{room}/sessions"),
            &customer,
            json!({"title": "Again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    let (status, ended) = app
        .post(
            &format!("/api/chat/sessions/{first}/end"),
            &customer,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ended["status"], "ENDED");
    assert!(ended["endedAt"].is_string());
    let second = app.open_session(&customer, "Second visit").await;

    let (status, list) = app
        .get(&format!("/api/chat/rooms/{room}/sessions"), &customer)
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![second, first]);

    let (_, room_view) = app.get(&format!("/api/chat/rooms/{room}"), &customer).await;
    assert_eq!(room_view["activeSession"]["id"], second);
    assert_eq!(room_view["activeSession"]["title"], "Second visit");
}

#[tokio::test]
async fn session_titles_are_trimmed_and_bounded() {
    let app = spawn_app().await;
    let customer = app.customer("picky").await;
    let room = customer.room_id.unwrap();
    for bad in [
        json!({"title": "   "}),
        json!({"title": "x".repeat(201)}),
        json!({}),
        json!({"title": null}),
    ] {
        let (status, body) = app
            .post(
                &format!("/api/chat/rooms/{room}/sessions"),
                &customer,
                bad.clone(),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad} -> {body}");
    }
    let (_, sessions) = app
        .get(&format!("/api/chat/rooms/{room}/sessions"), &customer)
        .await;
    assert_eq!(sessions, json!([]), "refused input stored nothing");
    let (status, s) = app
        .post(
            &format!("/api/chat/rooms/{room}/sessions"),
            &customer,
            json!({"title": "  Tư vấn  "}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(s["title"], "Tư vấn");
    assert_eq!(s["status"], "OPEN");
    assert_eq!(s["room"]["customer"]["userName"], "picky");
    assert_eq!(s["customer"]["id"], customer.id);
    assert_eq!(s["staff"], serde_json::Value::Null);
}
