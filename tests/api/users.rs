//! Admin user management over REST: create, list, edit, deactivate and activate.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn admins_manage_users() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let (status, created) = app
        .post(
            "/api/admin/users",
            &admin,
            json!({"userName": "new.staff", "password": PASSWORD, "role": "STAFF", "firstName": "Ngoc"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["role"], "STAFF");
    let staff = app.login("new.staff").await;

    let (status, created) = app
        .post(
            "/api/admin/users",
            &admin,
            json!({"userName": "walk.in", "password": PASSWORD, "role": "CUSTOMER"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let customer = app.login("walk.in").await;
    let (_, rooms) = app.get("/api/chat/rooms", &customer).await;
    assert_eq!(rooms[0]["customerId"], created["id"]);

    let (_, page) = app.get("/api/admin/users?search=staff", &admin).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["users"][0]["userName"], "new.staff");
    let (_, page) = app.get("/api/admin/users?limit=1", &admin).await;
    assert_eq!(page["users"].as_array().unwrap().len(), 1);
    assert_eq!(page["total"], 3);

    let (status, changed) = app
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", staff.id),
            Some(&admin.token),
            Some(
                json!({"lastName": "Tran", "role": "ADMIN", "avatar": "https://example.com/a.png"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["lastName"], "Tran");
    assert_eq!(changed["role"], "ADMIN");

    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/admin/users/{}", customer.id),
            Some(&admin.token),
            Some(json!({"role": "STAFF"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, _) = app
        .post(
            &format!("/api/admin/users/{}/deactivate", admin.id),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Staff and customers may not manage users.
    let plain_staff = app.staff("plain").await;
    for who in [&plain_staff, &customer] {
        let (status, _) = app.get("/api/admin/users", who).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .post(
                "/api/admin/users",
                who,
                json!({"userName": "sneaky", "password": PASSWORD, "role": "ADMIN"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (_, page) = app.get("/api/admin/users?search=sneaky", &admin).await;
    assert_eq!(page["total"], 0);
}
