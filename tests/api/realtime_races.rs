//! Who may do what over the socket (contract §6), and the two races: staff answering an
//! unassigned room at once, and a claim over REST against one over the socket.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::permissions::world;

#[tokio::test]
async fn socket_permissions_follow_the_table() {
    let w = world().await;
    let app = &w.app;
    // Joining: same cells as seeing a room.
    let cases = [
        (&w.alice, w.unassigned_room, true),
        (&w.alice, w.my_room, false),
        (&w.staff, w.unassigned_room, true),
        (&w.staff, w.my_room, true),
        (&w.staff, w.others_room, false),
        (&w.staff, w.others_open_room, true),
        (&w.admin, w.others_room, true),
    ];
    for (user, room, allowed) in cases {
        let sock = app.socket(user).await;
        let ack = sock.ack("join_room", json!({"roomId": room})).await;
        assert_eq!(ack["ok"], allowed, "{} join {room}: {ack}", user.name);
        sock.close().await;
    }
    // Sending.
    let send = |room: i64| json!({"roomId": room, "content": "hi"});
    let s_alice = app.socket(&w.alice).await;
    assert_eq!(
        s_alice.ack("send_message", send(w.unassigned_room)).await["ok"],
        true
    );
    assert_eq!(
        s_alice.ack("send_message", send(w.my_room)).await["ok"],
        false
    );
    let s_staff = app.socket(&w.staff).await;
    assert_eq!(
        s_staff.ack("send_message", send(w.my_room)).await["ok"],
        true
    );
    let refused = s_staff.ack("send_message", send(w.others_room)).await;
    assert_eq!(
        refused["error"]["message"],
        "This room is assigned to another staff member"
    );
    assert_eq!(
        s_staff.ack("send_message", send(w.others_open_room)).await["ok"],
        false
    );
    let s_admin = app.socket(&w.admin).await;
    assert_eq!(
        s_admin.ack("send_message", send(w.others_room)).await["ok"],
        true
    );
    let (_, room) = app
        .get(&format!("/api/chat/rooms/{}", w.others_room), &w.admin)
        .await;
    assert_eq!(
        room["staffId"], w.other_staff.id,
        "an admin's message does not reassign an assigned room"
    );
    // Claiming over the socket: customers may not.
    let ack = s_alice
        .ack("join_session", json!({"sessionId": w.others_open_session}))
        .await;
    assert_eq!(ack["ok"], false);
    for s in [s_alice, s_staff, s_admin] {
        s.close().await;
    }
}

#[tokio::test]
async fn eight_staff_answering_at_once_one_is_assigned() {
    let app = Arc::new(spawn_app().await);
    let customer = app.customer("needy").await;
    let room = customer.room_id.unwrap();
    let session = app.open_session(&customer, "Urgent").await;
    let watcher = app.socket(&customer).await;
    watcher.join(room).await;
    let mut socks = Vec::new();
    for i in 0..8 {
        let staff = app.staff(&format!("racer{i}")).await;
        let sock = app.socket(&staff).await;
        sock.join(room).await;
        socks.push((staff, sock));
    }
    let sends = socks.iter().map(|(_, s)| {
        s.ack(
            "send_message",
            json!({"roomId": room, "content": "I'll help"}),
        )
    });
    let acks = futures_util::future::join_all(sends).await;
    let winners: Vec<_> = acks
        .iter()
        .enumerate()
        .filter(|(_, a)| a["ok"] == true)
        .collect();
    assert_eq!(winners.len(), 1, "{acks:?}");
    let winner = &socks[winners[0].0].0;
    for a in acks.iter().filter(|a| a["ok"] == false) {
        assert_eq!(
            a["error"]["message"],
            "This room is assigned to another staff member"
        );
    }
    let (_, page) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &customer)
        .await;
    assert_eq!(
        page["pagination"]["total"], 1,
        "only the winner's message was stored"
    );
    let (_, s) = app
        .get(&format!("/api/chat/sessions/{session}"), &customer)
        .await;
    assert_eq!(s["status"], "IN_PROGRESS");
    assert_eq!(s["staffId"], winner.id);
    let joined = watcher.next("session_joined").await.unwrap();
    assert_eq!(joined["sessionId"], session);
    assert_eq!(joined["roomId"], room);
    assert_eq!(joined["staff"]["id"], winner.id);
    watcher.next("new_message").await.unwrap();
    assert_eq!(watcher.count("new_message"), 1);
}

#[tokio::test]
async fn a_claim_over_rest_and_one_over_the_socket_have_one_winner() {
    for _ in 0..5 {
        let app = spawn_app().await;
        let customer = app.customer("contested").await;
        let session = app.open_session(&customer, "Both want it").await;
        let (rest_staff, socket_staff) = (app.staff("by_rest").await, app.staff("by_socket").await);
        let sock = app.socket(&socket_staff).await;
        let path = format!("/api/chat/sessions/{session}/join");
        let (rest, over_socket) = tokio::join!(
            app.post(&path, &rest_staff, json!({})),
            sock.ack("join_session", json!({"sessionId": session}))
        );
        let rest_won = rest.0 == StatusCode::OK;
        let socket_won = over_socket["ok"] == true;
        assert!(
            rest_won ^ socket_won,
            "exactly one wins: {rest:?} {over_socket}"
        );
        let loser_message = if rest_won {
            over_socket["error"]["message"]
                .as_str()
                .unwrap()
                .to_string()
        } else {
            rest.1["message"].as_str().unwrap().to_string()
        };
        assert!(
            loser_message.starts_with("Session already claimed by"),
            "{loser_message}"
        );
        sock.close().await;
    }
}
