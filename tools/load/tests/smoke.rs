//! A small run of the load tool's core against the real server: every message is acked,
//! delivered exactly once and in order to the room's second socket, and reaches the staff feed.
//! Counts only; timing belongs to docs/PERFORMANCE.md, never to a test.
//!
//! The server runs in-process on a random port with a temporary database, started the way the
//! product's own API tests start it (tests/api/helpers.rs, `spawn_app_in`).

use std::net::SocketAddr;
use std::time::Duration;

use frontdesk::Config;
use frontdesk::auth::Actor;
use frontdesk::chat::accounts::{self, NewAccount};
use frontdesk::db::Db;
use frontdesk::model::Role;
use frontdesk_load::{Credentials, Options};
use tokio::sync::oneshot;

const PASSWORD: &str = "correct-horse-1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_delivered_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::new(dir.path().join("frontdesk.db"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(frontdesk::server::run(config.clone(), listener, async {
        let _ = stopped.await;
    }));
    wait_healthy(addr).await;

    // An admin, created the way the operator does (the `user` command's code path, on its own
    // connection while the server runs); the tool signs in as them to create staff accounts.
    let db = Db::open_unannounced(&config)
        .await
        .expect("second handle on the database");
    let admin = NewAccount {
        user_name: "loadboss".into(),
        password: PASSWORD.into(),
        role: Role::Admin,
        first_name: "First".into(),
        last_name: "loadboss".into(),
    };
    accounts::create(&db, Actor::Operator, admin)
        .await
        .expect("create the admin");
    drop(db);

    let mut opts = Options::new(format!("http://{addr}"));
    opts.rooms = 5;
    opts.messages = 20;
    opts.idle = 3;
    opts.staff = 2;
    opts.admin = Some(Credentials {
        user_name: "loadboss".into(),
        password: PASSWORD.into(),
    });
    opts.server_pid = Some(std::process::id());
    let report = frontdesk_load::run(opts).await.expect("the load ran");
    assert_eq!(report.messages, 100, "{report:?}");
    assert_eq!(report.acked, 100, "{report:?}");
    assert_eq!(report.delivered, 100, "{report:?}");
    assert_eq!(
        report.duplicates + report.out_of_order + report.missing,
        0,
        "{report:?}"
    );
    assert_eq!(report.staff_delivered, 200, "{report:?}");
    assert_eq!(report.sockets, 5 * 2 + 2 + 3, "{report:?}");
    assert!(report.ok, "{report:?}");

    // Stop the server and wait until it has flushed and exited.
    let _ = stop.send(());
    let stopped = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops within 10 s")
        .expect("the server task did not panic");
    stopped.expect("the server ran and stopped cleanly");
}

/// The listener is bound already; waits only until start-up (schema, secret) is done.
async fn wait_healthy(addr: SocketAddr) {
    let host = addr.to_string();
    for _ in 0..500 {
        if let Ok((200, _)) =
            frontdesk_load::http::call(addr, &host, "GET", "/healthz", None, None).await
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("server did not become healthy");
}
