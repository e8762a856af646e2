//! The holes an outside security probe found, each shown closed: a socket that lost the right
//! to read a room hears nothing more of it, stale ids are refused, the staff feed says no more
//! than each socket may read, guessing from one address locks out nobody else, secrets at rest
//! are private, and tokens that are not valid yet are refused.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, spawn_app, spawn_app_in};

/// Room R is assigned to staff A and has an `OPEN` session, so staff B may read it. When that
/// session ends, B is taken out of the room at once: the customer's next words never reach B.
#[tokio::test]
async fn a_socket_that_may_no_longer_read_a_room_hears_nothing_more() {
    let app = spawn_app().await;
    let customer = app.customer("peeked").await;
    let room = customer.room_id.unwrap();
    let (a, b) = (app.staff("holder").await, app.staff("peeker").await);
    let first = app.open_session(&customer, "first").await;
    app.claim(&a, first).await;
    app.end(&a, first).await;
    let second = app.open_session(&customer, "second").await;

    let c = app.socket(&customer).await;
    c.join(room).await;
    let peeker = app.socket(&b).await;
    peeker.join(room).await;
    app.end(&customer, second).await;

    let left = peeker
        .next_where("left_room", |l| l["roomId"] == room)
        .await
        .expect("the peeking socket is told it left");
    assert_eq!(left["reason"], "ended");
    c.next_where("user_left", |l| l["userId"] == b.id)
        .await
        .expect("the room hears the peeker leave");

    let secret = "my card number is 4111 1111 1111 1111";
    c.ack("send_message", json!({"roomId": room, "content": secret}))
        .await;
    c.ack("typing", json!({"roomId": room, "isTyping": true}))
        .await;
    let refused = peeker
        .ack("typing", json!({"roomId": room, "isTyping": true}))
        .await;
    assert_eq!(refused["ok"], false, "{refused}");
    // A message sent after the secret, through a room the peeker still reads, proves the
    // secret had its chance to arrive.
    let other = app.customer("other").await;
    let other_room = other.room_id.unwrap();
    let o = app.socket(&other).await;
    o.join(other_room).await;
    peeker.join(other_room).await;
    o.ack(
        "send_message",
        json!({"roomId": other_room, "content": "later"}),
    )
    .await;
    peeker
        .next_where("new_message", |m| m["content"] == "later")
        .await
        .unwrap();
    assert!(
        peeker
            .all("new_message")
            .iter()
            .all(|m| m["content"] != secret),
        "the secret reached a socket without access"
    );
    assert!(
        peeker
            .all("user_typing")
            .iter()
            .all(|t| t["roomId"] != room)
    );
    assert!(c.all("user_typing").iter().all(|t| t["userId"] != b.id));
    let (status, _) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &b)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A claimed and ended session S; the customer's next session went to B, so the room is B's.
/// A's old id no longer works: not over REST, not on the socket.
#[tokio::test]
async fn a_stale_session_id_is_refused() {
    let app = spawn_app().await;
    let customer = app.customer("moved").await;
    let room = customer.room_id.unwrap();
    let (a, b) = (app.staff("former").await, app.staff("current").await);
    let old = app.open_session(&customer, "old").await;
    app.claim(&a, old).await;
    app.end(&a, old).await;
    let new = app.open_session(&customer, "new").await;
    app.claim(&b, new).await;

    let (status, body) = app.get(&format!("/api/chat/sessions/{old}"), &a).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let c = app.socket(&customer).await;
    c.join(room).await;
    let former = app.socket(&a).await;
    let ack = former.ack("leave_session", json!({"sessionId": old})).await;
    assert_eq!(ack["ok"], false, "{ack}");
    // The customer's own later message shows the room heard everything sent before it.
    c.ack(
        "send_message",
        json!({"roomId": room, "content": "still here"}),
    )
    .await;
    c.next_where("new_message", |m| m["content"] == "still here")
        .await
        .unwrap();
    assert!(
        c.all("session_left").is_empty(),
        "{:?}",
        c.all("session_left")
    );
    // The holder of the room still may.
    let (status, _) = app.get(&format!("/api/chat/sessions/{old}"), &b).await;
    assert_eq!(status, StatusCode::OK);
}

/// Every staff socket hears of every claim, but only the sockets that may read the room hear
/// its title and customer.
#[tokio::test]
async fn the_staff_feed_tells_each_socket_only_what_it_may_read() {
    let app = spawn_app().await;
    let customer = app.customer("private-topic").await;
    let (a, b) = (app.staff("claimer").await, app.staff("colleague").await);
    let admin = app.admin("boss").await;
    let (sa, sb, sadmin) = (
        app.socket(&a).await,
        app.socket(&b).await,
        app.socket(&admin).await,
    );
    let title = "refund for order 5521";
    let session = app.open_session(&customer, title).await;
    let created = sb
        .next_where("session_created", |s| s["id"] == session)
        .await
        .unwrap();
    assert_eq!(
        created["title"], title,
        "an open session is for every staff member"
    );
    app.claim(&a, session).await;

    let seen = |v: &Value| v["id"] == session && v["status"] == "IN_PROGRESS";
    let short = sb.next_where("session_updated", seen).await.unwrap();
    assert_eq!(short["roomId"], customer.room_id.unwrap());
    assert_eq!(short["staffId"], a.id);
    assert!(short.get("title").is_none(), "{short}");
    assert!(short.get("customer").is_none(), "{short}");
    assert!(!short.to_string().contains(title), "{short}");
    let full = sa.next_where("session_updated", seen).await.unwrap();
    assert_eq!(full["title"], title);
    let full = sadmin.next_where("session_updated", seen).await.unwrap();
    assert_eq!(full["customer"]["id"], customer.id);

    app.end(&a, session).await;
    let ended = |v: &Value| v["id"] == session && v["status"] == "ENDED";
    let short = sb.next_where("session_updated", ended).await.unwrap();
    assert!(short.get("title").is_none(), "{short}");
    let assigned = sb
        .next_where("room_updated", |r| r["reason"] == "assigned")
        .await
        .unwrap();
    assert_eq!(assigned["staffId"], a.id);
}

async fn sign_in_from(
    app: &crate::helpers::TestApp,
    from: &str,
    name: &str,
    password: &str,
) -> StatusCode {
    let client = reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    client
        .post(app.url("/api/auth/login"))
        .json(&json!({"userName": name, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

/// Fifteen wrong guesses from one address stop that address, and the real user still signs in
/// at once from their own.
#[tokio::test]
async fn guessing_from_one_address_locks_out_nobody_else() {
    let app = spawn_app().await;
    app.admin("owner").await;
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(sign_in_from(&app, "127.0.0.2", "owner", "wrong-guess").await);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "the guessing address is stopped: {statuses:?}"
    );
    let started = std::time::Instant::now();
    assert_eq!(
        sign_in_from(&app, "127.0.0.3", "owner", PASSWORD).await,
        StatusCode::OK
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "the owner was not held back"
    );
    // The console's sign-in follows the same rules.
    let page = app.console_sign_in("owner", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The database, its WAL and shared memory, and backups are the owner's alone; the console's
/// cookie value is nowhere in the database file or its WAL.
#[tokio::test]
async fn secrets_at_rest_are_private() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir.clone(), |_| {}).await;
    app.admin("keeper").await;
    let console = app.console("keeper").await;
    let cookie_value = console.cookie.split_once('=').unwrap().1.to_string();
    assert_eq!(cookie_value.len(), 64);
    let kept_as_is = app.db().i64(
        "SELECT count(*) FROM console_sessions WHERE id = ?1 OR csrf_token = ?1",
        &[&cookie_value],
    );
    assert_eq!(kept_as_is, 0, "the console cookie's value is a row's key");
    // The cookie still signs in: the lookup is by its hash.
    let desk = app.page("/console", &console.cookie).await;
    assert_eq!(desk.status, StatusCode::OK);
    crate::test_db::sqlite_only!("the SQLite file's permissions and bytes");
    let db = dir.path().join("frontdesk.db");
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    let mut raw = std::fs::read(&db).unwrap();
    raw.extend(std::fs::read(format!("{}-wal", db.display())).unwrap_or_default());
    let needle = cookie_value.as_bytes();
    assert!(
        !raw.windows(needle.len()).any(|w| w == needle),
        "the console cookie's value is stored in the database"
    );

    let copy = dir.path().join("copy.db");
    frontdesk::db::backup(&db, &copy).unwrap();
    assert_eq!(mode(&copy), 0o600);
}

#[derive(serde::Serialize)]
struct RawClaims {
    sub: String,
    role: String,
    ver: i64,
    iat: i64,
    exp: i64,
    nbf: i64,
}

/// A token whose `nbf` is in the future is refused until then.
#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    let secret = "a-test-secret-that-is-long-enough-0123456789";
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, |c| c.jwt_secret = Some(secret.into())).await;
    let user = app.customer("early").await;
    let now = chrono::Utc::now().timestamp();
    let sign = |nbf: i64| {
        let claims = RawClaims {
            sub: user.id.to_string(),
            role: "CUSTOMER".into(),
            ver: 0,
            iat: now,
            exp: now + 3600,
            nbf,
        };
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let (status, _) = app
        .call(Method::GET, "/api/auth/me", Some(&sign(now + 600)), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .call(Method::GET, "/api/auth/me", Some(&sign(now - 10)), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The API page carries the same protection as every other page.
#[tokio::test]
async fn the_api_docs_page_has_a_csp_and_refuses_frames() {
    let app = spawn_app().await;
    let res = app.http.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(!csp.contains("script-src 'unsafe-inline'"), "{csp}");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
}
