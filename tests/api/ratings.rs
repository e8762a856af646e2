//! Contract §8, ratings: the customer of a session that ended rates it once; staff hear of it.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_customer_rates_an_ended_session_once_and_staff_hear_of_it() {
    let app = spawn_app().await;
    let customer = app.customer("rater").await;
    let other = app.customer("nosy").await;
    let mai = app.staff("mai").await;
    let session = app.open_session(&customer, "Order").await;
    let path = format!("/api/chat/sessions/{session}/rating");

    let (status, body) = app.post(&path, &customer, json!({"score": 5})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "SESSION_NOT_ENDED");

    app.claim(&mai, session).await;
    app.end(&mai, session).await;
    let (_, before) = app
        .get(&format!("/api/chat/sessions/{session}"), &mai)
        .await;
    assert_eq!(before["rating"], serde_json::Value::Null, "{before}");

    for (who, want) in [(&mai, "FORBIDDEN"), (&other, "FORBIDDEN")] {
        let (status, body) = app.post(&path, who, json!({"score": 1})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], want);
    }
    for bad in [
        json!({"score": 0}),
        json!({"score": 6}),
        json!({"score": "5"}),
        json!({"score": 4, "comment": "x".repeat(1001)}),
    ] {
        let (status, body) = app.post(&path, &customer, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }

    let feed = app.socket(&mai).await;
    let res = app
        .http
        .post(app.url(&path))
        .bearer_auth(&customer.token)
        .json(&json!({"score": 4, "comment": "  Quick and kind  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers()["location"],
        format!("/api/chat/sessions/{session}").as_str()
    );
    let rating: serde_json::Value = res.json().await.unwrap();
    assert_eq!(rating["score"], 4);
    assert_eq!(rating["comment"], "Quick and kind");
    assert!(rating["createdAt"].as_str().unwrap().ends_with('Z'));

    let heard = feed
        .next_where("session_updated", |s| s["id"] == session)
        .await
        .unwrap();
    assert_eq!(heard["rating"]["score"], 4, "{heard}");
    let (_, after) = app
        .get(&format!("/api/chat/sessions/{session}"), &mai)
        .await;
    assert_eq!(after["rating"], rating);

    let (status, body) = app.post(&path, &customer, json!({"score": 1})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "ALREADY_RATED");
    let (_, still) = app
        .get(&format!("/api/chat/sessions/{session}"), &mai)
        .await;
    assert_eq!(still["rating"]["score"], 4, "the first rating stays");
}

#[tokio::test]
async fn a_shop_that_does_not_ask_for_ratings_refuses_them() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let customer = app.customer("rater").await;
    let session = app.open_session(&customer, "Order").await;
    app.end(&admin, session).await;
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/admin/settings",
            Some(&admin.token),
            Some(json!({"ratingsEnabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(
            &format!("/api/chat/sessions/{session}/rating"),
            &customer,
            json!({"score": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, seen) = app
        .get(&format!("/api/chat/sessions/{session}"), &admin)
        .await;
    assert_eq!(seen["rating"], serde_json::Value::Null);
}

/// The dashboard shows the mean and the count of the window's ratings.
#[tokio::test]
async fn the_dashboard_shows_the_ratings_of_the_last_14_days() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let console = app.console("boss").await;
    let page = app.page("/console/admin", &console.cookie).await;
    assert!(page.body.contains("id=\"fig-rating\""), "{}", page.body);
    for (name, score) in [("rater1", 5), ("rater2", 4), ("rater3", 2)] {
        let customer = app.customer(name).await;
        let session = app.open_session(&customer, "Order").await;
        app.end(&admin, session).await;
        let (status, _) = app
            .post(
                &format!("/api/chat/sessions/{session}/rating"),
                &customer,
                json!({"score": score}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let page = app.page("/console/admin", &console.cookie).await;
    let tile = page
        .body
        .split("id=\"fig-rating\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        tile.starts_with(">3.7 / 5 <small>(3)</small>"),
        "{tile:.80}"
    );
}
