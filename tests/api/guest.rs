//! Contract §8, guest chat: a visitor starts with a name; the shop's pre-chat form decides
//! whether e-mail and phone are asked for; a guest has no password; the token lasts 30 days.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app, spawn_app_in};

async fn guest(app: &TestApp, body: Value) -> (StatusCode, Value) {
    app.call(Method::POST, "/api/auth/guest", None, Some(body))
        .await
}

fn as_user(body: &Value) -> User {
    User {
        id: body["user"]["id"].as_i64().unwrap(),
        name: body["user"]["userName"].as_str().unwrap().into(),
        token: body["accessToken"].as_str().unwrap().into(),
        room_id: None,
    }
}

/// The token's lifetime in seconds, read from its claims.
fn lifetime(token: &str) -> i64 {
    use base64::Engine;
    let claims = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap()
}

#[tokio::test]
async fn a_guest_starts_with_a_name_and_has_a_room_at_once() {
    let app = spawn_app().await;
    let (status, body) = guest(&app, json!({"firstName": "  Lan  "})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["role"], "CUSTOMER");
    assert_eq!(body["user"]["firstName"], "Lan");
    assert!(
        body["user"]["userName"]
            .as_str()
            .unwrap()
            .starts_with("guest-"),
        "{body}"
    );
    let token = body["accessToken"].as_str().unwrap();
    assert!(lifetime(token) >= 30 * 24 * 3600, "{}", lifetime(token));
    let me = as_user(&body);
    let (status, rooms) = app.get("/api/chat/rooms", &me).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rooms.as_array().unwrap().len(), 1, "{rooms}");
    let room = rooms[0]["id"].as_i64().unwrap();
    let (status, opened) = app
        .post(
            &format!("/api/chat/rooms/{room}/sessions"),
            &me,
            json!({"title": "Đơn hàng"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");

    // Two guests with the same name are two customers.
    let (_, other) = guest(&app, json!({"firstName": "Lan"})).await;
    assert_ne!(other["user"]["id"], body["user"]["id"]);
    assert_ne!(other["user"]["userName"], body["user"]["userName"]);
}

#[tokio::test]
async fn a_guest_has_no_password_to_guess() {
    let app = spawn_app().await;
    let (_, body) = guest(&app, json!({"firstName": "Minh"})).await;
    let name = body["user"]["userName"].as_str().unwrap();
    for password in ["", "password-123"] {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({"userName": name, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_form_is_checked_and_follows_the_shops_pre_chat_setting() {
    let app = spawn_app().await;
    for (bad, message) in [
        (json!({}), "firstName"),
        (json!({"firstName": "   "}), "firstName"),
        (json!({"firstName": 7}), "string"),
        (json!({"firstName": "x".repeat(51)}), "firstName"),
    ] {
        let (status, body) = guest(&app, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["code"], "VALIDATION_FAILED");
        assert!(
            body["message"].as_str().unwrap().contains(message),
            "{body}"
        );
    }
    // Hidden by default: an e-mail sent anyway is not kept, nor checked.
    let (status, _) = guest(&app, json!({"firstName": "A", "email": "not an address"})).await;
    assert_eq!(status, StatusCode::CREATED);

    let admin = app.admin("boss").await;
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/admin/settings",
            Some(&admin.token),
            Some(json!({"prechat": {"email": "required", "phone": "optional"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (bad, message) in [
        (json!({"firstName": "B"}), "email is required"),
        (json!({"firstName": "B", "email": "b@"}), "email must be"),
        (
            json!({"firstName": "B", "email": "b@shop.vn", "phone": "12"}),
            "phone must be",
        ),
    ] {
        let (status, body) = guest(&app, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(message),
            "{body}"
        );
    }
    let (status, body) = guest(
        &app,
        json!({"firstName": "B", "email": "b@shop.vn", "phone": "+84 90 123 4567"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn guests_are_limited_per_address_like_sign_ups() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, |c| c.rates.login_per_address_per_minute = 2).await;
    for _ in 0..2 {
        assert_eq!(
            guest(&app, json!({"firstName": "C"})).await.0,
            StatusCode::CREATED
        );
    }
    let (status, body) = guest(&app, json!({"firstName": "C"})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "RATE_LIMITED");
}
