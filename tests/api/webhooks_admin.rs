//! Contract §11, managing webhooks: test events, disabling and deleting endpoints, who may
//! manage them, and refusals that name the field and save nothing. The deliveries themselves are
//! in webhooks.rs.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::receiver::Receiver;
use crate::webhooks::{add_hook, deliveries, say, settled};

#[tokio::test]
async fn a_test_event_goes_to_one_endpoint_and_shows_in_its_deliveries() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let receiver = Receiver::start().await;
    let other = Receiver::start().await;
    let hook = add_hook(&app, &admin, &receiver.url, &["rating.created"]).await;
    add_hook(&app, &admin, &other.url, &["rating.created"]).await;
    let id = hook["id"].as_i64().unwrap();
    let res = app
        .http
        .post(app.url(&format!("/api/admin/webhooks/{id}/test")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let queued: Value = res.json().await.unwrap();
    assert_eq!(queued["event"], "webhook.test");
    let got = receiver.wait_accepted(1, Duration::from_secs(5)).await;
    assert_eq!(got[0].event, "webhook.test");
    assert_eq!(got[0].delivery, queued["id"]);
    assert_eq!(got[0].json["data"]["webhookId"], id);
    assert!(got[0].signed_with(hook["secret"].as_str().unwrap()));
    let list = settled(&app, &admin, id).await;
    assert_eq!(list[0]["status"], "delivered");
    assert_eq!(list[0]["lastStatusCode"], 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(other.requests().is_empty(), "only the endpoint tested");
    let (status, _) = app
        .post("/api/admin/webhooks/99999/test", &admin, json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn disabled_endpoints_hear_nothing_and_deleted_ones_are_gone() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let receiver = Receiver::start().await;
    let hook = add_hook(&app, &admin, &receiver.url, &["message.created"]).await;
    let id = hook["id"].as_i64().unwrap();
    let path = format!("/api/admin/webhooks/{id}");
    let (status, off) = app
        .call(
            Method::PATCH,
            &path,
            Some(&admin.token),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["enabled"], false);
    let customer = app.customer("chi").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    say(&sock, room, "while off").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.requests().is_empty());
    assert!(deliveries(&app, &admin, id).await.is_empty());

    let (status, on) = app
        .call(
            Method::PATCH,
            &path,
            Some(&admin.token),
            Some(json!({"enabled": true, "events": ["message.created", "session.created"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert_eq!(on["events"], json!(["session.created", "message.created"]));
    say(&sock, room, "while on").await;
    let got = receiver.wait_accepted(1, Duration::from_secs(5)).await;
    assert_eq!(got[0].json["data"]["content"], "while on");

    let (status, listed) = app.get("/api/admin/webhooks", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&admin.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&admin.token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) = app.get("/api/admin/webhooks", &admin).await;
    assert_eq!(listed, json!([]));
    say(&sock, room, "after delete").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn only_admins_manage_webhooks() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let staff = app.staff("mai").await;
    let customer = app.customer("khach").await;
    let hook = add_hook(
        &app,
        &admin,
        "https://crm.example/hooks",
        &["session.created"],
    )
    .await;
    let id = hook["id"].as_i64().unwrap();
    let calls = [
        (
            Method::POST,
            "/api/admin/webhooks".to_string(),
            Some(json!({"url": "https://x.example", "events": ["session.created"]})),
        ),
        (Method::GET, "/api/admin/webhooks".to_string(), None),
        (Method::GET, format!("/api/admin/webhooks/{id}"), None),
        (
            Method::PATCH,
            format!("/api/admin/webhooks/{id}"),
            Some(json!({"enabled": false})),
        ),
        (Method::DELETE, format!("/api/admin/webhooks/{id}"), None),
        (
            Method::GET,
            format!("/api/admin/webhooks/{id}/deliveries"),
            None,
        ),
        (Method::POST, format!("/api/admin/webhooks/{id}/test"), None),
        (
            Method::POST,
            format!("/api/admin/webhooks/{id}/deliveries/1/retry"),
            None,
        ),
    ];
    for (method, path, body) in calls {
        for who in [&staff, &customer] {
            let (status, answer) = app
                .call(method.clone(), &path, Some(&who.token), body.clone())
                .await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{method} {path} by {}: {answer}",
                who.name
            );
            assert_eq!(answer["code"], "FORBIDDEN");
        }
        let (status, _) = app.call(method.clone(), &path, None, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    let (_, listed) = app.get("/api/admin/webhooks", &admin).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "nothing changed");
    assert_eq!(listed[0]["enabled"], true);
}

#[tokio::test]
async fn bad_endpoints_are_refused_naming_the_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let cases = [
        (
            json!({"url": "ftp://crm.example/x", "events": ["session.created"]}),
            "url",
        ),
        (
            json!({"url": "/relative/path", "events": ["session.created"]}),
            "url",
        ),
        (
            json!({"url": "http://", "events": ["session.created"]}),
            "url",
        ),
        (json!({"url": 7, "events": ["session.created"]}), ""),
        (
            json!({"url": "https://crm.example", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://crm.example", "events": ["session.created", "user.sneezed"]}),
            "events[1]",
        ),
        (
            json!({"url": "https://crm.example", "events": "session.created"}),
            "",
        ),
        (
            json!({"url": "https://crm.example", "events": ["session.created"], "secret": "short"}),
            "secret",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post("/api/admin/webhooks", &admin, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["code"], "VALIDATION_FAILED");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(field), "{body}: {message}");
    }
    let (_, listed) = app.get("/api/admin/webhooks", &admin).await;
    assert_eq!(listed, json!([]));
    let hook = add_hook(&app, &admin, "https://crm.example", &["session.created"]).await;
    let path = format!("/api/admin/webhooks/{}", hook["id"]);
    let (status, answer) = app
        .call(
            Method::PATCH,
            &path,
            Some(&admin.token),
            Some(json!({"events": [], "enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (_, again) = app.get(&path, &admin).await;
    assert_eq!(again["enabled"], true, "a refused change saves nothing");
}
