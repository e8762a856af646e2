//! A node's connections to the cluster's PostgreSQL: one pool for its reads and its writer, and
//! the schema check that runs once when the node starts.

use std::path::Path;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::config::SslMode;

use super::{error_text, schema, tls_config};

/// A pool of `size` connections with the TLS rules of [`super::connect`]. A connection that
/// broke (PostgreSQL restarted, a network cut) is dropped when it comes back to the pool and a
/// new one is made, so the node carries on once PostgreSQL is back.
pub(crate) fn pool(
    url: &str,
    ca: Option<&Path>,
    size: usize,
    wait: Duration,
) -> Result<Pool, String> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("the PostgreSQL URL is not valid: {e}"))?;
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = if config.get_ssl_mode() == SslMode::Require {
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(ca)?);
        Manager::from_config(config, tls, manager_config)
    } else {
        if ca.is_some() {
            return Err(
                "a CA file is given but the URL does not ask for TLS: add sslmode=require".into(),
            );
        }
        Manager::from_config(config, tokio_postgres::NoTls, manager_config)
    };
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(wait))
        .create_timeout(Some(Duration::from_secs(10)))
        .build()
        .map_err(|e| format!("cannot set up the PostgreSQL pool: {e}"))
}

/// The key of the advisory lock nodes take while they create or check the schema, so two
/// nodes started together on an empty database do not both create it.
const SCHEMA_LOCK: i64 = 0x4644_5343_4845_4d41; // "FDSCHEMA"

/// Brings the database to this build's schema: an empty one gets every table; one at this
/// version is used as it is; anything else is refused with what to do.
pub(crate) async fn ensure_schema(pool: &Pool) -> Result<(), String> {
    let mut client = pool
        .get()
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
    let client: &mut tokio_postgres::Client = &mut client;
    let tx = client
        .transaction()
        .await
        .map_err(|e| format!("cannot start a transaction: {}", error_text(&e)))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await
        .map_err(|e| format!("cannot lock the schema: {}", error_text(&e)))?;
    let relations = schema::relations(&tx).await?;
    if relations.is_empty() {
        tracing::info!("an empty PostgreSQL database: creating Frontdesk's tables");
        schema::create(&tx).await?;
    } else if !relations.iter().any(|r| r == "frontdesk_schema") {
        return Err(
            "the PostgreSQL database holds tables but is not a Frontdesk database; point \
             --database-url at an empty database or at Frontdesk's own"
                .into(),
        );
    } else {
        let version: i64 = tx
            .query_one("SELECT max(version) FROM frontdesk_schema", &[])
            .await
            .and_then(|r| r.try_get::<_, Option<i64>>(0))
            .map_err(|e| format!("cannot read the schema version: {}", error_text(&e)))?
            .unwrap_or(0);
        if version > schema::VERSION {
            return Err(format!(
                "the PostgreSQL database is at schema version {version}, newer than this build's \
                 {}: run the newer Frontdesk",
                schema::VERSION
            ));
        }
        if version < schema::VERSION {
            tracing::info!(
                from = version,
                to = schema::VERSION,
                "upgrading the PostgreSQL schema"
            );
            schema::upgrade(&tx, version).await?;
        }
    }
    tx.commit()
        .await
        .map_err(|e| format!("cannot create the PostgreSQL schema: {}", error_text(&e)))
}
