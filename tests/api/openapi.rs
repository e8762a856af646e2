//! The generated spec covers every endpoint with schemas, the bearer scheme and error statuses.

use reqwest::{Method, StatusCode};

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_spec_covers_every_endpoint_and_the_docs_page_renders() {
    let app = spawn_app().await;
    let (status, spec) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let paths = spec["paths"].as_object().unwrap();
    for (path, method) in [
        ("/auth/register", "post"),
        ("/auth/login", "post"),
        ("/auth/me", "get"),
        ("/chat/rooms", "get"),
        ("/chat/rooms/unassigned", "get"),
        ("/chat/rooms/assigned", "get"),
        ("/chat/rooms/{id}", "get"),
        ("/chat/rooms/{id}/messages", "get"),
        ("/chat/rooms/{id}/sessions", "get"),
        ("/chat/rooms/{id}/sessions", "post"),
        ("/chat/sessions/unassigned", "get"),
        ("/chat/sessions/{id}", "get"),
        ("/chat/sessions/{id}/join", "post"),
        ("/chat/sessions/{id}/end", "post"),
        ("/admin/users", "get"),
        ("/admin/users", "post"),
        ("/admin/users/{id}", "patch"),
        ("/admin/users/{id}/deactivate", "post"),
    ] {
        let op = &paths.get(path).unwrap_or_else(|| panic!("{path} missing"))[method];
        assert!(op.is_object(), "{method} {path} missing");
        let responses = op["responses"].as_object().unwrap();
        // Each operation lists the errors it can return (issue 11); see the test below.
        for code in ["500", "503"] {
            assert!(responses.contains_key(code), "{method} {path} lacks {code}");
        }
        if path.contains("{id}") {
            assert!(responses.contains_key("404"), "{method} {path} lacks 404");
        }
        if path != "/auth/register" && path != "/auth/login" {
            assert!(op["security"].is_array(), "{method} {path} has no security");
        }
    }
    let schemes = &spec["components"]["securitySchemes"];
    let bearer = schemes.as_object().unwrap().values().next().unwrap();
    assert_eq!(bearer["scheme"], "bearer");
    for schema in [
        "Room",
        "Session",
        "Message",
        "UserSummary",
        "ErrorBody",
        "History",
    ] {
        assert!(
            spec["components"]["schemas"].get(schema).is_some(),
            "schema {schema} missing"
        );
    }
    assert!(
        spec["components"]["schemas"]["Room"]["properties"]
            .get("_count")
            .is_some()
    );

    let res = app.http.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger"), "the interactive page is served");
    for attr in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "@import url(http",
    ] {
        assert!(
            !html.contains(attr),
            "the docs page loads nothing from another host ({attr})"
        );
    }
}

#[tokio::test]
async fn healthz_answers_with_the_database_reachable() {
    let app = spawn_app().await;
    let (status, body) = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

/// A code generator names each client method from its `operationId`: every operation has one,
/// camelCase, and no two are the same.
#[tokio::test]
async fn every_operation_has_a_unique_camel_case_operation_id() {
    let app = spawn_app().await;
    let (_, spec) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    let mut seen = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_alphanumeric()),
                "{id} is not camelCase"
            );
            assert!(seen.insert(id.to_string()), "{id} is used twice");
        }
    }
    assert!(seen.len() >= 20, "{seen:?}");
}

/// A 201 says where the new thing lives.
#[tokio::test]
async fn a_201_carries_location() {
    let app = spawn_app().await;
    let customer = app.customer("located").await;
    let room = customer.room_id.unwrap();
    let res = app
        .http
        .post(app.url(&format!("/api/chat/rooms/{room}/sessions")))
        .bearer_auth(&customer.token)
        .json(&serde_json::json!({"title": "where"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/chat/sessions/{}", body["id"]));
    let (status, again) = app
        .call(Method::GET, &location, Some(&customer.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], body["id"]);
    let (_, spec) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    let created = &spec["paths"]["/chat/rooms/{id}/sessions"]["post"]["responses"]["201"];
    let headers = created["headers"]
        .as_object()
        .expect("201 documents headers");
    assert!(
        headers.keys().any(|h| h.eq_ignore_ascii_case("location")),
        "{created}"
    );
}

/// Issue 11: a generated client sees, per operation, the errors it can get and no other; every
/// parameter is described; every time is a `date-time`.
#[tokio::test]
async fn each_operation_lists_only_its_errors_and_describes_its_inputs() {
    let app = spawn_app().await;
    let (_, spec) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    let read = "400 401 403 404 500 503";
    let change = "400 401 403 404 409 500 503";
    let expected = [
        ("register", "201 400 409 413 415 429 500 503"),
        ("login", "200 400 401 413 415 429 500 503"),
        ("getMe", "200 401 500 503"),
        ("listMyRooms", "200 400 401 500 503"),
        ("listUnassignedRooms", "200 400 401 403 500 503"),
        ("listAssignedRooms", "200 400 401 403 500 503"),
        ("listUnassignedSessions", "200 400 401 403 500 503"),
        ("listUsers", "200 400 401 403 500 503"),
        ("getRoom", &format!("200 {read}")),
        ("listRoomMessages", &format!("200 {read}")),
        ("listRoomSessions", &format!("200 {read}")),
        ("searchMessages", "200 400 401 500 503"),
        ("getRoomTranscript", &format!("200 {read}")),
        ("getSession", &format!("200 {read}")),
        ("getUser", &format!("200 {read}")),
        ("claimSession", &format!("200 {change}")),
        ("endSession", &format!("200 {change}")),
        ("deactivateUser", &format!("200 {change}")),
        ("activateUser", &format!("200 {change}")),
        ("exportUser", &format!("200 {read}")),
        ("eraseUser", &format!("200 {change}")),
        ("openSession", "201 400 401 403 404 409 413 415 500 503"),
        ("updateUser", "200 400 401 403 404 409 413 415 500 503"),
        ("createUser", "201 400 401 403 409 413 415 500 503"),
        ("getPublicSettings", "200 500 503"),
        ("startAsGuest", "201 400 413 415 429 500 503"),
        ("signInFromSite", "200 400 401 404 413 415 429 500 503"),
        ("rateSession", "201 400 401 403 404 409 413 415 500 503"),
        ("getSettings", "200 401 403 500 503"),
        ("updateSettings", "200 400 401 403 413 415 500 503"),
        (
            "uploadAttachment",
            "201 400 401 403 404 409 411 413 415 500 503",
        ),
        ("getAttachment", "200 400 403 404 500 503"),
        ("listRoomNotes", &format!("200 {read}")),
        ("transferRoom", "200 400 401 403 404 409 413 415 500 503"),
        ("createWebhook", "201 400 401 403 413 415 500 503"),
        ("listWebhooks", "200 401 403 500 503"),
        ("getWebhook", &format!("200 {read}")),
        ("updateWebhook", "200 400 401 403 404 413 415 500 503"),
        ("deleteWebhook", "204 400 401 403 404 500 503"),
        ("listWebhookDeliveries", &format!("200 {read}")),
        ("testWebhook", "201 400 401 403 404 500 503"),
        ("retryWebhookDelivery", "200 400 401 403 404 500 503"),
        ("listCannedReplies", "200 400 401 403 500 503"),
        ("createCannedReply", "201 400 401 403 409 413 415 500 503"),
        (
            "updateCannedReply",
            "200 400 401 403 404 409 413 415 500 503",
        ),
        ("deleteCannedReply", "204 400 401 403 404 500 503"),
        (
            "setSessionLabels",
            "200 400 401 403 404 409 413 415 500 503",
        ),
        ("getMyNotifications", "200 401 403 500 503"),
        ("setMyNotifications", "200 400 401 403 413 415 500 503"),
        (
            "emailSessionTranscript",
            "202 400 401 403 404 409 429 500 503",
        ),
    ];
    let mut seen = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let listed: Vec<&str> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let want = expected
                .iter()
                .find(|(name, _)| *name == id)
                .unwrap_or_else(|| panic!("{id} is not in this table"));
            assert_eq!(listed.join(" "), want.1, "{method} {path}");
            seen += 1;
            for param in op["parameters"].as_array().into_iter().flatten() {
                let text = param["description"].as_str().unwrap_or("");
                assert!(
                    !text.is_empty(),
                    "{id}: parameter {} is undescribed",
                    param["name"]
                );
            }
        }
    }
    assert_eq!(seen, expected.len());
    let mut times = 0;
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            if field.ends_with("At") {
                assert_eq!(property["format"], "date-time", "{name}.{field}");
                times += 1;
            }
        }
    }
    assert!(times >= 7, "the shapes' times: {times}");
}
