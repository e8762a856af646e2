//! Every setting and limit in one place, built once from flags and the environment (cli.rs) or
//! by a test, and validated before anything starts.

use std::path::PathBuf;
use std::time::Duration;

/// The whole configuration of a running server. `Config::new` gives the defaults a shop gets.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the database file lives; created on first run.
    pub db_path: PathBuf,
    /// Signing secret for tokens. `None`: generated on first run and kept in the database.
    pub jwt_secret: Option<String>,
    /// How long an access token is valid.
    pub token_ttl: Duration,
    /// How long a write waits for another process's lock before answering 503.
    pub busy_timeout_ms: u64,
    /// Read-only connections kept open for reads.
    pub read_pool_size: u32,
    /// The most writes committed together in one transaction.
    pub write_batch_max: usize,
    /// Largest accepted REST body (413 beyond).
    pub max_body_bytes: usize,
    /// List endpoints: page size when none is asked for, and the most that may be asked for.
    pub page_default: u32,
    pub page_max: u32,
    /// The most messages one catch-up `room_history` holds (`join_room` with `afterMessageId`).
    pub catch_up_max: u32,
    /// Socket.IO transport limits.
    pub socket: SocketLimits,
}

/// Limits of the Socket.IO transport (see socketioxide's builder for their meaning).
#[derive(Debug, Clone)]
pub struct SocketLimits {
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    /// An Engine.IO connection that joins no namespace within this is dropped.
    pub connect_timeout: Duration,
    /// Largest accepted packet, on polling and websocket alike.
    pub max_payload: u64,
    /// Outgoing packets queued per socket before it counts as not reading.
    pub max_buffer_size: usize,
    /// Per-socket websocket read buffer; small keeps idle sockets cheap.
    pub ws_read_buffer_size: usize,
}

impl Config {
    /// The defaults for a database at `db_path`.
    pub fn new(db_path: impl Into<PathBuf>) -> Config {
        Config {
            db_path: db_path.into(),
            jwt_secret: None,
            token_ttl: Duration::from_secs(7 * 24 * 3600),
            busy_timeout_ms: 5_000,
            read_pool_size: 8,
            write_batch_max: 512,
            max_body_bytes: 64 * 1024,
            page_default: 50,
            page_max: 100,
            catch_up_max: 500,
            socket: SocketLimits {
                ping_interval: Duration::from_secs(25),
                ping_timeout: Duration::from_secs(20),
                connect_timeout: Duration::from_secs(10),
                max_payload: 64 * 1024,
                max_buffer_size: 256,
                ws_read_buffer_size: 1024,
            },
        }
    }

    /// Checks what flags and environment cannot express, with guidance for the operator.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(secret) = &self.jwt_secret
            && secret.len() < 32
        {
            return Err(format!(
                "FRONTDESK_JWT_SECRET is {} bytes; it must be at least 32. Generate one with \
                 `openssl rand -hex 32`, or unset it to let Frontdesk generate and keep one.",
                secret.len()
            ));
        }
        if self.page_default == 0 || self.page_default > self.page_max {
            return Err("the default page size must be between 1 and the maximum".into());
        }
        Ok(())
    }

    /// Clamps a requested page size to the configured range.
    pub fn page_limit(&self, asked: Option<u32>) -> u32 {
        asked.unwrap_or(self.page_default).clamp(1, self.page_max)
    }
}
