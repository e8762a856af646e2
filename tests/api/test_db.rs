//! What a test reads or changes in an app's database behind the server's back (to age a
//! session, to check what was stored), on whichever engine the run uses: the SQLite file in the
//! app's folder, or the PostgreSQL database the folder names. Statements are written in the
//! SQL both take, with `?N` placeholders as in `store/`.
//!
//! The calls are synchronous, as the tests' helpers were on SQLite: on PostgreSQL each runs on
//! a thread of its own with its own small runtime, so it never blocks the test's runtime.

use std::path::{Path, PathBuf};

use tokio_postgres::types::ToSql as PgToSql;

/// The PostgreSQL server the suite runs against when the test command asks for that engine
/// (`FRONTDESK_TEST_DATABASE_URL=postgres://user@host:port`, no database name); unset: SQLite.
pub fn postgres_server() -> Option<String> {
    std::env::var("FRONTDESK_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Whether this run is the one against PostgreSQL.
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// Ends a test that is about SQLite's own file (backups, upgrades of old files, the file's
/// bytes) when the run is on PostgreSQL, saying so on the test's output.
macro_rules! sqlite_only {
    ($why:literal) => {
        if crate::test_db::on_postgres() {
            eprintln!("not on PostgreSQL: {}", $why);
            return;
        }
    };
}
pub(crate) use sqlite_only;

/// The PostgreSQL database of the app whose folder is `dir`: created empty on the first start,
/// the same one when a test restarts a server on the folder. `None` on SQLite.
pub(crate) async fn postgres_database(dir: &std::path::Path) -> Option<String> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let server = postgres_server()?;
    let marker = dir.join("postgres-database");
    if let Ok(name) = std::fs::read_to_string(&marker) {
        return Some(format!("{server}/{name}"));
    }
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("t{}_{n}", std::process::id());
    let (client, connection) =
        tokio_postgres::connect(&format!("{server}/postgres"), tokio_postgres::NoTls)
            .await
            .expect("connect to the tests' PostgreSQL");
    tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
        ))
        .await
        .expect("create a database for the test");
    std::fs::write(&marker, &name).expect("note the test's database");
    Some(format!("{server}/{name}"))
}

/// An argument both engines can bind.
pub trait Arg: rusqlite::ToSql + PgToSql + Sync {}
impl<T: rusqlite::ToSql + PgToSql + Sync> Arg for T {}

/// The database of the app whose folder is `dir`.
pub struct TestDb {
    dir: PathBuf,
}

impl TestDb {
    pub fn of_dir(dir: &Path) -> TestDb {
        TestDb {
            dir: dir.to_path_buf(),
        }
    }

    fn postgres_url(&self) -> Option<String> {
        let server = postgres_server()?;
        let name = std::fs::read_to_string(self.dir.join("postgres-database"))
            .expect("the app's PostgreSQL database is named in its folder");
        Some(format!("{server}/{name}"))
    }

    fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.join("frontdesk.db")).expect("open the SQLite file")
    }

    /// Runs one statement; how many rows it changed.
    pub fn execute(&self, sql: &str, args: &[&dyn Arg]) -> u64 {
        match self.postgres_url() {
            None => {
                let args: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| *a as _).collect();
                self.sqlite().execute(sql, &args[..]).expect(sql) as u64
            }
            Some(url) => run_on_postgres(&url, |client| async move {
                let args: Vec<&(dyn PgToSql + Sync)> = args.iter().map(|a| *a as _).collect();
                client.execute(&dollars(sql), &args).await.expect(sql)
            }),
        }
    }

    /// Runs statements without arguments, separated by `;`.
    pub fn execute_batch(&self, sql: &str) {
        match self.postgres_url() {
            None => self.sqlite().execute_batch(sql).expect(sql),
            Some(url) => run_on_postgres(&url, |client| async move {
                client.batch_execute(sql).await.expect(sql)
            }),
        }
    }

    /// The first column of the first row, an integer.
    pub fn i64(&self, sql: &str, args: &[&dyn Arg]) -> i64 {
        self.first(sql, args, |r| r.get(0), |r| r.get(0))
    }

    /// The first column of the first row, a text or NULL.
    pub fn text(&self, sql: &str, args: &[&dyn Arg]) -> Option<String> {
        self.first(sql, args, |r| r.get(0), |r| r.get(0))
    }

    /// Every column of the first row, each a text (not NULL).
    pub fn texts(&self, sql: &str, args: &[&dyn Arg]) -> Vec<String> {
        self.first(
            sql,
            args,
            |r| (0..r.as_ref().column_count()).map(|i| r.get(i)).collect(),
            |r| (0..r.len()).map(|i| r.get(i)).collect(),
        )
    }

    fn first<T: Send>(
        &self,
        sql: &str,
        args: &[&dyn Arg],
        lite: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        pg: impl FnOnce(&tokio_postgres::Row) -> T + Send,
    ) -> T {
        match self.postgres_url() {
            None => {
                let args: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| *a as _).collect();
                self.sqlite().query_row(sql, &args[..], lite).expect(sql)
            }
            Some(url) => run_on_postgres(&url, |client| async move {
                let args: Vec<&(dyn PgToSql + Sync)> = args.iter().map(|a| *a as _).collect();
                pg(&client.query_one(&dollars(sql), &args).await.expect(sql))
            }),
        }
    }
}

/// `?N` as PostgreSQL writes it (the tests' statements hold no `?` in a literal).
fn dollars(sql: &str) -> String {
    sql.replace('?', "$")
}

/// Connects to `url` and runs `f` on a thread and runtime of its own.
fn run_on_postgres<T, F, Fut>(url: &str, f: F) -> T
where
    T: Send,
    F: FnOnce(tokio_postgres::Client) -> Fut + Send,
    Fut: std::future::Future<Output = T>,
{
    std::thread::scope(|s| {
        s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the test's query");
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect to the app's PostgreSQL database");
                tokio::spawn(connection);
                f(client).await
            })
        })
        .join()
        .expect("the test's query")
    })
}
