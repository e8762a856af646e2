//! Contract §10, idle auto-end: with `autoEndIdleMinutes`, a session nobody has written in for
//! that long ends, announced like any end; the timer lives in the stored times, so a session
//! that went idle while the server was down ends right after it starts again.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, User, spawn_app_in};

fn quick(c: &mut frontdesk::Config) {
    c.idle_check_every = Duration::from_millis(100);
}

/// Moves session `id` and its messages `minutes` into the past, as if time had passed.
fn age(app: &TestApp, id: i64, minutes: i64) {
    let ms = minutes * 60_000;
    app.db().execute_batch(&format!(
        "UPDATE sessions SET started_at = started_at - {ms}, claimed_at = claimed_at - {ms} WHERE id = {id};
         UPDATE messages SET created_at = created_at - {ms} WHERE session_id = {id};"
    ));
}

async fn status(app: &TestApp, id: i64, who: &User) -> String {
    let (_, s) = app.get(&format!("/api/chat/sessions/{id}"), who).await;
    s["status"].as_str().unwrap_or_default().to_string()
}

async fn until_ended(app: &TestApp, id: i64, who: &User) {
    for _ in 0..100 {
        if status(app, id, who).await == "ENDED" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("session {id} did not end");
}

#[tokio::test]
async fn an_idle_session_ends_and_the_room_and_feed_hear_it() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, quick).await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let customer = app.customer("quiet").await;
    let busy = app.customer("chatty").await;
    let idle = app.open_session(&customer, "Idle").await;
    let active = app.open_session(&busy, "Active").await;
    app.claim(&mai, idle).await;
    let feed = app.socket(&mai).await;
    let room = app.socket(&customer).await;
    room.join(customer.room_id.unwrap()).await;

    // Off by default: nothing ends however old it is.
    age(&app, idle, 30);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status(&app, idle, &boss).await, "IN_PROGRESS");

    let (code, body) = app
        .call(
            Method::PUT,
            "/api/admin/settings",
            Some(&boss.token),
            Some(json!({"autoEndIdleMinutes": 10})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    until_ended(&app, idle, &boss).await;
    let heard = room
        .next_where("session_updated", |v| {
            v["id"] == idle && v["status"] == "ENDED"
        })
        .await;
    assert!(heard.is_ok(), "the customer hears it: {heard:?}");
    let heard = feed
        .next_where("session_updated", |v| {
            v["id"] == idle && v["status"] == "ENDED"
        })
        .await;
    assert!(heard.is_ok(), "the staff member hears it: {heard:?}");
    // The other was written in just now: it stays.
    assert_eq!(status(&app, active, &boss).await, "OPEN");
    // A message keeps a session alive, however old its start.
    let bsock = app.socket(&busy).await;
    bsock
        .ack(
            "send_message",
            json!({"roomId": busy.room_id, "content": "still here"}),
        )
        .await;
    app.db().execute(
        "UPDATE sessions SET started_at = started_at - 1800000 WHERE id = ?1",
        &[&active],
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status(&app, active, &boss).await, "OPEN");
}

#[tokio::test]
async fn a_session_that_went_idle_while_the_server_was_down_ends_after_the_restart() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir.clone(), quick).await;
    let boss = app.admin("boss").await;
    let customer = app.customer("sleepy").await;
    let id = app.open_session(&customer, "Later").await;
    app.call(
        Method::PUT,
        "/api/admin/settings",
        Some(&boss.token),
        Some(json!({"autoEndIdleMinutes": 5})),
    )
    .await;
    assert_eq!(status(&app, id, &boss).await, "OPEN");
    app.stop().await;
    crate::test_db::TestDb::of_dir(dir.path()).execute(
        "UPDATE sessions SET started_at = started_at - 600000 WHERE id = ?1",
        &[&id],
    );
    let again = spawn_app_in(dir, quick).await;
    let boss = again.login("boss").await;
    until_ended(&again, id, &boss).await;
}
