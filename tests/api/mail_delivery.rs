//! Issue 14, e-mail delivery: a mail waits in the outbox while the SMTP server is down or
//! refuses for now, and goes once it answers; mail pending at a restart goes once after it; an
//! erasure drops the mail still waiting for the customer; bad mail settings stop the start.

use std::sync::Arc;
use std::time::Duration;

use frontdesk::config::MailSettings;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app_in;
use crate::mail::{FROM, age, alerts_after, app_with, ask_for_email, guest, put, with_mail};
use crate::smtp::SmtpReceiver;

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_once_it_is_up() {
    let port = SmtpReceiver::free_port().await;
    let app = app_with(format!("smtp://127.0.0.1:{port}")).await;
    let boss = app.admin("boss").await;
    alerts_after(&app, &boss, 1).await;
    let mai = app.staff("mai").await;
    put(
        &app,
        "/api/users/me/notifications",
        &mai,
        json!({"email": "mai@shop.example", "waitingAlerts": true}),
    )
    .await;
    let customer = app.customer("patient").await;
    let session = app.open_session(&customer, "Down").await;
    age(&app, session, 2);
    // Connection refused: attempts are made and counted, the mail stays pending.
    let mut attempts = 0;
    for _ in 0..100 {
        attempts = app.db().i64(
            "SELECT coalesce(max(attempts), 0) FROM mail_outbox WHERE status = 'pending'",
            &[],
        );
        if attempts >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(attempts >= 2, "retried while down: {attempts}");

    // Up, but refusing one transaction with 451 first: still retried, then delivered once.
    let smtp = SmtpReceiver::start_on(port).await;
    smtp.refuse_next(1);
    let mails = smtp.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(smtp.refused(), 1);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(smtp.mails().len(), 1, "delivered once");
}

#[tokio::test]
async fn mail_pending_at_a_restart_is_delivered_after_it_once() {
    let port = SmtpReceiver::free_port().await;
    let url = format!("smtp://127.0.0.1:{port}");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir.clone(), with_mail(url.clone())).await;
    let boss = app.admin("boss").await;
    ask_for_email(&app, &boss).await;
    let customer = guest(&app, "Hoa", Some("hoa@example.com")).await;
    let session = app.open_session(&customer, "Restart").await;
    app.end(&customer, session).await;
    let (status, _) = app
        .post(
            &format!("/api/chat/sessions/{session}/transcript-email"),
            &customer,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.stop().await;

    let smtp = SmtpReceiver::start_on(port).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(smtp.mails().is_empty(), "the stopped server sends nothing");
    let app = spawn_app_in(dir, with_mail(url)).await;
    let mails = smtp.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["<hoa@example.com>"]);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(smtp.mails().len(), 1, "once");
    app.stop().await;
}

#[tokio::test]
async fn an_erasure_drops_the_mail_still_waiting_for_the_customer() {
    let port = SmtpReceiver::free_port().await;
    let app = app_with(format!("smtp://127.0.0.1:{port}")).await;
    let boss = app.admin("boss").await;
    ask_for_email(&app, &boss).await;
    let customer = guest(&app, "Hoa", Some("hoa@example.com")).await;
    let session = app.open_session(&customer, "Private matter").await;
    app.end(&customer, session).await;
    let (status, _) = app
        .post(
            &format!("/api/chat/sessions/{session}/transcript-email"),
            &customer,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = app
        .post(
            &format!("/api/admin/users/{}/erase", customer.id),
            &boss,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let row = app
        .db()
        .texts("SELECT status, to_address, text_body FROM mail_outbox", &[]);
    assert_eq!(row, ["failed", "", ""]);
    let smtp = SmtpReceiver::start_on(port).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        smtp.mails().is_empty(),
        "nothing goes to an erased customer"
    );
}

#[tokio::test]
async fn a_bad_smtp_url_or_sender_stops_the_start_with_guidance() {
    for (url, from, says) in [
        ("http://mail.example", FROM, "smtp://"),
        (
            "smtp://127.0.0.1:25",
            "not an address",
            "FRONTDESK_SMTP_FROM",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut config = frontdesk::Config::new(dir.path().join("frontdesk.db"));
        config.mail = Some(MailSettings::new(url, from));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let refused = frontdesk::server::run(config, listener, async {}).await;
        let message = refused.expect_err("refused");
        assert!(message.contains(says), "{message}");
    }
}
