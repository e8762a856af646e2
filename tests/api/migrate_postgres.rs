//! `frontdesk migrate-to-postgres` (issue 16): a shop's whole SQLite database goes into an
//! empty PostgreSQL database, row for row; the helpers its other tests share
//! (`migrate_postgres_refusals.rs`: a copy that cannot be complete changes nothing, and TLS).

use std::path::Path;
use std::process::{Command, Output};

use frontdesk::model::Role;
use reqwest::Method;
use serde_json::json;

use crate::attachments::{PNG, send, upload};
use crate::helpers::spawn_app;
use crate::postgres::Postgres;
use crate::process::BIN;

pub(crate) fn migrate(db: &Path, url: &str) -> Output {
    migrate_with(db, url, &[])
}

pub(crate) fn migrate_with(db: &Path, url: &str, env: &[(&str, &Path)]) -> Output {
    Command::new(BIN)
        .args(["migrate-to-postgres", "--db"])
        .arg(db)
        .env("FRONTDESK_DATABASE_URL", url)
        .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
        .output()
        .expect("run frontdesk")
}

/// Every table of the SQLite database with its row count (the FTS5 index and its shadow
/// tables are derived from `messages`, not copied).
fn sqlite_counts(db: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM pragma_table_list
             WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    names
        .into_iter()
        .map(|n| {
            let count = conn
                .query_row(&format!("SELECT count(*) FROM \"{n}\""), [], |r| r.get(0))
                .unwrap();
            (n, count)
        })
        .collect()
}

/// The command failed and said `says` on stderr.
pub(crate) fn refused(out: &Output, says: &str) {
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it should have refused: {said}");
    assert!(said.contains(says), "{said}");
}

pub(crate) async fn postgres_tables(client: &tokio_postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

pub(crate) async fn count(client: &tokio_postgres::Client, table: &str) -> i64 {
    client
        .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_shops_database_moves_to_postgresql_row_for_row() {
    crate::test_db::sqlite_only!("the copy starts from a SQLite file (the SQLite run covers it)");
    let pg = Postgres::start();
    let url = pg.create_database("shop").await;

    // A shop with a little of everything: accounts, a claimed and a waiting session, messages
    // with quotes, commas, new lines and Vietnamese, a file, a note, labels, a canned reply,
    // a webhook with its deliveries, a read marker.
    let app = spawn_app().await;
    let db = app.config.db_path.clone();
    let _dir = app.dir();
    let anh = app.customer("anh").await;
    let binh = app.customer("binh").await;
    let mai = app.staff("mai").await;
    let boss = app.member(Role::Admin, "boss").await;
    let (_, hook) = app
        .post(
            "/api/admin/webhooks",
            &boss,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["message.created"]}),
        )
        .await;
    assert!(hook["id"].is_i64(), "{hook}");
    let room = anh.room_id.unwrap();
    let session = app.open_session(&anh, "Đơn hàng \"42\", bị trễ").await;
    app.open_session(&binh, "waiting").await;
    app.claim(&mai, session).await;
    let anh_sock = app.socket(&anh).await;
    let mai_sock = app.socket(&mai).await;
    mai_sock.join(room).await;
    for text in [
        "Xin chào, đơn \"42\" đâu?",
        "line one\nline two, with a comma",
        "",
    ] {
        let content = if text.is_empty() { "\\N" } else { text };
        let ack = anh_sock
            .ack("send_message", json!({"roomId": room, "content": content}))
            .await;
        assert_eq!(ack["ok"], true, "{ack}");
    }
    let (_, file) = upload(&app, &anh, room, "receipt.png", "image/png", PNG.to_vec()).await;
    let ack = send(&anh_sock, room, "the receipt", json!([file["id"]])).await;
    assert_eq!(ack["ok"], true, "{ack}");
    let ack = mai_sock
        .ack(
            "add_note",
            json!({"roomId": room, "content": "VIP; \"careful\""}),
        )
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/chat/sessions/{session}/labels"),
            Some(&mai.token),
            Some(json!({"labels": ["refund", "vip"]})),
        )
        .await;
    assert!(status.is_success());
    let (status, _) = app
        .post(
            "/api/chat/canned-replies",
            &boss,
            json!({"shortcut": "hi", "content": "Hi {firstName}!"}),
        )
        .await;
    assert!(status.is_success());
    app.stop().await;
    // What an older build let in: a NUL character, which PostgreSQL's text cannot hold.
    let sqlite = rusqlite::Connection::open(&db).unwrap();
    sqlite
        .execute(
            "INSERT INTO notes (room_id, author_id, content, created_at) VALUES (?1, ?2, ?3, 0)",
            rusqlite::params![room, mai.id, "old\0note"],
        )
        .unwrap();
    drop(sqlite);

    let out = migrate(&db, &url);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        pg.log()
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("the same count in each"));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("notes: 1 text values held a NUL"), "{said}");

    let client = pg.connect("shop").await;
    let ours = sqlite_counts(&db);
    let mut theirs: Vec<String> = postgres_tables(&client).await;
    theirs.retain(|t| t != "frontdesk_schema");
    let copied: Vec<&String> = ours
        .iter()
        .filter(|(n, _)| !n.starts_with("message_search"))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(copied, theirs.iter().collect::<Vec<_>>());
    for (table, rows) in &ours {
        if !table.starts_with("message_search") {
            assert_eq!(count(&client, table).await, *rows, "{table}");
        }
    }
    for (table, at_least) in [("messages", 4), ("attachment_chunks", 1), ("notes", 1)] {
        assert!(count(&client, table).await >= at_least, "{table}");
    }

    // The values themselves, not only how many.
    let sqlite = rusqlite::Connection::open(&db).unwrap();
    let want: Vec<(i64, String, i64)> = sqlite
        .prepare("SELECT id, content, seq FROM messages ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let got: Vec<(i64, String, i64)> = client
        .query("SELECT id, content, seq FROM messages ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(got, want);
    assert!(
        got.iter().any(|(_, c, _)| c == "\\N"),
        "a literal \\N is text, not NULL"
    );
    let bytes: Vec<u8> = client
        .query_one("SELECT data FROM attachment_chunks", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(bytes, PNG);
    let title: String = client
        .query_one("SELECT title FROM sessions WHERE id = $1", &[&session])
        .await
        .unwrap()
        .get(0);
    assert_eq!(title, "Đơn hàng \"42\", bị trễ");
    let nulls: i64 = client
        .query_one("SELECT count(*) FROM sessions WHERE staff_id IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(nulls, 1, "the waiting session has no staff member");
    let note: String = client
        .query_one("SELECT content FROM notes WHERE content LIKE 'old%'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(note, "old\u{FFFD}note");
    let version: i64 = client
        .query_one("SELECT version FROM frontdesk_schema", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, frontdesk::db::LATEST_VERSION);

    // New rows continue after the copied ids, and names stay unique ignoring case.
    let max: i64 = client
        .query_one("SELECT max(id) FROM users", &[])
        .await
        .unwrap()
        .get(0);
    let next: i64 = client
        .query_one(
            "INSERT INTO users (user_name, password_hash, role, created_at)
             VALUES ('new', '', 'STAFF', 0) RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(next, max + 1);
    let twin = client
        .execute(
            "INSERT INTO users (user_name, password_hash, role, created_at)
             VALUES ('MAI', '', 'STAFF', 0)",
            &[],
        )
        .await;
    assert!(twin.is_err(), "MAI and mai are the same name");
}
