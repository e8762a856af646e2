//! Two nodes on one PostgreSQL database racing each other (issue 16, contract §12 cluster):
//! the rules that must hold under races hold when the racers are on different nodes. One
//! claim of a session wins, one first message takes an unassigned room, one transfer moves a
//! room, one end ends a session, the cap counts every node's claims, and a room's messages are
//! numbered one after another whichever node stored them. Each race runs many rounds; each
//! failed on the code before the lock or condition it shows. (PostgreSQL only, as cluster.rs.)

use reqwest::StatusCode;
use serde_json::json;

use crate::cluster::two_nodes;

#[tokio::test]
async fn one_claim_wins_when_two_nodes_claim_the_same_session() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let mai = a.staff("mai").await;
    let lan = b.staff("lan").await;
    for round in 0..15 {
        let customer = a.customer(&format!("racer{round}")).await;
        let id = a.open_session(&customer, "Who gets me?").await;
        let path = format!("/api/chat/sessions/{id}/join");
        let ((sa, ba), (sb, bb)) = tokio::join!(
            a.post(&path, &mai, json!({})),
            b.post(&path, &lan, json!({}))
        );
        let won: Vec<_> = [(sa, &mai), (sb, &lan)]
            .into_iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .collect();
        assert_eq!(won.len(), 1, "round {round}: {sa} {ba} / {sb} {bb}");
        let lost = if sa == StatusCode::OK { &bb } else { &ba };
        assert_eq!(lost["code"], "SESSION_ALREADY_CLAIMED", "{lost}");
        let winner = won[0].1;
        // Both nodes read the same holder.
        for node in [&a, &b] {
            let (_, s) = node.get(&format!("/api/chat/sessions/{id}"), winner).await;
            assert_eq!(s["staffId"], winner.id, "{s}");
            assert_eq!(s["status"], "IN_PROGRESS");
        }
    }
}

/// A staff member's first message into an unassigned room assigns it to them; when two staff
/// on two nodes send one at once, one is assigned and the other is refused with nothing stored
/// (contract §6). Sending reads the room under its row's lock: read before it, both nodes saw
/// the room unassigned and both messages went in, the room ending with whoever wrote last.
#[tokio::test]
async fn one_first_message_takes_an_unassigned_room_when_two_nodes_send_at_once() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let (mai, lan) = (a.staff("mai").await, b.staff("lan").await);
    let (on_a, on_b) = (a.socket(&mai).await, b.socket(&lan).await);
    for round in 0..20 {
        let customer = a.customer(&format!("first{round}")).await;
        let room = customer.room_id.unwrap();
        let send = |content: &'static str| json!({"roomId": room, "content": content});
        let (ack_a, ack_b) = tokio::join!(
            on_a.ack("send_message", send("from a")),
            on_b.ack("send_message", send("from b"))
        );
        let won: Vec<_> = [(&ack_a, &mai), (&ack_b, &lan)]
            .into_iter()
            .filter(|(ack, _)| ack["ok"] == true)
            .collect();
        assert_eq!(won.len(), 1, "round {round}: {ack_a} / {ack_b}");
        let lost = if ack_a["ok"] == true { &ack_b } else { &ack_a };
        assert_eq!(lost["error"]["code"], "ROOM_ASSIGNED_TO_OTHER", "{lost}");
        let winner = won[0].1;
        for node in [&a, &b] {
            let (_, r) = node.get(&format!("/api/chat/rooms/{room}"), winner).await;
            assert_eq!(r["staffId"], winner.id, "round {round}: {r}");
            let (_, page) = node
                .get(&format!("/api/chat/rooms/{room}/messages"), winner)
                .await;
            assert_eq!(page["pagination"]["total"], 1, "round {round}: {page}");
            assert_eq!(page["messages"].as_array().unwrap().len(), 1, "{page}");
        }
    }
}

/// A session ended on two nodes at once is ended once: one end is answered with the session
/// (and announced), the other with `SESSION_ENDED`, announcing nothing. (These nodes have no
/// Redis between them, so what each announces stays on it; tests/e2e/cluster.test.mjs has the
/// fan-out.)
#[tokio::test]
async fn a_session_ended_on_two_nodes_at_once_ends_once() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let mai = a.staff("mai").await;
    let boss = a.admin("boss").await;
    // An admin's staff feed on each node: each node announces what it commits to its own.
    let feeds = [a.socket(&boss).await, b.socket(&boss).await];
    for round in 0..15 {
        let customer = a.customer(&format!("ender{round}")).await;
        let id = a.open_session(&customer, "Bye").await;
        a.claim(&mai, id).await;
        let path = format!("/api/chat/sessions/{id}/end");
        let ((sa, ba), (sb, bb)) = tokio::join!(
            a.post(&path, &mai, json!({})),
            b.post(&path, &customer, json!({}))
        );
        let ok = [sa, sb].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, 1, "round {round}: {sa} {ba} / {sb} {bb}");
        let (ended, refused) = if sa == StatusCode::OK {
            (&ba, &bb)
        } else {
            (&bb, &ba)
        };
        assert_eq!(refused["code"], "SESSION_ENDED", "{refused}");
        assert!(ended["endedAt"].is_string(), "{ended}");
        for node in [&a, &b] {
            let (_, s) = node.get(&format!("/api/chat/sessions/{id}"), &mai).await;
            assert_eq!(s["status"], "ENDED");
            assert_eq!(s["endedAt"], ended["endedAt"], "the first end's time stays");
        }
        // The node whose end won told its feed; the other told its feed nothing. A later
        // event on each node, which reaches its feed after whatever that node sent before it,
        // shows nothing more was on its way.
        let again = b.open_session(&customer, "Again").await;
        a.end(&customer, again).await;
        let is_end = |s: &serde_json::Value, of: i64| s["id"] == of && s["status"] == "ENDED";
        feeds[0]
            .next_where("session_updated", |s| is_end(s, again))
            .await
            .unwrap();
        feeds[1]
            .next_where("session_created", |s| s["id"] == again)
            .await
            .unwrap();
        let heard: Vec<usize> = feeds
            .iter()
            .map(|f| {
                f.all("session_updated")
                    .iter()
                    .filter(|s| is_end(s, id))
                    .count()
            })
            .collect();
        let winner = usize::from(sa != StatusCode::OK);
        assert_eq!(heard[winner], 1, "round {round}: {heard:?}");
        assert_eq!(
            heard[1 - winner],
            0,
            "round {round}: announced twice: {heard:?}"
        );
    }
}

/// A staff member ending their session while an admin on another node hands the room (and so
/// the session) to a colleague: either the end comes first and the session ends as theirs, or
/// the hand-over does and their end is refused. Never does the colleague's session end by the
/// hand of someone who no longer holds it (the end reads who holds it under the room's lock).
#[tokio::test]
async fn an_end_and_a_transfer_at_once_on_two_nodes_never_end_anothers_session() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let (mai, lan, boss) = (
        a.staff("mai").await,
        a.staff("lan").await,
        a.admin("boss").await,
    );
    for round in 0..15 {
        let customer = a.customer(&format!("handed{round}")).await;
        let room = customer.room_id.unwrap();
        let id = a.open_session(&customer, "Who ends me?").await;
        a.claim(&mai, id).await;
        let (transfer, end) = (
            format!("/api/chat/rooms/{room}/transfer"),
            format!("/api/chat/sessions/{id}/end"),
        );
        let ((st, bt), (se, be)) = tokio::join!(
            a.post(&transfer, &boss, json!({"staffId": lan.id})),
            b.post(&end, &mai, json!({}))
        );
        assert_eq!(st, StatusCode::OK, "round {round}: {bt}");
        let (_, s) = a.get(&format!("/api/chat/sessions/{id}"), &boss).await;
        if se == StatusCode::OK {
            assert_eq!(s["status"], "ENDED", "round {round}: {s}");
            assert_eq!(
                s["staffId"], mai.id,
                "round {round}: ended as another's: {s}"
            );
        } else {
            assert_eq!(se, StatusCode::FORBIDDEN, "round {round}: {be}");
            assert_eq!(s["status"], "IN_PROGRESS", "round {round}: {s}");
            assert_eq!(s["staffId"], lan.id, "round {round}: {s}");
        }
    }
}

/// The holder transferring one room to two colleagues at once on two nodes gives it to one
/// of them: the second transfer reads, under the room's lock, that the room is no longer
/// theirs to give, and changes nothing.
#[tokio::test]
async fn a_room_transferred_on_two_nodes_at_once_goes_to_one_colleague() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let (mai, lan, hoa) = (
        a.staff("mai").await,
        a.staff("lan").await,
        a.staff("hoa").await,
    );
    for round in 0..15 {
        let customer = a.customer(&format!("moved{round}")).await;
        let room = customer.room_id.unwrap();
        let id = a.open_session(&customer, "Pass me on").await;
        a.claim(&mai, id).await;
        let path = format!("/api/chat/rooms/{room}/transfer");
        let ((sa, ba), (sb, bb)) = tokio::join!(
            a.post(&path, &mai, json!({"staffId": lan.id})),
            b.post(&path, &mai, json!({"staffId": hoa.id}))
        );
        let won: Vec<_> = [(sa, &lan), (sb, &hoa)]
            .into_iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .collect();
        assert_eq!(won.len(), 1, "round {round}: {sa} {ba} / {sb} {bb}");
        let refused = if sa == StatusCode::OK { &bb } else { &ba };
        assert_eq!(refused["code"], "FORBIDDEN", "{refused}");
        let holder = won[0].1;
        for node in [&a, &b] {
            let (_, s) = node.get(&format!("/api/chat/sessions/{id}"), holder).await;
            assert_eq!(s["staffId"], holder.id, "round {round}: {s}");
        }
    }
}

#[tokio::test]
async fn the_cap_counts_the_claims_made_on_every_node() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let boss = a.admin("boss").await;
    let mai = a.staff("mai").await;
    let (status, body) = b
        .call(
            reqwest::Method::PUT,
            "/api/admin/settings",
            Some(&boss.token),
            Some(json!({"maxChatsPerStaff": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for round in 0..10 {
        let one = a.customer(&format!("one{round}")).await;
        let two = b.customer(&format!("two{round}")).await;
        let s1 = a.open_session(&one, "First").await;
        let s2 = b.open_session(&two, "Second").await;
        let (p1, p2) = (
            format!("/api/chat/sessions/{s1}/join"),
            format!("/api/chat/sessions/{s2}/join"),
        );
        let ((r1, b1), (r2, b2)) =
            tokio::join!(a.post(&p1, &mai, json!({})), b.post(&p2, &mai, json!({})));
        let ok = [r1, r2].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(ok, 1, "round {round}: {r1} {b1} / {r2} {b2}");
        let refused = if r1 == StatusCode::OK { &b2 } else { &b1 };
        assert_eq!(refused["code"], "STAFF_AT_CAPACITY", "{refused}");
        let held = if r1 == StatusCode::OK { s1 } else { s2 };
        let other = if r1 == StatusCode::OK { s2 } else { s1 };
        b.end(&mai, held).await;
        a.end(&boss, other).await;
    }
}

#[tokio::test]
async fn a_rooms_messages_from_two_nodes_are_numbered_one_after_another() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let mai = a.staff("mai").await;
    let customer = a.customer("chatty").await;
    let room = customer.room_id.unwrap();
    let id = a.open_session(&customer, "Many words").await;
    b.claim(&mai, id).await;
    let (from_customer, from_staff) = (a.socket(&customer).await, b.socket(&mai).await);
    from_staff.join(room).await;
    tokio::join!(
        send_many(&from_customer, room, "customer"),
        send_many(&from_staff, room, "staff")
    );
    let numbers = a.db().texts(
        "SELECT CAST(count(*) AS TEXT), CAST(count(DISTINCT seq) AS TEXT),
                CAST(min(seq) AS TEXT), CAST(max(seq) AS TEXT),
                CAST((SELECT message_count FROM rooms WHERE id = ?1) AS TEXT)
         FROM messages WHERE room_id = ?1",
        &[&room],
    );
    assert_eq!(numbers, ["80", "80", "1", "80", "80"]);
    // Each sender's own positions too.
    let own = a.db().i64(
        "SELECT count(*) FROM (SELECT sender_id FROM messages WHERE room_id = ?1
           GROUP BY sender_id HAVING count(DISTINCT sender_seq) = 40 AND max(sender_seq) = 40) AS s",
        &[&room],
    );
    assert_eq!(own, 2);
    // Both nodes serve the same history, in the same order.
    let (_, ha) = a
        .get(&format!("/api/chat/rooms/{room}/messages?limit=100"), &mai)
        .await;
    let (_, hb) = b
        .get(&format!("/api/chat/rooms/{room}/messages?limit=100"), &mai)
        .await;
    assert_eq!(ha["messages"], hb["messages"]);
    assert_eq!(ha["pagination"]["total"], 80);
}

/// Sends 40 messages into `room`, each after the last one's ack.
async fn send_many(sock: &crate::sock::Sock, room: i64, who: &str) {
    for i in 0..40 {
        let ack = sock
            .ack(
                "send_message",
                json!({"roomId": room, "content": format!("{who} {i}")}),
            )
            .await;
        assert_eq!(ack["ok"], true, "{ack}");
    }
}
