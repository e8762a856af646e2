//! The Socket.IO test client: rust_socketio over WebSocket, recording every event it receives
//! so a test can wait for the next one of a name, count them, and ack.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};

/// The name under which the client's close event is recorded.
const CLOSED: &str = "(closed)";

/// A Socket.IO client (rust_socketio) that records every event it receives.
pub struct Sock {
    pub client: rust_socketio::asynchronous::Client,
    inbox: Arc<Inbox>,
}

#[derive(Default)]
struct Inbox {
    events: Mutex<Vec<(String, Value, bool)>>,
    arrived: Notify,
}

impl Inbox {
    fn push(&self, name: String, value: Value) {
        self.events.lock().unwrap().push((name, value, false));
        self.arrived.notify_waiters();
    }
}

fn first_value(payload: rust_socketio::Payload) -> Value {
    match payload {
        rust_socketio::Payload::Text(mut values) if !values.is_empty() => values.remove(0),
        _ => Value::Null,
    }
}

impl Sock {
    /// Connects and waits for `connected`; `Err` carries the connect error the server gave.
    pub async fn connect(base: &str, token: Option<&str>) -> Result<Sock, String> {
        use futures_util::FutureExt;
        use rust_socketio::asynchronous::ClientBuilder;
        let inbox = Arc::new(Inbox::default());
        let (any_inbox, err_inbox, close_inbox) = (inbox.clone(), inbox.clone(), inbox.clone());
        let mut builder = ClientBuilder::new(base)
            .namespace("/chat")
            .transport_type(rust_socketio::TransportType::Websocket)
            .reconnect(false)
            .on_any(move |event, payload, _| {
                any_inbox.push(String::from(event), first_value(payload));
                async {}.boxed()
            })
            .on(rust_socketio::Event::Close, move |_, _| {
                close_inbox.push(CLOSED.into(), Value::Null);
                async {}.boxed()
            })
            .on(rust_socketio::Event::Error, move |payload, _| {
                // rust_socketio reports both a refused handshake and the server's `error`
                // events here.
                let value = match payload {
                    #[allow(deprecated)]
                    rust_socketio::Payload::String(s) => Value::String(s),
                    other => first_value(other),
                };
                err_inbox.push("error".into(), value);
                async {}.boxed()
            });
        if let Some(t) = token {
            builder = builder.auth(json!({ "token": t }));
        }
        let client = builder.connect().await.map_err(|e| e.to_string())?;
        let sock = Sock { client, inbox };
        tokio::select! {
            hello = sock.next("connected") => { hello?; Ok(sock) }
            err = sock.next("error") => Err(err?.to_string()),
        }
    }

    /// The next not-yet-seen event named `name`, within 5 s.
    pub async fn next(&self, name: &str) -> Result<Value, String> {
        self.next_where(name, |_| true).await
    }

    /// The next not-yet-seen event named `name` whose payload satisfies `pred`, within 5 s.
    pub async fn next_where(
        &self,
        name: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Result<Value, String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let notified = self.inbox.arrived.notified();
            {
                let mut events = self.inbox.events.lock().unwrap();
                if let Some(e) = events
                    .iter_mut()
                    .find(|e| !e.2 && e.0 == name && pred(&e.1))
                {
                    e.2 = true;
                    return Ok(e.1.clone());
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(format!("no `{name}` event within 5 s"));
            }
        }
    }

    /// How many `name` events have arrived so far (seen or not).
    pub fn count(&self, name: &str) -> usize {
        self.inbox
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.0 == name)
            .count()
    }

    /// All payloads of `name` events so far, in arrival order.
    pub fn all(&self, name: &str) -> Vec<Value> {
        self.inbox
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.0 == name)
            .map(|e| e.1.clone())
            .collect()
    }

    /// Every event received so far, names and payloads, as one text (to search it for what
    /// must never reach this socket).
    pub fn everything(&self) -> String {
        self.inbox
            .events
            .lock()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}\n", e.0, e.1))
            .collect()
    }

    /// Emits with an ack callback and returns the ack's payload.
    pub async fn ack(&self, event: &str, data: Value) -> Value {
        use futures_util::FutureExt;
        let (tx, rx) = oneshot::channel();
        let tx = Arc::new(Mutex::new(Some(tx)));
        self.client
            .emit_with_ack(event, data, Duration::from_secs(5), move |payload, _| {
                // An ack's arguments arrive as one array.
                let value = match first_value(payload) {
                    Value::Array(mut args) if !args.is_empty() => args.remove(0),
                    other => other,
                };
                if let Some(tx) = tx.lock().unwrap().take() {
                    let _ = tx.send(value);
                }
                async {}.boxed()
            })
            .await
            .expect("emit");
        tokio::time::timeout(Duration::from_secs(5), rx)
            .await
            .expect("ack within 5 s")
            .expect("ack")
    }

    /// Emits without an ack.
    pub async fn emit(&self, event: &str, data: Value) {
        self.client.emit(event, data).await.expect("emit");
    }

    /// Joins a room and returns its `room_history`.
    pub async fn join(&self, room_id: i64) -> Value {
        let ack = self.ack("join_room", json!({ "roomId": room_id })).await;
        assert_eq!(ack["ok"], true, "join_room {room_id}: {ack}");
        self.next("room_history").await.expect("room_history")
    }

    /// Whether the server closes this socket within 5 s: the client's own close event, which
    /// comes only when the connection really ended (never concluded from silence).
    pub async fn closed_by_server(&self) -> bool {
        self.next(CLOSED).await.is_ok()
    }

    pub async fn close(self) {
        let _ = self.client.disconnect().await;
    }
}
