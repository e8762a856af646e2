//! The `/chat` namespace with a real Socket.IO client (rust_socketio over WebSocket).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Sock, spawn_app};

#[tokio::test]
async fn the_handshake_needs_a_valid_token_of_an_active_user() {
    let app = spawn_app().await;
    let customer = app.customer("greeted").await;
    let sock = app.socket(&customer).await;
    let hello = sock.all("connected").pop().unwrap();
    assert_eq!(
        hello,
        json!({"message": "Connected to chat server", "userId": customer.id, "userRole": "CUSTOMER"})
    );
    sock.close().await;

    for token in [None, Some("forged.token.here")] {
        let err = Sock::connect(&app.base, token)
            .await
            .err()
            .expect("refused");
        assert!(err.contains("Unauthorized"), "{err}");
    }
    let admin = app.admin("boss").await;
    app.post(
        &format!("/api/admin/users/{}/deactivate", customer.id),
        &admin,
        json!({}),
    )
    .await;
    let err = Sock::connect(&app.base, Some(&customer.token))
        .await
        .err()
        .expect("refused");
    assert!(err.contains("Unauthorized"), "{err}");
}

#[tokio::test]
async fn messages_reach_everyone_in_the_room_after_they_are_stored() {
    let app = spawn_app().await;
    let customer = app.customer("talker").await;
    let staff = app.staff("listener").await;
    let room = customer.room_id.unwrap();
    let session = app.open_session(&customer, "Question").await;

    let c = app.socket(&customer).await;
    let history = c.join(room).await;
    assert_eq!(history["messages"], json!([]));
    assert_eq!(
        c.next("joined_room").await.unwrap(),
        json!({"roomId": room, "message": "Successfully joined room"})
    );

    let s = app.socket(&staff).await;
    s.join(room).await;
    let joined = c.next("user_joined").await.unwrap();
    assert_eq!(
        joined,
        json!({"roomId": room, "userId": staff.id, "userName": "listener"})
    );

    let ack = c
        .ack(
            "send_message",
            json!({"roomId": room, "content": "  Hello there  "}),
        )
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    let sent = &ack["message"];
    assert_eq!(sent["content"], "Hello there");
    assert_eq!(sent["sessionId"], session);
    // The ack came after the commit: the message is already readable.
    let (_, page) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &customer)
        .await;
    assert_eq!(page["messages"][0]["id"], sent["id"]);

    for sock in [&c, &s] {
        let m = sock.next("new_message").await.unwrap();
        assert_eq!(m["id"], sent["id"]);
        assert_eq!(m["sender"]["userName"], "talker");
        assert_eq!(m["sender"]["role"], "CUSTOMER");
        assert_eq!(m["roomId"], room);
    }

    s.ack("leave_room", json!({"roomId": room})).await;
    let left = c.next("user_left").await.unwrap();
    assert_eq!(
        left,
        json!({"roomId": room, "userId": staff.id, "userName": "listener"})
    );
    c.ack(
        "send_message",
        json!({"roomId": room, "content": "anyone?"}),
    )
    .await;
    c.next("new_message").await.unwrap();
    assert_eq!(
        s.count("new_message"),
        1,
        "a socket that left hears nothing more"
    );
    c.close().await;
    s.close().await;
}

#[tokio::test]
async fn sessions_over_the_socket_and_the_staff_feed() {
    let app = spawn_app().await;
    let customer = app.customer("feedme").await;
    let room = customer.room_id.unwrap();
    let staff = app.staff("feeder").await;
    let feed = app.socket(&staff).await;
    let c = app.socket(&customer).await;
    c.join(room).await;

    let session = app.open_session(&customer, "Live queue").await;
    let created = feed.next("session_created").await.unwrap();
    assert_eq!(created["id"], session);
    assert_eq!(created["status"], "OPEN");
    assert_eq!(created["customer"]["userName"], "feedme");

    let ack = feed
        .ack("join_session", json!({"sessionId": session}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["session"]["status"], "IN_PROGRESS");
    let joined = c.next("session_joined").await.unwrap();
    assert_eq!(joined["staff"]["userName"], "feeder");
    let updated = feed.next("session_updated").await.unwrap();
    assert_eq!(updated["status"], "IN_PROGRESS");
    let assigned = feed.next("room_updated").await.unwrap();
    assert_eq!(assigned["roomId"], room);
    assert_eq!(assigned["reason"], "assigned");
    // The claimer's socket is now in the room.
    c.ack("send_message", json!({"roomId": room, "content": "thanks"}))
        .await;
    feed.next_where("new_message", |m| m["content"] == "thanks")
        .await
        .unwrap();

    let refused = c.ack("leave_session", json!({"sessionId": session})).await;
    assert_eq!(
        refused["ok"], false,
        "only the session's staff member announces leaving it"
    );
    assert_eq!(refused["error"]["code"], "FORBIDDEN");
    feed.ack("leave_session", json!({"sessionId": session}))
        .await;
    let left = c.next("session_left").await.unwrap();
    assert_eq!(
        left,
        json!({"sessionId": session, "userId": staff.id, "userName": "feeder"})
    );
    let (_, s) = app
        .get(&format!("/api/chat/sessions/{session}"), &customer)
        .await;
    assert_eq!(s["status"], "IN_PROGRESS", "leaving does not end");

    let (status, _) = app
        .post(
            &format!("/api/chat/sessions/{session}/end"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let ended = feed
        .next_where("session_updated", |s| s["status"] == "ENDED")
        .await
        .unwrap();
    assert_eq!(ended["id"], session);
    c.next_where("session_updated", |s| s["status"] == "ENDED")
        .await
        .unwrap();

    // Activity in an unassigned room reaches the feed.
    let other = app.customer("walkin").await;
    let o = app.socket(&other).await;
    o.ack(
        "send_message",
        json!({"roomId": other.room_id, "content": "hello?"}),
    )
    .await;
    let activity = feed
        .next_where("room_updated", |a| a["reason"] == "message")
        .await
        .unwrap();
    assert_eq!(activity["roomId"], other.room_id.unwrap());
    assert_eq!(activity["message"]["content"], "hello?");
    assert_eq!(
        c.count("room_updated"),
        0,
        "customers are not on the staff feed"
    );
}

#[tokio::test]
async fn typing_and_read_markers() {
    let app = spawn_app().await;
    let customer = app.customer("reader").await;
    let room = customer.room_id.unwrap();
    let staff = app.staff("writer").await;
    let c = app.socket(&customer).await;
    c.join(room).await;
    let s = app.socket(&staff).await;
    let ack = s
        .ack("typing", json!({"roomId": room, "isTyping": true}))
        .await;
    assert_eq!(ack["ok"], false, "typing needs a joined room");
    s.join(room).await;
    s.ack("typing", json!({"roomId": room, "isTyping": true}))
        .await;
    let typing = c.next("user_typing").await.unwrap();
    assert_eq!(
        typing,
        json!({"roomId": room, "userId": staff.id, "userName": "writer", "isTyping": true})
    );
    assert_eq!(
        s.count("user_typing"),
        0,
        "the typist does not hear themselves"
    );

    let mut last = Value::Null;
    for i in 0..3 {
        last = s
            .ack(
                "send_message",
                json!({"roomId": room, "content": format!("r{i}")}),
            )
            .await["message"]["id"]
            .clone();
    }
    let (_, view) = app.get(&format!("/api/chat/rooms/{room}"), &customer).await;
    assert_eq!(view["unreadCount"], 3);
    let ack = c
        .ack("mark_read", json!({"roomId": room, "messageId": last}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    let read = s.next("messages_read").await.unwrap();
    assert_eq!(
        read,
        json!({"roomId": room, "userId": customer.id, "messageId": last})
    );
    let (_, view) = app.get(&format!("/api/chat/rooms/{room}"), &customer).await;
    assert_eq!(view["unreadCount"], 0);
}
