//! The web consoles' sign-in: the cookie, CSRF on every form, server-side sign-out and
//! revocation. Who may open which page and the security headers: console_access.rs.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, Sock, TestApp, User, set_cookie, spawn_app, spawn_app_in};

fn console_rows(app: &TestApp, user_id: i64) -> i64 {
    app.db().i64(
        "SELECT count(*) FROM console_sessions WHERE user_id = ?1",
        &[&user_id],
    )
}

fn as_user(id: i64, token: &str) -> User {
    User {
        id,
        name: String::new(),
        token: token.to_string(),
        room_id: None,
    }
}

#[tokio::test]
async fn signing_in_sets_an_http_only_strict_cookie_holding_only_a_random_id() {
    // The test talks from 127.0.0.1, trusted as a proxy here so it may say the scheme.
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let staff = app.staff("linh").await;
    let answer = app.console_sign_in("linh", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.headers["location"], "/console");
    let cookie = set_cookie(&answer.headers, "fd_session").expect("cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP cannot keep a Secure cookie: {cookie}"
    );
    let id = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("fd_session=");
    assert_eq!(id.len(), 64);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(console_rows(&app, staff.id), 1);

    // Behind a TLS proxy the cookie is Secure.
    let login = app.page("/console/login", "").await;
    let pair = set_cookie(&login.headers, "fd_login_csrf").unwrap();
    let csrf = crate::helpers::value_after(&login.body, "name=\"csrf\" value=\"").unwrap();
    let res = crate::helpers::no_redirects()
        .post(app.url("/console/login"))
        .header("cookie", pair.split(';').next().unwrap())
        .header("x-forwarded-proto", "https")
        .form(&[
            ("user_name", "linh"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    let secure = set_cookie(res.headers(), "fd_session").unwrap();
    assert!(secure.contains("; Secure"), "{secure}");
}

#[tokio::test]
async fn wrong_credentials_a_deactivated_account_and_a_customer_each_get_a_clear_message() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let staff = app.staff("tuan").await;
    app.customer("khach").await;

    let wrong = app.console_sign_in("tuan", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.body.contains("Wrong username or password."),
        "{}",
        wrong.body
    );
    assert!(set_cookie(&wrong.headers, "fd_session").is_none());

    let customer = app.console_sign_in("khach", PASSWORD).await;
    assert_eq!(customer.status, StatusCode::FORBIDDEN);
    assert!(
        customer.body.contains("for staff and admins only"),
        "{}",
        customer.body
    );
    assert!(
        customer.body.contains("href=\"/chat\""),
        "points customers to the chat page"
    );
    assert!(set_cookie(&customer.headers, "fd_session").is_none());

    app.post(
        &format!("/api/admin/users/{}/deactivate", staff.id),
        &admin,
        json!({}),
    )
    .await;
    let deactivated = app.console_sign_in("tuan", PASSWORD).await;
    assert_eq!(deactivated.status, StatusCode::UNAUTHORIZED);
    assert!(
        deactivated.body.contains("has been deactivated"),
        "{}",
        deactivated.body
    );
    assert!(set_cookie(&deactivated.headers, "fd_session").is_none());
}

#[tokio::test]
async fn a_form_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let console = app.console("boss").await;
    let create = |csrf: &'static str| {
        vec![
            ("csrf", csrf),
            ("user_name", "sneaky"),
            ("password", "password-123"),
            ("role", "ADMIN"),
        ]
    };
    for csrf in [
        "",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        let answer = app
            .form("/console/admin/users", &console.cookie, &create(csrf))
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "csrf {csrf:?}");
        assert!(answer.body.contains("security token"), "{}", answer.body);
    }
    let (_, users) = app.get("/api/admin/users?search=sneaky", &admin).await;
    assert_eq!(users["total"], 0, "nothing was created: {users}");

    // Signing out needs the token too; without it the session lives on.
    let out = app
        .form("/console/logout", &console.cookie, &[("csrf", "")])
        .await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.page("/console", &console.cookie).await.status,
        StatusCode::OK
    );

    // The sign-in form has its own token (a double-submit cookie).
    let forged = app
        .form(
            "/console/login",
            "",
            &[("user_name", "boss"), ("password", PASSWORD), ("csrf", "x")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(set_cookie(&forged.headers, "fd_session").is_none());

    // With the right token the same form works.
    let mut fields = create("");
    fields[0].1 = &console.csrf;
    let ok = app
        .form("/console/admin/users", &console.cookie, &fields)
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server_with_its_page_token() {
    let app = spawn_app().await;
    let staff = app.staff("mai").await;
    let console = app.console("mai").await;
    let page_user = as_user(staff.id, &console.page_token);
    assert_eq!(app.get("/api/auth/me", &page_user).await.0, StatusCode::OK);
    let live = Sock::connect(&app.base, Some(&console.page_token))
        .await
        .expect("the page's socket connects");

    let out = app
        .form(
            "/console/logout",
            &console.cookie,
            &[("csrf", &console.csrf)],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let cleared = set_cookie(&out.headers, "fd_session").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(console_rows(&app, staff.id), 0, "the row is gone");

    // A copy of the old cookie is worthless, and so is the page's token.
    let again = app.page("/console", &console.cookie).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(
        again.headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/console/login")
    );
    assert_eq!(
        app.get("/api/auth/me", &page_user).await.0,
        StatusCode::UNAUTHORIZED
    );
    let refused = Sock::connect(&app.base, Some(&console.page_token)).await;
    assert!(refused.err().unwrap().contains("Unauthorized"));
    assert!(
        live.closed_by_server().await,
        "the page's open socket was closed too"
    );
    // The user's other tokens are untouched.
    assert_eq!(app.get("/api/auth/me", &staff).await.0, StatusCode::OK);
}

#[tokio::test]
async fn deactivation_and_a_new_password_end_console_sessions_at_once() {
    let app = spawn_app().await;
    app.admin("boss").await;
    let admin = app.console("boss").await;
    let staff = app.staff("hung").await;
    let console = app.console("hung").await;
    assert_eq!(console_rows(&app, staff.id), 1);

    let path = format!("/console/admin/users/{}/password", staff.id);
    let reset = app
        .form(
            &path,
            &admin.cookie,
            &[("csrf", &admin.csrf), ("password", "brand-new-pass-1")],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.body);
    assert_eq!(console_rows(&app, staff.id), 0);
    assert_eq!(
        app.page("/console", &console.cookie).await.status,
        StatusCode::SEE_OTHER
    );

    let answer = app.console_sign_in("hung", "brand-new-pass-1").await;
    let cookie = set_cookie(&answer.headers, "fd_session").unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    assert_eq!(app.page("/console", &cookie).await.status, StatusCode::OK);

    let path = format!("/console/admin/users/{}/active", staff.id);
    let off = app
        .form(
            &path,
            &admin.cookie,
            &[("csrf", &admin.csrf), ("active", "0")],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.body);
    assert_eq!(console_rows(&app, staff.id), 0);
    assert_eq!(
        app.page("/console", &cookie).await.status,
        StatusCode::SEE_OTHER
    );
}
