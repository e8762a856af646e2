//! What the console pages show: hostile text as text on every server-rendered page, the
//! language a visitor gets, the dashboard's figures, reassigning rooms, and the static files.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, User, set_cookie, spawn_app};

const PAYLOADS: [&str; 3] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
];

/// The payloads as askama writes them: `<`, `>` and `"` escaped.
const ESCAPED: [&str; 3] = [
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "&#34;&#62;&#60;svg onload=alert(1)&#62;",
];

fn assert_inert(path: &str, body: &str, must_show: &[usize]) {
    for p in PAYLOADS {
        assert!(!body.contains(p), "{path} contains the raw payload {p}");
    }
    for raw in ["<script>alert", "<img src=x", "<svg onload"] {
        assert!(!body.contains(raw), "{path} contains {raw}");
    }
    for &i in must_show {
        let escaped = ESCAPED[i].replace("&#60;", "&lt;").replace("&#62;", "&gt;");
        assert!(
            body.contains(ESCAPED[i]) || body.contains(&escaped),
            "{path} does not show payload {i} as text"
        );
    }
}

/// A customer whose names are payloads, with a session whose topic is one, who sent all three
/// as messages; and a staff member with a payload name who claimed the session.
async fn hostile_world(app: &TestApp) -> (User, i64) {
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"userName": "mallory", "password": PASSWORD,
                        "firstName": PAYLOADS[1], "lastName": PAYLOADS[2]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut customer = app.login("mallory").await;
    let (_, rooms) = app.get("/api/chat/rooms", &customer).await;
    customer.room_id = rooms[0]["id"].as_i64();
    let room = customer.room_id.unwrap();
    app.open_session(&customer, PAYLOADS[0]).await;
    let sock = app.socket(&customer).await;
    sock.join(room).await;
    for p in PAYLOADS {
        let ack = sock
            .ack("send_message", json!({"roomId": room, "content": p}))
            .await;
        assert_eq!(ack["ok"], true, "{ack}");
    }
    sock.close().await;
    (customer, room)
}

#[tokio::test]
async fn user_strings_render_as_text_on_every_server_rendered_page() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    app.staff("eve").await;
    let (customer, room) = hostile_world(&app).await;
    // A staff member whose first name is a payload too (for the dashboard and the lists).
    let (_, staff_list) = app.get("/api/admin/users?search=eve", &admin).await;
    let eve_id = staff_list["users"][0]["id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/admin/users/{eve_id}"),
            Some(&admin.token),
            Some(json!({"firstName": PAYLOADS[0]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let console = app.console("boss").await;

    // The queue (topic, customer name) and the unassigned room (latest message) on the desk.
    let desk = app.page("/console", &console.cookie).await;
    assert_inert("/console", &desk.body, &[0, 1, 2]);

    // The room page: names, topic, every message, the session history.
    let path = format!("/console/rooms/{room}");
    let page = app.page(&path, &console.cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_inert(&path, &page.body, &[0, 1, 2]);
    assert!(
        page.body.matches(ESCAPED[0]).count() >= 3,
        "topic twice and a message"
    );

    // Eve claims the session; then every admin page names her and the customer.
    let eve = app.login("eve").await;
    let (_, sessions) = app.get("/api/chat/sessions/unassigned", &eve).await;
    let session_id = sessions[0]["id"].as_i64().unwrap();
    app.claim(&eve, session_id).await;
    // Each page, and which payloads it names: the topic / eve (0), the customer (1, 2).
    let pages: [(String, &[usize]); 10] = [
        ("/console".to_string(), &[1, 2]),
        ("/console/admin".into(), &[0]),
        ("/console/admin/figures".into(), &[0]),
        ("/console/admin/sessions".into(), &[0, 1, 2]),
        ("/console/admin/sessions?customer=%3Cimg".into(), &[0, 1, 2]),
        ("/console/admin/rooms".into(), &[0, 1, 2]),
        ("/console/admin/users".into(), &[0, 1, 2]),
        (format!("/console/admin/users/{}", customer.id), &[1, 2]),
        (format!("/console/admin/users/{eve_id}"), &[0]),
        (format!("/console/rooms/{room}"), &[0, 1, 2]),
    ];
    for (path, shown) in &pages {
        let page = app.page(path, &console.cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_inert(path, &page.body, shown);
    }
    let sessions = app
        .page("/console/admin/sessions?customer=%3Cimg", &console.cookie)
        .await;
    assert_inert("sessions by customer", &sessions.body, &[0, 1, 2]);
    // A search for a payload is echoed in the filter as text too.
    assert!(
        sessions.body.contains("value=\"&#60;img\"") || sessions.body.contains("value=\"&lt;img\"")
    );
}

#[tokio::test]
async fn pages_speak_the_visitors_language_and_the_switch_sticks() {
    let app = spawn_app().await;
    let http = crate::helpers::no_redirects();
    let get = |lang: &'static str, cookie: &'static str| {
        http.get(app.url("/console/login"))
            .header("accept-language", lang)
            .header("cookie", cookie)
            .send()
    };
    let vi = get("vi-VN,vi;q=0.9,en;q=0.5", "")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(vi.contains("<html lang=\"vi\">") && vi.contains("Đăng nhập bàn trực"));
    let en = get("en-GB,en;q=0.9", "")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Sign in to the desk"));
    let neither = get("fr-FR", "").await.unwrap().text().await.unwrap();
    assert!(
        neither.contains("<html lang=\"vi\">"),
        "Vietnamese by default"
    );

    let switch = http
        .get(app.url("/console/lang?to=en&next=/chat%3Fembed%3D1"))
        .send()
        .await
        .unwrap();
    assert_eq!(switch.status(), StatusCode::SEE_OTHER);
    assert_eq!(switch.headers()["location"], "/chat?embed=1");
    let cookie = set_cookie(switch.headers(), "lang").unwrap();
    assert!(
        cookie.starts_with("lang=en;") && cookie.contains("Max-Age=31536000"),
        "{cookie}"
    );
    let sticky = get("vi", "lang=en").await.unwrap().text().await.unwrap();
    assert!(
        sticky.contains("Sign in to the desk"),
        "the cookie beats Accept-Language"
    );
    let chat = app.page("/chat?lang=vi", "lang=en").await;
    assert!(
        chat.body.contains("Hỗ trợ khách hàng"),
        "a ?lang= link beats the cookie (iframes)"
    );

    let away = http
        .get(app.url("/console/lang?to=vi&next=//evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        away.headers()["location"],
        "/console",
        "never to another host"
    );
}

#[tokio::test]
async fn the_dashboard_counts_waiting_sessions_replies_and_load() {
    let app = spawn_app().await;
    app.admin("boss").await;
    let staff = app.staff("quynh").await;
    let console = app.console("boss").await;
    let figures = |body: &str, id: &str| {
        crate::helpers::value_after(body, &format!("id=\"{id}\">"))
            .map(|v| v.split('<').next().unwrap_or("").trim().to_string())
            .unwrap_or_default()
    };
    let empty = app.page("/console/admin/figures", &console.cookie).await;
    assert_eq!(figures(&empty.body, "fig-waiting"), "0");

    let a = app.customer("cus_a").await;
    let b = app.customer("cus_b").await;
    app.open_session(&a, "first").await;
    let second = app.open_session(&b, "second").await;
    app.claim(&staff, second).await;
    let sock = app.socket(&staff).await;
    let room = b.room_id.unwrap();
    sock.join(room).await;
    sock.ack("send_message", json!({"roomId": room, "content": "hello"}))
        .await;
    sock.close().await;
    app.end(&staff, second).await;

    let page = app.page("/console/admin/figures", &console.cookie).await;
    assert_eq!(figures(&page.body, "fig-waiting"), "1");
    assert_eq!(figures(&page.body, "fig-today"), "2");
    assert_ne!(
        figures(&page.body, "fig-first-reply"),
        "—",
        "one reply was measured"
    );
    assert_ne!(figures(&page.body, "fig-length"), "—", "one session ended");
    assert!(
        page.body.contains("data-since="),
        "the longest wait keeps counting"
    );
    assert_eq!(page.body.matches("<g class=\"bar").count(), 14);
    assert!(page.body.contains(
        "@quynh</span></td><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">1</td>"
    ));
}

#[tokio::test]
async fn an_admin_reassigns_a_room_and_its_claimed_session_goes_along() {
    let app = spawn_app().await;
    app.admin("boss").await;
    let first = app.staff("first").await;
    let second = app.staff("second").await;
    let customer = app.customer("moving").await;
    let session = app.open_session(&customer, "handover").await;
    app.claim(&first, session).await;
    let watcher = app.socket(&customer).await;
    let room = customer.room_id.unwrap();
    watcher.join(room).await;

    let console = app.console("boss").await;
    let path = format!("/console/admin/rooms/{room}/assign");
    let staff_id = second.id.to_string();
    let forged = app
        .form(&path, &console.cookie, &[("staff_id", &staff_id)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "CSRF-checked");
    let moved = app
        .form(
            &path,
            &console.cookie,
            &[("csrf", &console.csrf), ("staff_id", &staff_id)],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);

    let (_, view) = app.get(&format!("/api/chat/rooms/{room}"), &second).await;
    assert_eq!(view["staffId"], second.id);
    assert_eq!(
        view["activeSession"]["staffId"], second.id,
        "the session moved along"
    );
    let joined = watcher.next("session_joined").await.unwrap();
    assert_eq!(
        joined["staff"]["id"], second.id,
        "the customer hears who helps now"
    );
    let (status, _) = app
        .post(
            &format!("/api/chat/sessions/{session}/end"),
            &second,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the new staff member can end it");

    // Only to active staff or admins, and only by admins.
    let customer_id = customer.id.to_string();
    let refused = app
        .form(
            &path,
            &console.cookie,
            &[("csrf", &console.csrf), ("staff_id", &customer_id)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let staff_console = app.console("first").await;
    let staff_try = app
        .form(
            &path,
            &staff_console.cookie,
            &[("csrf", &staff_console.csrf), ("staff_id", "1")],
        )
        .await;
    assert_eq!(staff_try.status, StatusCode::FORBIDDEN);
    watcher.close().await;
}

#[tokio::test]
async fn static_files_and_the_widget_are_served_from_the_binary() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let vendor = http
        .get(app.url("/static/vendor/socket.io.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(vendor.status(), StatusCode::OK);
    assert!(
        vendor.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let etag = vendor.headers()["etag"].clone();
    assert!(vendor.text().await.unwrap().contains("Socket.IO v4.8.4"));
    let again = http
        .get(app.url("/static/vendor/socket.io.min.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let widget = http.get(app.url("/widget.js")).send().await.unwrap();
    assert_eq!(widget.status(), StatusCode::OK);
    assert_eq!(
        widget.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    assert!(widget.text().await.unwrap().contains("/chat?embed=1"));
    for missing in [
        "/static/nope.js",
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
    ] {
        let res = http.get(app.url(missing)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{missing}");
    }
}
