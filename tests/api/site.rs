//! Contract §8, the shop's own sign-in: a JWT the shop's site signs with the site secret opens
//! the same customer and room on every visit; anything else is a 401; off without a secret.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_in};

const SECRET: &str = "the-shops-own-site-secret-of-32-bytes!";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn signed(claims: Value, alg: Algorithm, secret: &str) -> String {
    encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn site_app() -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    spawn_app_in(dir, |c| c.site_secret = Some(SECRET.into())).await
}

async fn sign_in(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        "/api/auth/site",
        None,
        Some(json!({ "token": token })),
    )
    .await
}

#[tokio::test]
async fn the_same_shop_customer_opens_the_same_room_on_every_visit() {
    let app = site_app().await;
    let first = signed(
        json!({"sub": "shop-user-42", "exp": now() + 600, "name": "Lan Nguyen", "email": "lan@shop.vn"}),
        Algorithm::HS256,
        SECRET,
    );
    let (status, body) = sign_in(&app, &first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["role"], "CUSTOMER");
    assert_eq!(body["user"]["firstName"], "Lan Nguyen");
    let token = body["accessToken"].as_str().unwrap();
    let (_, rooms) = app
        .call(Method::GET, "/api/chat/rooms", Some(token), None)
        .await;
    let room = rooms[0]["id"].clone();

    let again = signed(
        json!({"sub": "shop-user-42", "exp": now() + 60, "name": "Lan N."}),
        Algorithm::HS256,
        SECRET,
    );
    let (status, second) = sign_in(&app, &again).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["user"]["id"], body["user"]["id"], "same customer");
    assert_eq!(
        second["user"]["firstName"], "Lan N.",
        "the name is refreshed"
    );
    let token = second["accessToken"].as_str().unwrap();
    let (_, rooms) = app
        .call(Method::GET, "/api/chat/rooms", Some(token), None)
        .await;
    assert_eq!(rooms[0]["id"], room, "same room");

    let other = signed(
        json!({"sub": "shop-user-43", "exp": now() + 60}),
        Algorithm::HS256,
        SECRET,
    );
    let (_, third) = sign_in(&app, &other).await;
    assert_ne!(third["user"]["id"], body["user"]["id"]);
}

#[tokio::test]
async fn a_token_that_is_not_the_sites_or_not_short_lived_is_refused() {
    let app = site_app().await;
    let cases = [
        (
            "wrong secret",
            signed(
                json!({"sub": "u", "exp": now() + 60}),
                Algorithm::HS256,
                "another-secret-that-is-32-bytes-long!!",
            ),
        ),
        (
            "another algorithm",
            signed(
                json!({"sub": "u", "exp": now() + 60}),
                Algorithm::HS512,
                SECRET,
            ),
        ),
        (
            "no exp",
            signed(json!({"sub": "u"}), Algorithm::HS256, SECRET),
        ),
        (
            "past exp",
            signed(
                json!({"sub": "u", "exp": now() - 5}),
                Algorithm::HS256,
                SECRET,
            ),
        ),
        (
            "more than a day ahead",
            signed(
                json!({"sub": "u", "exp": now() + 2 * 86400}),
                Algorithm::HS256,
                SECRET,
            ),
        ),
        (
            "no sub",
            signed(json!({"exp": now() + 60}), Algorithm::HS256, SECRET),
        ),
        ("not a JWT", "abc.def.ghi".to_string()),
    ];
    for (what, token) in cases {
        let (status, body) = sign_in(&app, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        assert_eq!(body["code"], "UNAUTHORIZED", "{what}");
    }
    let (status, body) = app
        .call(
            Method::POST,
            "/api/auth/site",
            None,
            Some(json!({"token": 7})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn without_a_site_secret_the_shops_sign_in_is_off() {
    let app = spawn_app().await;
    let token = signed(
        json!({"sub": "u", "exp": now() + 60}),
        Algorithm::HS256,
        SECRET,
    );
    let (status, body) = sign_in(&app, &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
