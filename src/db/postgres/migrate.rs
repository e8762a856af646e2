//! `frontdesk migrate-to-postgres`: a shop that outgrows one machine takes its history along.
//! The copy is all or nothing: the schema and every row go in in one PostgreSQL transaction, so
//! a failure leaves the target as empty as it was; and it is checked by counting every table on
//! both sides after the commit. The SQLite file is only read, once it is at this build's schema.

use std::path::Path;

use futures_util::SinkExt;
use tokio::sync::mpsc;
use tokio_postgres::GenericClient;

use super::copy::{self, Piece, Table};
use super::{error_text, schema};
use crate::db::{LockError, ServerLock, connection, file_check, schema as sqlite_schema};

/// What was copied: each table with its row count, the same on both sides.
#[derive(Debug)]
pub struct Migrated {
    pub tables: Vec<(String, i64)>,
}

/// Copies the SQLite database at `db` into the empty PostgreSQL database at `url`.
///
/// Refused, with nothing changed on either side, when a server runs on `db` (what it acks
/// after the copy started would be left behind; `serve` holds the database's lock), when the
/// target holds any table, or when the two schemas do not have the same tables and columns.
/// An older SQLite database is first brought to the current schema, as `serve` would.
pub async fn migrate_to_postgres(db: &Path, url: &str) -> Result<Migrated, String> {
    if !db.exists() {
        return Err(format!("there is no database at {}", db.display()));
    }
    let _lock = ServerLock::acquire(db).map_err(|e| match e {
        LockError::Held(_) => format!("{e}; the copy must see every message the server acked"),
        LockError::Io(e) => e,
    })?;
    let db = db.to_path_buf();
    let (conn, tables) = tokio::task::spawn_blocking(move || open_sqlite(&db))
        .await
        .map_err(|e| e.to_string())??;

    let mut client = super::connect(url).await?;
    let present = schema::tables(&client).await?;
    if !present.is_empty() {
        return Err(format!(
            "the PostgreSQL database is not empty (it has {}); migrate into a new, empty database",
            present.join(", ")
        ));
    }
    let tx = client.transaction().await.map_err(|e| {
        format!(
            "cannot start the PostgreSQL transaction: {}",
            error_text(&e)
        )
    })?;
    schema::create(&tx).await?;
    check_same_tables(&tx, &tables).await?;

    let (out, mut pieces) = mpsc::channel(4);
    let reader = {
        let tables = tables.clone();
        tokio::task::spawn_blocking(move || copy::read_all(conn, tables, out))
    };
    let mut copied = Vec::with_capacity(tables.len());
    for table in &tables {
        match copy_table(&tx, table, &mut pieces).await {
            Ok(rows) => copied.push((table.name.clone(), rows)),
            Err(e) => {
                drop(pieces);
                // The reader's own error, if it stopped first, says more than a closed channel.
                reader.await.map_err(|e| e.to_string())??;
                return Err(e);
            }
        }
    }
    reader.await.map_err(|e| e.to_string())??;
    for table in &tables {
        if table.columns.iter().any(|c| c == "id") && identity(&tx, &table.name).await? {
            continue_ids(&tx, &table.name).await?;
        }
    }
    tx.commit()
        .await
        .map_err(|e| format!("cannot commit the copy: {}", error_text(&e)))?;

    for (name, rows) in &copied {
        let count: i64 = client
            .query_one(&format!("SELECT count(*) FROM \"{name}\""), &[])
            .await
            .map_err(|e| format!("cannot count {name}: {}", error_text(&e)))?
            .get(0);
        if count != *rows {
            return Err(format!(
                "{name}: {rows} rows in SQLite but {count} in PostgreSQL after the copy"
            ));
        }
    }
    Ok(Migrated { tables: copied })
}

/// Opens the SQLite database for the copy, upgraded to the current schema, and lists its tables.
fn open_sqlite(db: &Path) -> Result<(rusqlite::Connection, Vec<Table>), String> {
    connection::check_is_sqlite(db)?;
    file_check::check_not_truncated(db)?;
    let mut conn = connection::open_writer(db, 5_000)
        .map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    sqlite_schema::apply(&mut conn).map_err(|e| format!("database {}: {e}", db.display()))?;
    let tables = copy::tables(&conn)?;
    Ok((conn, tables))
}

/// Both engines' schemas describe the same data: every SQLite table exists in PostgreSQL with
/// the same columns, and PostgreSQL has no table of its own besides its version record.
async fn check_same_tables(client: &impl GenericClient, tables: &[Table]) -> Result<(), String> {
    let mut differences = Vec::new();
    for table in tables {
        let mut theirs = schema::columns(client, &table.name).await?;
        let mut ours = table.columns.clone();
        theirs.sort();
        ours.sort();
        if theirs.is_empty() {
            differences.push(format!("{} is missing", table.name));
        } else if theirs != ours {
            differences.push(format!(
                "{} has columns ({}) where SQLite has ({})",
                table.name,
                theirs.join(", "),
                ours.join(", ")
            ));
        }
    }
    for name in schema::tables(client).await? {
        if name != "frontdesk_schema" && !tables.iter().any(|t| t.name == name) {
            differences.push(format!("{name} is not in the SQLite database"));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the PostgreSQL schema does not match this SQLite database: {}",
            differences.join("; ")
        ))
    }
}

/// Streams one table's rows from the reader into `COPY`; the number of rows copied.
async fn copy_table(
    tx: &tokio_postgres::Transaction<'_>,
    table: &Table,
    pieces: &mut mpsc::Receiver<Piece>,
) -> Result<i64, String> {
    let failed =
        |e: tokio_postgres::Error| format!("cannot copy {}: {}", table.name, error_text(&e));
    let list = table.column_list();
    let sink = tx
        .copy_in::<_, bytes::Bytes>(&format!(
            "COPY \"{}\" ({list}) FROM STDIN (FORMAT csv)",
            table.name
        ))
        .await
        .map_err(failed)?;
    let mut sink = std::pin::pin!(sink);
    loop {
        match pieces.recv().await {
            Some(Piece::Rows(rows)) => sink.send(rows).await.map_err(failed)?,
            Some(Piece::Done { sent, counted }) => {
                let copied = sink.as_mut().finish().await.map_err(failed)? as i64;
                if copied != sent || sent != counted {
                    return Err(format!(
                        "{}: SQLite counts {counted} rows, {sent} were read and {copied} copied",
                        table.name
                    ));
                }
                return Ok(copied);
            }
            None => return Err(format!("reading {} from SQLite stopped", table.name)),
        }
    }
}

/// Whether `table.id` is an identity column (its sequence must continue after the copied ids).
async fn identity(client: &impl GenericClient, table: &str) -> Result<bool, String> {
    let row = client
        .query_one(
            "SELECT is_identity = 'YES' FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'id'",
            &[&table],
        )
        .await
        .map_err(|e| format!("cannot read {table}.id: {}", error_text(&e)))?;
    Ok(row.get(0))
}

/// Sets `table`'s id sequence past the highest copied id, so new rows never collide with them.
async fn continue_ids(client: &impl GenericClient, table: &str) -> Result<(), String> {
    client
        .execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'),
                               coalesce((SELECT max(id) FROM \"{table}\"), 0) + 1, false)"
            ),
            &[],
        )
        .await
        .map_err(|e| format!("cannot continue the ids of {table}: {}", error_text(&e)))?;
    Ok(())
}
