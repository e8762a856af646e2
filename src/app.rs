//! The state every door shares: configuration, the database, and the token signer.

use crate::auth::Tokens;
use crate::config::Config;
use crate::db::Db;

/// Built once at start-up and shared (behind an `Arc`) by REST, Socket.IO and the consoles.
pub struct App {
    pub config: Config,
    pub db: Db,
    pub tokens: Tokens,
}
