//! The PostgreSQL schema and its version. A PostgreSQL database starts at the version SQLite's
//! schema had when the engine was added (9) and moves with it from then on: the build refuses to
//! compile when `db::LATEST_VERSION` moves on without this file, so the two engines never drift
//! apart (the next schema change adds its PostgreSQL step beside its SQLite one).

use tokio_postgres::GenericClient;

use super::error_text;

/// The version `schema_postgres.sql` describes.
pub(crate) const VERSION: i64 = 9;

const _: () = assert!(
    VERSION == crate::db::LATEST_VERSION,
    "the SQLite schema moved on: bring schema_postgres.sql (and its upgrade) to the same version"
);

const SCHEMA: &str = include_str!("../../../schema_postgres.sql");

/// Everything that holds data or names in the connection's current schema (`search_path`):
/// tables, views and sequences, by name. Read from `pg_class`, not `information_schema`, which
/// shows only what the current role has rights on: a table of someone else's is still there.
pub(crate) async fn relations(client: &impl GenericClient) -> Result<Vec<String>, String> {
    let rows = client
        .query(
            "SELECT c.relname::text FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
             ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| format!("cannot read the PostgreSQL schema: {}", error_text(&e)))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The tables in the current schema, by name.
pub(crate) async fn tables(client: &impl GenericClient) -> Result<Vec<String>, String> {
    let rows = client
        .query(
            "SELECT c.relname::text FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
             ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| format!("cannot read the PostgreSQL schema: {}", error_text(&e)))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The columns of `table` with their types (`information_schema`'s `data_type`), by name.
pub(crate) async fn columns(
    client: &impl GenericClient,
    table: &str,
) -> Result<Vec<(String, String)>, String> {
    let rows = client
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1
             ORDER BY ordinal_position",
            &[&table],
        )
        .await
        .map_err(|e| format!("cannot read the columns of {table}: {}", error_text(&e)))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Creates every table of an empty database and records its version.
pub(crate) async fn create(client: &impl GenericClient) -> Result<(), String> {
    client
        .batch_execute(SCHEMA)
        .await
        .map_err(|e| format!("cannot create the PostgreSQL schema: {}", error_text(&e)))?;
    client
        .execute(
            "INSERT INTO frontdesk_schema (version) VALUES ($1)",
            &[&VERSION],
        )
        .await
        .map_err(|e| format!("cannot record the schema version: {}", error_text(&e)))?;
    Ok(())
}
