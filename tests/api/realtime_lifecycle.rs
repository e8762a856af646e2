//! Realtime over time: reconnect catch-up and idempotent resends, revoked users, one socket's
//! send order, and who keeps hearing a room once it is assigned.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn catch_up_and_idempotent_resend() {
    let app = spawn_app().await;
    let customer = app.customer("flaky").await;
    let room = customer.room_id.unwrap();
    let c = app.socket(&customer).await;
    c.join(room).await;
    let first = c
        .ack(
            "send_message",
            json!({"roomId": room, "content": "one", "clientMessageId": "k-1"}),
        )
        .await;
    let again = c
        .ack(
            "send_message",
            json!({"roomId": room, "content": "one", "clientMessageId": "k-1"}),
        )
        .await;
    assert_eq!(first["message"]["id"], again["message"]["id"]);
    c.next("new_message").await.unwrap();
    let last_seen = first["message"]["id"].as_i64().unwrap();
    c.close().await;

    let other = app.socket(&customer).await;
    for i in 0..5 {
        other
            .ack(
                "send_message",
                json!({"roomId": room, "content": format!("missed {i}")}),
            )
            .await;
    }
    let back = app.socket(&customer).await;
    let ack = back
        .ack(
            "join_room",
            json!({"roomId": room, "afterMessageId": last_seen}),
        )
        .await;
    assert_eq!(ack["ok"], true);
    let history = back.next("room_history").await.unwrap();
    let contents: Vec<_> = history["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(
        contents,
        (0..5)
            .map(|i| json!(format!("missed {i}")))
            .collect::<Vec<_>>()
    );
    assert_eq!(history["pagination"]["hasMore"], false);
    assert_eq!(
        history["pagination"]["total"], 6,
        "the resend stored nothing"
    );
    assert_eq!(other.count("new_message"), 0, "other never joined the room");
}

#[tokio::test]
async fn deactivating_a_user_closes_their_sockets() {
    let app = spawn_app().await;
    let staff = app.staff("leaving").await;
    let admin = app.admin("boss").await;
    let sock = app.socket(&staff).await;
    // While connected, a typing probe for a room not joined is answered with `error`.
    sock.emit("typing", json!({"roomId": 1, "isTyping": true}))
        .await;
    sock.next("error").await.expect("a live socket answers");
    app.post(
        &format!("/api/admin/users/{}/deactivate", staff.id),
        &admin,
        json!({}),
    )
    .await;
    assert!(
        sock.closed_by_server().await,
        "socket still served after deactivation"
    );
}

// Several worker threads, so the server's per-event tasks really can overtake each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_sockets_quick_sends_are_stored_in_the_order_sent() {
    let app = crate::helpers::spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.rates.messages_per_second = 10_000;
        c.rates.messages_burst = 10_000;
    })
    .await;
    let customer = app.customer("hasty").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    sock.join(room).await;
    for i in 0..200 {
        sock.emit(
            "send_message",
            json!({"roomId": room, "content": format!("{i}")}),
        )
        .await;
    }
    for _ in 0..200 {
        sock.next("new_message").await.unwrap();
    }
    let arrived: Vec<(i64, i64)> = sock
        .all("new_message")
        .iter()
        .map(|m| {
            (
                m["id"].as_i64().unwrap(),
                m["content"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    let ids: Vec<i64> = arrived.iter().map(|a| a.0).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "new_message in increasing id order");
    let contents: Vec<i64> = arrived.iter().map(|a| a.1).collect();
    assert_eq!(
        contents,
        (0..200).collect::<Vec<_>>(),
        "stored in the order sent"
    );
}

#[tokio::test]
async fn staff_who_lose_a_room_to_another_stop_hearing_it() {
    let app = spawn_app().await;
    let customer = app.customer("private").await;
    let room = customer.room_id.unwrap();
    let (winner, other) = (app.staff("winner").await, app.staff("bystander").await);
    let admin = app.admin("overseer").await;
    let c = app.socket(&customer).await;
    c.join(room).await;
    c.ack("send_message", json!({"roomId": room, "content": "hello?"}))
        .await;
    let w = app.socket(&winner).await;
    w.join(room).await;
    let o = app.socket(&other).await;
    o.join(room).await;
    let a = app.socket(&admin).await;
    a.join(room).await;

    w.ack(
        "send_message",
        json!({"roomId": room, "content": "I have it"}),
    )
    .await;
    let notice = o
        .next_where("left_room", |e| e["roomId"] == room)
        .await
        .unwrap();
    let left = c
        .next_where("user_left", |l| l["userId"] == other.id)
        .await
        .unwrap();
    assert_eq!(left["userName"], "bystander");
    assert_eq!(notice["reason"], "assigned");
    assert!(
        o.all("error").is_empty(),
        "losing a room is announced with left_room, not an error"
    );
    let assigned = o
        .next_where("room_updated", |u| u["reason"] == "assigned")
        .await
        .unwrap();
    assert_eq!(
        assigned["message"],
        Value::Null,
        "the feed carries no text of an assigned room"
    );

    c.ack(
        "send_message",
        json!({"roomId": room, "content": "my card number is 4111"}),
    )
    .await;
    a.next_where("new_message", |m| m["content"] == "my card number is 4111")
        .await
        .unwrap();
    w.next_where("new_message", |m| m["content"] == "my card number is 4111")
        .await
        .unwrap();
    assert!(
        o.all("new_message")
            .iter()
            .all(|m| m["content"] != "my card number is 4111"),
        "a staff member without access hears nothing more"
    );
    let ack = o
        .ack("typing", json!({"roomId": room, "isTyping": true}))
        .await;
    assert_eq!(ack["ok"], false);
}

#[tokio::test]
async fn a_claim_moves_other_staff_out_of_a_room_they_saw_through_its_open_session() {
    let app = spawn_app().await;
    let customer = app.customer("queued").await;
    let room = customer.room_id.unwrap();
    let (first, second, third) = (
        app.staff("first").await,
        app.staff("second").await,
        app.staff("third").await,
    );
    // The room belongs to `first`; a new OPEN session lets `third` look in.
    let s = app.open_session(&customer, "one").await;
    app.claim(&first, s).await;
    app.end(&first, s).await;
    let s2 = app.open_session(&customer, "two").await;
    let t = app.socket(&third).await;
    t.join(room).await;
    let (status, _) = app
        .post(&format!("/api/chat/sessions/{s2}/join"), &second, json!({}))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let left = t
        .next_where("left_room", |e| e["roomId"] == room)
        .await
        .unwrap();
    assert_eq!(left["reason"], "assigned");
    let c = app.socket(&customer).await;
    c.join(room).await;
    c.ack(
        "send_message",
        json!({"roomId": room, "content": "for second only"}),
    )
    .await;
    c.next_where("new_message", |m| m["content"] == "for second only")
        .await
        .unwrap();
    assert!(
        t.all("new_message")
            .iter()
            .all(|m| m["content"] != "for second only")
    );
}
