//! Which node of a cluster does the work that must happen once: sending webhooks and e-mail,
//! ending idle sessions, writing waiting alerts. Every node can do it (the state is all in the
//! database); one at a time must, or a receiver would get each delivery once per node.
//!
//! The node that holds a PostgreSQL advisory lock on a connection of its own leads. The lock
//! lives exactly as long as that connection: when the node stops, crashes or loses the
//! database, PostgreSQL releases it, and another node, trying every [`TRY_EVERY`], takes it.
//! Work that was in flight on the old leader is at least once, as it always is (a delivery not
//! yet recorded as sent is sent again).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The advisory lock's key ("FDLEADER"), per database, so shops on one server do not meet.
const LEAD_LOCK: i64 = 0x4644_4c45_4144_4552;
/// How often a follower tries to lead, and a leader checks that its connection still holds.
pub(crate) const TRY_EVERY: Duration = Duration::from_secs(1);

/// Whether this node leads now; shared with the task that keeps it up to date.
#[derive(Debug, Default)]
pub(crate) struct Leadership {
    leading: AtomicBool,
}

impl Leadership {
    pub(crate) fn leads(&self) -> bool {
        self.leading.load(Ordering::Acquire)
    }

    /// No longer leads (its campaign is being stopped).
    pub(crate) fn resign(&self) {
        self.set(false);
    }

    fn set(&self, leading: bool) {
        if self.leading.swap(leading, Ordering::AcqRel) != leading {
            if leading {
                tracing::info!("this node runs the cluster's background work");
            } else {
                tracing::warn!("this node no longer runs the cluster's background work");
            }
        }
    }
}

/// Campaigns for the lead until the returned task is aborted (which drops its connection and so
/// releases the lock).
pub(crate) fn campaign(
    url: String,
    ca: Option<PathBuf>,
    state: Arc<Leadership>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match super::connect(&url, ca.as_deref()).await {
                Ok(client) => hold(&client, &state).await,
                Err(e) => tracing::warn!(error = %e, "cannot reach PostgreSQL to lead"),
            }
            state.set(false);
            tokio::time::sleep(TRY_EVERY).await;
        }
    })
}

/// Tries for the lock on `client` until it is ours, then holds it while the connection answers.
async fn hold(client: &tokio_postgres::Client, state: &Leadership) {
    loop {
        let taken = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LEAD_LOCK])
            .await
            .and_then(|r| r.try_get::<_, bool>(0));
        match taken {
            Ok(true) => break,
            Ok(false) => tokio::time::sleep(TRY_EVERY).await,
            Err(_) => return,
        }
    }
    state.set(true);
    loop {
        tokio::time::sleep(TRY_EVERY).await;
        if client.simple_query("SELECT 1").await.is_err() {
            return;
        }
    }
}
