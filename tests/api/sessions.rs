//! The queue and the claim: exactly one winner, whatever the door and however many race.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_queue_shows_open_sessions_oldest_first_until_claimed() {
    let app = spawn_app().await;
    let (a, b) = (
        app.customer("first_in").await,
        app.customer("second_in").await,
    );
    let staff = app.staff("desk").await;
    let s1 = app.open_session(&a, "One").await;
    let s2 = app.open_session(&b, "Two").await;
    let (status, queue) = app.get("/api/chat/sessions/unassigned", &staff).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<_> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![s1, s2]);
    assert_eq!(queue[0]["room"]["customer"]["userName"], "first_in");

    let (status, claimed) = app
        .post(&format!("/api/chat/sessions/{s1}/join"), &staff, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(claimed["status"], "IN_PROGRESS");
    assert_eq!(claimed["staffId"], staff.id);
    assert_eq!(claimed["staff"]["userName"], "desk");
    assert!(claimed["claimedAt"].is_string());
    let (_, queue) = app.get("/api/chat/sessions/unassigned", &staff).await;
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(queue[0]["id"], s2);

    // The room is now the staff member's.
    let (_, room) = app
        .get(&format!("/api/chat/rooms/{}", a.room_id.unwrap()), &staff)
        .await;
    assert_eq!(room["staffId"], staff.id);

    // Claiming again what you hold returns it.
    let (status, again) = app
        .post(&format!("/api/chat/sessions/{s1}/join"), &staff, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], s1);
}

#[tokio::test]
async fn fifty_concurrent_claims_have_exactly_one_winner() {
    let app = Arc::new(spawn_app().await);
    let customer = app.customer("popular").await;
    let session = app.open_session(&customer, "Everyone wants this").await;
    let mut staff = Vec::new();
    for i in 0..50 {
        staff.push(app.staff(&format!("staff{i:02}")).await);
    }
    let mut tasks = Vec::new();
    for s in staff {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.post(&format!("/api/chat/sessions/{session}/join"), &s, json!({}))
                .await
        }));
    }
    let mut wins = 0;
    let mut losses = 0;
    let mut winner = None;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::OK => {
                wins += 1;
                winner = body["staff"]["lastName"].as_str().map(str::to_string);
            }
            StatusCode::CONFLICT => {
                losses += 1;
                assert!(
                    body["message"]
                        .as_str()
                        .unwrap()
                        .starts_with("Session already claimed by"),
                    "{body}"
                );
                assert_eq!(body["error"], "Conflict");
                assert_eq!(body["statusCode"], 409);
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((wins, losses), (1, 49));
    let (_, s) = app
        .get(&format!("/api/chat/sessions/{session}"), &customer)
        .await;
    assert_eq!(s["staff"]["lastName"].as_str().map(str::to_string), winner);
}

#[tokio::test]
async fn ending_keeps_the_room_assigned_and_a_new_session_can_go_to_anyone() {
    let app = spawn_app().await;
    let customer = app.customer("loyal").await;
    let (first_staff, second_staff) = (app.staff("anh").await, app.staff("binh").await);
    let s1 = app.open_session(&customer, "One").await;
    app.claim(&first_staff, s1).await;

    let (status, body) = app
        .post(
            &format!("/api/chat/sessions/{s1}/end"),
            &second_staff,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the claimer: {body}");
    let (status, ended) = app
        .post(
            &format!("/api/chat/sessions/{s1}/end"),
            &first_staff,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ended["status"], "ENDED");
    let (status, body) = app
        .post(
            &format!("/api/chat/sessions/{s1}/end"),
            &first_staff,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = app
        .post(
            &format!("/api/chat/sessions/{s1}/join"),
            &second_staff,
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "an ended session cannot be claimed"
    );

    let (_, room) = app
        .get(
            &format!("/api/chat/rooms/{}", customer.room_id.unwrap()),
            &customer,
        )
        .await;
    assert_eq!(
        room["staffId"], first_staff.id,
        "ending never clears the room's staff"
    );
    assert_eq!(room["isClosed"], false);
    assert_eq!(room["activeSession"], serde_json::Value::Null);

    let s2 = app.open_session(&customer, "Two").await;
    let (status, claimed) = app
        .post(
            &format!("/api/chat/sessions/{s2}/join"),
            &second_staff,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    let (_, room) = app
        .get(
            &format!("/api/chat/rooms/{}", customer.room_id.unwrap()),
            &customer,
        )
        .await;
    assert_eq!(
        room["staffId"], second_staff.id,
        "a claim moves the room to the claimer"
    );
}

#[tokio::test]
async fn sessions_that_do_not_exist_are_404() {
    let app = spawn_app().await;
    let staff = app.staff("desk").await;
    for path in ["/api/chat/sessions/999/join", "/api/chat/sessions/999/end"] {
        let (status, body) = app.post(path, &staff, json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["message"], "Session not found");
    }
    let (status, _) = app.get("/api/chat/sessions/999", &staff).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
