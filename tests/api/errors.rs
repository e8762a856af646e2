//! Every error status of contract §2, with the NestJS body, and no 5xx for bad input.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::spawn_app;

fn assert_error_body(body: &Value, status: StatusCode) {
    assert_eq!(body["statusCode"], status.as_u16(), "{body}");
    assert_eq!(body["error"], status.canonical_reason().unwrap(), "{body}");
    let message = body["message"].as_str().expect("message is a string");
    assert!(!message.is_empty());
    for leak in ["SELECT", "INSERT", "sqlite", "panicked", "rusqlite", "src/"] {
        assert!(
            !message.contains(leak),
            "message leaks internals: {message}"
        );
    }
}

#[tokio::test]
async fn each_status_has_the_contract_body() {
    let app = spawn_app().await;
    let customer = app.customer("cust").await;
    let staff = app.staff("staff").await;
    let room = customer.room_id.unwrap();
    let session = app.open_session(&customer, "x").await;
    app.claim(&staff, session).await;
    let other = app.staff("other").await;

    let cases: Vec<(StatusCode, (StatusCode, Value))> = vec![
        (
            StatusCode::BAD_REQUEST,
            app.post(
                &format!("/api/chat/rooms/{room}/sessions"),
                &customer,
                json!({"title": ""}),
            )
            .await,
        ),
        (
            StatusCode::BAD_REQUEST,
            app.get("/api/chat/rooms/abc", &customer).await,
        ),
        (
            StatusCode::UNAUTHORIZED,
            app.call(Method::GET, "/api/chat/rooms", None, None).await,
        ),
        (
            StatusCode::FORBIDDEN,
            app.get("/api/chat/sessions/unassigned", &customer).await,
        ),
        (
            StatusCode::NOT_FOUND,
            app.get("/api/chat/rooms/424242", &customer).await,
        ),
        (
            StatusCode::CONFLICT,
            app.post(
                &format!("/api/chat/sessions/{session}/join"),
                &other,
                json!({}),
            )
            .await,
        ),
        (
            StatusCode::NOT_FOUND,
            app.call(Method::GET, "/api/no/such/route", None, None)
                .await,
        ),
    ];
    for (expected, (status, body)) in cases {
        assert_eq!(status, expected, "{body}");
        assert_error_body(&body, expected);
    }
}

#[tokio::test]
async fn malformed_bodies_are_400_and_change_nothing() {
    let app = spawn_app().await;
    let customer = app.customer("cust").await;
    let room = customer.room_id.unwrap();
    let path = format!("/api/chat/rooms/{room}/sessions");
    let deep = "[".repeat(10_000);
    let raw_bodies: Vec<(&str, &str)> = vec![
        ("application/json", "{not json"),
        ("application/json", "[]"),
        ("application/json", "\"title\""),
        ("application/json", "{\"title\": null}"),
        ("application/json", &deep),
        ("text/plain", "{\"title\": \"x\"}"),
        ("application/json", ""),
    ];
    for (content_type, body) in raw_bodies {
        let res = app
            .http
            .post(app.url(&path))
            .bearer_auth(&customer.token)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = res.status();
        assert!(
            status.is_client_error(),
            "{content_type} {:.40}: {status}",
            body
        );
        let parsed: Value = res.json().await.expect("JSON error body");
        assert_error_body(&parsed, status);
    }
    let (_, sessions) = app
        .get(&format!("/api/chat/rooms/{room}/sessions"), &customer)
        .await;
    assert_eq!(sessions, json!([]));
}

#[tokio::test]
async fn an_oversized_body_is_413_with_or_without_a_length() {
    let app = spawn_app().await;
    let customer = app.customer("cust").await;
    let room = customer.room_id.unwrap();
    let big = json!({"title": "x".repeat(200_000)}).to_string();
    let res = app
        .http
        .post(app.url(&format!("/api/chat/rooms/{room}/sessions")))
        .bearer_auth(&customer.token)
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_error_body(&res.json().await.unwrap(), StatusCode::PAYLOAD_TOO_LARGE);

    // Chunked, so no Content-Length to trust.
    let stream = futures_util::stream::iter(
        big.into_bytes()
            .chunks(1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let res = app
        .http
        .post(app.url(&format!("/api/chat/rooms/{room}/sessions")))
        .bearer_auth(&customer.token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn hostile_paths_and_ids_never_give_5xx() {
    let app = spawn_app().await;
    let customer = app.customer("cust").await;
    let long = format!("/api/chat/rooms/{}", "9".repeat(5_000));
    let paths = [
        "/%c0",
        "/%e0",
        "/api/chat/rooms/%c0",
        "/api/chat/rooms/-1",
        "/api/chat/rooms/0",
        "/api/chat/rooms/99999999999999999999999",
        "/api/chat/rooms/1.5",
        "/api/chat/rooms/1/messages?limit=-5",
        "/api/chat/rooms/1/messages?before=abc",
        long.as_str(),
    ];
    for path in paths {
        let res = app
            .http
            .get(app.url(path))
            .bearer_auth(&customer.token)
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_client_error(),
            "{:.60}: {}",
            path,
            res.status()
        );
    }
}
