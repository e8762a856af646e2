//! Contract §11, at least once across crashes: deliveries pending when the real process is
//! SIGKILLed are all delivered after it starts again, in order per room.

use std::process::Stdio;
use std::time::Duration;

use frontdesk::Config;
use frontdesk::chat::accounts::{self, NewAccount};
use frontdesk::db::Db;
use frontdesk::model::Role;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Sock};
use crate::process::ServerProcess;
use crate::receiver::{Answer, Receiver};

const FAST_RETRY: [(&str, &str); 1] = [("FRONTDESK_WEBHOOK_FIRST_RETRY_MS", "200")];

async fn sign_in(http: &reqwest::Client, base: &str, name: &str, register: bool) -> Value {
    let path = if register { "register" } else { "login" };
    http.post(format!("{base}/api/auth/{path}"))
        .json(&json!({"userName": name, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn deliveries_pending_at_a_sigkill_are_all_delivered_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("frontdesk.db");
    {
        let handle = Db::open_unannounced(&Config::new(&db)).await.unwrap();
        let account = NewAccount {
            user_name: "boss".into(),
            password: PASSWORD.into(),
            role: Role::Admin,
            first_name: "Big".into(),
            last_name: "Boss".into(),
        };
        accounts::create(&handle, frontdesk::auth::Actor::Operator, account)
            .await
            .unwrap();
    }
    let receiver = Receiver::start().await;
    receiver.answer(|_| Answer::Status(503));
    let http = reqwest::Client::new();

    let mut server =
        ServerProcess::start_with(&db, "127.0.0.1:0", Stdio::null(), "warn", &FAST_RETRY);
    let admin = sign_in(&http, &server.base, "boss", false).await;
    let admin_token = admin["accessToken"].as_str().unwrap().to_string();
    let hook: Value = http
        .post(format!("{}/api/admin/webhooks", server.base))
        .bearer_auth(&admin_token)
        .json(&json!({"url": receiver.url, "events": ["message.created"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = hook["secret"].as_str().unwrap().to_string();
    let mut sent: Vec<(i64, i64)> = Vec::new();
    for c in 0..3 {
        let customer = sign_in(&http, &server.base, &format!("buyer{c}"), true).await;
        let token = customer["accessToken"].as_str().unwrap();
        let sock = Sock::connect(&server.base, Some(token)).await.unwrap();
        let rooms: Value = http
            .get(format!("{}/api/chat/rooms", server.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let room = rooms[0]["id"].as_i64().unwrap();
        for i in 0..5 {
            let ack = sock
                .ack(
                    "send_message",
                    json!({"roomId": room, "content": format!("c{c} m{i}")}),
                )
                .await;
            assert_eq!(ack["ok"], true, "{ack}");
            sent.push((room, ack["message"]["id"].as_i64().unwrap()));
        }
    }
    // The receiver has refused at least one attempt: deliveries are pending and retrying.
    for _ in 0..100 {
        if !receiver.requests().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!receiver.requests().is_empty(), "attempts were made");
    server.signal("KILL");
    server.wait_exit(Duration::from_secs(5)).expect("killed");
    assert!(
        receiver.accepted().is_empty(),
        "nothing was delivered before the crash"
    );

    receiver.answer(|_| Answer::Status(200));
    let server = ServerProcess::start_with(&db, "127.0.0.1:0", Stdio::null(), "warn", &FAST_RETRY);
    // At least once: wait until every delivery id has arrived (a retry may repeat one).
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let mut got = receiver
        .wait_accepted(sent.len(), Duration::from_secs(15))
        .await;
    while got
        .iter()
        .map(|r| r.delivery)
        .collect::<std::collections::HashSet<_>>()
        .len()
        < sent.len()
        && std::time::Instant::now() < deadline
    {
        got = receiver
            .wait_accepted(got.len() + 1, Duration::from_millis(500))
            .await;
    }
    // At least once: a delivery sent just before the kill may come again, with the same id.
    let mut seen = std::collections::HashSet::new();
    let mut delivered: Vec<(i64, i64)> = got
        .iter()
        .filter(|r| seen.insert(r.delivery))
        .map(|r| {
            assert!(r.signed_with(&secret));
            let data = &r.json["data"];
            (
                data["roomId"].as_i64().unwrap(),
                data["id"].as_i64().unwrap(),
            )
        })
        .collect();
    // In order within each room: the sequence of each room's ids is increasing.
    for (room, _) in &sent {
        let ids: Vec<i64> = delivered
            .iter()
            .filter(|d| d.0 == *room)
            .map(|d| d.1)
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "room {room}: {ids:?}");
    }
    delivered.sort();
    let mut want = sent.clone();
    want.sort();
    assert_eq!(delivered, want, "every message, exactly once accepted");
    // The attempts are recorded a moment after the receiver answered.
    let mut pending = usize::MAX;
    for _ in 0..250 {
        let list: Value = http
            .get(format!(
                "{}/api/admin/webhooks/{}/deliveries",
                server.base, hook["id"]
            ))
            .bearer_auth(&admin_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), sent.len());
        pending = list.iter().filter(|d| d["status"] != "delivered").count();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(pending, 0, "every delivery is recorded as delivered");
}
