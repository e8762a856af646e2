//! Transport limits, spoken in raw Engine.IO over a WebSocket so the test controls every byte.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::helpers::{TestApp, spawn_app_in};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn app_with_short_timeouts() -> TestApp {
    spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.socket.connect_timeout = Duration::from_millis(300);
    })
    .await
}

async fn open(app: &TestApp) -> Ws {
    open_with(app, None).await
}

/// Opens a raw Engine.IO websocket, optionally with a small TCP receive buffer.
async fn open_with(app: &TestApp, recv_buffer: Option<u32>) -> Ws {
    let host = app.base.trim_start_matches("http://").to_string();
    let url = format!("ws://{host}/socket.io/?EIO=4&transport=websocket");
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    if let Some(size) = recv_buffer {
        tcp.set_recv_buffer_size(size).unwrap();
    }
    let stream = tcp.connect(host.parse().unwrap()).await.expect("tcp");
    let (mut ws, _) =
        tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .expect("websocket");
    let open = next_text(&mut ws).await.expect("engine.io open packet");
    assert!(open.starts_with("0{"), "{open}");
    ws
}

/// The next text frame, answering pings; `None` once the server closed the connection.
async fn next_text(ws: &mut Ws) -> Option<String> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no frame within 10 s");
        match frame {
            Some(Ok(Frame::Text(t))) if t.as_str() == "2" => {
                let _ = ws.send(Frame::text("3")).await;
            }
            Some(Ok(Frame::Text(t))) => return Some(t.to_string()),
            Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

async fn connect_chat(app: &TestApp, token: &str) -> Ws {
    connect_chat_with(app, token, None).await
}

async fn connect_chat_with(app: &TestApp, token: &str, recv_buffer: Option<u32>) -> Ws {
    let mut ws = open_with(app, recv_buffer).await;
    ws.send(Frame::text(format!("40/chat,{}", json!({"token": token}))))
        .await
        .unwrap();
    let ok = next_text(&mut ws).await.unwrap();
    assert!(ok.starts_with("40/chat,"), "{ok}");
    ws
}

async fn closes(ws: &mut Ws) -> bool {
    for _ in 0..10 {
        if next_text(ws).await.is_none() {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn an_oversized_websocket_frame_closes_that_connection_only() {
    let app = app_with_short_timeouts().await;
    let customer = app.customer("big_talker").await;
    let room = customer.room_id.unwrap();
    let mut ws = connect_chat(&app, &customer.token).await;
    let huge = "x".repeat(app.config.socket.max_payload as usize + 1024);
    let packet = format!(
        "42/chat,{}",
        json!(["send_message", {"roomId": room, "content": huge}])
    );
    let _ = ws.send(Frame::text(packet)).await;
    assert!(closes(&mut ws).await, "the server closed the connection");
    // Others are served as before; nothing was stored.
    let sock = app.socket(&customer).await;
    let ack = sock
        .ack("send_message", json!({"roomId": room, "content": "small"}))
        .await;
    assert_eq!(ack["ok"], true);
    let (_, page) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &customer)
        .await;
    assert_eq!(page["pagination"]["total"], 1);
}

#[tokio::test]
async fn an_oversized_polling_post_is_refused() {
    let app = app_with_short_timeouts().await;
    let open = app
        .http
        .get(app.url("/socket.io/?EIO=4&transport=polling"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let handshake: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let sid = handshake["sid"].as_str().unwrap();
    let body = format!(
        "40/chat,{}",
        json!({"token": "x".repeat(app.config.socket.max_payload as usize * 2)})
    );
    let res = app
        .http
        .post(app.url(&format!("/socket.io/?EIO=4&transport=polling&sid={sid}")))
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
}

#[tokio::test]
async fn binary_attachments_are_refused() {
    let app = app_with_short_timeouts().await;
    let customer = app.customer("binary").await;
    let room = customer.room_id.unwrap();
    let mut ws = connect_chat(&app, &customer.token).await;
    let packet = format!(
        "451-/chat,{}",
        json!(["send_message", {"roomId": room, "content": {"_placeholder": true, "num": 0}}])
    );
    let _ = ws.send(Frame::text(packet)).await;
    let _ = ws.send(Frame::binary(vec![0u8; 16])).await;
    assert!(
        closes(&mut ws).await,
        "a binary event closes the connection"
    );
    let (_, page) = app
        .get(&format!("/api/chat/rooms/{room}/messages"), &customer)
        .await;
    assert_eq!(page["pagination"]["total"], 0);
}

#[tokio::test]
async fn a_connection_that_joins_no_namespace_is_dropped() {
    let app = app_with_short_timeouts().await;
    let mut ws = open(&app).await;
    let started = std::time::Instant::now();
    assert!(closes(&mut ws).await);
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn made_up_namespaces_and_bad_tokens_keep_no_state() {
    let app = app_with_short_timeouts().await;
    let mut ws = open(&app).await;
    ws.send(Frame::text("40/made-up,")).await.unwrap();
    let answer = next_text(&mut ws).await.unwrap();
    assert_eq!(answer, r#"44/made-up,{"message":"Invalid namespace"}"#);
    ws.send(Frame::text(r#"40/chat,{"token":"nope"}"#))
        .await
        .unwrap();
    let answer = next_text(&mut ws).await.unwrap();
    assert_eq!(answer, r#"44/chat,{"message":"Unauthorized"}"#);
    // Neither left a socket behind.
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l == "frontdesk_sockets_connected 0"),
        "{metrics}"
    );
}

#[tokio::test]
async fn cors_headers_only_for_configured_origins() {
    let app = spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.cors_origins = vec!["https://shop.example".into()];
    })
    .await;
    let allowed = app
        .http
        .get(app.url("/api/auth/me"))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let other = app
        .http
        .get(app.url("/api/auth/me"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    assert!(!other.headers().contains_key("access-control-allow-origin"));
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/api/chat/rooms"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert!(
        preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_stops_reading_is_disconnected_and_never_stalls_its_room() {
    let app = spawn_app_in(Arc::new(tempfile::tempdir().unwrap()), |c| {
        c.socket.max_buffer_size = 16;
        // No heartbeat during the test: only the overflow handling can close the socket.
        c.socket.ping_interval = Duration::from_secs(600);
        c.socket.ping_timeout = Duration::from_secs(600);
        c.rates.messages_per_second = 1_000_000;
        c.rates.messages_burst = 1_000_000;
    })
    .await;
    let customer = app.customer("broadcaster").await;
    let room = customer.room_id.unwrap();
    let admin = app.admin("reader").await;
    let reader = app.socket(&admin).await;
    reader.join(room).await;
    // A client that joins the room and never reads again, with a small receive buffer so the
    // kernel does not absorb the flood for it. The reader's `user_joined` proves it is in.
    let mut stuck = connect_chat_with(&app, &customer.token, Some(4_096)).await;
    let join = format!("42/chat,{}", json!(["join_room", {"roomId": room}]));
    stuck.send(Frame::text(join)).await.unwrap();
    reader
        .next_where("user_joined", |j| j["userId"] == customer.id)
        .await
        .unwrap();
    let gauge = |text: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix("frontdesk_sockets_connected ")
                    .map(|v| v.trim().parse::<i64>().unwrap())
            })
            .unwrap()
    };
    let metrics = || async {
        app.http
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert_eq!(gauge(&metrics().await), 2);

    let sender = app.socket(&customer).await;
    let body = "z".repeat(5_000);
    for _ in 0..1_500 {
        let ack = sender
            .ack("send_message", json!({"roomId": room, "content": body}))
            .await;
        assert_eq!(ack["ok"], true);
    }
    // The reading member got every message, in order, while the other one was stuck.
    for _ in 0..1_500 {
        reader.next("new_message").await.unwrap();
    }
    let ids: Vec<i64> = reader
        .all("new_message")
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    // The stuck one was disconnected rather than left behind with gaps.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while gauge(&metrics().await) != 2 {
        let now = gauge(&metrics().await);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stuck socket is still connected ({now} sockets)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stuck);
}
