//! The admin console's Webhooks pages as a browser's requests see them: admins only, every form
//! needs its CSRF token, the create form keeps every ticked type, and user text is escaped.

use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn staff_get_403_pages_and_posts_need_the_csrf_token() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    app.staff("nga").await;
    let staff = app.console("nga").await;
    let admin = app.console("boss").await;
    let (status, hook) = app
        .post(
            "/api/admin/webhooks",
            &boss,
            serde_json::json!({"url": "https://crm.example/in", "events": ["session.created"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = hook["id"].as_i64().unwrap();
    for path in [
        "/console/admin/webhooks".to_string(),
        format!("/console/admin/webhooks/{id}"),
    ] {
        let page = app.page(&path, &staff.cookie).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("This page is for admins only."));
    }
    for path in [
        format!("/console/admin/webhooks/{id}/enabled"),
        format!("/console/admin/webhooks/{id}/test"),
        format!("/console/admin/webhooks/{id}/delete"),
    ] {
        let by_staff = app
            .form(
                &path,
                &staff.cookie,
                &[("csrf", &staff.csrf), ("enabled", "0")],
            )
            .await;
        assert_eq!(by_staff.status, StatusCode::FORBIDDEN, "{path}");
        let forged = app
            .form(
                &path,
                &admin.cookie,
                &[("csrf", "forged"), ("enabled", "0")],
            )
            .await;
        assert_eq!(
            forged.status,
            StatusCode::FORBIDDEN,
            "{path} without the token"
        );
    }
    let (_, after) = app.get(&format!("/api/admin/webhooks/{id}"), &boss).await;
    assert_eq!(after["enabled"], true, "nothing changed");
    let (_, list) = app
        .get(&format!("/api/admin/webhooks/{id}/deliveries"), &boss)
        .await;
    assert_eq!(list, serde_json::json!([]), "no test event was queued");
}

#[tokio::test]
async fn the_create_form_keeps_every_ticked_type_and_escapes_what_it_shows() {
    let app = spawn_app().await;
    let boss = app.admin("boss").await;
    let admin = app.console("boss").await;
    let url = "https://crm.example/in?x=<img src=x onerror=alert(1)>";
    let made = app
        .form(
            "/console/admin/webhooks",
            &admin.cookie,
            &[
                ("csrf", &admin.csrf),
                ("url", url),
                ("events", "message.created"),
                ("events", "rating.created"),
                ("secret", ""),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let (_, hooks) = app.get("/api/admin/webhooks", &boss).await;
    assert_eq!(
        hooks[0]["events"],
        serde_json::json!(["message.created", "rating.created"])
    );
    assert_eq!(hooks[0]["secret"].as_str().unwrap().len(), 64);
    let id = hooks[0]["id"].as_i64().unwrap();
    let location = made.headers["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("/console/admin/webhooks/{id}?done=created")
    );
    for path in [location.to_string(), "/console/admin/webhooks".to_string()] {
        let page = app.page(&path, &admin.cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("<img src=x"), "{path} escapes the url");
    }
    let page = app.page(location, &admin.cookie).await;
    assert!(page.body.contains(hooks[0]["secret"].as_str().unwrap()));

    let refused = app
        .form(
            "/console/admin/webhooks",
            &admin.cookie,
            &[("csrf", &admin.csrf), ("url", "https://crm.example/two")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("events must list at least one event type")
    );
    assert!(
        refused.body.contains("value=\"https://crm.example/two\""),
        "kept as typed"
    );
    let (_, hooks) = app.get("/api/admin/webhooks", &boss).await;
    assert_eq!(hooks.as_array().unwrap().len(), 1);
}
