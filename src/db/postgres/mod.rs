//! PostgreSQL, the shared database of a cluster (docs/SCALING.md). What exists so far is its
//! schema at the same version as SQLite's and `frontdesk migrate-to-postgres`, which copies a
//! shop's SQLite database into an empty PostgreSQL one; the server itself still runs on SQLite
//! only (the engine is the next part of the cluster work).

mod copy;
mod migrate;
mod schema;

pub use migrate::{Migrated, migrate_to_postgres};

/// Connects with `url` (`postgres://user:password@host:port/db`, or the key=value form) and
/// drives the connection on the current runtime until the client is dropped.
pub(crate) async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL: {}", error_text(&e)))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "the PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// A driver error with the server's own message, its detail, where it happened (for a COPY:
/// the table, line and column of the row it refused) and its hint; tokio-postgres' Display
/// says only "db error".
pub(crate) fn error_text(e: &tokio_postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        return e.to_string();
    };
    let mut text = db.message().to_string();
    for (label, part) in [
        ("", db.detail()),
        ("at ", db.where_()),
        ("hint: ", db.hint()),
    ] {
        if let Some(part) = part {
            text.push_str(&format!(" ({label}{part})"));
        }
    }
    text
}
