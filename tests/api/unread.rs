//! Unread counts kept as positions by the writer: after a mixed workload and after an upgrade
//! from a database without them, every count a room shows equals a full recount.

use std::sync::Arc;

use rusqlite::{Connection, params};
use serde_json::json;

use crate::helpers::{TestApp, User, spawn_app, spawn_app_in};
use crate::test_db::TestDb;

/// Messages from others after the user's read marker, counted over the whole history: the
/// definition the counters must keep.
fn recount(db: &TestDb, room: i64, user: i64) -> i64 {
    db.i64(
        "SELECT count(*) FROM messages WHERE room_id = ?1 AND sender_id <> ?2
           AND id > coalesce((SELECT message_id FROM read_markers
                              WHERE user_id = ?2 AND room_id = ?1), 0)",
        &[&room, &user],
    )
}

async fn shown_unread(app: &TestApp, room: i64, user: &User) -> i64 {
    let (status, body) = app.get(&format!("/api/chat/rooms/{room}"), user).await;
    assert!(status.is_success(), "{body}");
    body["unreadCount"].as_i64().unwrap()
}

async fn assert_counts_match(app: &TestApp, db: &TestDb, room: i64, users: &[&User]) {
    for user in users {
        assert_eq!(
            shown_unread(app, room, user).await,
            recount(db, room, user.id),
            "unread count of {} in room {room}",
            user.name
        );
    }
}

#[tokio::test]
async fn unread_counts_equal_a_recount_after_sends_resends_and_read_markers() {
    let app = spawn_app().await;
    let db = app.db();
    let alice = app.customer("alice").await;
    let bob = app.customer("bob").await;
    let staff = app.staff("sam").await;
    let admin = app.admin("ada").await;
    let (room_a, room_b) = (alice.room_id.unwrap(), bob.room_id.unwrap());

    let alice_sock = app.socket(&alice).await;
    let bob_sock = app.socket(&bob).await;
    let staff_sock = app.socket(&staff).await;
    let admin_sock = app.socket(&admin).await;
    alice_sock.join(room_a).await;
    bob_sock.join(room_b).await;
    staff_sock.join(room_a).await;
    admin_sock.join(room_b).await;

    let mut ids = Vec::new();
    for i in 0..5 {
        let ack = alice_sock
            .ack(
                "send_message",
                json!({"roomId": room_a, "content": format!("a{i}"), "clientMessageId": format!("a-{i}")}),
            )
            .await;
        assert_eq!(ack["ok"], true, "{ack}");
        ids.push(ack["message"]["id"].as_i64().unwrap());
    }
    assert_counts_match(&app, &db, room_a, &[&alice, &staff, &admin]).await;

    // The staff member answers (and is assigned), a resend stores nothing new.
    for i in 0..3 {
        let ack = staff_sock
            .ack(
                "send_message",
                json!({"roomId": room_a, "content": format!("s{i}"), "clientMessageId": format!("s-{i}")}),
            )
            .await;
        assert_eq!(ack["ok"], true, "{ack}");
    }
    for i in [1, 3] {
        let ack = alice_sock
            .ack(
                "send_message",
                json!({"roomId": room_a, "content": format!("a{i}"), "clientMessageId": format!("a-{i}")}),
            )
            .await;
        assert_eq!(ack["message"]["id"].as_i64().unwrap(), ids[i], "{ack}");
    }
    assert_eq!(shown_unread(&app, room_a, &staff).await, 5);
    assert_eq!(shown_unread(&app, room_a, &alice).await, 3);

    // Read markers move forward, to a message of one's own and to one of the others'.
    for (sock, id) in [(&staff_sock, ids[2]), (&alice_sock, ids[4])] {
        let ack = sock
            .ack("mark_read", json!({"roomId": room_a, "messageId": id}))
            .await;
        assert_eq!(ack["ok"], true, "{ack}");
    }
    assert_counts_match(&app, &db, room_a, &[&alice, &staff, &admin]).await;
    // A marker never moves back.
    let ack = staff_sock
        .ack("mark_read", json!({"roomId": room_a, "messageId": ids[0]}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    for i in 5..8 {
        let ack = alice_sock
            .ack(
                "send_message",
                json!({"roomId": room_a, "content": format!("a{i}")}),
            )
            .await;
        assert_eq!(ack["ok"], true, "{ack}");
    }
    assert_eq!(shown_unread(&app, room_a, &staff).await, 5);
    assert_counts_match(&app, &db, room_a, &[&alice, &staff, &admin]).await;

    // A second room: the customer and an admin, who answers and reads.
    let mut last = 0;
    for i in 0..4 {
        let ack = bob_sock
            .ack(
                "send_message",
                json!({"roomId": room_b, "content": format!("b{i}")}),
            )
            .await;
        last = ack["message"]["id"].as_i64().unwrap();
    }
    let ack = admin_sock
        .ack(
            "send_message",
            json!({"roomId": room_b, "content": "admin here"}),
        )
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    let ack = admin_sock
        .ack("mark_read", json!({"roomId": room_b, "messageId": last}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    let ack = bob_sock
        .ack(
            "send_message",
            json!({"roomId": room_b, "content": "thanks"}),
        )
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(shown_unread(&app, room_b, &admin).await, 1);
    assert_counts_match(&app, &db, room_b, &[&bob, &admin]).await;

    // The lists show the same counts as the single room.
    let (_, all) = app.get("/api/chat/rooms?limit=50", &admin).await;
    for room in all.as_array().unwrap() {
        let id = room["id"].as_i64().unwrap();
        assert_eq!(
            room["unreadCount"].as_i64().unwrap(),
            recount(&db, id, admin.id)
        );
    }
    for sock in [alice_sock, bob_sock, staff_sock, admin_sock] {
        sock.close().await;
    }
}

#[tokio::test]
async fn an_upgrade_fills_the_unread_positions_of_an_existing_history() {
    crate::test_db::sqlite_only!("the upgrade of an old SQLite file");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let path = dir.path().join("frontdesk.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../fixtures/schema_v1.sql"))
            .unwrap();
        let hash = frontdesk::auth::hash_password(crate::helpers::PASSWORD).unwrap();
        for (id, name, role) in [(1, "old_customer", "CUSTOMER"), (2, "old_staff", "STAFF")] {
            conn.execute(
                "INSERT INTO users (id, user_name, password_hash, role, first_name, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'Old', 1700000000000)",
                params![id, name, hash, role],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO rooms (id, name, customer_id, staff_id, created_at, last_message_at,
                                message_count)
             VALUES (1, 'Support Request #1', 1, 2, 1700000000000, 1700000009000, 9)",
            [],
        )
        .unwrap();
        // Customer, customer, staff, customer, staff, staff, customer, customer, staff.
        for (i, sender) in [1, 1, 2, 1, 2, 2, 1, 1, 2].iter().enumerate() {
            conn.execute(
                "INSERT INTO messages (id, room_id, sender_id, content, created_at)
                 VALUES (?1, 1, ?2, 'old', ?3)",
                params![i as i64 + 1, sender, 1700000001000 + i as i64 * 1000],
            )
            .unwrap();
        }
    }
    // Version 1 had no read markers: open once to reach them, mark, and go back to before
    // the positions existed, as a version-3 build left the file (without what later
    // versions added too).
    {
        let app = spawn_app_in(dir.clone(), |_| {}).await;
        app.stop().await;
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO read_markers (user_id, room_id, message_id) VALUES (2, 1, 4), (1, 1, 5);
             DROP INDEX messages_by_sender_in_room;
             ALTER TABLE messages DROP COLUMN seq;
             ALTER TABLE messages DROP COLUMN sender_seq;
             ALTER TABLE read_markers DROP COLUMN seq;
             ALTER TABLE read_markers DROP COLUMN own_seq;
             DROP INDEX rooms_unassigned_by_activity;
             ALTER TABLE rooms DROP COLUMN activity_at;
             DROP INDEX users_by_site_id;
             ALTER TABLE users DROP COLUMN site_id;
             ALTER TABLE users DROP COLUMN email;
             ALTER TABLE users DROP COLUMN phone;
             ALTER TABLE sessions DROP COLUMN after_hours;
             ALTER TABLE sessions DROP COLUMN rating_score;
             ALTER TABLE sessions DROP COLUMN rating_comment;
             ALTER TABLE sessions DROP COLUMN rated_at;
             ALTER TABLE users DROP COLUMN erased_at;
             DROP TABLE message_search;
             DROP TABLE node_sockets;
             DROP TABLE nodes;
             DROP TABLE staff_presence;
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let app = spawn_app_in(dir.clone(), |_| {}).await;
    let customer = app.login("old_customer").await;
    let staff = app.login("old_staff").await;
    let customer = User {
        room_id: Some(1),
        ..customer
    };
    // Staff read up to 4: customer messages 7 and 8 are new. Customer read up to 5: 6 and 9.
    assert_eq!(shown_unread(&app, 1, &staff).await, 2);
    assert_eq!(shown_unread(&app, 1, &customer).await, 2);
    assert_counts_match(&app, &app.db(), 1, &[&customer, &staff]).await;

    // The upgraded file keeps counting as it is written to.
    let sock = app.socket(&customer).await;
    sock.join(1).await;
    let ack = sock
        .ack(
            "send_message",
            json!({"roomId": 1, "content": "after the upgrade"}),
        )
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    let ack = sock
        .ack("mark_read", json!({"roomId": 1, "messageId": 9}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    assert_eq!(shown_unread(&app, 1, &staff).await, 3);
    assert_eq!(shown_unread(&app, 1, &customer).await, 0);
    assert_counts_match(&app, &app.db(), 1, &[&customer, &staff]).await;
    sock.close().await;
}
