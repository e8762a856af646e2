//! What a test reads or changes in an app's database behind the server's back (to age a
//! session, to check what was stored), on whichever engine the run uses: the SQLite file in the
//! app's folder, or the PostgreSQL database the folder names. Statements are written in the
//! SQL both take, with `?N` placeholders as in `store/`.
//!
//! The calls are synchronous, as the tests' helpers were on SQLite: on PostgreSQL each runs on
//! a thread of its own with its own small runtime, so it never blocks the test's runtime.

use std::path::{Path, PathBuf};

use tokio_postgres::types::ToSql as PgToSql;

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
        let server = crate::helpers::postgres_server()?;
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
            Some(url) => on_postgres(&url, |client| async move {
                let args: Vec<&(dyn PgToSql + Sync)> = args.iter().map(|a| *a as _).collect();
                client.execute(&dollars(sql), &args).await.expect(sql)
            }),
        }
    }

    /// Runs statements without arguments, separated by `;`.
    pub fn execute_batch(&self, sql: &str) {
        match self.postgres_url() {
            None => self.sqlite().execute_batch(sql).expect(sql),
            Some(url) => on_postgres(&url, |client| async move {
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
            Some(url) => on_postgres(&url, |client| async move {
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
fn on_postgres<T, F, Fut>(url: &str, f: F) -> T
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
