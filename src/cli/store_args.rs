//! Where a command finds the shop's data: the SQLite file (`--db`), a PostgreSQL database
//! (`--database-url`), or either (`serve` and the `user` commands).

use std::path::PathBuf;

use clap::Args;

use crate::config::Config;

/// Where the shared PostgreSQL database is.
#[derive(Debug, Args)]
pub struct DatabaseUrlArg {
    /// The PostgreSQL database, as `postgres://user:password@host:port/name` (or libpq's
    /// `key=value` form; a Unix socket with `host=/run/postgresql`). `sslmode=require` connects
    /// over TLS and verifies the server's certificate; otherwise no TLS.
    #[arg(long, env = "FRONTDESK_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// The PEM file of the CA that signed PostgreSQL's certificate (a private CA); unset: the
    /// system's root certificates. Only with `sslmode=require`.
    #[arg(long, env = "FRONTDESK_DATABASE_CA")]
    pub database_ca: Option<PathBuf>,
}

/// Where the database is.
#[derive(Debug, Args)]
pub struct DbArg {
    /// The SQLite database file; created on first run.
    #[arg(long, env = "FRONTDESK_DB", default_value = "./frontdesk.db")]
    pub db: PathBuf,
}

/// Where the shop's data is: the SQLite file, or a cluster's PostgreSQL.
#[derive(Debug, Args)]
pub struct StoreArg {
    /// The SQLite database file; created on first run. Ignored with --database-url.
    #[arg(long, env = "FRONTDESK_DB", default_value = "./frontdesk.db")]
    pub db: PathBuf,
    /// Run on this PostgreSQL database instead of the SQLite file, as a node of a cluster:
    /// `postgres://user:password@host:port/name` (or libpq's `key=value` form). An empty
    /// database gets Frontdesk's tables. `sslmode=require` connects over TLS and verifies the
    /// server's certificate; otherwise no TLS. See docs/SCALING.md.
    #[arg(long, env = "FRONTDESK_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The PEM file of the CA that signed PostgreSQL's certificate (a private CA); unset: the
    /// system's root certificates. Only with `sslmode=require`.
    #[arg(long, env = "FRONTDESK_DATABASE_CA", requires = "database_url")]
    pub database_ca: Option<PathBuf>,
}

impl StoreArg {
    /// A default configuration on this store.
    pub(crate) fn config(self) -> Config {
        let mut config = Config::new(self.db);
        config.database_url = self.database_url;
        config.database_ca = self.database_ca;
        config
    }
}
