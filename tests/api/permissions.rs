//! Every cell of contract §6 over REST (the socket cells are in realtime.rs).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, User, spawn_app};

/// Customers with rooms in each state the table distinguishes.
pub struct World {
    pub app: TestApp,
    pub alice: User,
    pub bob: User,
    pub staff: User,
    pub other_staff: User,
    pub admin: User,
    /// Nobody assigned, no activity.
    pub unassigned_room: i64,
    /// Assigned to `staff`.
    pub my_room: i64,
    /// Assigned to `other_staff`, nothing open.
    pub others_room: i64,
    /// Assigned to `other_staff`, with an `OPEN` session.
    pub others_open_room: i64,
    pub others_open_session: i64,
}

pub async fn world() -> World {
    let app = spawn_app().await;
    let alice = app.customer("alice").await;
    let bob = app.customer("bob").await;
    let carol = app.customer("carol").await;
    let dave = app.customer("dave").await;
    let staff = app.staff("staff_me").await;
    let other_staff = app.staff("staff_other").await;
    let admin = app.admin("the_admin").await;

    let s = app.open_session(&bob, "mine").await;
    app.claim(&staff, s).await;
    let s = app.open_session(&carol, "theirs").await;
    app.claim(&other_staff, s).await;
    app.end(&other_staff, s).await;
    let s = app.open_session(&dave, "theirs, done").await;
    app.claim(&other_staff, s).await;
    app.end(&other_staff, s).await;
    let open = app.open_session(&dave, "theirs, waiting again").await;

    World {
        unassigned_room: alice.room_id.unwrap(),
        my_room: bob.room_id.unwrap(),
        others_room: carol.room_id.unwrap(),
        others_open_room: dave.room_id.unwrap(),
        others_open_session: open,
        app,
        alice,
        bob,
        staff,
        other_staff,
        admin,
    }
}

async fn can_see(w: &World, user: &User, room: i64) -> StatusCode {
    let (a, _) = w.app.get(&format!("/api/chat/rooms/{room}"), user).await;
    let (b, _) = w
        .app
        .get(&format!("/api/chat/rooms/{room}/messages"), user)
        .await;
    let (c, _) = w
        .app
        .get(&format!("/api/chat/rooms/{room}/sessions"), user)
        .await;
    assert_eq!(a, b, "room and its messages agree for room {room}");
    assert_eq!(a, c, "room and its sessions agree for room {room}");
    a
}

#[tokio::test]
async fn who_may_see_a_room() {
    let w = world().await;
    let ok = StatusCode::OK;
    let no = StatusCode::FORBIDDEN;
    // Customer: own room only.
    assert_eq!(can_see(&w, &w.alice, w.unassigned_room).await, ok);
    assert_eq!(can_see(&w, &w.alice, w.my_room).await, no);
    // Staff: unassigned, assigned to them, or with an OPEN session.
    assert_eq!(can_see(&w, &w.staff, w.unassigned_room).await, ok);
    assert_eq!(can_see(&w, &w.staff, w.my_room).await, ok);
    assert_eq!(can_see(&w, &w.staff, w.others_room).await, no);
    assert_eq!(can_see(&w, &w.staff, w.others_open_room).await, ok);
    // Admin: any.
    for room in [
        w.unassigned_room,
        w.my_room,
        w.others_room,
        w.others_open_room,
    ] {
        assert_eq!(can_see(&w, &w.admin, room).await, ok);
    }
    // Missing is 404 for everyone.
    assert_eq!(can_see(&w, &w.admin, 9_999).await, StatusCode::NOT_FOUND);
    assert_eq!(can_see(&w, &w.alice, 9_999).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn who_may_open_a_session() {
    let w = world().await;
    let path = |room: i64| format!("/api/chat/rooms/{room}/sessions");
    let body = json!({"title": "help"});
    let (status, _) = w.app.post(&path(w.my_room), &w.alice, body.clone()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "not in another customer's room"
    );
    let (status, _) = w
        .app
        .post(&path(w.unassigned_room), &w.staff, body.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "staff never opens sessions");
    let (status, _) = w
        .app
        .post(&path(w.unassigned_room), &w.admin, body.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "admins never open sessions");
    let (status, _) = w.app.post(&path(9_999), &w.alice, body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = w.app.post(&path(w.unassigned_room), &w.alice, body).await;
    assert_eq!(status, StatusCode::CREATED, "a customer in their own room");
}

#[tokio::test]
async fn who_may_claim_a_session() {
    let w = world().await;
    let s = w.others_open_session;
    let (status, _) = w
        .app
        .post(&format!("/api/chat/sessions/{s}/join"), &w.alice, json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "customers never claim");
    let (status, body) = w
        .app
        .post(&format!("/api/chat/sessions/{s}/join"), &w.staff, json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "any staff may claim any OPEN session: {body}"
    );

    let s2 = w.app.open_session(&w.alice, "for the admin").await;
    let (status, _) = w
        .app
        .post(
            &format!("/api/chat/sessions/{s2}/join"),
            &w.admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "admins may claim");
}

#[tokio::test]
async fn who_may_end_a_session() {
    let w = world().await;
    let end = |s: i64| format!("/api/chat/sessions/{s}/end");
    // Staff: only the one they claimed.
    let s = w.app.open_session(&w.alice, "a").await;
    w.app.claim(&w.other_staff, s).await;
    let (status, _) = w.app.post(&end(s), &w.staff, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = w.app.post(&end(s), &w.bob, json!({})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "not another customer's session"
    );
    let (status, _) = w.app.post(&end(s), &w.other_staff, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    // The room's customer may end their own (ext), even before anyone claimed it.
    let s = w.app.open_session(&w.alice, "b").await;
    let (status, _) = w.app.post(&end(s), &w.alice, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    // Staff may not end an OPEN session nobody claimed; an admin may end any.
    let s = w.app.open_session(&w.alice, "c").await;
    let (status, _) = w.app.post(&end(s), &w.staff, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = w.app.post(&end(s), &w.admin, json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn who_may_list_the_queues() {
    let w = world().await;
    for path in [
        "/api/chat/rooms/unassigned",
        "/api/chat/rooms/assigned",
        "/api/chat/sessions/unassigned",
    ] {
        let (status, body) = w.app.get(path, &w.alice).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_eq!(body["error"], "Forbidden");
        let (status, _) = w.app.get(path, &w.staff).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let (status, _) = w.app.get(path, &w.admin).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let (_, mine) = w.app.get("/api/chat/rooms/assigned", &w.staff).await;
    let ids: Vec<_> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![w.my_room], "staff: only their own assigned rooms");
    let (_, all) = w.app.get("/api/chat/rooms/assigned", &w.admin).await;
    assert_eq!(
        all.as_array().unwrap().len(),
        3,
        "admin: every assigned room"
    );
    let (_, queue) = w.app.get("/api/chat/sessions/unassigned", &w.staff).await;
    assert_eq!(queue[0]["id"], w.others_open_session);
}
