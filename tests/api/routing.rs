//! Contract §10, capacity and routing: `maxChatsPerStaff` holds for every kind of assignment,
//! under a mixed REST and socket race too, and `routing: "auto"` gives each new session to the
//! online staff member with the fewest chats, keeps the rest waiting, and hands them out as
//! staff free up, come online or come back from away.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Sock, TestApp, User, spawn_app};

pub(crate) async fn settings(app: &TestApp, admin: &User, body: Value) {
    let (status, reply) = app
        .call(
            Method::PUT,
            "/api/admin/settings",
            Some(&admin.token),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
}

async fn session(app: &TestApp, id: i64, who: &User) -> Value {
    app.get(&format!("/api/chat/sessions/{id}"), who).await.1
}

/// Waits until session `id` has the status wanted (routing happens in the writer, right after
/// the change that prompted it, but the test reads over REST).
pub(crate) async fn until_status(app: &TestApp, id: i64, who: &User, status: &str) -> Value {
    for _ in 0..100 {
        let s = session(app, id, who).await;
        if s["status"] == status {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "session {id} never became {status}: {}",
        session(app, id, who).await
    );
}

#[tokio::test]
async fn the_cap_holds_for_rest_socket_first_message_and_reassignment() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let lan = app.staff("lan").await;
    settings(&app, &boss, json!({"maxChatsPerStaff": 1})).await;
    let c1 = app.customer("cus1").await;
    let c2 = app.customer("cus2").await;
    let c3 = app.customer("cus3").await;
    let s1 = app.open_session(&c1, "One").await;
    let s2 = app.open_session(&c2, "Two").await;
    let s3 = app.open_session(&c3, "Three").await;
    app.claim(&mai, s1).await;

    let (status, body) = app
        .post(&format!("/api/chat/sessions/{s2}/join"), &mai, json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "STAFF_AT_CAPACITY");
    let sock = app.socket(&mai).await;
    let ack = sock.ack("join_session", json!({"sessionId": s2})).await;
    assert_eq!(ack["error"]["code"], "STAFF_AT_CAPACITY", "{ack}");
    // A first message into an unassigned room would claim its open session: refused too, and
    // nothing is stored.
    let ack = sock
        .ack(
            "send_message",
            json!({"roomId": c2.room_id, "content": "hello"}),
        )
        .await;
    assert_eq!(ack["error"]["code"], "STAFF_AT_CAPACITY", "{ack}");
    let (_, history) = app
        .get(
            &format!("/api/chat/rooms/{}/messages", c2.room_id.unwrap()),
            &boss,
        )
        .await;
    assert_eq!(history["messages"], json!([]));
    assert_eq!(session(&app, s2, &boss).await["status"], "OPEN");

    // An admin cannot hand Lan's chat to Mai either (the console's reassign).
    app.claim(&lan, s3).await;
    let console = app.console("boss").await;
    let page = app
        .form(
            &format!("/console/admin/rooms/{}/assign", c3.room_id.unwrap()),
            &console.cookie,
            &[("csrf", &console.csrf), ("staff_id", &mai.id.to_string())],
        )
        .await;
    assert!(
        page.body.contains("STAFF_AT_CAPACITY") || page.body.contains("already holds"),
        "{}",
        page.body
    );
    assert_eq!(session(&app, s3, &boss).await["staff"]["id"], lan.id);

    // Once Mai's chat ends, she has room again.
    app.end(&mai, s1).await;
    app.claim(&mai, s2).await;
}

#[tokio::test]
async fn twenty_claims_at_once_over_rest_and_sockets_never_pass_the_cap() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    settings(&app, &boss, json!({"maxChatsPerStaff": 3})).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let c = app.customer(&format!("racer{i}")).await;
        ids.push(app.open_session(&c, "Race").await);
    }
    // One claim in flight per socket: ten sockets race the ten REST claims.
    let socks: Vec<Sock> = futures_util::future::join_all((0..10).map(|_| app.socket(&mai))).await;
    let results = futures_util::future::join_all(ids.iter().enumerate().map(|(i, &id)| {
        let (app, mai, sock) = (&app, &mai, &socks[i / 2]);
        async move {
            if i % 2 == 0 {
                let (status, body) = app
                    .post(&format!("/api/chat/sessions/{id}/join"), mai, json!({}))
                    .await;
                (status == StatusCode::OK, body["code"].clone())
            } else {
                let ack = sock.ack("join_session", json!({"sessionId": id})).await;
                (ack["ok"] == true, ack["error"]["code"].clone())
            }
        }
    }))
    .await;
    let won = results.iter().filter(|(ok, _)| *ok).count();
    assert_eq!(won, 3, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|(ok, _)| !ok)
            .all(|(_, code)| code == "STAFF_AT_CAPACITY")
    );
    let (_, mine) = app.get("/api/chat/rooms/assigned", &mai).await;
    assert_eq!(mine.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn auto_routing_goes_to_the_least_busy_online_staff_and_the_queue_follows() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let lan = app.staff("lan").await;
    let hoa = app.staff("hoa").await;
    settings(
        &app,
        &boss,
        json!({"routing": "auto", "maxChatsPerStaff": 1}),
    )
    .await;
    let customers = {
        let mut v = Vec::new();
        for i in 0..5 {
            v.push(app.customer(&format!("cust{i}")).await);
        }
        v
    };

    // Nobody has the desk open: the session waits.
    let s0 = app.open_session(&customers[0], "Early").await;
    assert_eq!(session(&app, s0, &boss).await["status"], "OPEN");
    // Mai comes online: the waiting one is hers at once.
    let mai_sock = app.socket(&mai).await;
    let s0 = until_status(&app, s0, &boss, "IN_PROGRESS").await;
    assert_eq!(s0["staff"]["id"], mai.id);
    // Lan comes online; the next session goes to her, the one with no chats.
    let lan_sock = app.socket(&lan).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let s1 = app.open_session(&customers[1], "Second").await;
    let s1v = until_status(&app, s1, &boss, "IN_PROGRESS").await;
    assert_eq!(s1v["staff"]["id"], lan.id);
    let heard = lan_sock
        .next_where("session_updated", |v| {
            v["id"] == s1 && v["status"] == "IN_PROGRESS"
        })
        .await;
    assert!(heard.is_ok(), "Lan's desk hears of her new chat: {heard:?}");
    // Both are at the cap: the third waits.
    let s2 = app.open_session(&customers[2], "Third").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(session(&app, s2, &boss).await["status"], "OPEN");
    // Mai ends hers and gets the third.
    app.end(&mai, s0["id"].as_i64().unwrap()).await;
    assert_eq!(
        until_status(&app, s2, &boss, "IN_PROGRESS").await["staff"]["id"],
        mai.id
    );
    // Lan steps away, then ends hers: the fourth session waits for someone free, not her.
    let ack = lan_sock.ack("set_away", json!({"away": true})).await;
    assert_eq!(ack, json!({"ok": true, "away": true}));
    app.end(&lan, s1).await;
    let s3 = app.open_session(&customers[3], "Fourth").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(session(&app, s3, &boss).await["status"], "OPEN");
    // Hoa opens the desk: hers.
    let _hoa_sock = app.socket(&hoa).await;
    assert_eq!(
        until_status(&app, s3, &boss, "IN_PROGRESS").await["staff"]["id"],
        hoa.id
    );
    // Lan is back: the fifth goes to her.
    let s4 = app.open_session(&customers[4], "Fifth").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(session(&app, s4, &boss).await["status"], "OPEN");
    lan_sock.ack("set_away", json!({"away": false})).await;
    assert_eq!(
        until_status(&app, s4, &boss, "IN_PROGRESS").await["staff"]["id"],
        lan.id
    );
    // Customers may not be away.
    let c = app.socket(&customers[0]).await;
    let ack = c.ack("set_away", json!({"away": true})).await;
    assert_eq!(ack["error"]["code"], "FORBIDDEN");
    drop(mai_sock);
}

#[tokio::test]
async fn a_staff_member_who_closes_the_desk_gets_no_routed_chats() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    settings(&app, &boss, json!({"routing": "auto"})).await;
    let sock = app.socket(&mai).await;
    sock.close().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let c = app.customer("late").await;
    let s = app.open_session(&c, "Anyone?").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(session(&app, s, &boss).await["status"], "OPEN");
    // Turning routing off and on again with someone online hands the queue out.
    let _again = app.socket(&mai).await;
    assert_eq!(
        until_status(&app, s, &boss, "IN_PROGRESS").await["staff"]["id"],
        mai.id
    );
}

/// The dashboard's share of first replies within `firstReplyTargetSeconds`, over 14 days.
#[tokio::test]
async fn the_dashboard_shows_the_share_answered_within_the_target() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let console = app.console("boss").await;
    let tile = |body: &str| {
        body.split("id=\"fig-within-target\"")
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect::<String>()
    };
    let page = app.page("/console/admin", &console.cookie).await;
    assert!(tile(&page.body).starts_with(">—<"), "{}", tile(&page.body));
    let sock = app.socket(&mai).await;
    for (name, late_ms) in [("fast1", 0), ("fast2", 0), ("slow1", 600_000)] {
        let customer = app.customer(name).await;
        let session = app.open_session(&customer, "Hi").await;
        if late_ms > 0 {
            // This one waited ten minutes before its answer.
            app.db().execute(
                "UPDATE sessions SET started_at = started_at - ?2 WHERE id = ?1",
                &[&session, &(late_ms as i64)],
            );
        }
        app.claim(&mai, session).await;
        let ack = sock
            .ack(
                "send_message",
                json!({"roomId": customer.room_id, "content": "Chào anh"}),
            )
            .await;
        assert_eq!(ack["ok"], true, "{ack}");
    }
    let page = app.page("/console/admin", &console.cookie).await;
    assert!(
        tile(&page.body).starts_with(">66% <small>(2/3)</small>"),
        "{}",
        tile(&page.body)
    );
    drop(boss);
}
