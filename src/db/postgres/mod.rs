//! PostgreSQL, the shared database of a cluster (docs/SCALING.md): its schema at the same
//! version as SQLite's, the pool a node serves from, and `frontdesk migrate-to-postgres`, which
//! copies a shop's SQLite database into an empty PostgreSQL one.

mod copy;
mod leader;
mod migrate;
mod pool;
mod schema;

use std::path::Path;

use tokio_postgres::config::SslMode;

pub(crate) use leader::{Leadership, TRY_EVERY as LEAD_TRY_EVERY, campaign};
pub use migrate::{Migrated, migrate_to_postgres};
pub(crate) use pool::{ensure_schema, pool};
pub(crate) use schema::SEARCH;

/// Connects with `url` (`postgres://user:password@host:port/db`, or the key=value form) and
/// drives the connection on the current runtime until the client is dropped.
///
/// TLS is used when the URL asks for it with `sslmode=require`, and then the server's
/// certificate is always verified: against `ca` (a PEM file of the CA that signed it, for a
/// private CA) or else the system's roots. That is stricter than libpq's `require`, which
/// encrypts without checking whom it talks to. `prefer` (the default) and `disable` connect
/// without TLS: a stock Debian PostgreSQL offers TLS with a self-signed certificate, which
/// verification would refuse, and `prefer` must not turn into a failure.
pub(crate) async fn connect(
    url: &str,
    ca: Option<&Path>,
) -> Result<tokio_postgres::Client, String> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("the PostgreSQL URL is not valid: {e}"))?;
    let failed =
        |e: tokio_postgres::Error| format!("cannot connect to PostgreSQL: {}", error_text(&e));
    let client = if config.get_ssl_mode() == SslMode::Require {
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(ca)?);
        let (client, connection) = config.connect(tls).await.map_err(failed)?;
        tokio::spawn(drive(connection));
        client
    } else {
        if ca.is_some() {
            return Err(
                "a CA file is given but the URL does not ask for TLS: add sslmode=require".into(),
            );
        }
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(failed)?;
        tokio::spawn(drive(connection));
        client
    };
    Ok(client)
}

async fn drive<F: std::future::Future<Output = Result<(), tokio_postgres::Error>>>(connection: F) {
    if let Err(e) = connection.await {
        tracing::warn!(error = %e, "the PostgreSQL connection ended");
    }
}

/// The TLS client settings: aws-lc-rs (the provider the rest of the binary uses), verified
/// against `ca` alone when given, else the system's root certificates.
fn tls_config(ca: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!(
                    "the CA file {} holds no certificate",
                    path.display()
                ));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| format!("the CA file {}: {e}", path.display()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A driver error with its causes, or the server's own message with its detail, where it happened (for a COPY:
/// the table, line and column of the row it refused) and its hint; tokio-postgres' Display
/// says only "db error".
pub(crate) fn error_text(e: &tokio_postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        // The cause is in the chain ("error performing TLS handshake" alone does not say that
        // the certificate was refused, or why).
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            text.push_str(&format!(": {c}"));
            cause = c.source();
        }
        return text;
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
