//! Backups on a schedule and `frontdesk restore` (issue 15): a backup written while the server
//! runs is whole, restores into a database a new server serves with the same users and
//! messages, and a restore that would do harm is refused with an exit code a script can use.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_in};
use crate::process::BIN;

fn restore(file: &Path, db: &Path) -> Output {
    Command::new(BIN)
        .arg("restore")
        .arg(file)
        .arg("--db")
        .arg(db)
        .env_remove("FRONTDESK_DB")
        .output()
        .unwrap()
}

fn backups_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    found.sort();
    found
}

/// Rows of (id, text).
type Rows = Vec<(i64, String)>;

/// Users and messages as stored, to compare two databases.
fn contents(db: &Path) -> (Rows, Rows) {
    let conn = Connection::open(db).unwrap();
    let rows = |sql: &str| -> Rows {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    (
        rows("SELECT id, user_name FROM users ORDER BY id"),
        rows("SELECT id, content FROM messages ORDER BY id"),
    )
}

async fn metrics(app: &TestApp) -> String {
    app.http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

#[tokio::test]
async fn a_scheduled_backup_restores_into_a_server_with_the_same_data() {
    crate::test_db::sqlite_only!("backups are copies of the SQLite file");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let backup_dir = dir.path().join("backups");
    let schedule_dir = backup_dir.clone();
    let app = spawn_app_in(dir.clone(), move |c| {
        c.backups = Some(frontdesk::db::BackupSchedule {
            dir: schedule_dir,
            every: Duration::from_secs(1),
            keep: 2,
        });
    })
    .await;
    let customer = app.customer("backed_up").await;
    let staff = app.staff("keeper").await;
    let session = app.open_session(&customer, "kept").await;
    app.claim(&staff, session).await;
    let sock = app.socket(&customer).await;
    for i in 0..5 {
        sock.ack(
            "send_message",
            json!({"roomId": customer.room_id, "content": format!("keep me {i}")}),
        )
        .await;
    }
    // A backup begun after the data was written.
    let before = backups_in(&backup_dir);
    let mut newest = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = backups_in(&backup_dir);
        if let Some(last) = now.last()
            && before.last() != Some(last)
        {
            newest = Some(last.clone());
            break;
        }
    }
    let newest = newest.expect("a backup within 10 s");
    // Reported once the backup is pruned too, a moment after its file appears.
    let mut text = String::new();
    for _ in 0..50 {
        text = metrics(&app).await;
        let last_success = text
            .lines()
            .find_map(|l| l.strip_prefix("frontdesk_backup_last_success_timestamp_seconds "))
            .expect("last success metric")
            .parse::<i64>()
            .unwrap();
        if last_success > 1_700_000_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !text.contains("frontdesk_backup_last_success_timestamp_seconds 0"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l == "frontdesk_backup_failures_total 0"),
        "{text}"
    );
    // Older ones are pruned to `keep`, and nothing half-written is left under any name.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let kept = backups_in(&backup_dir);
    assert_eq!(kept.len(), 2, "{kept:?}");
    for file in &kept {
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(
            name.starts_with("frontdesk-") && name.ends_with("Z.db"),
            "{name}"
        );
    }
    let newest = if kept.contains(&newest) {
        newest
    } else {
        kept[0].clone()
    };
    drop(sock);
    app.stop().await;

    let restored_dir = Arc::new(tempfile::tempdir().unwrap());
    let target = restored_dir.path().join("frontdesk.db");
    let out = restore(&newest, &target);
    assert_eq!(
        code(&out),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 users, 5 messages"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(contents(&target), contents(&app_db(&dir)));

    let again = spawn_app_in(restored_dir, |_| {}).await;
    let signed_in = again.login("backed_up").await;
    let (status, rooms) = again.get("/api/chat/rooms", &signed_in).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(rooms[0]["id"].as_i64(), customer.room_id, "{rooms}");
    again.login("keeper").await;
}

fn app_db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("frontdesk.db")
}

#[tokio::test]
async fn restore_refuses_a_running_server_and_files_that_are_not_whole_frontdesk_backups() {
    crate::test_db::sqlite_only!("backups are copies of the SQLite file");
    let app = spawn_app().await;
    app.customer("present").await;
    let spare = tempfile::tempdir().unwrap();
    let good = spare.path().join("good.db");
    let made = Command::new(BIN)
        .arg("backup")
        .arg(&good)
        .arg("--db")
        .arg(&app.config.db_path)
        .output()
        .unwrap();
    assert!(made.status.success());
    let before = contents(&app.config.db_path);

    // A server holds the database: try again later (75), nothing changed.
    let out = restore(&good, &app.config.db_path);
    assert_eq!(
        code(&out),
        Some(75),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("stop it first"));
    assert_eq!(contents(&app.config.db_path), before);

    let target = spare.path().join("target.db");
    // Missing: 66.
    assert_eq!(
        code(&restore(&spare.path().join("nope.db"), &target)),
        Some(66)
    );
    // Not SQLite: 65.
    let text = spare.path().join("notes.txt");
    std::fs::write(&text, "not a database").unwrap();
    assert_eq!(code(&restore(&text, &target)), Some(65));
    // SQLite, but not Frontdesk: 65.
    let other = spare.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let out = restore(&other, &target);
    assert_eq!(code(&out), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Frontdesk"));
    // Damaged inside (pages overwritten, header intact): 65.
    let damaged = spare.path().join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    for b in &mut bytes[page * 2..page * 4] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let out = restore(&damaged, &target);
    assert_eq!(
        code(&out),
        Some(65),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!target.exists(), "no refusal creates the database");

    // Over an existing database (server stopped): the old one is kept aside.
    app.stop().await;
    let out = restore(&good, &target);
    assert_eq!(code(&out), Some(0));
    std::fs::write(spare.path().join("marker"), "").unwrap();
    let out = restore(&good, &target);
    assert_eq!(
        code(&out),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("before-restore-"), "{stdout}");
    assert_eq!(contents(&target), before);
}
