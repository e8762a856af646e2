//! Session labels (contract §10): staff who may see the session's room, and admins, set them;
//! customers may not; the list is trimmed, lowercase, deduplicated and bounded; every Session
//! answered carries them, and other desks hear of a change as `session_updated`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app};

async fn set(app: &TestApp, user: &User, session: i64, body: Value) -> (StatusCode, Value) {
    app.call(
        Method::PUT,
        &format!("/api/chat/sessions/{session}/labels"),
        Some(&user.token),
        Some(body),
    )
    .await
}

async fn labels_of(app: &TestApp, user: &User, session: i64) -> Value {
    let (status, body) = app
        .get(&format!("/api/chat/sessions/{session}"), user)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["labels"].clone()
}

#[tokio::test]
async fn staff_label_a_session_and_every_session_view_shows_them() {
    let app = spawn_app().await;
    let customer = app.customer("anh").await;
    let room = customer.room_id.unwrap();
    let mai = app.staff("mai").await;
    let session = app.open_session(&customer, "refund please").await;
    // A fresh session has none, everywhere.
    assert_eq!(labels_of(&app, &mai, session).await, json!([]));
    app.claim(&mai, session).await;

    let feed = app.socket(&mai).await;
    let (status, body) = set(
        &app,
        &mai,
        session,
        json!({"labels": ["  Refund ", "vip", "REFUND", "Đơn hàng"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let want = json!(["refund", "vip", "đơn hàng"]);
    assert_eq!(body["labels"], want);
    assert_eq!(body["id"], session);
    let heard = feed
        .next_where("session_updated", |s| s["id"] == session)
        .await
        .unwrap();
    assert_eq!(heard["labels"], want);

    assert_eq!(labels_of(&app, &mai, session).await, want);
    let (_, r) = app.get(&format!("/api/chat/rooms/{room}"), &mai).await;
    assert_eq!(r["activeSession"]["labels"], want, "{r}");
    let (_, list) = app
        .get(&format!("/api/chat/rooms/{room}/sessions"), &mai)
        .await;
    assert_eq!(list[0]["labels"], want, "{list}");

    // An empty list clears them; an admin may set them too.
    let admin = app.admin("boss").await;
    let (status, body) = set(&app, &admin, session, json!({"labels": []})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["labels"], json!([]));
    let (status, body) = set(&app, &admin, session, json!({"labels": ["late"]})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["labels"], json!(["late"]));
    // Labels stay on the ended session.
    app.end(&mai, session).await;
    assert_eq!(labels_of(&app, &mai, session).await, json!(["late"]));
}

#[tokio::test]
async fn bad_label_lists_are_400_naming_labels_and_nothing_changes() {
    let app = spawn_app().await;
    let customer = app.customer("anh").await;
    let mai = app.staff("mai").await;
    let session = app.open_session(&customer, "help").await;
    app.claim(&mai, session).await;
    let (status, _) = set(&app, &mai, session, json!({"labels": ["kept"]})).await;
    assert_eq!(status, StatusCode::OK);
    let eleven: Vec<String> = (0..11).map(|i| format!("l{i}")).collect();
    let cases = [
        json!({"labels": [""]}),
        json!({"labels": ["   "]}),
        json!({"labels": ["x".repeat(33)]}),
        json!({"labels": ["a\nb"]}),
        json!({"labels": eleven}),
    ];
    for body in cases {
        let (status, answer) = set(&app, &mai, session, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["code"], "VALIDATION_FAILED");
        assert!(
            answer["message"].to_string().contains("labels"),
            "{body}: {answer}"
        );
    }
    // The wrong JSON types are 400 too (poem names the body, not the field).
    for body in [json!({"labels": [7]}), json!({"labels": "vip"}), json!({})] {
        let (status, answer) = set(&app, &mai, session, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
    // Ten different labels (duplicates folded first) are fine.
    let mut ten: Vec<String> = (0..10).map(|i| format!("l{i}")).collect();
    ten.push("L0".into());
    let (status, body) = set(&app, &mai, session, json!({ "labels": ten })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["labels"].as_array().unwrap().len(), 10);
    let (status, _) = set(&app, &mai, session, json!({"labels": ["kept"]})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = set(&app, &mai, 999_999, json!({"labels": ["x"]})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(labels_of(&app, &mai, session).await, json!(["kept"]));
}

#[tokio::test]
async fn customers_and_staff_without_access_may_not_label() {
    let app = spawn_app().await;
    let customer = app.customer("anh").await;
    let (mai, lan) = (app.staff("mai").await, app.staff("lan").await);
    let session = app.open_session(&customer, "help").await;
    app.claim(&mai, session).await;
    set(&app, &mai, session, json!({"labels": ["kept"]})).await;

    let (status, body) = set(&app, &customer, session, json!({"labels": ["mine"]})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Lan does not hold the room: she may not see it, so she may not label it.
    let (status, body) = set(&app, &lan, session, json!({"labels": ["hers"]})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/chat/sessions/{session}/labels"),
            None,
            Some(json!({"labels": ["x"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(labels_of(&app, &mai, session).await, json!(["kept"]));
}

#[tokio::test]
async fn the_admin_session_list_shows_labels_and_filters_by_one() {
    let app = spawn_app().await;
    let (an, binh) = (app.customer("anh").await, app.customer("binh").await);
    let mai = app.staff("mai").await;
    let first = app.open_session(&an, "topic-one").await;
    let second = app.open_session(&binh, "topic-two").await;
    app.claim(&mai, first).await;
    app.claim(&mai, second).await;
    set(&app, &mai, first, json!({"labels": ["refund", "vip"]})).await;
    set(&app, &mai, second, json!({"labels": ["shipping"]})).await;
    app.admin("boss").await;
    let console = app.console("boss").await;

    let all = app.page("/console/admin/sessions", &console.cookie).await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("topic-one") && all.body.contains("topic-two"));
    assert!(all.body.contains(">refund<") && all.body.contains(">shipping<"));

    let only = app
        .page("/console/admin/sessions?label=VIP", &console.cookie)
        .await;
    assert!(only.body.contains("topic-one"), "{}", only.body);
    assert!(!only.body.contains("topic-two"));
    assert!(only.body.contains("1 "), "the total counts the filter");
    let none = app
        .page("/console/admin/sessions?label=nothing", &console.cookie)
        .await;
    assert!(!none.body.contains("topic-one") && !none.body.contains("topic-two"));
}
