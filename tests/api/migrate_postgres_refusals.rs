//! `frontdesk migrate-to-postgres` (issue 16): a copy that cannot be complete changes nothing,
//! and with `sslmode=require` the copy goes over TLS to a server whose certificate is verified.

use std::time::Duration;

use crate::helpers::spawn_app;
use crate::migrate_postgres::{count, migrate, migrate_with, postgres_tables, refused};
use crate::postgres::Postgres;
use crate::process::ServerProcess;
use crate::tls::TestCa;

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
    // Gone before the next case: which of two bad rows a copy meets first is a race between
    // its reader and PostgreSQL's answer.
    sqlite
        .execute("DELETE FROM notes WHERE room_id = 999", [])
        .unwrap();

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
        .execute_batch("DELETE FROM attachment_chunks;")
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
    crate::test_db::sqlite_only!("the copy starts from a SQLite file (the SQLite run covers it)");
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
