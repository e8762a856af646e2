//! The PostgreSQL schema and its version. `schema_postgres.sql` is the layout at version 9, when
//! the engine was added; every version since is a step in `db::schema::STEPS`, beside SQLite's
//! change for the same version. A new database gets the layout and then every step, an older
//! one the steps it lacks, so both paths end in the same schema.

use tokio_postgres::GenericClient;

use super::error_text;

/// The version this build brings a PostgreSQL database to: the same as SQLite's.
pub(crate) const VERSION: i64 = crate::db::LATEST_VERSION;

/// The version `schema_postgres.sql` describes.
const BASE_VERSION: i64 = 9;

/// Message search (schema version 10): a GIN index over each message's words, case and accents
/// folded (`unaccent`, a trusted extension shipped with PostgreSQL: a database owner may create
/// it), so it finds what SQLite's FTS5 index finds (`db::SEARCH_INDEX`). `@ . / : _ -` and the
/// like separate words, as they do for FTS5, instead of making e-mail and URL tokens. The
/// index follows `messages` by itself, so there is nothing to fill or keep in step.
pub(crate) const SEARCH: &str = r#"
    CREATE EXTENSION IF NOT EXISTS unaccent;
    CREATE FUNCTION frontdesk_fold(text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
        AS $$ SELECT lower(unaccent('unaccent'::regdictionary, $1)) $$;
    CREATE FUNCTION frontdesk_search_vector(text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
        AS $$ SELECT to_tsvector('simple'::regconfig,
                                 translate(frontdesk_fold($1), '@./:_-+#&|\~*!?''"', '                  ')) $$;
    CREATE INDEX messages_search ON messages USING gin (frontdesk_search_vector(content));
"#;

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
            &[&BASE_VERSION],
        )
        .await
        .map_err(|e| format!("cannot record the schema version: {}", error_text(&e)))?;
    upgrade(client, BASE_VERSION).await
}

/// Takes a database at `version` to [`VERSION`], each step of `db::schema::STEPS` in turn, in
/// the caller's transaction (a failed step leaves the old version whole).
pub(crate) async fn upgrade(client: &impl GenericClient, version: i64) -> Result<(), String> {
    if version < BASE_VERSION {
        return Err(format!(
            "the PostgreSQL database is at schema version {version}; no Frontdesk wrote that"
        ));
    }
    for (i, step) in crate::db::schema::STEPS
        .iter()
        .enumerate()
        .skip((version - 1) as usize)
    {
        client.batch_execute(step.postgres).await.map_err(|e| {
            format!(
                "upgrade to schema version {} failed: {}",
                i + 2,
                error_text(&e)
            )
        })?;
    }
    client
        .execute("UPDATE frontdesk_schema SET version = $1", &[&VERSION])
        .await
        .map_err(|e| format!("cannot record the schema version: {}", error_text(&e)))?;
    Ok(())
}
