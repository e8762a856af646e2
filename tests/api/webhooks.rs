//! Contract §11, webhooks: admins manage endpoints; every change is written to the outbox with
//! the change and delivered signed, at least once, in order per room, with retries that keep
//! the delivery id; a receiver that hangs never slows the chat.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app, spawn_app_in};
use crate::receiver::{Answer, Receiver};

/// A server whose failed deliveries come back after 100 ms (jittered down to 50).
async fn quick_retrying_app(window: Duration) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    spawn_app_in(dir, move |c| {
        c.webhooks.first_retry = Duration::from_millis(100);
        c.webhooks.retry_window = window;
        c.webhooks.timeout = Duration::from_secs(2);
    })
    .await
}

pub(crate) async fn add_hook(app: &TestApp, admin: &User, url: &str, events: &[&str]) -> Value {
    let (status, hook) = app
        .post(
            "/api/admin/webhooks",
            admin,
            json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    hook
}

/// Sends a message over the socket and returns its id.
pub(crate) async fn say(sock: &crate::helpers::Sock, room: i64, content: &str) -> i64 {
    let ack = sock
        .ack("send_message", json!({"roomId": room, "content": content}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    ack["id"]
        .as_i64()
        .or_else(|| ack["message"]["id"].as_i64())
        .unwrap_or_else(|| panic!("message id in {ack}"))
}

/// The endpoint's deliveries once none is pending any more (attempts are recorded a moment after
/// the receiver has answered), or as they are after 5 s.
pub(crate) async fn settled(app: &TestApp, admin: &User, hook: i64) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let list = deliveries(app, admin, hook).await;
        if list.iter().all(|d| d["status"] != "pending") || Instant::now() > deadline {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) async fn deliveries(app: &TestApp, admin: &User, hook: i64) -> Vec<Value> {
    let (status, list) = app
        .get(&format!("/api/admin/webhooks/{hook}/deliveries"), admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn a_message_reaches_the_receiver_signed_with_its_public_shape() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let receiver = Receiver::start().await;
    let (status, hook) = app
        .post(
            "/api/admin/webhooks",
            &admin,
            json!({"url": receiver.url, "events": ["message.created"], "secret": "a-shared-secret-of-ours"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    assert_eq!(hook["secret"], "a-shared-secret-of-ours");
    assert_eq!(hook["events"], json!(["message.created"]));
    let generated = add_hook(&app, &admin, &receiver.url, &["session.ended"]).await;
    let secret = generated["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 64, "32 random bytes, hex: {secret}");
    assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));

    let customer = app.customer("lan").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    let id = say(&sock, room, "Xin chào, đơn hàng của tôi?").await;

    let got = receiver.wait_accepted(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "one event, to the one subscribed endpoint");
    let r = &got[0];
    assert_eq!(r.event, "message.created");
    assert!(r.signed_with("a-shared-secret-of-ours"), "{}", r.signature);
    assert!(!r.signed_with("another-secret-entirely"));
    let now = chrono::Utc::now().timestamp();
    assert!((r.signed_at() - now).abs() <= 5, "t is the sending time");
    assert_eq!(r.json["type"], "message.created");
    assert!(r.json["id"].as_i64().unwrap() > 0);
    assert!(r.json["createdAt"].as_str().unwrap().ends_with('Z'));
    let data = &r.json["data"];
    assert_eq!(data["id"], id);
    assert_eq!(data["content"], "Xin chào, đơn hàng của tôi?");
    assert_eq!(data["roomId"], room);
    assert_eq!(data["sender"]["userName"], "lan");
    assert_eq!(data["sender"]["role"], "CUSTOMER");

    let list = settled(&app, &admin, hook["id"].as_i64().unwrap()).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["id"], r.delivery);
    assert_eq!(list[0]["event"], "message.created");
    assert_eq!(list[0]["status"], "delivered");
    assert_eq!(list[0]["attempts"], 1);
    assert_eq!(list[0]["lastStatusCode"], 200);
    assert_eq!(list[0]["nextAttemptAt"], Value::Null);
}

#[tokio::test]
async fn each_change_is_its_event_type_in_the_order_it_happened() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let receiver = Receiver::start().await;
    let all = [
        "session.created",
        "session.claimed",
        "session.ended",
        "message.created",
        "room.assigned",
        "room.transferred",
        "rating.created",
    ];
    let hook = add_hook(&app, &admin, &receiver.url, &all).await;
    assert_eq!(hook["events"], json!(all));
    let customer = app.customer("minh").await;
    let staff = app.staff("mai").await;
    let session = app.open_session(&customer, "Đổi size").await;
    app.claim(&staff, session).await;
    let sock = app.socket(&staff).await;
    sock.join(customer.room_id.unwrap()).await;
    say(&sock, customer.room_id.unwrap(), "Dạ em xem ngay").await;
    app.end(&staff, session).await;
    let (status, _) = app
        .post(
            &format!("/api/chat/sessions/{session}/rating"),
            &customer,
            json!({"score": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let got = receiver.wait_accepted(6, Duration::from_secs(5)).await;
    let types: Vec<&str> = got.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(
        types,
        [
            "session.created",
            "session.claimed",
            "room.assigned",
            "message.created",
            "session.ended",
            "rating.created"
        ]
    );
    assert_eq!(got[0].json["data"]["id"], session);
    assert_eq!(got[0].json["data"]["status"], "OPEN");
    assert_eq!(got[1].json["data"]["status"], "IN_PROGRESS");
    assert_eq!(got[2].json["data"]["staffId"], staff.id);
    assert_eq!(got[2].json["data"]["customer"]["userName"], "minh");
    assert_eq!(got[4].json["data"]["status"], "ENDED");
    assert_eq!(got[5].json["data"]["rating"]["score"], 5);
    for r in &got {
        assert!(r.signed_with(hook["secret"].as_str().unwrap()));
        assert_eq!(r.json["type"], r.event);
    }
}

#[tokio::test]
async fn retries_keep_the_delivery_id_and_a_room_stays_in_order() {
    let app = quick_retrying_app(Duration::from_secs(3600)).await;
    let admin = app.admin("boss").await;
    let receiver = Receiver::start().await;
    // The first message is refused twice (500, then 503) before it is taken.
    let refusals = Arc::new(AtomicUsize::new(0));
    let counted = refusals.clone();
    receiver.answer(move |r| {
        if r.json["data"]["content"] == "one" && counted.load(Ordering::SeqCst) < 2 {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            Answer::Status(if n == 0 { 500 } else { 503 })
        } else {
            Answer::Status(204)
        }
    });
    let hook = add_hook(&app, &admin, &receiver.url, &["message.created"]).await;
    let customer = app.customer("anh").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    let mut ids = Vec::new();
    for text in ["one", "two", "three", "four"] {
        ids.push(say(&sock, room, text).await);
    }
    let got = receiver.wait_accepted(4, Duration::from_secs(10)).await;
    let order: Vec<i64> = got
        .iter()
        .map(|r| r.json["data"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, ids, "later messages waited for the first");
    let all = receiver.requests();
    let first: Vec<_> = all
        .iter()
        .filter(|(r, _)| r.json["data"]["content"] == "one")
        .collect();
    assert_eq!(first.len(), 3, "two refusals, then accepted");
    assert!(first.iter().all(|(r, _)| r.delivery == first[0].0.delivery));
    assert!(
        first.iter().all(|(r, _)| r.body == first[0].0.body),
        "same body"
    );
    assert_eq!(all.len(), 6, "nothing else was sent twice");
    let gap = first[1].0.at - first[0].0.at;
    assert!(gap >= Duration::from_millis(40), "backoff: {gap:?}");

    let list = settled(&app, &admin, hook["id"].as_i64().unwrap()).await;
    let oldest = list.last().unwrap();
    assert_eq!(oldest["id"], first[0].0.delivery, "newest first");
    assert_eq!(oldest["attempts"], 3);
    assert_eq!(oldest["lastStatusCode"], 204);
    assert_eq!(oldest["status"], "delivered");
}

#[tokio::test]
async fn a_delivery_failing_for_its_whole_window_is_given_up_then_retried_by_hand() {
    let app = quick_retrying_app(Duration::from_millis(600)).await;
    let admin = app.admin("boss").await;
    let receiver = Receiver::start().await;
    receiver.answer(|r| {
        if r.json["data"]["content"] == "doomed" {
            Answer::Status(500)
        } else {
            Answer::Status(200)
        }
    });
    let hook = add_hook(&app, &admin, &receiver.url, &["message.created"]).await;
    let hook_id = hook["id"].as_i64().unwrap();
    let customer = app.customer("binh").await;
    let room = customer.room_id.unwrap();
    let sock = app.socket(&customer).await;
    say(&sock, room, "doomed").await;
    say(&sock, room, "after").await;
    let got = receiver.wait_accepted(1, Duration::from_secs(10)).await;
    assert_eq!(
        got[0].json["data"]["content"], "after",
        "went on after giving up"
    );
    let list = settled(&app, &admin, hook_id).await;
    let failed = list.last().unwrap();
    assert_eq!(failed["status"], "failed", "{list:?}");
    assert!(failed["attempts"].as_i64().unwrap() >= 2, "{failed}");
    assert_eq!(failed["lastStatusCode"], 500);
    assert_eq!(failed["nextAttemptAt"], Value::Null);

    receiver.answer(|_| Answer::Status(200));
    let delivery = failed["id"].as_i64().unwrap();
    let path = format!("/api/admin/webhooks/{hook_id}/deliveries/{delivery}/retry");
    let (status, retried) = app.post(&path, &admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["status"], "pending");
    let got = receiver.wait_accepted(2, Duration::from_secs(5)).await;
    assert_eq!(got[1].json["data"]["content"], "doomed");
    assert_eq!(got[1].delivery, delivery, "the same delivery id");
    let list = settled(&app, &admin, hook_id).await;
    assert_eq!(list.last().unwrap()["status"], "delivered");

    let missing = format!("/api/admin/webhooks/{hook_id}/deliveries/999999/retry");
    let (status, body) = app.post(&missing, &admin, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn a_receiver_that_hangs_never_delays_the_chat() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let receiver = Receiver::start().await;
    receiver.answer(|_| Answer::Hang);
    add_hook(&app, &admin, &receiver.url, &["message.created"]).await;
    let customers = [app.customer("cus1").await, app.customer("cus2").await];
    let mut socks = Vec::new();
    for c in &customers {
        socks.push(app.socket(c).await);
    }
    // Warm up, so the first hanging requests are in flight.
    say(&socks[0], customers[0].room_id.unwrap(), "warm").await;
    let mut slowest = Duration::ZERO;
    let started = Instant::now();
    for i in 0..40 {
        let k = i % 2;
        let t = Instant::now();
        say(&socks[k], customers[k].room_id.unwrap(), &format!("m{i}")).await;
        slowest = slowest.max(t.elapsed());
    }
    assert!(
        slowest < Duration::from_millis(500),
        "slowest send_message ack {slowest:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let hung = receiver.requests().len();
    assert!(
        (1..=2).contains(&hung),
        "one request in flight per room: {hung}"
    );
}

#[tokio::test]
async fn transfers_and_erasures_reach_their_subscribers() {
    let app = spawn_app().await;
    let admin = app.admin("boss").await;
    let receiver = Receiver::start().await;
    let hook = add_hook(
        &app,
        &admin,
        &receiver.url,
        &["room.transferred", "user.erased"],
    )
    .await;
    assert_eq!(hook["events"], json!(["room.transferred", "user.erased"]));
    let customer = app.customer("leaving").await;
    let (mai, lan) = (app.staff("mai").await, app.staff("lan").await);
    let session = app.open_session(&customer, "Hỏi").await;
    app.claim(&mai, session).await;
    let room = customer.room_id.unwrap();
    let (status, body) = app
        .post(
            &format!("/api/chat/rooms/{room}/transfer"),
            &mai,
            json!({"staffId": lan.id, "note": "VIP"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .post(
            &format!("/api/admin/users/{}/erase", customer.id),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut got = receiver.wait_accepted(2, Duration::from_secs(5)).await;
    // Order is kept per room; `user.erased` has no room, so it may overtake the transfer.
    got.sort_by(|a, b| a.event.cmp(&b.event));
    let types: Vec<&str> = got.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(types, ["room.transferred", "user.erased"]);
    assert_eq!(got[0].json["data"]["toStaffId"], lan.id);
    assert_eq!(got[0].json["data"]["note"], "VIP");
    assert_eq!(
        got[1].json["data"],
        json!({"id": customer.id}),
        "no personal data in it"
    );
}
