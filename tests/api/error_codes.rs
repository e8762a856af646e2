//! Contract §7: every REST error body and every socket refusal carries a stable `code`, and the
//! spec documents the codes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn rest_errors_carry_their_code() {
    let app = spawn_app().await;
    let customer = app.customer("coded").await;
    let room = customer.room_id.unwrap();
    let (mai, lan) = (app.staff("mai").await, app.staff("lan").await);
    let session = app.open_session(&customer, "help").await;
    app.claim(&mai, session).await;

    let path = format!("/api/chat/sessions/{session}/join");
    let cases = [
        (
            app.post(&path, &lan, json!({})).await,
            409,
            "SESSION_ALREADY_CLAIMED",
        ),
        (
            app.post(
                &format!("/api/chat/rooms/{room}/sessions"),
                &customer,
                json!({"title": "again"}),
            )
            .await,
            409,
            "ACTIVE_SESSION_EXISTS",
        ),
        (
            app.post(&path, &customer, json!({})).await,
            403,
            "FORBIDDEN",
        ),
        (
            app.call(
                Method::GET,
                "/api/chat/rooms/999999",
                Some(&mai.token),
                None,
            )
            .await,
            404,
            "NOT_FOUND",
        ),
        (
            app.call(Method::GET, "/api/auth/me", None, None).await,
            401,
            "UNAUTHORIZED",
        ),
        (
            app.post(
                &format!("/api/chat/rooms/{room}/sessions"),
                &customer,
                json!({"title": ""}),
            )
            .await,
            400,
            "VALIDATION_FAILED",
        ),
        (
            app.call(Method::GET, "/api/nowhere", None, None).await,
            404,
            "NOT_FOUND",
        ),
    ];
    for ((status, body), want_status, want_code) in cases {
        assert_eq!(status.as_u16(), want_status, "{body}");
        assert_eq!(body["code"], want_code, "{body}");
        assert_eq!(body["statusCode"], want_status, "{body}");
    }
    app.end(&mai, session).await;
    let (status, body) = app
        .post(
            &format!("/api/chat/sessions/{session}/end"),
            &mai,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "SESSION_ENDED");

    let bad_json = app
        .http
        .post(app.url(&format!("/api/chat/rooms/{room}/sessions")))
        .bearer_auth(&customer.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = bad_json.json().await.unwrap();
    assert_eq!(body["code"], "VALIDATION_FAILED", "{body}");
}

/// `{"title": 7}` is not a title: a value of the wrong JSON type is refused, not converted.
#[tokio::test]
async fn a_value_of_the_wrong_json_type_is_a_400() {
    let app = spawn_app().await;
    let customer = app.customer("typed").await;
    let room = customer.room_id.unwrap();
    for title in [json!(7), json!(true), json!(["a"]), json!({"a": 1})] {
        let (status, body) = app
            .post(
                &format!("/api/chat/rooms/{room}/sessions"),
                &customer,
                json!({ "title": title }),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{title}: {body}");
        assert_eq!(body["code"], "VALIDATION_FAILED");
    }
    let (status, body) = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": 12345678, "password": "whatever-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, sessions) = app
        .get(&format!("/api/chat/rooms/{room}/sessions"), &customer)
        .await;
    assert_eq!(sessions, json!([]), "nothing was opened");
}

#[tokio::test]
async fn a_nul_character_is_refused_on_every_door_and_nothing_is_stored() {
    let app = spawn_app().await;
    let customer = app.customer("nul").await;
    let room = customer.room_id.unwrap();
    let (status, body) = app
        .post(
            &format!("/api/chat/rooms/{room}/sessions"),
            &customer,
            json!({ "title": "order\u{0}42" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "VALIDATION_FAILED");
    assert!(body["message"].as_str().unwrap().contains("NUL"), "{body}");
    let (_, sessions) = app
        .get(&format!("/api/chat/rooms/{room}/sessions"), &customer)
        .await;
    assert_eq!(sessions, json!([]), "nothing was opened");

    let sock = app.socket(&customer).await;
    sock.join(room).await;
    let ack = sock
        .ack(
            "send_message",
            json!({"roomId": room, "content": "hi\u{0}there"}),
        )
        .await;
    assert_eq!(ack["ok"], false, "{ack}");
    assert_eq!(ack["error"]["code"], "VALIDATION_FAILED", "{ack}");
    assert!(
        ack["error"]["message"]
            .as_str()
            .unwrap()
            .contains("content"),
        "{ack}"
    );
    let (_, messages) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &customer)
        .await;
    assert_eq!(
        messages["messages"],
        json!([]),
        "nothing was stored: {messages}"
    );

    // The console's forms too (one extractor for all of them).
    let boss = app.admin("boss").await;
    let console = app.console("boss").await;
    let page = app
        .form(
            "/console/admin/canned",
            &console.cookie,
            &[
                ("shortcut", "hi"),
                ("content", "Hello\u{0}"),
                ("csrf", &console.csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains("NUL"), "{}", page.body);
    let (_, replies) = app.get("/api/chat/canned-replies", &boss).await;
    assert_eq!(replies, json!([]), "nothing was stored");
    // The same form without the NUL goes through, so the refusal was the NUL's.
    let page = app
        .form(
            "/console/admin/canned",
            &console.cookie,
            &[
                ("shortcut", "hi"),
                ("content", "Hello"),
                ("csrf", &console.csrf),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn socket_refusals_carry_their_code_once() {
    let app = spawn_app().await;
    let customer = app.customer("contested").await;
    let room = customer.room_id.unwrap();
    let (mai, lan) = (app.staff("mai").await, app.staff("lan").await);
    let session = app.open_session(&customer, "who helps").await;
    let (sm, sl) = (app.socket(&mai).await, app.socket(&lan).await);
    app.claim(&mai, session).await;
    let refused = sl.ack("join_session", json!({"sessionId": session})).await;
    assert_eq!(
        refused["error"]["code"], "SESSION_ALREADY_CLAIMED",
        "{refused}"
    );
    let refused = sl
        .ack("send_message", json!({"roomId": room, "content": "mine?"}))
        .await;
    assert_eq!(
        refused["error"]["code"], "ROOM_ASSIGNED_TO_OTHER",
        "{refused}"
    );
    sl.emit("join_session", json!({"sessionId": session})).await;
    let err = sl.next("error").await.unwrap();
    assert_eq!(err["code"], "SESSION_ALREADY_CLAIMED");
    // The acked refusals above were told only in their acks.
    assert_eq!(sl.count("error"), 1);
    sm.close().await;
}

#[tokio::test]
async fn the_spec_documents_the_codes() {
    let app = spawn_app().await;
    let (_, spec) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    let schemas = &spec["components"]["schemas"];
    let codes = schemas["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode enum");
    for code in [
        "VALIDATION_FAILED",
        "SESSION_ALREADY_CLAIMED",
        "RATE_LIMITED",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} missing");
    }
    let required = schemas["ErrorBody"]["required"].as_array().unwrap();
    assert!(required.iter().any(|r| r == "code"));
}

/// Who holds a session and whether a page may send travel as data, so no page parses English
/// (issue 11): the 409 names the holder in `holder`; `room_access` (on joining, and after each
/// change of who holds the room) carries `canSend` from the permission table.
#[tokio::test]
async fn what_a_page_needs_travels_as_data() {
    let app = spawn_app().await;
    let customer = app.customer("dataful").await;
    let room = customer.room_id.unwrap();
    let (mai, lan) = (app.staff("mai").await, app.staff("lan").await);
    let session = app.open_session(&customer, "help").await;

    let lan_sock = app.socket(&lan).await;
    let ack = lan_sock.ack("join_room", json!({ "roomId": room })).await;
    assert_eq!(ack["ok"], true, "{ack}");
    let access = lan_sock.next("room_access").await.unwrap();
    assert_eq!(
        access["canSend"], true,
        "unassigned: a message would auto-assign"
    );

    app.claim(&mai, session).await;
    let (status, body) = app
        .post(
            &format!("/api/chat/sessions/{session}/join"),
            &lan,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "SESSION_ALREADY_CLAIMED");
    assert_eq!(body["holder"]["userName"], mai.name, "{body}");
    let refused = lan_sock
        .ack("join_session", json!({ "sessionId": session }))
        .await;
    assert_eq!(refused["error"]["holder"]["id"], mai.id, "{refused}");

    let cust_sock = app.socket(&customer).await;
    cust_sock.join(room).await;
    assert_eq!(
        cust_sock.next("room_access").await.unwrap()["canSend"],
        true
    );
    let mai_sock = app.socket(&mai).await;
    let ack = mai_sock.ack("join_room", json!({ "roomId": room })).await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(mai_sock.next("room_access").await.unwrap()["canSend"], true);
    app.end(&mai, session).await;
    let access = cust_sock.next("room_access").await.unwrap();
    assert_eq!(access, json!({ "roomId": room, "canSend": true }));
    let access = mai_sock.next("room_access").await.unwrap();
    assert_eq!(access["canSend"], true, "ended: the room stays Mai's");

    // A new OPEN session lets Lan read the room Mai holds, but not write in it.
    app.open_session(&customer, "again").await;
    let lan_sock = app.socket(&lan).await;
    let ack = lan_sock.ack("join_room", json!({ "roomId": room })).await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(
        lan_sock.next("room_access").await.unwrap()["canSend"],
        false
    );
}
