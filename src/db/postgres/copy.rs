//! The SQLite side of a migration: which tables to copy in which order, and each table's rows
//! as PostgreSQL `COPY ... FROM STDIN (FORMAT csv)` input, read on a thread of its own (SQLite
//! is blocking) inside one read transaction, so every table comes from the same snapshot.

use std::collections::BTreeMap;

use bytes::Bytes;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use tokio::sync::mpsc;

/// A table to copy and its columns, in SQLite's order.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub name: String,
    pub columns: Vec<String>,
}

impl Table {
    /// The columns quoted and comma-separated, as both engines' statements name them.
    pub(crate) fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What the reader sends for each table, in the order of the tables it was given.
pub(crate) enum Piece {
    /// CSV lines, whole rows only.
    Rows(Bytes),
    /// The table is done: how many rows were sent and how many `count(*)` found in the same
    /// snapshot (they differ only if the file is damaged).
    Done { sent: i64, counted: i64 },
}

/// How much CSV is gathered before it is handed on.
const CHUNK: usize = 256 * 1024;

/// The tables Frontdesk keeps, parents before the tables that refer to them, so each row's
/// foreign keys are already there when it arrives. Virtual tables and their shadow tables
/// (the FTS5 search index) are left out: they are derived from `messages`.
pub(crate) fn tables(conn: &Connection) -> Result<Vec<Table>, String> {
    let read = |e: rusqlite::Error| format!("cannot read the SQLite schema: {e}");
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM pragma_table_list
             WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(read)?;
    let mut parents = BTreeMap::new();
    let mut columns = BTreeMap::new();
    for name in &names {
        let refs: Vec<String> = conn
            .prepare("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)")
            .and_then(|mut s| s.query_map([name], |r| r.get(0))?.collect())
            .map_err(read)?;
        let cols: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
            .and_then(|mut s| s.query_map([name], |r| r.get(0))?.collect())
            .map_err(read)?;
        parents.insert(name.clone(), refs);
        columns.insert(name.clone(), cols);
    }
    let mut ordered: Vec<Table> = Vec::new();
    while ordered.len() < names.len() {
        let before = ordered.len();
        for name in &names {
            let placed = |n: &String| ordered.iter().any(|t| &t.name == n);
            if !placed(name) && parents[name].iter().all(|p| p == name || placed(p)) {
                ordered.push(Table {
                    name: name.clone(),
                    columns: columns[name].clone(),
                });
            }
        }
        if ordered.len() == before {
            return Err("the SQLite tables refer to each other in a cycle".into());
        }
    }
    Ok(ordered)
}

/// Reads every table of `tables` in turn inside one read transaction and sends its rows, then
/// a [`Piece::Done`]. Stops early when the receiver is gone (the copy failed on the other side).
pub(crate) fn read_all(
    conn: Connection,
    tables: Vec<Table>,
    out: mpsc::Sender<Piece>,
) -> Result<(), String> {
    let tx = conn
        .unchecked_transaction()
        .map_err(|e| format!("cannot start reading the SQLite database: {e}"))?;
    for table in &tables {
        let read = |e: rusqlite::Error| format!("cannot read {}: {e}", table.name);
        let counted: i64 = tx
            .query_row(
                &format!("SELECT count(*) FROM \"{}\"", table.name),
                [],
                |r| r.get(0),
            )
            .map_err(read)?;
        let list = table.column_list();
        let mut statement = tx
            .prepare(&format!("SELECT {list} FROM \"{}\"", table.name))
            .map_err(read)?;
        let mut rows = statement.query([]).map_err(read)?;
        let mut buf = Vec::with_capacity(CHUNK + 4096);
        let mut sent = 0i64;
        while let Some(row) = rows.next().map_err(read)? {
            for i in 0..table.columns.len() {
                if i > 0 {
                    buf.push(b',');
                }
                write_field(&mut buf, row.get_ref(i).map_err(read)?);
            }
            buf.push(b'\n');
            sent += 1;
            if buf.len() >= CHUNK && out.blocking_send(Piece::Rows(take(&mut buf))).is_err() {
                return Ok(());
            }
        }
        if !buf.is_empty() && out.blocking_send(Piece::Rows(take(&mut buf))).is_err() {
            return Ok(());
        }
        if out.blocking_send(Piece::Done { sent, counted }).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

fn take(buf: &mut Vec<u8>) -> Bytes {
    Bytes::from(std::mem::replace(buf, Vec::with_capacity(CHUNK + 4096)))
}

/// One value in PostgreSQL's CSV: NULL is an empty unquoted field, text is always quoted (so an
/// empty string stays an empty string), bytes are `bytea`'s hex form.
fn write_field(buf: &mut Vec<u8>, value: ValueRef<'_>) {
    match value {
        ValueRef::Null => {}
        ValueRef::Integer(n) => buf.extend_from_slice(n.to_string().as_bytes()),
        ValueRef::Real(x) => buf.extend_from_slice(x.to_string().as_bytes()),
        ValueRef::Text(text) => {
            buf.push(b'"');
            for &b in text {
                if b == b'"' {
                    buf.push(b'"');
                }
                buf.push(b);
            }
            buf.push(b'"');
        }
        ValueRef::Blob(bytes) => {
            buf.extend_from_slice(b"\\x");
            for b in bytes {
                buf.extend_from_slice(format!("{b:02x}").as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(value: ValueRef<'_>) -> String {
        let mut buf = Vec::new();
        write_field(&mut buf, value);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn values_are_written_as_postgresql_reads_csv() {
        assert_eq!(csv(ValueRef::Null), "");
        assert_eq!(csv(ValueRef::Text(b"")), "\"\"");
        assert_eq!(
            csv(ValueRef::Text(b"say \"hi\",\nok")),
            "\"say \"\"hi\"\",\nok\""
        );
        assert_eq!(csv(ValueRef::Integer(-42)), "-42");
        assert_eq!(csv(ValueRef::Blob(&[0, 255, 16])), "\\x00ff10");
    }

    #[test]
    fn parents_come_before_the_tables_that_refer_to_them() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE c (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b (id));
             CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));
             CREATE TABLE a (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES a (id));
             CREATE VIRTUAL TABLE s USING fts5(body);",
        )
        .unwrap();
        let names: Vec<String> = tables(&conn).unwrap().into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
