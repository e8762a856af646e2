//! What the `/chat` namespace refuses, and that a refusal changes nothing: payloads that are
//! not what the contract says (each told once, with its code), and sends the room's rules
//! refuse after the message was counted.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn bad_payloads_get_a_clear_error_and_store_nothing() {
    let app = spawn_app().await;
    let customer = app.customer("fumbler").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    sock.join(room).await;
    let cases = [
        (
            "send_message",
            json!({"content": "no room"}),
            "roomId must be a positive integer",
        ),
        (
            "send_message",
            json!({"roomId": "abc", "content": "x"}),
            "roomId must be a positive integer",
        ),
        (
            "send_message",
            json!({"roomId": 1.5, "content": "x"}),
            "roomId must be a positive integer",
        ),
        (
            "send_message",
            json!({"roomId": room}),
            "content must be a string",
        ),
        (
            "send_message",
            json!({"roomId": room, "content": 42}),
            "content must be a string",
        ),
        (
            "send_message",
            json!({"roomId": room, "content": "   "}),
            "content must be 1 to 5000 characters",
        ),
        (
            "send_message",
            json!({"roomId": room, "content": "x".repeat(5001)}),
            "content must be 1 to 5000 characters",
        ),
        (
            "send_message",
            json!({"roomId": 999, "content": "x"}),
            "Room not found",
        ),
        (
            "send_message",
            json!({"roomId": room, "content": "x", "clientMessageId": "k".repeat(65)}),
            "clientMessageId must be 1 to 64 characters",
        ),
        (
            "send_message",
            json!("just a string"),
            "payload must be a JSON object",
        ),
        ("join_room", json!([1, 2]), "payload must be a JSON object"),
        (
            "join_room",
            json!({"roomId": -3}),
            "roomId must be a positive integer",
        ),
        ("join_room", json!({"roomId": 999}), "Room not found"),
        (
            "join_session",
            json!({"sessionId": null}),
            "sessionId must be a positive integer",
        ),
        (
            "typing",
            json!({"roomId": room}),
            "isTyping must be true or false",
        ),
        (
            "mark_read",
            json!({"roomId": room, "messageId": 77}),
            "Message not found in this room",
        ),
    ];
    let cases_len = cases.len();
    // One refusal is told once (contract §7): in the ack when one was asked for, else as an
    // `error` event, each time with its code.
    for (event, payload, message) in cases {
        let ack = sock.ack(event, payload.clone()).await;
        assert_eq!(ack["ok"], false, "{event} {payload}");
        assert_eq!(ack["error"]["message"], message, "{event} {payload}");
        let code = ack["error"]["code"].clone();
        assert!(code.is_string(), "{ack}");
        sock.emit(event, payload.clone()).await;
        let err = sock.next("error").await.unwrap();
        assert_eq!(err, json!({"message": message, "code": code}));
    }
    assert_eq!(sock.count("error"), cases_len, "one error per refusal");
    // Still connected and working; nothing was stored.
    let ack = sock
        .ack(
            "send_message",
            json!({"roomId": room, "content": "finally"}),
        )
        .await;
    assert_eq!(ack["ok"], true);
    let (_, page) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &customer)
        .await;
    assert_eq!(page["pagination"]["total"], 1);
    sock.close().await;
}

/// Sending counts the message on its room before its rules run, so a send those rules refuse
/// (no right to the room, a file that is not the sender's) must be undone with its job: the
/// room's count, which numbers its messages and is the history's `total`, stays what it was.
#[tokio::test]
async fn a_send_refused_by_the_rooms_rules_counts_nothing() {
    let w = crate::permissions::world().await;
    let total = |user: &crate::helpers::User, room: i64| {
        let app = &w.app;
        let user = user.clone();
        async move {
            let (_, page) = app
                .get(&format!("/api/chat/rooms/{room}/messages"), &user)
                .await;
            page["pagination"]["total"].as_i64().unwrap()
        }
    };
    let before = (
        total(&w.bob, w.my_room).await,
        total(&w.admin, w.others_room).await,
    );
    let (status, file) = crate::attachments::upload(
        &w.app,
        &w.alice,
        w.unassigned_room,
        "a.png",
        "image/png",
        crate::attachments::PNG.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let refusals = [
        (&w.staff, w.others_room, json!([])),
        (&w.alice, w.my_room, json!([])),
        (&w.bob, w.my_room, json!([file["id"]])),
    ];
    for (user, room, files) in refusals {
        let sock = w.app.socket(user).await;
        let ack = crate::attachments::send(&sock, room, "refused", files).await;
        assert_eq!(ack["ok"], false, "{} into {room}: {ack}", user.name);
        sock.close().await;
    }
    let sock = w.app.socket(&w.bob).await;
    let ack = crate::attachments::send(&sock, w.my_room, "counted", json!([])).await;
    assert_eq!(ack["ok"], true, "{ack}");
    sock.close().await;
    assert_eq!(total(&w.bob, w.my_room).await, before.0 + 1);
    assert_eq!(total(&w.admin, w.others_room).await, before.1);
    let (_, page) = w
        .app
        .get(&format!("/api/chat/rooms/{}/messages", w.my_room), &w.bob)
        .await;
    let contents: Vec<_> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents.last(), Some(&"counted"));
    assert!(!contents.contains(&"refused"), "{contents:?}");
}
