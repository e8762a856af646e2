//! A webhook receiver for the tests: a real HTTP server on port 0 that records every request
//! (headers, raw body, arrival time) and answers as the test tells it to.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use poem::http::StatusCode;
use poem::listener::TcpAcceptor;
use poem::web::Data;
use poem::{EndpointExt, Request, Response, Route, Server, handler, post};
use serde_json::Value;
use sha2::Sha256;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub event: String,
    pub delivery: i64,
    pub signature: String,
    pub body: String,
    pub json: Value,
    pub at: Instant,
}

impl Received {
    /// Whether the signature is HMAC-SHA256(secret, "t.body"), as a receiver checks it.
    pub fn signed_with(&self, secret: &str) -> bool {
        let Some((t, v1)) = self.signature.split_once(",v1=") else {
            return false;
        };
        let t = t.trim_start_matches("t=");
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{}", self.body).as_bytes());
        let want: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        want == v1
    }

    /// The signed time, in unix seconds.
    pub fn signed_at(&self) -> i64 {
        self.signature
            .trim_start_matches("t=")
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// How the receiver answers a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    Status(u16),
    /// Never answers.
    Hang,
}

type Rule = Box<dyn Fn(&Received) -> Answer + Send + Sync>;

struct State {
    got: Mutex<Vec<(Received, Answer)>>,
    rule: Mutex<Rule>,
}

/// A running receiver; it stops when dropped.
pub struct Receiver {
    pub url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[handler]
async fn receive(req: &Request, body: String, Data(state): Data<&Arc<State>>) -> Response {
    let header = |name: &str| req.header(name).map(str::to_string).unwrap_or_default();
    let received = Received {
        event: header("frontdesk-event"),
        delivery: header("frontdesk-delivery").parse().unwrap_or(-1),
        signature: header("frontdesk-signature"),
        json: serde_json::from_str(&body).unwrap_or(Value::Null),
        body,
        at: Instant::now(),
    };
    let answer = (state.rule.lock().unwrap())(&received);
    state.got.lock().unwrap().push((received, answer));
    match answer {
        Answer::Hang => std::future::pending().await,
        Answer::Status(code) => Response::builder()
            .status(StatusCode::from_u16(code).unwrap())
            .finish(),
    }
}

impl Receiver {
    /// Starts on 127.0.0.1 with a random port, answering 200 to everything.
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let state = Arc::new(State {
            got: Mutex::new(Vec::new()),
            rule: Mutex::new(Box::new(|_| Answer::Status(200))),
        });
        let routes = Route::new().at("/hook", post(receive)).data(state.clone());
        let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
        let task = tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor).run(routes).await;
        });
        Receiver { url, state, task }
    }

    /// From now on, answers as `rule` says.
    pub fn answer(&self, rule: impl Fn(&Received) -> Answer + Send + Sync + 'static) {
        *self.state.rule.lock().unwrap() = Box::new(rule);
    }

    /// Every request so far, with how it was answered.
    pub fn requests(&self) -> Vec<(Received, Answer)> {
        self.state.got.lock().unwrap().clone()
    }

    /// The requests answered 2xx, in arrival order.
    pub fn accepted(&self) -> Vec<Received> {
        self.requests()
            .into_iter()
            .filter(|(_, a)| matches!(a, Answer::Status(c) if (200..300).contains(c)))
            .map(|(r, _)| r)
            .collect()
    }

    /// Waits (up to `limit`) until `n` requests were accepted; returns them.
    pub async fn wait_accepted(&self, n: usize, limit: Duration) -> Vec<Received> {
        let deadline = Instant::now() + limit;
        loop {
            let got = self.accepted();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
