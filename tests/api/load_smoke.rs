//! A small run of the load tool's core against the real server: every message is acked,
//! delivered exactly once and in order to the room's second socket, and reaches the staff feed.
//! Counts only; timing belongs to docs/PERFORMANCE.md, never to a test.

use frontdesk::loadtest::{self, Credentials, Options};

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_delivered_exactly_once() {
    let app = spawn_app().await;
    app.admin("loadboss").await;
    let mut opts = Options::new(app.base.clone());
    opts.rooms = 5;
    opts.messages = 20;
    opts.idle = 3;
    opts.staff = 2;
    opts.admin = Some(Credentials {
        user_name: "loadboss".into(),
        password: PASSWORD.into(),
    });
    opts.server_pid = Some(std::process::id());
    let report = loadtest::run(opts).await.expect("the load ran");
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
    app.stop().await;
}
