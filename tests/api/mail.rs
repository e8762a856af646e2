//! Issue 14, e-mail: waiting alerts to the staff who opted in, transcripts to the customer who
//! asks, sent from the mail outbox through an SMTP server (tests/api/smtp.rs, written here and
//! started on port 0), and nothing at all without `--smtp-url`. Delivery itself (retries,
//! restarts, erasure, bad settings) is in mail_delivery.rs, with these helpers.

use std::sync::Arc;
use std::time::Duration;

use frontdesk::config::MailSettings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app_in};
use crate::smtp::SmtpReceiver;

pub(crate) const FROM: &str = "Shop desk <desk@shop.example>";

pub(crate) fn with_mail(url: String) -> impl FnOnce(&mut frontdesk::Config) {
    move |c: &mut frontdesk::Config| {
        let mut m = MailSettings::new(url, FROM);
        m.first_retry = Duration::from_millis(150);
        m.alert_check_every = Duration::from_millis(100);
        m.timeout = Duration::from_secs(5);
        c.mail = Some(m);
    }
}

pub(crate) async fn app_with(receiver_url: String) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    spawn_app_in(dir, with_mail(receiver_url)).await
}

/// Moves session `id` `minutes` into the past, as if it had waited that long.
pub(crate) fn age(app: &TestApp, id: i64, minutes: i64) {
    let ms = minutes * 60_000;
    app.db().execute(
        "UPDATE sessions SET started_at = started_at - ?1 WHERE id = ?2",
        &[&ms, &id],
    );
}

/// Rows in the mail outbox.
pub(crate) fn outbox_rows(app: &TestApp) -> i64 {
    app.db().i64("SELECT count(*) FROM mail_outbox", &[])
}

pub(crate) async fn put(
    app: &TestApp,
    path: &str,
    user: &User,
    body: Value,
) -> (StatusCode, Value) {
    app.call(Method::PUT, path, Some(&user.token), Some(body))
        .await
}

pub(crate) async fn alerts_after(app: &TestApp, boss: &User, minutes: u32) {
    let (status, body) = put(
        app,
        "/api/admin/settings",
        boss,
        json!({"emailAlertWaitMinutes": minutes, "emailLanguage": "en", "shopName": "Tea & <Cakes>"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The pre-chat form asks for an e-mail address (optional), so guests can give one.
pub(crate) async fn ask_for_email(app: &TestApp, boss: &User) {
    let (status, body) = put(
        app,
        "/api/admin/settings",
        boss,
        json!({"prechat": {"email": "optional", "phone": "hidden"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A guest customer (with `email` when given) and their room.
pub(crate) async fn guest(app: &TestApp, first: &str, email: Option<&str>) -> User {
    let mut body = json!({"firstName": first});
    if let Some(e) = email {
        body["email"] = json!(e);
    }
    let (status, b) = app
        .call(Method::POST, "/api/auth/guest", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let mut user = User {
        id: b["user"]["id"].as_i64().unwrap(),
        name: b["user"]["userName"].as_str().unwrap().to_string(),
        token: b["accessToken"].as_str().unwrap().to_string(),
        room_id: None,
    };
    let (_, rooms) = app.get("/api/chat/rooms", &user).await;
    user.room_id = rooms[0]["id"].as_i64();
    user
}

#[tokio::test]
async fn a_waiting_session_alerts_each_opted_in_staff_member_once() {
    let smtp = SmtpReceiver::start().await;
    let app = app_with(smtp.url()).await;
    let boss = app.admin("boss").await;
    let mai = app.staff("mai").await;
    let lan = app.staff("lan").await;
    let customer = app.customer("waiter").await;

    // Choices: Mai opts in; Lan gives an address but does not; a customer may not choose.
    let (status, mine) = app.get("/api/users/me/notifications", &mai).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mine,
        json!({"email": null, "waitingAlerts": false, "emailEnabled": true, "alertWaitMinutes": 0})
    );
    let path = "/api/users/me/notifications";
    let (status, body) = put(&app, path, &mai, json!({"waitingAlerts": true})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "alerts need an address");
    assert!(
        body["message"].as_str().unwrap().contains("email"),
        "{body}"
    );
    let (status, body) = put(
        &app,
        path,
        &mai,
        json!({"email": "mai@", "waitingAlerts": true}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "VALIDATION_FAILED");
    let (status, body) = put(&app, path, &mai, json!({"email": 7, "waitingAlerts": true})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        app.get(path, &mai).await.1["waitingAlerts"],
        false,
        "nothing changed"
    );
    let (status, body) = put(
        &app,
        path,
        &mai,
        json!({"email": "mai@shop.example", "waitingAlerts": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["waitingAlerts"], true);
    assert_eq!(body["email"], "mai@shop.example");
    let (status, _) = put(
        &app,
        path,
        &lan,
        json!({"email": "lan@shop.example", "waitingAlerts": false}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get(path, &customer).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Bad settings are refused naming the field; then 5 minutes.
    let (status, body) = put(
        &app,
        "/api/admin/settings",
        &boss,
        json!({"emailAlertWaitMinutes": 99999}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("emailAlertWaitMinutes"),
        "{body}"
    );
    alerts_after(&app, &boss, 5).await;

    let waiting = app
        .open_session(&customer, "Where is <b>my</b> order?")
        .await;
    let fresh_customer = app.customer("newcomer").await;
    let fresh = app.open_session(&fresh_customer, "Just arrived").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(smtp.mails().is_empty(), "nothing has waited 5 minutes yet");

    age(&app, waiting, 6);
    let mails = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1, "one alert, to Mai only");
    let m = &mails[0];
    assert_eq!(m.to, vec!["<mai@shop.example>"]);
    assert_eq!(m.from, "<desk@shop.example>");
    let subject = m.header("Subject").unwrap();
    assert!(
        subject.contains("waited") && subject.contains(&format!("#{waiting}")),
        "{subject}"
    );
    assert!(
        m.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );
    let text = m.part("text/plain").expect("a text part");
    assert!(text.contains("Where is <b>my</b> order?"), "{text}");
    let html = m.part("text/html").expect("an html part");
    assert!(
        html.contains("Where is &lt;b&gt;my&lt;/b&gt; order?"),
        "{html}"
    );
    assert!(!html.contains("<b>my</b>"), "{html}");
    let id = m.header("Message-ID").unwrap();
    assert!(
        id.starts_with("<frontdesk.mail.") && id.ends_with("@shop.example>"),
        "{id}"
    );

    // Once per session: more checks (and more time) send nothing more; the fresh one is not due.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(smtp.mails().len(), 1);
    // A claimed session is not waiting: aged past the wait, it alerts no one.
    app.claim(&lan, fresh).await;
    age(&app, fresh, 10);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(smtp.mails().len(), 1);
}

#[tokio::test]
async fn a_customer_gets_the_transcript_of_an_ended_session_escaped() {
    let smtp = SmtpReceiver::start().await;
    let app = app_with(smtp.url()).await;
    let boss = app.admin("boss").await;
    alerts_after(&app, &boss, 0).await;
    ask_for_email(&app, &boss).await;
    let mai = app.staff("mai").await;
    let customer = guest(&app, "Hoa", Some("hoa@example.com")).await;
    let stranger = guest(&app, "Other", Some("other@example.com")).await;
    let no_email = guest(&app, "Nomail", None).await;

    let session = app.open_session(&customer, "Refund").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    sock.join(room).await;
    let ack = sock
        .ack(
            "send_message",
            json!({"roomId": room, "content": "My order <script>alert(1)</script> & more"}),
        )
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    app.claim(&mai, session).await;
    let path = format!("/api/chat/sessions/{session}/transcript-email");

    // Refusals send nothing and write nothing.
    let (status, body) = app.post(&path, &customer, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "SESSION_NOT_ENDED");
    app.end(&mai, session).await;
    let (status, _) = app.post(&path, &stranger, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.post(&path, &mai, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            "/api/chat/sessions/999999/transcript-email",
            &customer,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let own = app.open_session(&no_email, "Hi").await;
    app.end(&no_email, own).await;
    let (status, body) = app
        .post(
            &format!("/api/chat/sessions/{own}/transcript-email"),
            &no_email,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("email"),
        "{body}"
    );
    let (status, _) = app.call(Method::POST, &path, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(smtp.mails().is_empty());
    assert_eq!(outbox_rows(&app), 0);

    let (status, body) = app.post(&path, &customer, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["sentTo"], "hoa@example.com");
    let mails = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.to, vec!["<hoa@example.com>"]);
    let subject = m.header("Subject").unwrap();
    assert!(
        subject.contains("Transcript") && subject.contains("Refund"),
        "{subject}"
    );
    let text = m.part("text/plain").unwrap();
    assert!(
        text.contains("My order <script>alert(1)</script> & more"),
        "{text}"
    );
    // askama writes numeric entities (`&#60;`), our own lines named ones (`&lt;`).
    let html = m.part("text/html").unwrap();
    let named = html
        .replace("&#60;", "&lt;")
        .replace("&#62;", "&gt;")
        .replace("&#38;", "&amp;");
    assert!(
        named.contains("My order &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        named.contains("Tea &amp; &lt;Cakes&gt;"),
        "the shop's name is escaped too: {html}"
    );

    // The limit: again at once is 429 with a Retry-After, and nothing more is sent.
    let res = app
        .http
        .post(app.url(&path))
        .bearer_auth(&customer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 500 && wait <= 600, "{wait}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.mails().len(), 1);
    // Sent mail leaves no copy of the address or the text in the database.
    let row = app
        .db()
        .texts("SELECT status, to_address, text_body FROM mail_outbox", &[]);
    assert_eq!(row, ["sent", "", ""]);
}

#[tokio::test]
async fn without_smtp_nothing_is_written_or_sent() {
    let smtp = SmtpReceiver::start().await;
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir, |c| {
        c.idle_check_every = Duration::from_millis(100);
    })
    .await;
    let boss = app.admin("boss").await;
    alerts_after(&app, &boss, 1).await;
    ask_for_email(&app, &boss).await;
    let mai = app.staff("mai").await;
    let (status, body) = put(
        &app,
        "/api/users/me/notifications",
        &mai,
        json!({"email": "mai@shop.example", "waitingAlerts": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "choices can be kept for later");
    assert_eq!(body["emailEnabled"], false);
    let customer = guest(&app, "Hoa", Some("hoa@example.com")).await;
    let waiting = app.open_session(&customer, "Waits").await;
    age(&app, waiting, 30);
    app.end(&customer, waiting).await;
    let (status, body) = app
        .post(
            &format!("/api/chat/sessions/{waiting}/transcript-email"),
            &customer,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let other = guest(&app, "Lan", None).await;
    let open = app.open_session(&other, "Old").await;
    age(&app, open, 30);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(outbox_rows(&app), 0);
    assert!(smtp.mails().is_empty());
}
