//! Contract §10, the desk's tools: transferring a room to a colleague (who may, to whom, the
//! capacity, and what each socket hears), private notes, canned replies and labels.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app};

async fn transfer(app: &TestApp, who: &User, room: i64, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/api/chat/rooms/{room}/transfer"), who, body)
        .await
}

#[tokio::test]
async fn a_staff_member_transfers_a_room_and_both_desks_hear_it_live() {
    let app = spawn_app().await;
    let mai = app.staff("mai").await;
    let lan = app.staff("lan").await;
    let cus = app.customer("cus").await;
    let room = cus.room_id.unwrap();
    let sid = app.open_session(&cus, "Order 42").await;
    app.claim(&mai, sid).await;

    let mai_tab1 = app.socket(&mai).await;
    let mai_tab2 = app.socket(&mai).await;
    mai_tab1.join(room).await;
    mai_tab2.join(room).await;
    let lan_sock = app.socket(&lan).await;
    let cus_sock = app.socket(&cus).await;
    cus_sock.join(room).await;

    let (status, body) = transfer(
        &app,
        &mai,
        room,
        json!({"staffId": lan.id, "note": "  Wants a refund, order 42  "}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], room);
    assert_eq!(body["staffId"], lan.id);
    assert_eq!(body["activeSession"]["staffId"], lan.id);
    assert_eq!(body["activeSession"]["status"], "IN_PROGRESS");

    for tab in [&mai_tab1, &mai_tab2] {
        let left = tab.next("left_room").await.unwrap();
        assert_eq!(left, json!({"roomId": room, "reason": "transferred"}));
    }
    let got = lan_sock.next("room_transferred").await.unwrap();
    assert_eq!(got["roomId"], room);
    assert_eq!(got["fromStaffId"], mai.id);
    assert_eq!(got["toStaffId"], lan.id);
    assert_eq!(got["note"], "Wants a refund, order 42");
    assert_eq!(got["fromStaff"]["userName"], "mai");
    let feed = lan_sock
        .next_where("room_updated", |r| r["roomId"] == room)
        .await
        .unwrap();
    assert_eq!(feed["staffId"], lan.id);
    // The customer hears who helps them now, and nothing of the note.
    let joined = cus_sock.next("session_joined").await.unwrap();
    assert_eq!(joined["staff"]["id"], lan.id);
    assert_eq!(cus_sock.count("room_transferred"), 0);

    // Mai has let go: she may no longer read the room; Lan may answer and end it.
    let (status, _) = app.get(&format!("/api/chat/rooms/{room}"), &mai).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let ack = lan_sock
        .ack(
            "send_message",
            json!({"roomId": room, "content": "Hi, Lan here"}),
        )
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    let ended = app.end(&lan, sid).await;
    assert_eq!(ended["status"], "ENDED");
}

#[tokio::test]
async fn only_the_holder_or_an_admin_transfers_and_only_to_an_active_colleague() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let lan = app.staff("lan").await;
    let gone = app.staff("gone").await;
    let cus = app.customer("cus").await;
    let other = app.customer("other").await;
    let room = cus.room_id.unwrap();
    let sid = app.open_session(&cus, "Help").await;
    app.claim(&mai, sid).await;
    let (status, _) = app
        .post(
            &format!("/api/admin/users/{}/deactivate", gone.id),
            &boss,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    for who in [&lan, &cus] {
        let (status, body) = transfer(&app, who, room, json!({"staffId": lan.id})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "FORBIDDEN");
    }
    for target in [other.id, gone.id, 999_999] {
        let (status, body) = transfer(&app, &mai, room, json!({"staffId": target})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "VALIDATION_FAILED");
    }
    for bad in [
        json!({"staffId": "2"}),
        json!({}),
        json!({"staffId": lan.id, "note": 7}),
        json!({"staffId": lan.id, "note": "x".repeat(1001)}),
    ] {
        let (status, body) = transfer(&app, &mai, room, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, _) = transfer(&app, &mai, 999_999, json!({"staffId": lan.id})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing moved.
    let (_, now) = app.get(&format!("/api/chat/rooms/{room}"), &boss).await;
    assert_eq!(now["staffId"], mai.id);

    // An admin may transfer anyone's room, to an admin as well.
    let (status, body) = transfer(&app, &boss, room, json!({"staffId": boss.id})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["activeSession"]["staffId"], boss.id);
    let (status, body) = transfer(&app, &boss, room, json!({"staffId": lan.id})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["staffId"], lan.id);
}

#[tokio::test]
async fn a_colleague_at_capacity_cannot_be_given_a_chat_and_the_queue_moves_after_a_transfer() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let lan = app.staff("lan").await;
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/admin/settings",
            Some(&boss.token),
            Some(json!({"maxChatsPerStaff": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let c1 = app.customer("cus1").await;
    let c2 = app.customer("cus2").await;
    let s1 = app.open_session(&c1, "One").await;
    let s2 = app.open_session(&c2, "Two").await;
    app.claim(&mai, s1).await;
    app.claim(&lan, s2).await;

    let (status, body) =
        transfer(&app, &mai, c1.room_id.unwrap(), json!({"staffId": lan.id})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "STAFF_AT_CAPACITY");
    let (_, s) = app.get(&format!("/api/chat/sessions/{s1}"), &boss).await;
    assert_eq!(s["staff"]["id"], mai.id);

    // Once Lan's chat ends she can take it; Mai then has room for another claim.
    app.end(&lan, s2).await;
    let (status, body) =
        transfer(&app, &mai, c1.room_id.unwrap(), json!({"staffId": lan.id})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let c3 = app.customer("cus3").await;
    let s3 = app.open_session(&c3, "Three").await;
    assert_eq!(app.claim(&mai, s3).await["status"], "IN_PROGRESS");
}

#[tokio::test]
async fn the_desk_offers_the_holder_a_transfer_dialog_listing_colleagues_with_their_chats() {
    let app = spawn_app().await;
    let _boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let lan = app.staff("lan").await;
    let cus = app.customer("cus").await;
    let c2 = app.customer("cus2").await;
    let room = cus.room_id.unwrap();
    let s1 = app.open_session(&cus, "Help").await;
    let s2 = app.open_session(&c2, "More").await;
    app.claim(&mai, s1).await;
    app.claim(&lan, s2).await;
    let lan_sock = app.socket(&lan).await;
    lan_sock.next("connected").await.ok();

    let desk = app.console("mai").await;
    let page = app
        .page(&format!("/console/rooms/{room}"), &desk.cookie)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"transfer-dialog\""),
        "{}",
        page.body
    );
    let at = page
        .body
        .find(&format!("<option value=\"{}\"", lan.id))
        .expect("Lan is offered");
    let option = &page.body[at..at + page.body[at..].find("</option>").unwrap()];
    assert!(option.contains("online"), "{option}");
    assert!(option.contains("1 chats held"), "{option}");
    assert!(!page.body.contains(&format!("<option value=\"{}\"", mai.id)));

    // Lan holds her own room and gets the dialog there; the desk without a room open has none.
    let other = app.console("lan").await;
    let page = app
        .page(
            &format!("/console/rooms/{}", c2.room_id.unwrap()),
            &other.cookie,
        )
        .await;
    assert!(page.body.contains("id=\"transfer-dialog\""));
    app.end(&lan, s2).await;
    let page = app.page("/console", &other.cookie).await;
    assert!(!page.body.contains("id=\"transfer-dialog\""));
}

const SECRET: &str = "Customer seems annoyed ZQX-note-7731";

#[tokio::test]
async fn a_private_note_reaches_staff_in_the_room_and_no_customer_output() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let cus = app.customer("cus").await;
    let room = cus.room_id.unwrap();
    let sid = app.open_session(&cus, "Help").await;
    app.claim(&mai, sid).await;
    let cus_sock = app.socket(&cus).await;
    cus_sock.join(room).await;
    let boss_sock = app.socket(&boss).await;
    boss_sock.join(room).await;
    let mai_sock = app.socket(&mai).await;
    mai_sock.join(room).await;
    let hello = mai_sock
        .ack("send_message", json!({"roomId": room, "content": "Hello"}))
        .await;
    assert_eq!(hello["ok"], true);

    let ack = mai_sock
        .ack(
            "add_note",
            json!({"roomId": room, "content": format!("  {SECRET}  ")}),
        )
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(ack["note"]["content"], SECRET);
    for sock in [&mai_sock, &boss_sock] {
        let note = sock.next("note_added").await.unwrap();
        assert_eq!(note["roomId"], room);
        assert_eq!(note["content"], SECRET);
        assert_eq!(note["author"]["userName"], "mai");
        assert!(note["createdAt"].as_str().unwrap().ends_with('Z'));
    }
    let (status, list) = app
        .get(&format!("/api/chat/rooms/{room}/notes"), &boss)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["content"], SECRET);

    // The customer: refused on both doors, and the text is in nothing they can read.
    let (status, body) = app
        .get(&format!("/api/chat/rooms/{room}/notes"), &cus)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let refused = cus_sock
        .ack("add_note", json!({"roomId": room, "content": "mine"}))
        .await;
    assert_eq!(refused["error"]["code"], "FORBIDDEN", "{refused}");
    // A message after the note: once the customer has it, the note would have arrived too.
    mai_sock
        .ack(
            "send_message",
            json!({"roomId": room, "content": "Still there?"}),
        )
        .await;
    cus_sock
        .next_where("new_message", |m| m["content"] == "Still there?")
        .await
        .unwrap();
    let mut seen = cus_sock.everything();
    for path in [
        "/api/chat/rooms".to_string(),
        format!("/api/chat/rooms/{room}"),
        format!("/api/chat/rooms/{room}/messages"),
        format!("/api/chat/rooms/{room}/sessions"),
        format!("/api/chat/sessions/{sid}"),
        "/api/chat/search?q=annoyed".to_string(),
        format!("/api/chat/rooms/{room}/transcript?format=json"),
        "/api/auth/me".to_string(),
    ] {
        let (status, body) = app.get(&path, &cus).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        seen.push_str(&body.to_string());
    }
    for format in ["txt", "html"] {
        let text = app
            .http
            .get(app.url(&format!(
                "/api/chat/rooms/{room}/transcript?format={format}"
            )))
            .bearer_auth(&cus.token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.contains("Still there?"), "{format}: {text}");
        seen.push_str(&text);
    }
    seen.push_str(&app.page("/chat", "").await.body);
    assert!(seen.contains("Still there?"));
    assert!(
        !seen.contains("ZQX-note-7731"),
        "a note reached the customer"
    );
    assert!(!seen.contains("note_added"));

    // A staff member who may not see the room may not write or read its notes.
    let lan = app.staff("lan").await;
    let (status, _) = app
        .get(&format!("/api/chat/rooms/{room}/notes"), &lan)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let lan_sock = app.socket(&lan).await;
    let ack = lan_sock
        .ack("add_note", json!({"roomId": room, "content": "x"}))
        .await;
    assert_eq!(ack["error"]["code"], "FORBIDDEN", "{ack}");
    let ack = mai_sock
        .ack("add_note", json!({"roomId": room, "content": "   "}))
        .await;
    assert_eq!(ack["error"]["code"], "VALIDATION_FAILED", "{ack}");
}
