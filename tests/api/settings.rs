//! Contract §8, shop settings: the public part for anyone, the whole for admins, a change
//! checked whole (a refusal names the field and saves nothing), business hours in the shop's
//! time zone.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app};

async fn put(app: &TestApp, user: &User, body: Value) -> (StatusCode, Value) {
    app.call(
        Method::PUT,
        "/api/admin/settings",
        Some(&user.token),
        Some(body),
    )
    .await
}

async fn public(app: &TestApp) -> Value {
    let (status, body) = app
        .call(Method::GET, "/api/settings/public", None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn a_new_shop_is_open_and_uses_the_pages_own_texts() {
    let app = spawn_app().await;
    let body = public(&app).await;
    assert_eq!(
        body,
        json!({
            "shopName": "", "welcome": "", "topics": [],
            "prechat": {"email": "hidden", "phone": "hidden"},
            "open": true, "nextOpenAt": null, "offlineMessage": "",
        })
    );
}

#[tokio::test]
async fn only_admins_read_and_change_the_settings() {
    let app = spawn_app().await;
    let (staff, customer) = (app.staff("mai").await, app.customer("lan").await);
    for user in [&staff, &customer] {
        assert_eq!(
            app.get("/api/admin/settings", user).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, body) = put(&app, user, json!({"shopName": "Mine now"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "FORBIDDEN");
    }
    let (status, _) = app
        .call(Method::GET, "/api/admin/settings", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(public(&app).await["shopName"], "");
}

#[tokio::test]
async fn an_admin_changes_some_fields_and_the_rest_stay() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let (status, saved) = put(
        &app,
        &admin,
        json!({
            "shopName": "  Tiệm Hoa Mai ",
            "topics": ["Đơn hàng", "Giao hàng"],
            "prechat": {"email": "required", "phone": "optional"},
            "maxChatsPerStaff": 3,
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["shopName"], "Tiệm Hoa Mai", "trimmed");
    assert_eq!(saved["maxChatsPerStaff"], 3);
    assert_eq!(
        saved["timezone"], "UTC",
        "untouched fields keep their value"
    );
    assert_eq!(saved["routing"], "manual");
    let (_, again) = app.get("/api/admin/settings", &admin).await;
    assert_eq!(again, saved);
    let seen = public(&app).await;
    assert_eq!(seen["topics"], json!(["Đơn hàng", "Giao hàng"]));
    assert_eq!(seen["prechat"]["email"], "required");
    assert!(
        seen.get("maxChatsPerStaff").is_none(),
        "desk rules are not public"
    );
}

#[tokio::test]
async fn a_bad_value_is_refused_by_name_and_nothing_is_half_saved() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let cases = [
        (json!({"timezone": "Mars/Olympus"}), "timezone"),
        (
            json!({"hours": {"mon": [["17:00", "09:00"]], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []}}),
            "hours.mon[0]",
        ),
        (
            json!({"hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []}}),
            "hours.mon[1]",
        ),
        (json!({"topics": ["ok", "   "]}), "topics[1]"),
        (json!({"maxChatsPerStaff": 1000}), "maxChatsPerStaff"),
        (
            json!({"firstReplyTargetSeconds": 0}),
            "firstReplyTargetSeconds",
        ),
        (json!({"shopName": "x".repeat(81)}), "shopName"),
        // A value of the wrong JSON type is refused by the spec's schema, which names the
        // expected type.
        (json!({"routing": "sometimes"}), "Routing"),
        (json!({"ratingsEnabled": "yes"}), "boolean"),
    ];
    for (bad, field) in cases {
        let mut body = bad.clone();
        body["shopName"] = body
            .get("shopName")
            .cloned()
            .unwrap_or(json!("Half saved?"));
        let (status, refused) = put(&app, &admin, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {refused}");
        assert_eq!(refused["code"], "VALIDATION_FAILED");
        let message = refused["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{bad}: {message}");
    }
    let (_, stored) = app.get("/api/admin/settings", &admin).await;
    assert_eq!(stored["shopName"], "", "no refused change saved any part");
}

/// Outside the hours the shop is closed, with its next opening; a session still opens.
#[tokio::test]
async fn outside_the_hours_the_shop_is_closed_and_says_when_it_opens() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let hour: u32 = chrono_hour_utc();
    let start = (hour + 2) % 24;
    let end = if start == 23 {
        "24:00".to_string()
    } else {
        format!("{:02}:00", start + 1)
    };
    let day = json!([[format!("{start:02}:00"), end]]);
    let hours =
        json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day});
    let (status, body) = put(
        &app,
        &admin,
        json!({"timezone": "UTC", "hours": hours, "offlineMessage": "Back soon"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let seen = public(&app).await;
    assert_eq!(seen["open"], false, "{seen}");
    assert_eq!(seen["offlineMessage"], "Back soon");
    let next = seen["nextOpenAt"].as_str().unwrap_or_default();
    assert!(next.ends_with(&format!("T{start:02}:00:00.000Z")), "{next}");

    let customer = app.customer("late").await;
    app.open_session(&customer, "After hours").await;

    let closed =
        json!({"mon": [], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []});
    put(&app, &admin, json!({"hours": closed})).await;
    let seen = public(&app).await;
    assert_eq!(
        (seen["open"].clone(), seen["nextOpenAt"].clone()),
        (json!(false), Value::Null)
    );
}

/// The current UTC hour, from the system clock.
fn chrono_hour_utc() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    ((secs / 3600) % 24) as u32
}

/// A session opened outside the hours is marked so, and the dashboard counts it.
#[tokio::test]
async fn a_session_opened_after_hours_is_marked_and_counted() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let console = app.console("boss").await;
    let early = app.customer("early").await;
    let open_now = app.open_session(&early, "In hours").await;
    let closed =
        json!({"mon": [], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []});
    put(&app, &admin, json!({"hours": closed})).await;
    let late = app.customer("late").await;
    let after = app.open_session(&late, "After hours").await;
    for (id, want) in [(open_now, false), (after, true)] {
        let (_, session) = app.get(&format!("/api/chat/sessions/{id}"), &admin).await;
        assert_eq!(session["openedAfterHours"], want, "{session}");
    }
    let (_, queue) = app.get("/api/chat/sessions/unassigned", &admin).await;
    assert_eq!(queue.as_array().unwrap().len(), 2, "both wait in the queue");
    let page = app.page("/console/admin", &console.cookie).await;
    let tile = page
        .body
        .split("id=\"fig-after-hours\"")
        .nth(1)
        .unwrap_or_default();
    assert!(tile.starts_with(">1<"), "{tile:.40}");
}

/// `GET /` is the shop's front door: the way in for customers and staff, in the shop's name.
#[tokio::test]
async fn the_front_door_leads_to_the_chat_and_the_console_in_the_shops_name() {
    let app = spawn_app().await;
    let res = app.http.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    for link in ["href=\"/chat\"", "href=\"/console\""] {
        assert!(html.contains(link), "{link}: {html}");
    }
    let admin = app.admin("boss").await;
    put(&app, &admin, json!({"shopName": "Tiệm Hoa <Mai>"})).await;
    let html = app
        .http
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<h1>Tiệm Hoa &#60;Mai&#62;</h1>"),
        "escaped: {html}"
    );
}
