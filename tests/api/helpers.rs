//! Starts the real server in-process on a random port with a temporary database, and gives
//! tests typed helpers for the things a user does.

use std::sync::Arc;
use std::time::Duration;

use frontdesk::Config;
use frontdesk::chat::accounts::{self, NewAccount};
use frontdesk::db::Db;
use frontdesk::model::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub use crate::sock::Sock;

pub const PASSWORD: &str = "correct-horse-1";

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub config: Config,
    dir_handle: Arc<TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), String>>>,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub token: String,
    /// The customer's room, for customers.
    pub room_id: Option<i64>,
}

pub async fn spawn_app() -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    spawn_app_in(dir, |_| {}).await
}

/// Starts a server on a database in `dir` (which may already hold one), after `tune` adjusts
/// the configuration.
pub async fn spawn_app_in(dir: Arc<TempDir>, tune: impl FnOnce(&mut Config)) -> TestApp {
    log_when_asked();
    let db_path = dir.path().join("frontdesk.db");
    let mut config = Config::new(&db_path);
    config.database_url = crate::test_db::postgres_database(dir.path()).await;
    tune(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(frontdesk::server::run(config.clone(), listener, async {
        let _ = stopped.await;
    }));
    let app = TestApp {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        config,
        dir_handle: dir,
        stop: Some(stop),
        task: Some(task),
    };
    // The listener is bound already; wait only until start-up (schema, secret) is done.
    for _ in 0..500 {
        if let Ok(r) = app.http.get(format!("{}/healthz", app.base)).send().await
            && r.status() == StatusCode::OK
        {
            return app;
        }
        tokio::task::yield_now().await;
    }
    panic!("server did not become healthy");
}

/// The servers' log on the test output when `FRONTDESK_TEST_LOG` holds a filter (for example
/// `frontdesk=warn`): a failing test then shows what the server said about it.
fn log_when_asked() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if let Ok(filter) = std::env::var("FRONTDESK_TEST_LOG") {
        ONCE.call_once(|| {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        });
    }
}

impl TestApp {
    /// The app's database, to read or change behind the server's back.
    pub fn db(&self) -> crate::test_db::TestDb {
        crate::test_db::TestDb::of_dir(self.dir_handle.path())
    }

    /// The folder holding the database, to restart a server on the same file.
    pub fn dir(&self) -> Arc<TempDir> {
        self.dir_handle.clone()
    }

    /// Stops the server and waits until it has flushed and exited.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request with an optional token and JSON body; returns the status and the JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    pub async fn get(&self, path: &str, user: &User) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(&user.token), None).await
    }

    pub async fn post(&self, path: &str, user: &User, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(&user.token), Some(body))
            .await
    }

    /// A customer who signed up through the API.
    pub async fn customer(&self, name: &str) -> User {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/auth/register",
                None,
                Some(json!({ "userName": name, "password": PASSWORD, "firstName": "Cus", "lastName": name })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "register {name}: {body}");
        let mut user = user_from(&body, name);
        let (_, rooms) = self.get("/api/chat/rooms", &user).await;
        user.room_id = rooms[0]["id"].as_i64();
        user
    }

    /// A staff member or admin, created the way the operator does (the `user` command's code
    /// path, on its own connection while the server runs), then signed in.
    pub async fn member(&self, role: Role, name: &str) -> User {
        let db = Db::open_unannounced(&self.config)
            .await
            .expect("second handle on the database");
        let account = NewAccount {
            user_name: name.into(),
            password: PASSWORD.into(),
            role,
            first_name: "First".into(),
            last_name: name.into(),
        };
        accounts::create(&db, frontdesk::auth::Actor::Operator, account)
            .await
            .expect("create member");
        self.login(name).await
    }

    pub async fn staff(&self, name: &str) -> User {
        self.member(Role::Staff, name).await
    }

    pub async fn admin(&self, name: &str) -> User {
        self.member(Role::Admin, name).await
    }

    pub async fn login(&self, name: &str) -> User {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({ "userName": name, "password": PASSWORD })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {name}: {body}");
        user_from(&body, name)
    }

    /// The customer opens a session in their room; returns its id.
    pub async fn open_session(&self, customer: &User, title: &str) -> i64 {
        let room = customer.room_id.expect("customer has a room");
        let (status, body) = self
            .post(
                &format!("/api/chat/rooms/{room}/sessions"),
                customer,
                json!({ "title": title }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "open session: {body}");
        body["id"].as_i64().unwrap()
    }

    /// `user` claims session `id` over REST; the claim must succeed.
    pub async fn claim(&self, user: &User, id: i64) -> Value {
        let (status, body) = self
            .post(&format!("/api/chat/sessions/{id}/join"), user, json!({}))
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "claim {id} by {}: {body}",
            user.name
        );
        body
    }

    /// `user` ends session `id` over REST; the end must succeed.
    pub async fn end(&self, user: &User, id: i64) -> Value {
        let (status, body) = self
            .post(&format!("/api/chat/sessions/{id}/end"), user, json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "end {id} by {}: {body}", user.name);
        body
    }

    /// Connects a Socket.IO client to `/chat` over WebSocket and waits for `connected`.
    pub async fn socket(&self, user: &User) -> Sock {
        Sock::connect(&self.base, Some(&user.token))
            .await
            .expect("socket connects")
    }
}

fn user_from(body: &Value, name: &str) -> User {
    User {
        id: body["user"]["id"].as_i64().expect("user id"),
        name: name.to_string(),
        token: body["accessToken"].as_str().expect("token").to_string(),
        room_id: None,
    }
}

/// A signed-in console session as a browser holds it: the cookie, the CSRF token of its forms,
/// and the token its page scripts use.
#[derive(Debug, Clone)]
pub struct Console {
    pub cookie: String,
    pub csrf: String,
    pub page_token: String,
}

/// A client that, like a test of a browser's view, does not follow redirects.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of cookie `name` in a response's `Set-Cookie` headers, with its attributes.
pub fn set_cookie(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// The text between `prefix` and the next `"` in a page (a form field's or attribute's value).
pub fn value_after(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// A console page or form answer: status, headers, body.
pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl TestApp {
    /// GETs a page as a browser with `cookie` (may be empty) and English preferred.
    pub async fn page(&self, path: &str, cookie: &str) -> Page {
        let res = no_redirects()
            .get(self.url(path))
            .header("cookie", cookie)
            .header("accept-language", "en-US,en;q=0.9")
            .send()
            .await
            .expect("page");
        let (status, headers) = (res.status(), res.headers().clone());
        Page {
            status,
            headers,
            body: res.text().await.unwrap_or_default(),
        }
    }

    /// POSTs a form as a browser with `cookie`.
    pub async fn form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Page {
        let res = no_redirects()
            .post(self.url(path))
            .header("cookie", cookie)
            .header("accept-language", "en-US,en;q=0.9")
            .form(fields)
            .send()
            .await
            .expect("form post");
        let (status, headers) = (res.status(), res.headers().clone());
        Page {
            status,
            headers,
            body: res.text().await.unwrap_or_default(),
        }
    }

    /// Submits the console sign-in form the way a browser does (login page first, for its
    /// CSRF cookie and field); returns the answer.
    pub async fn console_sign_in(&self, name: &str, password: &str) -> Page {
        let login = self.page("/console/login", "").await;
        let token_cookie = set_cookie(&login.headers, "fd_login_csrf").expect("login csrf cookie");
        let pair = token_cookie.split(';').next().unwrap().to_string();
        let csrf = value_after(&login.body, "name=\"csrf\" value=\"").expect("csrf field");
        self.form(
            "/console/login",
            &pair,
            &[
                ("user_name", name),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/console"),
            ],
        )
        .await
    }

    /// Signs a staff member or admin in to the console and reads the desk's form and script
    /// tokens.
    pub async fn console(&self, name: &str) -> Console {
        let answer = self.console_sign_in(name, PASSWORD).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "sign-in {name}: {}",
            answer.body
        );
        let cookie = set_cookie(&answer.headers, "fd_session").expect("session cookie");
        let cookie = cookie.split(';').next().unwrap().to_string();
        let desk = self.page("/console", &cookie).await;
        assert_eq!(desk.status, StatusCode::OK, "desk for {name}");
        Console {
            csrf: value_after(&desk.body, "name=\"csrf\" value=\"").expect("csrf"),
            page_token: value_after(&desk.body, "data-token=\"").expect("page token"),
            cookie,
        }
    }
}
