//! The state every door shares: configuration, the database, the token signer, rate limits
//! and metrics.

use crate::auth::Tokens;
use crate::config::Config;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::rate::Limiters;

/// Built once at start-up and shared (behind an `Arc`) by REST, Socket.IO and the consoles.
pub(crate) struct App {
    pub config: Config,
    pub db: Db,
    pub tokens: Tokens,
    pub limits: Limiters,
    pub metrics: std::sync::Arc<Metrics>,
    /// Staff sockets open on this process, for routing.
    pub presence: crate::chat::presence::Presence,
    /// E-mail, with `--smtp-url`; `None`: off (nothing is written for sending).
    pub mail: Option<std::sync::Arc<crate::mail::Mailer>>,
    /// This node of a cluster, with `--redis-url`; `None`: the only node.
    pub cluster: Option<std::sync::Arc<crate::realtime::cluster::Node>>,
}
