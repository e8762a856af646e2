//! The SQLite side of a migration: which tables to copy in which order, and each table's rows
//! as PostgreSQL `COPY ... FROM STDIN (FORMAT csv)` input, read on a thread of its own (SQLite
//! is blocking) inside one read transaction, so every table comes from the same snapshot.

use std::collections::BTreeMap;

use bytes::Bytes;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use tokio::sync::mpsc;

/// A table to copy and its columns, in SQLite's order, with what PostgreSQL's column of the
/// same name holds (filled once the PostgreSQL schema is read; empty until then).
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub name: String,
    pub columns: Vec<String>,
    pub kinds: Vec<Kind>,
}

/// What a PostgreSQL column holds, as far as a copied value must agree with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Integer,
    Real,
    Text,
    Bytes,
}

impl Kind {
    /// The kind of a PostgreSQL `data_type`, if a Frontdesk column can have it.
    pub(crate) fn of_postgres(data_type: &str) -> Option<Kind> {
        match data_type {
            "bigint" | "integer" | "smallint" => Some(Kind::Integer),
            "double precision" | "real" | "numeric" => Some(Kind::Real),
            "text" | "character varying" => Some(Kind::Text),
            "bytea" => Some(Kind::Bytes),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Integer => "integer",
            Kind::Real => "number",
            Kind::Text => "text",
            Kind::Bytes => "bytes",
        }
    }
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
    /// The table is done: how many rows were sent, how many `count(*)` found in the same
    /// snapshot (they differ only if the file is damaged), and how many text values held what
    /// PostgreSQL's `text` cannot (see [`write_field`]).
    Done {
        sent: i64,
        counted: i64,
        replaced: i64,
    },
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
                    kinds: Vec::new(),
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
        let (mut sent, mut replaced) = (0i64, 0i64);
        while let Some(row) = rows.next().map_err(read)? {
            for (i, &kind) in table.kinds.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                let value = row.get_ref(i).map_err(read)?;
                match write_field(&mut buf, value, kind) {
                    Ok(changed) => replaced += i64::from(changed),
                    Err(found) => {
                        let key = row.get_ref(0).map(describe).unwrap_or_default();
                        return Err(format!(
                            "{}.{} holds {found} where PostgreSQL expects {} (in the row whose \
                             {} is {key}); nothing was copied",
                            table.name,
                            table.columns[i],
                            kind.name(),
                            table.columns[0]
                        ));
                    }
                }
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
        let done = Piece::Done {
            sent,
            counted,
            replaced,
        };
        if out.blocking_send(done).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// A value as an error message names it.
fn describe(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(t) => format!("'{}'", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("{} bytes", b.len()),
    }
}

fn take(buf: &mut Vec<u8>) -> Bytes {
    Bytes::from(std::mem::replace(buf, Vec::with_capacity(CHUNK + 4096)))
}

/// One value of a column of `kind` in PostgreSQL's CSV: NULL is an empty unquoted field, text
/// is always quoted (so an empty string stays an empty string), bytes are `bytea`'s hex form.
/// A value of another kind than its column's is refused with what it is (SQLite's columns take
/// anything; written as text it would be stored wrong, not refused). Text that PostgreSQL's
/// `text` cannot hold, a NUL character or bytes that are not UTF-8 (no door takes them now;
/// an older database may hold them), is written with U+FFFD in their place, and `Ok(true)` says
/// so, for the command's report.
fn write_field(buf: &mut Vec<u8>, value: ValueRef<'_>, kind: Kind) -> Result<bool, &'static str> {
    match (value, kind) {
        (ValueRef::Null, _) => {}
        (ValueRef::Integer(n), Kind::Integer | Kind::Real) => {
            buf.extend_from_slice(n.to_string().as_bytes())
        }
        (ValueRef::Real(x), Kind::Real) if x.is_finite() => {
            buf.extend_from_slice(x.to_string().as_bytes())
        }
        (ValueRef::Text(bytes), Kind::Text) => {
            let text = String::from_utf8_lossy(bytes);
            let changed = matches!(text, std::borrow::Cow::Owned(_)) || text.contains('\0');
            buf.push(b'"');
            for c in text.chars() {
                match c {
                    '"' => buf.extend_from_slice(b"\"\""),
                    '\0' => buf.extend_from_slice("\u{FFFD}".as_bytes()),
                    c => buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                }
            }
            buf.push(b'"');
            return Ok(changed);
        }
        (ValueRef::Blob(bytes), Kind::Bytes) => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(b"\\x");
            for &b in bytes {
                buf.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
        }
        (ValueRef::Integer(_), _) => return Err("an integer"),
        (ValueRef::Real(_), _) => return Err("a number that is not finite or not an integer"),
        (ValueRef::Text(_), _) => return Err("text"),
        (ValueRef::Blob(_), _) => return Err("bytes"),
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(value: ValueRef<'_>, kind: Kind) -> String {
        let mut buf = Vec::new();
        write_field(&mut buf, value, kind).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn values_are_written_as_postgresql_reads_csv() {
        assert_eq!(csv(ValueRef::Null, Kind::Text), "");
        assert_eq!(csv(ValueRef::Text(b""), Kind::Text), "\"\"");
        assert_eq!(
            csv(ValueRef::Text(b"say \"hi\",\nok \\."), Kind::Text),
            "\"say \"\"hi\"\",\nok \\.\""
        );
        assert_eq!(csv(ValueRef::Integer(-42), Kind::Integer), "-42");
        assert_eq!(csv(ValueRef::Real(1.5), Kind::Real), "1.5");
        assert_eq!(csv(ValueRef::Blob(&[0, 255, 16]), Kind::Bytes), "\\x00ff10");
        assert_eq!(csv(ValueRef::Blob(&[]), Kind::Bytes), "\\x");
    }

    #[test]
    fn text_postgresql_cannot_hold_is_replaced_and_counted() {
        let mut buf = Vec::new();
        assert_eq!(
            write_field(&mut buf, ValueRef::Text(b"a\0b"), Kind::Text),
            Ok(true)
        );
        assert_eq!(String::from_utf8(buf).unwrap(), "\"a\u{FFFD}b\"");
        let mut buf = Vec::new();
        assert_eq!(
            write_field(&mut buf, ValueRef::Text(b"a\xffb"), Kind::Text),
            Ok(true)
        );
        assert_eq!(String::from_utf8(buf).unwrap(), "\"a\u{FFFD}b\"");
        let mut buf = Vec::new();
        assert_eq!(
            write_field(&mut buf, ValueRef::Text("đơn".as_bytes()), Kind::Text),
            Ok(false)
        );
    }

    #[test]
    fn a_value_of_another_kind_than_its_column_is_refused() {
        let mut buf = Vec::new();
        assert_eq!(
            write_field(&mut buf, ValueRef::Text(b"\\x41"), Kind::Bytes),
            Err("text")
        );
        assert_eq!(
            write_field(&mut buf, ValueRef::Blob(b"x"), Kind::Text),
            Err("bytes")
        );
        assert!(write_field(&mut buf, ValueRef::Real(1.5), Kind::Integer).is_err());
        assert!(write_field(&mut buf, ValueRef::Real(f64::NAN), Kind::Real).is_err());
        assert!(buf.is_empty());
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
