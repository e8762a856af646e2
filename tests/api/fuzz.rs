//! Property tests: thousands of generated payloads for every socket event and REST body. No
//! input may crash anything or get a 5xx, and a refused input changes nothing.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

use crate::helpers::{spawn_app, spawn_app_in};

const KEYS: &[&str] = &[
    "roomId",
    "content",
    "clientMessageId",
    "attachmentIds",
    "afterMessageId",
    "sessionId",
    "isTyping",
    "messageId",
    "title",
    "userName",
    "password",
    "firstName",
    "lastName",
    "role",
    "avatar",
];

fn string(rng: &mut StdRng) -> String {
    let pieces = [
        "",
        " ",
        "x",
        "Tư vấn",
        "<script>alert(1)</script>",
        "\u{0}",
        "'; DROP TABLE messages; --",
        "🙂",
        "\n\t",
        "%c0",
    ];
    let mut s = String::new();
    for _ in 0..rng.random_range(0..4) {
        s.push_str(pieces[rng.random_range(0..pieces.len())]);
    }
    if rng.random_ratio(1, 20) {
        s.push_str(&"y".repeat(rng.random_range(4_990..5_010)));
    }
    s
}

fn value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth > 2 { 7 } else { 9 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => json!(rng.random_range(-3i64..5)),
        3 => {
            json!([i64::MAX, i64::MIN, 0, 1, 2, 9_007_199_254_740_993_i64][rng.random_range(0..6)])
        }
        4 => json!(rng.random::<f64>() * 10.0),
        5 | 6 => Value::String(string(rng)),
        7 => Value::Array(
            (0..rng.random_range(0..3))
                .map(|_| value(rng, depth + 1))
                .collect(),
        ),
        _ => object(rng, depth + 1),
    }
}

fn object(rng: &mut StdRng, depth: u32) -> Value {
    let mut map = Map::new();
    for _ in 0..rng.random_range(0..5) {
        map.insert(
            KEYS[rng.random_range(0..KEYS.len())].to_string(),
            value(rng, depth + 1),
        );
    }
    Value::Object(map)
}

/// A payload: mostly objects with the keys the events read, sometimes anything at all.
fn payload(rng: &mut StdRng) -> Value {
    if rng.random_ratio(1, 5) {
        value(rng, 0)
    } else {
        object(rng, 0)
    }
}

#[tokio::test]
async fn generated_socket_payloads_never_break_anything() {
    // Rate limits have their own test; here every payload must reach the rules.
    let app = spawn_app_in(std::sync::Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.rates.messages_per_second = 100_000;
        c.rates.messages_burst = 100_000;
        c.rates.typing_per_second = 100_000;
        c.rates.joins_per_second = 100_000;
    })
    .await;
    let customer = app.customer("fuzzed").await;
    let room = customer.room_id.unwrap();
    let staff = app.staff("fuzz_staff").await;
    let sock = app.socket(&customer).await;
    let staff_sock = app.socket(&staff).await;
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let events = [
        "join_room",
        "leave_room",
        "send_message",
        "join_session",
        "leave_session",
        "typing",
        "mark_read",
    ];
    let mut stored = 0;
    for i in 0..700 {
        let event = events[i % events.len()];
        let mut data = payload(&mut rng);
        // Aim some at the real room so valid paths run too.
        if rng.random_ratio(1, 3)
            && let Value::Object(m) = &mut data
        {
            m.insert("roomId".into(), json!(room));
        }
        let who = if i % 2 == 0 { &sock } else { &staff_sock };
        let ack = who.ack(event, data.clone()).await;
        match ack["ok"].as_bool() {
            Some(true) => {
                if event == "send_message" {
                    stored += 1;
                }
            }
            Some(false) => assert!(
                ack["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{event} {data} -> {ack}"
            ),
            None => panic!("{event} {data} -> malformed ack {ack}"),
        }
    }
    // Still alive, and exactly the accepted messages were stored.
    let ack = sock
        .ack(
            "send_message",
            json!({"roomId": room, "content": "still here"}),
        )
        .await;
    assert_eq!(ack["ok"], true);
    let (_, page) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &customer)
        .await;
    assert_eq!(page["pagination"]["total"], stored + 1);
}

#[tokio::test]
async fn generated_rest_bodies_never_get_a_5xx() {
    let app = spawn_app().await;
    let customer = app.customer("body_fuzz").await;
    let admin = app.admin("body_admin").await;
    let throwaway = app.staff("body_target").await;
    let room = customer.room_id.unwrap();
    let mut rng = StdRng::seed_from_u64(0xb0d1);
    let targets: Vec<(reqwest::Method, String, &crate::helpers::User)> = vec![
        (reqwest::Method::POST, "/api/auth/login".into(), &customer),
        (
            reqwest::Method::POST,
            format!("/api/chat/rooms/{room}/sessions"),
            &customer,
        ),
        (reqwest::Method::POST, "/api/admin/users".into(), &admin),
        (
            reqwest::Method::PATCH,
            format!("/api/admin/users/{}", throwaway.id),
            &admin,
        ),
    ];
    let mut created_sessions = 0;
    for i in 0..400 {
        let (method, path, who) = &targets[i % targets.len()];
        let body = payload(&mut rng);
        let (status, answer) = app
            .call(method.clone(), path, Some(&who.token), Some(body.clone()))
            .await;
        assert!(
            status.as_u16() < 500,
            "{method} {path} {body} -> {status} {answer}"
        );
        if status.is_client_error() {
            assert_eq!(answer["statusCode"], status.as_u16(), "{answer}");
        }
        if path.ends_with("/sessions") && status == StatusCode::CREATED {
            created_sessions += 1;
            let id = answer["id"].as_i64().unwrap();
            app.end(&customer, id).await;
        }
    }
    let (_, sessions) = app
        .get(
            &format!("/api/chat/rooms/{room}/sessions?limit=100"),
            &customer,
        )
        .await;
    assert_eq!(
        sessions.as_array().unwrap().len(),
        created_sessions,
        "only accepted bodies stored anything"
    );
}
