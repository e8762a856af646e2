//! Rate limits: sign-in attempts and socket floods are refused with a clear answer, per user.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app_in;

#[tokio::test]
async fn repeated_sign_in_attempts_get_429_with_retry_after() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, |c| c.rates.login_per_name_per_minute = 3).await;
    app.customer("target").await;
    let attempt = || async {
        app.http
            .post(app.url("/api/auth/login"))
            .json(&json!({"userName": "TARGET", "password": "guess-guess"}))
            .send()
            .await
            .unwrap()
    };
    // Three failures are allowed from one address for one name; the fourth attempt waits.
    for _ in 0..3 {
        assert_eq!(attempt().await.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = attempt().await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["statusCode"], 429);
    assert_eq!(body["error"], "Too Many Requests");
    // Even the right password waits, from this address: it has been guessing.
    let (status, _) = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "target", "password": crate::helpers::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another name is not affected.
    app.customer("bystander").await;
    let (status, _) = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "bystander", "password": crate::helpers::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn one_users_message_flood_is_refused_and_others_are_not_slowed() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, |c| {
        c.rates.messages_per_second = 1;
        c.rates.messages_burst = 5;
    })
    .await;
    let flooder = app.customer("flooder").await;
    let calm = app.customer("calm").await;
    let f = app.socket(&flooder).await;
    let c = app.socket(&calm).await;
    let mut refused = 0;
    for i in 0..8 {
        let ack = f
            .ack(
                "send_message",
                json!({"roomId": flooder.room_id, "content": format!("spam {i}")}),
            )
            .await;
        if ack["ok"] == false {
            assert_eq!(
                ack["error"]["message"],
                "You are sending messages too fast; slow down"
            );
            refused += 1;
        }
    }
    assert!(
        refused >= 2,
        "the burst is 5, so at least 2 of 8 are refused (got {refused})"
    );
    let ack = c
        .ack(
            "send_message",
            json!({"roomId": calm.room_id, "content": "hello"}),
        )
        .await;
    assert_eq!(ack["ok"], true, "another user is unaffected");
    let (_, page) = app
        .get(
            &format!("/api/chat/rooms/{}/messages", flooder.room_id.unwrap()),
            &flooder,
        )
        .await;
    assert_eq!(
        page["pagination"]["total"],
        8 - refused,
        "refused messages were not stored"
    );
}

#[tokio::test]
async fn typing_and_join_floods_are_refused_per_user() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, |c| {
        c.rates.typing_per_second = 1;
        c.rates.joins_per_second = 1;
    })
    .await;
    let customer = app.customer("restless").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    let mut join_refusals = 0;
    for _ in 0..8 {
        let ack = sock.ack("join_room", json!({"roomId": room})).await;
        if ack["ok"] == false {
            assert_eq!(
                ack["error"]["message"],
                "Too many join or leave requests; slow down"
            );
            join_refusals += 1;
        }
    }
    assert!(
        join_refusals >= 3,
        "burst of 4 joins, then refused ({join_refusals})"
    );
    let mut typing_refusals = 0;
    for _ in 0..4 {
        let ack = sock
            .ack("typing", json!({"roomId": room, "isTyping": true}))
            .await;
        if ack["error"]["message"] == "Too many typing updates" {
            typing_refusals += 1;
        }
    }
    assert!(typing_refusals >= 2, "{typing_refusals}");
    // Another user is not affected.
    let other = app.customer("calm_one").await;
    let s2 = app.socket(&other).await;
    assert_eq!(
        s2.ack("join_room", json!({"roomId": other.room_id})).await["ok"],
        true
    );
}
