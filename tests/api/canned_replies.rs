//! Canned replies (contract §10): staff and admins read them, admins write them; shortcuts
//! are `[a-z0-9-]{1,32}` and unique; a refusal changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app};

const PATH: &str = "/api/chat/canned-replies";

async fn put(app: &TestApp, path: &str, user: &User, body: Value) -> (StatusCode, Value) {
    app.call(Method::PUT, path, Some(&user.token), Some(body))
        .await
}

async fn delete(app: &TestApp, path: &str, user: &User) -> (StatusCode, Value) {
    app.call(Method::DELETE, path, Some(&user.token), None)
        .await
}

async fn list(app: &TestApp, user: &User) -> Value {
    let (status, body) = app.get(PATH, user).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn admins_write_canned_replies_and_staff_read_them() {
    let app = spawn_app().await;
    let (admin, staff) = (app.admin("boss").await, app.staff("mai").await);
    let (status, created) = app
        .post(
            PATH,
            &admin,
            json!({"shortcut": "refund", "content": "Hi {firstName}, your refund is on its way."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["shortcut"], "refund");
    assert_eq!(
        created["content"],
        "Hi {firstName}, your refund is on its way."
    );
    app.post(
        PATH,
        &admin,
        json!({"shortcut": "hello", "content": "Hello!"}),
    )
    .await;

    // Staff read them, sorted by shortcut.
    let seen = list(&app, &staff).await;
    let shortcuts: Vec<&str> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["shortcut"].as_str().unwrap())
        .collect();
    assert_eq!(shortcuts, ["hello", "refund"]);

    let item = format!("{PATH}/{id}");
    let (status, changed) = put(
        &app,
        &item,
        &admin,
        json!({"shortcut": "refund-sent", "content": "Sent."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["shortcut"], "refund-sent");
    assert_eq!(changed["content"], "Sent.");
    // The same shortcut again on the same reply is no conflict.
    let (status, _) = put(
        &app,
        &item,
        &admin,
        json!({"shortcut": "refund-sent", "content": "Sent!"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = delete(&app, &item, &admin).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(list(&app, &staff).await.as_array().unwrap().len(), 1);
    let (status, body) = delete(&app, &item, &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = put(
        &app,
        &item,
        &admin,
        json!({"shortcut": "x", "content": "y"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_taken_shortcut_is_a_409_and_nothing_changes() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let (_, a) = app
        .post(PATH, &admin, json!({"shortcut": "hello", "content": "A"}))
        .await;
    let (_, b) = app
        .post(PATH, &admin, json!({"shortcut": "bye", "content": "B"}))
        .await;
    let (status, body) = app
        .post(PATH, &admin, json!({"shortcut": "hello", "content": "C"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "SHORTCUT_TAKEN");
    let (status, body) = put(
        &app,
        &format!("{PATH}/{}", b["id"]),
        &admin,
        json!({"shortcut": "hello", "content": "changed"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "SHORTCUT_TAKEN");
    assert_eq!(list(&app, &admin).await, json!([b, a]));
}

#[tokio::test]
async fn bad_shortcuts_and_contents_are_400_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let (_, kept) = app
        .post(PATH, &admin, json!({"shortcut": "ok", "content": "fine"}))
        .await;
    let long = "x".repeat(5001);
    let cases = [
        (json!({"shortcut": "", "content": "a"}), "shortcut"),
        (json!({"shortcut": "Refund", "content": "a"}), "shortcut"),
        (json!({"shortcut": "re fund", "content": "a"}), "shortcut"),
        (json!({"shortcut": "ré", "content": "a"}), "shortcut"),
        (
            json!({"shortcut": "a".repeat(33), "content": "a"}),
            "shortcut",
        ),
        (json!({"shortcut": "good", "content": "   "}), "content"),
        (json!({"shortcut": "good", "content": long}), "content"),
    ];
    let item = format!("{PATH}/{}", kept["id"]);
    for (body, field) in cases {
        let (status, answer) = app.post(PATH, &admin, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "POST {body}: {answer}");
        assert_eq!(answer["code"], "VALIDATION_FAILED");
        assert!(
            answer["message"].to_string().contains(field),
            "{body}: {answer}"
        );
        let (status, answer) = put(&app, &item, &admin, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "PUT {body}: {answer}");
        assert!(answer["message"].to_string().contains(field), "{answer}");
    }
    let (status, _) = app
        .post(PATH, &admin, json!({"shortcut": 7, "content": "a"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.post(PATH, &admin, json!({"shortcut": "good"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // 32 characters of every allowed kind is fine.
    let (status, _) = app
        .post(
            PATH,
            &admin,
            json!({"shortcut": format!("a-0{}", "z".repeat(29)), "content": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let all = list(&app, &admin).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(all.as_array().unwrap().contains(&kept));
}

#[tokio::test]
async fn staff_and_customers_may_not_write_and_customers_may_not_read() {
    let app = spawn_app().await;
    let (admin, staff) = (app.admin("boss").await, app.staff("mai").await);
    let customer = app.customer("anh").await;
    let (_, kept) = app
        .post(
            PATH,
            &admin,
            json!({"shortcut": "hello", "content": "Hello"}),
        )
        .await;
    let item = format!("{PATH}/{}", kept["id"]);
    for user in [&staff, &customer] {
        let (status, body) = app
            .post(PATH, user, json!({"shortcut": "new", "content": "x"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, _) = put(
            &app,
            &item,
            user,
            json!({"shortcut": "new", "content": "x"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = delete(&app, &item, user).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, body) = app.get(PATH, &customer).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = app.call(Method::GET, PATH, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(list(&app, &admin).await, json!([kept]));
}

#[tokio::test]
async fn the_admin_console_page_adds_changes_and_deletes_with_csrf() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let console = app.console("boss").await;
    let page = app.page("/console/admin/canned", &console.cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("href=\"/console/admin/canned\" aria-current=\"page\"")
    );

    // Without the form token nothing happens.
    let forged = app
        .form(
            "/console/admin/canned",
            &console.cookie,
            &[("shortcut", "hello"), ("content", "Hi"), ("csrf", "wrong")],
        )
        .await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER);
    assert_eq!(list(&app, &admin).await, json!([]));

    let fields = |s: &'static str, c: &'static str| [("shortcut", s), ("content", c)];
    let post = |path: String, f: [(&'static str, &'static str); 2]| {
        let (app, console) = (&app, &console);
        async move {
            let mut all: Vec<(&str, &str)> = f.to_vec();
            all.push(("csrf", &console.csrf));
            app.form(&path, &console.cookie, &all).await
        }
    };
    let added = post(
        "/console/admin/canned".into(),
        fields("hello", "Hi {firstName}"),
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let id = list(&app, &admin).await[0]["id"].as_i64().unwrap();
    let taken = post("/console/admin/canned".into(), fields("hello", "again")).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.body.contains("already has this shortcut"));
    let bad = post("/console/admin/canned".into(), fields("Bad Key", "x")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("shortcut must be"));
    let changed = post(format!("/console/admin/canned/{id}"), fields("hi", "Hello")).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        list(&app, &admin).await,
        json!([{"id": id, "shortcut": "hi", "content": "Hello"}])
    );
    let gone = post(format!("/console/admin/canned/{id}/delete"), fields("", "")).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert_eq!(list(&app, &admin).await, json!([]));

    // Staff get no such page.
    app.staff("mai").await;
    let staff = app.console("mai").await;
    let page = app.page("/console/admin/canned", &staff.cookie).await;
    assert_ne!(page.status, StatusCode::OK);
}

/// Creations sent at once share the writer's batches. A duplicate shortcut is refused by the
/// database's UNIQUE constraint, a failed statement, which on PostgreSQL aborts the whole
/// transaction unless the job's savepoint is rolled back: the refusal must undo only its own
/// job, and every other creation in the batch is kept.
#[tokio::test]
async fn a_shortcut_refused_within_a_batch_undoes_only_its_own_creation() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let metrics = crate::monitoring::scrape(&app).await;
    let counted = |text: &str, name: &str| crate::monitoring::sample(text, name).unwrap();
    let (jobs, batches) = (
        counted(&metrics, "frontdesk_write_jobs_total"),
        counted(&metrics, "frontdesk_write_batches_total"),
    );
    let bodies: Vec<Value> = (0..40)
        .map(|i| match i % 4 {
            0 => json!({"shortcut": "dup", "content": format!("dup {i}")}),
            _ => json!({"shortcut": format!("r{i}"), "content": "kept"}),
        })
        .collect();
    let answers =
        futures_util::future::join_all(bodies.into_iter().map(|b| app.post(PATH, &admin, b))).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let taken: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(
        created, 31,
        "30 distinct shortcuts and one dup: {answers:?}"
    );
    assert_eq!(taken.len(), 9, "{answers:?}");
    assert!(
        taken.iter().all(|b| b["code"] == "SHORTCUT_TAKEN"),
        "{taken:?}"
    );
    assert_eq!(list(&app, &admin).await.as_array().unwrap().len(), 31);

    let metrics = crate::monitoring::scrape(&app).await;
    let jobs = counted(&metrics, "frontdesk_write_jobs_total") - jobs;
    let batches = counted(&metrics, "frontdesk_write_batches_total") - batches;
    eprintln!("{jobs} jobs in {batches} batches");
    if crate::test_db::on_postgres() {
        // Each PostgreSQL statement is a round trip, so requests sent at once always meet in a
        // batch there; SQLite's writer may be quick enough to take them one by one.
        assert!(jobs > batches, "{jobs} jobs in {batches} batches");
    }
}
