//! `frontdesk migrate-to-postgres` (issue 16): a shop's whole SQLite database goes into an
//! empty PostgreSQL database, row for row, and a copy that cannot be complete changes nothing.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use frontdesk::model::Role;
use reqwest::Method;
use serde_json::json;

use crate::attachments::{PNG, send, upload};
use crate::helpers::spawn_app;
use crate::postgres::Postgres;
use crate::process::{BIN, ServerProcess};
use crate::tls::TestCa;

fn migrate(db: &Path, url: &str) -> Output {
    migrate_with(db, url, &[])
}

fn migrate_with(db: &Path, url: &str, env: &[(&str, &Path)]) -> Output {
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
fn refused(out: &Output, says: &str) {
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it should have refused: {said}");
    assert!(said.contains(says), "{said}");
}

async fn postgres_tables(client: &tokio_postgres::Client) -> Vec<String> {
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

async fn count(client: &tokio_postgres::Client, table: &str) -> i64 {
    client
        .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_shops_database_moves_to_postgresql_row_for_row() {
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

#[tokio::test]
async fn a_migration_that_cannot_be_complete_changes_nothing() {
    let pg = Postgres::start();
    let url = pg.create_database("target").await;
    let client = pg.connect("target").await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("frontdesk.db");

    // No database at that path.
    refused(&migrate(&db, &url), "there is no database");

    // A server still running on it: what it acks after the copy would be left behind.
    let mut server = ServerProcess::start(&db, "127.0.0.1:0");
    refused(&migrate(&db, &url), "server is running");
    assert!(postgres_tables(&client).await.is_empty());
    server.signal("TERM");
    assert!(server.wait_exit(Duration::from_secs(10)).is_some());

    // Unreachable PostgreSQL.
    refused(
        &migrate(&db, "postgres://fd@127.0.0.1:1/none"),
        "cannot connect to PostgreSQL",
    );

    // The first copy works; a second into the same database is refused and adds nothing.
    assert!(migrate(&db, &url).status.success());
    let users = count(&client, "users").await;
    let tables = postgres_tables(&client).await;
    refused(&migrate(&db, &url), "is not empty");
    assert_eq!(count(&client, "users").await, users);
    assert_eq!(postgres_tables(&client).await, tables);

    // A row PostgreSQL refuses half way (a note in a room that does not exist; SQLite takes it
    // with its foreign keys off): the whole copy is rolled back, the target stays empty.
    let broken = pg.create_database("broken").await;
    let broken_client = pg.connect("broken").await;
    let sqlite = rusqlite::Connection::open(&db).unwrap();
    sqlite.pragma_update(None, "foreign_keys", false).unwrap();
    sqlite
        .execute(
            "INSERT INTO notes (room_id, author_id, content, created_at) VALUES (999, 999, 'x', 0)",
            [],
        )
        .unwrap();
    refused(&migrate(&db, &broken), "cannot copy notes");
    assert!(postgres_tables(&broken_client).await.is_empty());

    // A value SQLite took in a column of another kind (text where a file's bytes belong)
    // would be stored wrong, not refused, by PostgreSQL: the copy refuses it and names it.
    let typed = pg.create_database("typed").await;
    let typed_client = pg.connect("typed").await;
    sqlite
        .execute(
            "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (1, 0, '\\x41')",
            [],
        )
        .unwrap();
    refused(&migrate(&db, &typed), "attachment_chunks.data holds text");
    assert!(postgres_tables(&typed_client).await.is_empty());
    sqlite
        .execute_batch("DELETE FROM attachment_chunks; DELETE FROM notes WHERE room_id = 999;")
        .unwrap();

    // A file of an older schema: upgrading it here would leave a file older builds refuse.
    sqlite.pragma_update(None, "user_version", 8).unwrap();
    refused(
        &migrate(&db, &typed),
        "start this build's server on it once",
    );
    let version: i64 = sqlite
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 8, "the file was only read");
    sqlite
        .pragma_update(None, "user_version", frontdesk::db::LATEST_VERSION)
        .unwrap();

    // Not UTF-8: Vietnamese would not fit.
    let admin = pg.connect("postgres").await;
    admin
        .batch_execute("CREATE DATABASE latin ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        .await
        .unwrap();
    refused(&migrate(&db, &pg.url("latin")), "not UTF8");

    // A target that someone else already uses is refused before anything is written.
    let other = pg.create_database("other").await;
    let other_client = pg.connect("other").await;
    other_client
        .batch_execute("CREATE TABLE inventory (sku TEXT)")
        .await
        .unwrap();
    refused(&migrate(&db, &other), "inventory");
    assert_eq!(postgres_tables(&other_client).await, ["inventory"]);
    // ... even when all it holds is a sequence, which information_schema's tables do not list.
    let sequenced = pg.create_database("sequenced").await;
    pg.connect("sequenced")
        .await
        .batch_execute("CREATE SEQUENCE invoice_numbers")
        .await
        .unwrap();
    refused(&migrate(&db, &sequenced), "invoice_numbers");
}

#[tokio::test]
async fn with_sslmode_require_the_copy_goes_over_tls_to_a_verified_server() {
    let ca = TestCa::new("Frontdesk test PostgreSQL CA");
    let pg = Postgres::start_tls(&ca);
    pg.create_database("secure").await;
    let client = pg.connect("secure").await;
    let app = spawn_app().await;
    let (db, _dir) = (app.config.db_path.clone(), app.dir());
    app.customer("anh").await;
    app.stop().await;
    let ca_file = _dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let port = pg.port;
    let tls_url = format!("postgres://fd@localhost:{port}/secure?sslmode=require");

    // The server accepts TCP only over TLS.
    refused(
        &migrate(&db, &format!("postgres://fd@127.0.0.1:{port}/secure")),
        "no encryption",
    );
    // Over TLS, a certificate the system's roots do not vouch for is refused.
    refused(&migrate(&db, &tls_url), "certificate");
    // A CA file without sslmode=require is a mistake, not a silent plain connection.
    refused(
        &migrate_with(
            &db,
            &format!("postgres://fd@localhost:{port}/secure"),
            &[("FRONTDESK_DATABASE_CA", &ca_file)],
        ),
        "sslmode=require",
    );
    assert!(postgres_tables(&client).await.is_empty());

    // With the CA that signed it: copied (over TLS, since TCP takes nothing else).
    let out = migrate_with(&db, &tls_url, &[("FRONTDESK_DATABASE_CA", &ca_file)]);
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        pg.log()
    );
    assert_eq!(count(&client, "users").await, 1);
}
