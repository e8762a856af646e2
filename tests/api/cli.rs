//! The `user` commands an operator types (issue 15): a password from a prompt or stdin, never
//! needed on the command line; set-password, deactivate and activate through the same rules
//! as the console; messages and exit codes a script can use.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};
use crate::process::BIN;

/// Runs `frontdesk user ARGS --db <the app's database>` with `stdin` piped in.
fn user(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(BIN);
    // The commands work on the engine the server runs on.
    match &app.config.database_url {
        Some(url) => command.env("FRONTDESK_DATABASE_URL", url),
        None => command.env_remove("FRONTDESK_DATABASE_URL"),
    };
    let mut child = command
        .arg("user")
        .args(args)
        .arg("--db")
        .arg(&app.config.db_path)
        .env_remove("FRONTDESK_NEW_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run frontdesk");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

async fn login(app: &TestApp, name: &str, password: &str) -> (StatusCode, serde_json::Value) {
    let body = json!({"userName": name, "password": password});
    app.call(Method::POST, "/api/auth/login", None, Some(body))
        .await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn an_operator_manages_users_without_a_password_on_the_command_line() {
    let app = spawn_app().await;
    let made = user(
        &app,
        &[
            "create",
            "--role",
            "staff",
            "--username",
            "thu",
            "--password-stdin",
        ],
        "first-password-1\n",
    );
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(
        text(&made.stdout).contains("created STAFF thu"),
        "{}",
        text(&made.stdout)
    );
    assert!(
        text(&made.stderr).is_empty(),
        "no warning: {}",
        text(&made.stderr)
    );
    assert_eq!(
        login(&app, "thu", "first-password-1").await.0,
        StatusCode::OK
    );

    let set = user(
        &app,
        &["set-password", "--username", "thu", "--password-stdin"],
        "second-password-2\n",
    );
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert_eq!(
        login(&app, "thu", "first-password-1").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "thu", "second-password-2").await.0,
        StatusCode::OK
    );

    let off = user(&app, &["deactivate", "--username", "thu"], "");
    assert!(off.status.success(), "{}", text(&off.stderr));
    let (status, body) = login(&app, "thu", "second-password-2").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "ACCOUNT_DEACTIVATED");
    let on = user(&app, &["activate", "--username", "thu"], "");
    assert!(on.status.success(), "{}", text(&on.stderr));
    assert_eq!(
        login(&app, "thu", "second-password-2").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn refusals_say_why_and_exit_non_zero() {
    let app = spawn_app().await;
    // No password and no terminal to ask on: refused, nothing created.
    let none = user(
        &app,
        &["create", "--role", "staff", "--username", "nopw"],
        "",
    );
    assert!(!none.status.success());
    assert!(
        text(&none.stderr).contains("--password-stdin"),
        "{}",
        text(&none.stderr)
    );
    // A rule's refusal comes through as it is.
    let short = user(
        &app,
        &[
            "create",
            "--role",
            "staff",
            "--username",
            "shorty",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(
        text(&short.stderr).contains("password must be 8 to 128"),
        "{}",
        text(&short.stderr)
    );
    let ghost = user(&app, &["deactivate", "--username", "nobody-here"], "");
    assert!(!ghost.status.success());
    assert!(
        text(&ghost.stderr).contains("No user named nobody-here"),
        "{}",
        text(&ghost.stderr)
    );
    // The old flag still works for scripts, with a warning.
    let flag = user(
        &app,
        &[
            "create",
            "--role",
            "admin",
            "--username",
            "legacy",
            "--password",
            "legacy-password-1",
        ],
        "",
    );
    assert!(flag.status.success(), "{}", text(&flag.stderr));
    assert!(
        text(&flag.stderr).contains("warning"),
        "{}",
        text(&flag.stderr)
    );
    for name in ["nopw", "shorty"] {
        assert_eq!(
            login(&app, name, "whatever-123").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[test]
fn serve_refuses_the_sqlite_only_flags_with_a_database_url() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, says) in [
        ("--backup-dir", "backups", "pg_dump"),
        ("--max-db-mb", "100", "--max-db-mb caps the SQLite file"),
    ] {
        let out = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--database-url"])
            .arg("postgres://nobody@127.0.0.1:1/none")
            .args([flag, value])
            .current_dir(dir.path())
            .env_remove("FRONTDESK_DATABASE_URL")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{flag}");
        assert!(
            text(&out.stderr).contains(says),
            "{flag}: {}",
            text(&out.stderr)
        );
        // Refused before anything was opened or created.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{flag}");
    }
}

#[test]
fn serve_refuses_a_redis_url_without_a_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--redis-url"])
        .arg("redis://127.0.0.1:1/?protocol=resp3")
        .current_dir(dir.path())
        .env_remove("FRONTDESK_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("set --database-url too"),
        "{}",
        text(&out.stderr)
    );
    // Refused before anything was opened or created.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
