//! The web consoles' doors: who may open which page, the security headers every page sends, and
//! a form that offers only real roles.

use reqwest::StatusCode;

use crate::helpers::{spawn_app, spawn_app_in};

#[tokio::test]
async fn staff_get_a_403_page_for_the_admin_console_and_visitors_are_sent_to_sign_in() {
    let app = spawn_app().await;
    let staff = app.staff("nga").await;
    let console = app.console("nga").await;
    for path in [
        "/console/admin",
        "/console/admin/users",
        "/console/admin/sessions",
        "/console/admin/rooms",
    ] {
        let page = app.page(path, &console.cookie).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.body.contains("This page is for admins only."),
            "{path}: {}",
            page.body
        );
        assert!(
            page.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    let path = format!("/console/admin/users/{}/active", staff.id);
    let post = app
        .form(
            &path,
            &console.cookie,
            &[("csrf", &console.csrf), ("active", "0")],
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);

    let visitor = app.page("/console/admin/rooms?staff=none", "").await;
    assert_eq!(visitor.status, StatusCode::SEE_OTHER);
    assert_eq!(
        visitor.headers["location"],
        "/console/login?next=/console/admin/rooms%3Fstaff%3Dnone"
    );
    let elsewhere = app
        .page("/console/login?next=https://evil.example/", "")
        .await;
    assert!(
        elsewhere.body.contains("name=\"next\" value=\"/console\""),
        "no open redirect"
    );
}

#[tokio::test]
async fn console_pages_send_a_strict_csp_and_the_other_security_headers() {
    let app = spawn_app().await;
    app.admin("boss").await;
    let console = app.console("boss").await;
    let pages = [
        app.page("/console/login", "").await,
        app.page("/console", &console.cookie).await,
        app.page("/console/admin", &console.cookie).await,
        app.page("/console/admin/users", &console.cookie).await,
        app.page("/console/rooms/999", &console.cookie).await,
        app.page("/console/no-such-page", &console.cookie).await,
    ];
    for page in &pages {
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(page.headers["x-frame-options"], "DENY");
        assert_eq!(page.headers["referrer-policy"], "same-origin");
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        // Every script is a file of ours: no inline script for the CSP to have to allow.
        for tag in page.body.split("<script").skip(1) {
            assert!(
                tag.starts_with(" src=\"/static/"),
                "inline or foreign script: <script{tag}"
            );
        }
    }
    for missing in &pages[4..] {
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(
            missing.body.contains("Not found"),
            "an HTML page: {}",
            missing.body
        );
    }

    // The customer page may be framed (by the widget), by configured shops only when set.
    let chat = app.page("/chat", "").await;
    let csp = chat.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors *") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(chat.headers.get("x-frame-options").is_none());
    let dir = app.dir();
    app.stop().await;
    let shop = spawn_app_in(dir, |c| {
        c.console.embed_origins = vec!["https://shop.example".into()]
    })
    .await;
    let chat = shop.page("/chat", "").await;
    let csp = chat.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self' https://shop.example"),
        "{csp}"
    );
}

/// A role the form does not offer is refused, never silently turned into STAFF (issue 11).
#[tokio::test]
async fn a_role_the_form_does_not_offer_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let console = app.console("boss").await;
    let fields = [
        ("csrf", console.csrf.as_str()),
        ("user_name", "rolling"),
        ("password", "password-123"),
        ("role", "OWNER"),
    ];
    let answer = app
        .form("/console/admin/users", &console.cookie, &fields)
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(answer.body.contains("role must be"), "{}", answer.body);
    let (_, users) = app.get("/api/admin/users?search=rolling", &admin).await;
    assert_eq!(users["total"], 0, "nothing was created: {users}");
}
