//! Two nodes on one PostgreSQL database (issue 16, contract §12 cluster): work done once per
//! cluster, uploads and presence shared through the database, and the refusals of a node that
//! cannot reach its Redis. The races between two nodes' rules are in cluster_races.rs.
//! (On SQLite one file has one server, `ServerLock`; these tests need PostgreSQL.)

use std::sync::Arc;

use serde_json::json;

use std::time::Duration;

use crate::helpers::{TestApp, spawn_app_in};
use crate::receiver::Receiver;
use crate::routing::{settings, until_status};
use crate::test_db::on_postgres;
use crate::webhooks::{add_hook, say};

/// Two servers on the same database: the second opens the first's folder, so its database.
pub(crate) async fn two_nodes() -> Option<(TestApp, TestApp)> {
    if !on_postgres() {
        eprintln!("only on PostgreSQL: a SQLite file has one server");
        return None;
    }
    let dir = Arc::new(tempfile::tempdir().unwrap());
    // Messages as fast as the acks come back (the rate limit is per node, and not the point).
    let fast = |c: &mut frontdesk::Config| c.rates.messages_burst = 1_000;
    let a = spawn_app_in(dir.clone(), fast).await;
    let b = spawn_app_in(dir, fast).await;
    Some((a, b))
}

/// Whether `node` says on `/metrics` that it leads the cluster's background work.
async fn leads(node: &TestApp) -> bool {
    let text = crate::monitoring::scrape(node).await;
    text.lines().any(|l| l == "frontdesk_leader 1")
}

/// The node that leads, once one does (the campaign starts with the server).
async fn leader<'a>(a: &'a TestApp, b: &'a TestApp) -> &'a TestApp {
    for _ in 0..100 {
        let (la, lb) = (leads(a).await, leads(b).await);
        assert!(!(la && lb), "two nodes lead at once");
        if la {
            return a;
        }
        if lb {
            return b;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no node leads");
}

#[tokio::test]
async fn webhooks_go_out_once_per_cluster_and_another_node_takes_over() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let boss = a.admin("boss").await;
    let receiver = Receiver::start().await;
    // Added on one node; the other node's writer records deliveries for it too.
    add_hook(&b, &boss, &receiver.url, &["message.created"]).await;
    let customer = a.customer("hooked").await;
    let room = customer.room_id.unwrap();
    a.open_session(&customer, "Hello").await;
    let (on_a, on_b) = (a.socket(&customer).await, b.socket(&customer).await);
    for i in 0..5 {
        say(&on_a, room, &format!("via a {i}")).await;
        say(&on_b, room, &format!("via b {i}")).await;
    }
    let got = receiver.wait_accepted(10, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 10);
    // Nobody else sends them again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut ids: Vec<i64> = receiver.accepted().iter().map(|r| r.delivery).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((receiver.accepted().len(), ids.len()), (10, 10));

    // The leader stops: the other node leads and sends.
    let a_leads = std::ptr::eq(leader(&a, &b).await, &a);
    let (stopped, survivor, survivor_sock) = if a_leads { (a, b, on_b) } else { (b, a, on_a) };
    stopped.stop().await;
    say(&survivor_sock, room, "after the leader left").await;
    let got = receiver.wait_accepted(11, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 11, "the survivor took over");
    assert!(leads(&survivor).await);
    assert!(got[10].body.contains("after the leader left"));
}

#[tokio::test]
async fn a_node_starting_keeps_the_upload_another_node_is_receiving() {
    let Some((a, _b)) = two_nodes().await else {
        return;
    };
    let customer = a.customer("uploader").await;
    let room = customer.room_id.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    // One upload under way on a node (begun a moment ago), one a crash left two hours ago.
    for (id, at) in [(900_i64, now), (901, now - 2 * 3600 * 1000)] {
        a.db().execute(
            "INSERT INTO attachments
               (id, room_id, uploader_id, file_name, content_type, size, url_key, created_at)
             VALUES (?1, ?2, ?3, 'big.pdf', 'application/pdf', 999999, 'k', ?4)",
            &[&id, &room, &customer.id, &at],
        );
    }
    let _third = spawn_app_in(a.dir(), |_| {}).await;
    let left = a.db().texts(
        "SELECT CAST(count(*) AS TEXT), CAST(min(id) AS TEXT) FROM attachments",
        &[],
    );
    assert_eq!(
        left,
        ["1", "900"],
        "the live upload stays, the abandoned one goes"
    );
}

/// Staff presence is counted per node: a desk open on one node is what another node's routing
/// sees, a node starting forgets no other node's desks, and the desks of a node unheard of for
/// a while (killed, cut off) no longer count.
#[tokio::test]
async fn routing_on_one_node_sees_the_desks_open_on_another() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let boss = b.admin("boss").await;
    let mai = a.staff("mai").await;
    let lan = b.staff("lan").await;
    settings(&b, &boss, json!({"routing": "auto", "maxChatsPerStaff": 1})).await;
    let _desk = a.socket(&mai).await;
    let _third = spawn_app_in(a.dir(), |_| {}).await;
    let first = b.customer("first").await;
    let id = b.open_session(&first, "Routed across nodes").await;
    let routed = until_status(&b, id, &boss, "IN_PROGRESS").await;
    assert_eq!(routed["staff"]["id"], mai.id, "{routed}");

    // Mai is at the cap. Lan's desk is counted only by a node silent for a minute.
    let minute_ago = chrono::Utc::now().timestamp_millis() - 60_000;
    b.db().execute(
        "INSERT INTO nodes (name, seen_at) VALUES ('silent', ?1)",
        &[&minute_ago],
    );
    b.db().execute(
        "INSERT INTO node_sockets (node, user_id, sockets, seq) VALUES ('silent', ?1, 1, 1)",
        &[&lan.id],
    );
    let second = b.customer("second").await;
    let waiting = b.open_session(&second, "Nobody is here").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, s) = b.get(&format!("/api/chat/sessions/{waiting}"), &boss).await;
    assert_eq!(s["status"], "OPEN", "no free desk on a live node: {s}");
}

/// A node is refused, with the reason and before it serves anything, when its Redis URL does
/// not ask for RESP3 or its Redis cannot be reached.
#[tokio::test]
async fn a_node_does_not_start_without_a_usable_redis() {
    if !on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (url, says) in [
        ("redis://127.0.0.1:1/", "RESP3"),
        (
            "redis://127.0.0.1:1/?protocol=resp3",
            "cannot connect to Redis",
        ),
    ] {
        let mut config = frontdesk::Config::new(dir.path().join("frontdesk.db"));
        config.database_url = crate::test_db::postgres_database(dir.path()).await;
        config.redis_url = Some(url.to_string());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ran = tokio::time::timeout(
            Duration::from_secs(20),
            frontdesk::server::run(config, listener, std::future::pending()),
        )
        .await
        .expect("refused at once");
        let err = ran.expect_err(url);
        assert!(err.contains(says), "{url}: {err}");
    }
}
