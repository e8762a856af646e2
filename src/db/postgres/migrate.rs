//! `frontdesk migrate-to-postgres`: a shop that outgrows one machine takes its history along.
//! The copy is all or nothing: the schema and every row go in in one PostgreSQL transaction, so
//! a failure leaves the target as empty as it was; and it is checked by counting every table on
//! both sides after the commit. The SQLite file is only read, once it is at this build's schema.

use std::path::Path;

use futures_util::SinkExt;
use tokio::sync::mpsc;
use tokio_postgres::GenericClient;

use super::copy::{self, Kind, Piece, Table};
use super::{error_text, schema};
use crate::db::{LATEST_VERSION, LockError, ServerLock};

/// What was copied: each table with its row count (the same on both sides), and the tables
/// where text values held what PostgreSQL's `text` cannot, with how many were written with
/// U+FFFD in their place.
#[derive(Debug)]
pub struct Migrated {
    pub tables: Vec<(String, i64)>,
    pub replaced: Vec<(String, i64)>,
}

/// Copies the SQLite database at `db` into the empty PostgreSQL database at `url` (over TLS
/// verified against `ca` or the system's roots when the URL says `sslmode=require`).
///
/// Refused, with nothing changed on either side, when a server runs on `db` (what it acks
/// after the copy started would be left behind; `serve` holds the database's lock), when `db`
/// is not at this build's schema (starting this build's server once upgrades it), when the
/// target holds anything or is not UTF-8, when the two schemas do not have the same tables and
/// columns, or when a value does not fit its PostgreSQL column.
pub async fn migrate_to_postgres(
    db: &Path,
    url: &str,
    ca: Option<&Path>,
) -> Result<Migrated, String> {
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

    let mut client = super::connect(url, ca).await?;
    check_empty_utf8(&client).await?;
    let tx = client.transaction().await.map_err(|e| {
        format!(
            "cannot start the PostgreSQL transaction: {}",
            error_text(&e)
        )
    })?;
    // A managed database's per-role timeout would cut a long COPY off half way.
    tx.batch_execute("SET LOCAL statement_timeout = 0")
        .await
        .map_err(|e| format!("cannot lift the statement timeout: {}", error_text(&e)))?;
    schema::create(&tx).await?;
    let tables = with_postgres_kinds(&tx, tables).await?;

    let (out, mut pieces) = mpsc::channel(4);
    let reader = {
        let tables = tables.clone();
        tokio::task::spawn_blocking(move || copy::read_all(conn, tables, out))
    };
    let (mut copied, mut replaced) = (Vec::with_capacity(tables.len()), Vec::new());
    for table in &tables {
        match copy_table(&tx, table, &mut pieces).await {
            Ok((rows, changed)) => {
                copied.push((table.name.clone(), rows));
                if changed > 0 {
                    replaced.push((table.name.clone(), changed));
                }
            }
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
                "{name}: {rows} rows in SQLite but {count} in PostgreSQL after the copy was \
                 committed; do not use this PostgreSQL database"
            ));
        }
    }
    Ok(Migrated {
        tables: copied,
        replaced,
    })
}

/// Opens the SQLite database for the copy, read-only, and lists its tables. It must be at this
/// build's schema: upgrading it here would leave a file an older build can no longer open.
fn open_sqlite(db: &Path) -> Result<(rusqlite::Connection, Vec<Table>), String> {
    let conn = crate::db::open_read_only(db)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| format!("cannot read the schema version of {}: {e}", db.display()))?;
    let tables = copy::tables(&conn)?;
    if version == 0 || !tables.iter().any(|t| t.name == "users") {
        return Err(format!("{} is not a Frontdesk database", db.display()));
    }
    if version != LATEST_VERSION {
        return Err(format!(
            "{} is at schema version {version} and this build copies version {LATEST_VERSION}: \
             start this build's server on it once (it upgrades the file), stop it, and run the \
             migration again",
            db.display()
        ));
    }
    Ok((conn, tables))
}

/// The target must hold nothing at all (not even tables the role cannot read) and take
/// Vietnamese: UTF-8.
async fn check_empty_utf8(client: &impl GenericClient) -> Result<(), String> {
    let present = schema::relations(client).await?;
    if !present.is_empty() {
        return Err(format!(
            "the PostgreSQL database is not empty (it has {}); migrate into a new, empty database",
            present.join(", ")
        ));
    }
    let encoding: String = client
        .query_one("SELECT current_setting('server_encoding')", &[])
        .await
        .map_err(|e| format!("cannot read the database's encoding: {}", error_text(&e)))?
        .get(0);
    if encoding != "UTF8" {
        return Err(format!(
            "the PostgreSQL database's encoding is {encoding}, not UTF8; create it with \
             `createdb -E UTF8 -T template0`"
        ));
    }
    Ok(())
}

/// Both engines' schemas describe the same data: every SQLite table exists in PostgreSQL with
/// the same columns, and PostgreSQL has no table of its own besides its version record. Gives
/// each table what its PostgreSQL columns hold, in SQLite's column order.
async fn with_postgres_kinds(
    client: &impl GenericClient,
    tables: Vec<Table>,
) -> Result<Vec<Table>, String> {
    let mut differences = Vec::new();
    let mut typed = Vec::with_capacity(tables.len());
    for mut table in tables {
        let theirs = schema::columns(client, &table.name).await?;
        let mut their_names: Vec<&str> = theirs.iter().map(|(n, _)| n.as_str()).collect();
        let mut our_names: Vec<&str> = table.columns.iter().map(String::as_str).collect();
        their_names.sort();
        our_names.sort();
        if theirs.is_empty() {
            differences.push(format!("{} is missing", table.name));
        } else if their_names != our_names {
            differences.push(format!(
                "{} has columns ({}) where SQLite has ({})",
                table.name,
                their_names.join(", "),
                our_names.join(", ")
            ));
        } else {
            for column in &table.columns {
                let (_, data_type) = theirs
                    .iter()
                    .find(|(n, _)| n == column)
                    .expect("same names");
                match Kind::of_postgres(data_type) {
                    Some(kind) => table.kinds.push(kind),
                    None => differences.push(format!(
                        "{}.{column} is {data_type}, which a copy cannot fill",
                        table.name
                    )),
                }
            }
        }
        typed.push(table);
    }
    for name in schema::tables(client).await? {
        if name != "frontdesk_schema" && !typed.iter().any(|t| t.name == name) {
            differences.push(format!("{name} is not in the SQLite database"));
        }
    }
    if differences.is_empty() {
        Ok(typed)
    } else {
        Err(format!(
            "the PostgreSQL schema does not match this SQLite database: {}",
            differences.join("; ")
        ))
    }
}

/// Streams one table's rows from the reader into `COPY`; the number of rows copied and of text
/// values written with U+FFFD.
async fn copy_table(
    tx: &tokio_postgres::Transaction<'_>,
    table: &Table,
    pieces: &mut mpsc::Receiver<Piece>,
) -> Result<(i64, i64), String> {
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
            Some(Piece::Done {
                sent,
                counted,
                replaced,
            }) => {
                let copied = sink.as_mut().finish().await.map_err(failed)? as i64;
                if copied != sent || sent != counted {
                    return Err(format!(
                        "{}: SQLite counts {counted} rows, {sent} were read and {copied} copied",
                        table.name
                    ));
                }
                return Ok((copied, replaced));
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
