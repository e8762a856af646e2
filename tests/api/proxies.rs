//! Behind a reverse proxy (issue 15): only the proxies named in `--trusted-proxies` may say who
//! the client is (`X-Forwarded-For`, `Forwarded`) and whether it came over HTTPS
//! (`X-Forwarded-Proto`); from anywhere else those headers change nothing.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, set_cookie, spawn_app_in};

async fn app(trusted: &[&str]) -> TestApp {
    let trusted: Vec<String> = trusted.iter().map(|s| s.to_string()).collect();
    spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), move |c| {
        c.rates.login_per_address_per_minute = 2;
        c.trusted_proxies = trusted.iter().map(|s| s.parse().unwrap()).collect();
    })
    .await
}

/// A wrong-password sign-in as if forwarded for `client` with `header`; returns the status.
async fn guess(app: &TestApp, header: &str, client: &str) -> StatusCode {
    app.http
        .post(app.url("/api/auth/login"))
        .header(header, client)
        .json(&json!({"userName": "nobody", "password": "wrong-password"}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_trusted_proxy_gives_each_client_its_own_sign_in_budget() {
    let app = app(&["127.0.0.1/32"]).await;
    for _ in 0..2 {
        assert_eq!(
            guess(&app, "x-forwarded-for", "198.51.100.1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        guess(&app, "x-forwarded-for", "198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the first client spent its budget"
    );
    // Another visitor behind the same proxy is untouched, by either header.
    assert_eq!(
        guess(&app, "x-forwarded-for", "198.51.100.2").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        guess(&app, "forwarded", "for=\"[2001:db8::7]:4711\"").await,
        StatusCode::UNAUTHORIZED
    );
    // A client that writes its own X-Forwarded-For before the proxy's is still itself: the
    // proxy appended the real address, and the rightmost untrusted hop counts.
    assert_eq!(
        guess(&app, "x-forwarded-for", "203.0.113.50, 198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn without_the_flag_forwarding_headers_are_ignored() {
    let app = app(&[]).await;
    assert_eq!(
        guess(&app, "x-forwarded-for", "198.51.100.1").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        guess(&app, "forwarded", "for=198.51.100.2").await,
        StatusCode::UNAUTHORIZED
    );
    // One shared budget: the peer's.
    assert_eq!(
        guess(&app, "x-forwarded-for", "198.51.100.3").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_proxy_not_on_the_list_is_not_believed() {
    let app = app(&["10.0.0.0/8"]).await;
    guess(&app, "x-forwarded-for", "198.51.100.1").await;
    guess(&app, "x-forwarded-for", "198.51.100.2").await;
    assert_eq!(
        guess(&app, "x-forwarded-for", "198.51.100.3").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// The console cookie is `Secure` when a trusted proxy says the browser used HTTPS, and not
/// when anyone else says so.
#[tokio::test]
async fn only_a_trusted_proxy_makes_the_console_cookie_secure() {
    for (trusted, secure) in [(vec!["127.0.0.1/32"], true), (vec![], false)] {
        let app = app(&trusted).await;
        app.staff("linh").await;
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
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let cookie = set_cookie(res.headers(), "fd_session").unwrap();
        assert_eq!(cookie.contains("; Secure"), secure, "{trusted:?}: {cookie}");
    }
}
