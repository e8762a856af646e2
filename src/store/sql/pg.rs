//! The PostgreSQL engine's side of the handle. A job runs on a blocking thread (the node's
//! writer, or tokio's blocking pool for a read) and awaits each statement with the runtime's
//! `block_on`, so the rules stay the synchronous functions SQLite runs.
//!
//! Statements are written once, in the SQL both engines take. What PostgreSQL spells otherwise
//! is rewritten here, once per statement text, before it is prepared (and then cached by the
//! pool's connection): placeholders `?N` become `$N`, and the few SQLite functions with another
//! name in PostgreSQL are renamed ([`RENAMES`]). SQLite's `LIKE` ignores ASCII case, so it
//! becomes `ILIKE`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::{Error, Params, Result, Row, Value};

/// A connection of the pool with the runtime its futures run on.
pub(crate) struct PgConn {
    client: deadpool_postgres::Object,
    runtime: tokio::runtime::Handle,
}

/// The SQLite spellings rewritten for PostgreSQL, in this order.
const RENAMES: &[(&str, &str)] = &[
    ("json_group_array(", "json_agg("),
    ("json_array(", "json_build_array("),
    ("group_concat(", "string_agg("),
    ("char(10)", "chr(10)"),
    (" LIKE ", " ILIKE "),
    // SQLite's `CROSS JOIN ... ON` is an inner join whose order its planner keeps (a hint,
    // like `INDEXED BY`); PostgreSQL spells the join itself `JOIN` and plans the order.
    (" CROSS JOIN ", " JOIN "),
];

impl PgConn {
    pub(crate) fn new(client: deadpool_postgres::Object, runtime: tokio::runtime::Handle) -> Self {
        PgConn { client, runtime }
    }

    /// Waits for `f` on this thread (a blocking one: never a runtime worker).
    pub(crate) fn wait<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(f)
    }

    pub(super) fn prepare(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        let text = translated(sql);
        Ok(self.wait(self.client.prepare_cached(&text))?)
    }

    /// Runs statements that take no arguments and return nothing (`BEGIN`, `SAVEPOINT`).
    pub(crate) fn batch_execute(&self, sql: &str) -> Result<()> {
        Ok(self.wait(self.client.batch_execute(sql))?)
    }

    pub(super) fn execute(
        &self,
        stmt: &tokio_postgres::Statement,
        params: impl Params,
    ) -> Result<usize> {
        let values: Vec<Value<'_>> = params.values().collect();
        let args: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        Ok(self.wait(self.client.execute(stmt, &args))? as usize)
    }

    pub(super) fn query(
        &self,
        stmt: &tokio_postgres::Statement,
        params: impl Params,
    ) -> Result<Vec<tokio_postgres::Row>> {
        let values: Vec<Value<'_>> = params.values().collect();
        let args: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        Ok(self.wait(self.client.query(stmt, &args))?)
    }
}

/// The PostgreSQL text of a statement, rewritten once per distinct text for the process.
fn translated(sql: &str) -> Arc<str> {
    static DONE: RwLock<Option<HashMap<Box<str>, Arc<str>>>> = RwLock::new(None);
    if let Some(text) = DONE.read().ok().and_then(|m| m.as_ref()?.get(sql).cloned()) {
        return text;
    }
    let text: Arc<str> = translate(sql).into();
    if let Ok(mut done) = DONE.write() {
        done.get_or_insert_with(HashMap::new)
            .insert(sql.into(), text.clone());
    }
    text
}

/// `?N` to `$N` outside quoted literals, then [`RENAMES`]; SQLite's index hints
/// (`INDEXED BY name`) go, PostgreSQL's planner picks its own.
pub(crate) fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(c),
        }
    }
    for (lite, pg) in RENAMES {
        if out.contains(lite) {
            out = out.replace(lite, pg);
        }
    }
    while let Some(at) = out.find(" INDEXED BY ") {
        let name = at + " INDEXED BY ".len();
        let end = out[name..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(out.len(), |n| name + n);
        out.replace_range(at..end, "");
    }
    out
}

pub(super) fn query_row<T>(
    conn: &PgConn,
    stmt: &tokio_postgres::Statement,
    params: impl Params,
    f: impl FnOnce(&Row<'_>) -> Result<T>,
) -> Result<T> {
    let rows = conn.query(stmt, params)?;
    match rows.first() {
        Some(r) => f(&Row::Pg(r)),
        None => Err(Error::NoRow),
    }
}

pub(super) fn query_map<T>(
    conn: &PgConn,
    stmt: &tokio_postgres::Statement,
    params: impl Params,
    mut f: impl FnMut(&Row<'_>) -> Result<T>,
) -> Result<std::vec::IntoIter<Result<T>>> {
    let rows = conn.query(stmt, params)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mapped = f(&Row::Pg(r));
        let failed = mapped.is_err();
        out.push(mapped);
        if failed {
            break;
        }
    }
    Ok(out.into_iter())
}

/// Column `idx` of a row as one of the five kinds (flags and `EXISTS` come back as `BOOLEAN`
/// and read as 0 or 1, as SQLite has them).
pub(super) fn cell(row: &tokio_postgres::Row, idx: usize) -> Result<Value<'_>, String> {
    let column = row
        .columns()
        .get(idx)
        .ok_or_else(|| format!("no column {idx}"))?;
    let fail = |e: tokio_postgres::Error| e.to_string();
    let ty = column.type_();
    let value = match *ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(idx)
            .map_err(fail)?
            .map(Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(idx)
            .map_err(fail)?
            .map(|i| Value::Int(i.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(idx)
            .map_err(fail)?
            .map(|i| Value::Int(i.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(idx)
            .map_err(fail)?
            .map(|b| Value::Int(b.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(idx)
            .map_err(fail)?
            .map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(idx)
            .map_err(fail)?
            .map(|f| Value::Real(f.into())),
        Type::BYTEA => row
            .try_get::<_, Option<&[u8]>>(idx)
            .map_err(fail)?
            .map(Value::Blob),
        Type::JSON | Type::JSONB => row
            .try_get::<_, Option<JsonText<'_>>>(idx)
            .map_err(fail)?
            .map(|j| Value::Text(j.0)),
        _ => row
            .try_get::<_, Option<&str>>(idx)
            .map_err(|_| format!("PostgreSQL type {ty} is not read here (CAST it in the SQL)"))?
            .map(Value::Text),
    };
    Ok(value.unwrap_or(Value::Null))
}

/// A `json` or `jsonb` value as its text.
struct JsonText<'a>(&'a str);

impl<'a> FromSql<'a> for JsonText<'a> {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        // jsonb's binary form is a version byte (1) and the text.
        let raw = if *ty == Type::JSONB {
            raw.get(1..).unwrap_or_default()
        } else {
            raw
        };
        Ok(JsonText(std::str::from_utf8(raw)?))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::JSON | Type::JSONB)
    }
}

/// An argument as the type PostgreSQL inferred for its placeholder: integers fit any integer
/// column (checked), `BOOLEAN` takes 0 or not, text takes the text types.
impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::FLOAT4 => (i as f32).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("an integer where PostgreSQL expects {ty}").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (f as f32).to_sql(ty, out),
                _ => Err(format!("a real where PostgreSQL expects {ty}").into()),
            },
            Value::Text(t) => match *ty {
                Type::JSONB => {
                    out.extend_from_slice(&[1]);
                    out.extend_from_slice(t.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSON => {
                    out.extend_from_slice(t.as_bytes());
                    Ok(IsNull::No)
                }
                _ if <&str as ToSql>::accepts(ty) => t.to_sql(ty, out),
                _ => Err(format!("text where PostgreSQL expects {ty}").into()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.to_sql(ty, out),
                _ => Err(format!("bytes where PostgreSQL expects {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn placeholders_and_sqlite_spellings_are_rewritten_outside_literals() {
        assert_eq!(
            translate(
                "SELECT group_concat(x, char(10)) FROM t INDEXED BY t_x WHERE a LIKE ?1 AND b = '?' AND c = ?12"
            ),
            "SELECT string_agg(x, chr(10)) FROM t WHERE a ILIKE $1 AND b = '?' AND c = $12"
        );
    }
}
