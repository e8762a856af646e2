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

/// The tables in the connection's current schema (`search_path`), by name.
pub(crate) async fn tables(client: &impl GenericClient) -> Result<Vec<String>, String> {
    let rows = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| format!("cannot read the PostgreSQL schema: {}", error_text(&e)))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The columns of `table`, by name.
pub(crate) async fn columns(
    client: &impl GenericClient,
    table: &str,
) -> Result<Vec<String>, String> {
    let rows = client
        .query(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1
             ORDER BY ordinal_position",
            &[&table],
        )
        .await
        .map_err(|e| format!("cannot read the columns of {table}: {}", error_text(&e)))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
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
