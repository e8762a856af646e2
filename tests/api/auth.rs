//! Sign-up, sign-in, tokens, and admin user management.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn register_creates_the_account_and_its_room() {
    let app = spawn_app().await;
    let (status, body) = app
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"userName": "lan.nguyen", "password": PASSWORD, "firstName": "Lan", "lastName": "Nguyen"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(body["accessToken"].as_str().unwrap().len() > 20);
    assert_eq!(body["user"]["userName"], "lan.nguyen");
    assert_eq!(body["user"]["role"], "CUSTOMER");
    assert!(body["user"].get("passwordHash").is_none());

    let token = body["accessToken"].as_str().unwrap();
    let (status, rooms) = app
        .call(Method::GET, "/api/chat/rooms", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let rooms = rooms.as_array().unwrap();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0]["customerId"], body["user"]["id"]);
    assert_eq!(rooms[0]["staffId"], serde_json::Value::Null);
    assert_eq!(
        rooms[0]["name"],
        format!("Support Request #{}", rooms[0]["id"])
    );
    assert_eq!(rooms[0]["_count"]["messages"], 0);
    assert_eq!(rooms[0]["customer"]["firstName"], "Lan");
}

#[tokio::test]
async fn register_refuses_bad_or_taken_names_and_short_passwords() {
    let app = spawn_app().await;
    app.customer("taken_name").await;
    let cases = [
        (
            json!({"userName": "TAKEN_NAME", "password": PASSWORD}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"userName": "ab", "password": PASSWORD}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"userName": "has space", "password": PASSWORD}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"userName": "fine_name", "password": "short"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"userName": "fine_name"}), StatusCode::BAD_REQUEST),
        (
            json!({"userName": 5, "password": PASSWORD}),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = app
            .call(Method::POST, "/api/auth/register", None, Some(body.clone()))
            .await;
        assert_eq!(status, expected, "{body} -> {answer}");
        assert_eq!(answer["statusCode"], expected.as_u16());
    }
    // Nothing was created by the refused attempts.
    let admin = app.admin("boss").await;
    let (_, page) = app.get("/api/admin/users?role=CUSTOMER", &admin).await;
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn login_gives_the_same_answer_for_unknown_user_and_wrong_password() {
    let app = spawn_app().await;
    app.customer("mai").await;
    let (ok, body) = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "mai", "password": PASSWORD})),
        )
        .await;
    assert_eq!(ok, StatusCode::OK);
    assert_eq!(body["user"]["userName"], "mai");

    let (s1, wrong_pw) = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "mai", "password": "not-the-one"})),
        )
        .await;
    let (s2, unknown) = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "nobody", "password": PASSWORD})),
        )
        .await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(s2, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_pw, unknown);
}

#[tokio::test]
async fn me_needs_a_valid_token() {
    let app = spawn_app().await;
    let user = app.customer("hoa").await;
    let (status, me) = app.get("/api/auth/me", &user).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], user.id);
    for token in [
        None,
        Some("garbage"),
        Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.x"),
    ] {
        let (status, body) = app.call(Method::GET, "/api/auth/me", token, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(body["error"], "Unauthorized");
    }
}

#[tokio::test]
async fn a_token_signed_with_another_secret_or_expired_is_refused() {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let app = spawn_app().await;
    let user = app.customer("tuan").await;
    let now = chrono::Utc::now().timestamp();
    let forged = encode(
        &Header::default(),
        &json!({"sub": user.id.to_string(), "role": "ADMIN", "ver": 0, "iat": now, "exp": now + 3600}),
        &EncodingKey::from_secret(b"some-other-secret-that-is-32-bytes-long!"),
    )
    .unwrap();
    let (status, _) = app
        .call(Method::GET, "/api/auth/me", Some(&forged), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deactivation_and_password_change_end_existing_tokens() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let staff = app.staff("linh").await;
    let other = app.staff("khoa").await;

    let (status, body) = app
        .post(
            &format!("/api/admin/users/{}/deactivate", staff.id),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["isActive"], false);
    let (status, _) = app.get("/api/auth/me", &staff).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "linh", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Account is deactivated");

    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", other.id),
            Some(&admin.token),
            Some(json!({"password": "a-brand-new-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get("/api/auth/me", &other).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "khoa", "password": "a-brand-new-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn only_hs256_tokens_with_a_live_exp_are_accepted() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let secret = "a-test-secret-that-is-at-least-32-bytes!";
    let app =
        crate::helpers::spawn_app_in(std::sync::Arc::new(tempfile::tempdir().unwrap()), |c| {
            c.jwt_secret = Some(secret.into());
        })
        .await;
    let user = app.customer("claims").await;
    let key = EncodingKey::from_secret(secret.as_bytes());
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: Option<i64>| {
        let mut c = json!({"sub": user.id.to_string(), "role": "CUSTOMER", "ver": 0, "iat": now});
        if let Some(e) = exp {
            c["exp"] = json!(e);
        }
        c
    };
    let good = encode(
        &Header::new(Algorithm::HS256),
        &claims(Some(now + 600)),
        &key,
    )
    .unwrap();
    let (status, _) = app
        .call(Method::GET, "/api/auth/me", Some(&good), None)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a hand-made HS256 token with this secret works"
    );
    let refused = [
        encode(
            &Header::new(Algorithm::HS256),
            &claims(Some(now - 120)),
            &key,
        )
        .unwrap(),
        encode(&Header::new(Algorithm::HS256), &claims(None), &key).unwrap(),
        encode(
            &Header::new(Algorithm::HS384),
            &claims(Some(now + 600)),
            &key,
        )
        .unwrap(),
        encode(
            &Header::new(Algorithm::HS512),
            &claims(Some(now + 600)),
            &key,
        )
        .unwrap(),
        encode(
            &Header::new(Algorithm::HS256),
            &json!({"sub": user.id.to_string(), "ver": 0, "exp": format!("{}", now + 600)}),
            &key,
        )
        .unwrap(),
    ];
    for token in refused {
        let (status, body) = app
            .call(Method::GET, "/api/auth/me", Some(&token), None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    // Within the small leeway an expired token still passes; well past it, it does not.
    let just_expired =
        encode(&Header::new(Algorithm::HS256), &claims(Some(now - 2)), &key).unwrap();
    assert_eq!(
        app.call(Method::GET, "/api/auth/me", Some(&just_expired), None)
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn identity_headers_are_never_trusted() {
    let app = spawn_app().await;
    let customer = app.customer("plain").await;
    app.admin("the_boss").await;
    for header in [
        "x-forwarded-user",
        "x-remote-user",
        "x-user-id",
        "remote-user",
    ] {
        let res = app
            .http
            .get(app.url("/api/admin/users"))
            .header(header, "the_boss")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNAUTHORIZED,
            "{header} without a token"
        );
        let res = app
            .http
            .get(app.url("/api/admin/users"))
            .bearer_auth(&customer.token)
            .header(header, "the_boss")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "{header} does not make a customer an admin"
        );
    }
}
