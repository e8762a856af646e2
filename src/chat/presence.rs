//! Staff presence for routing (contract §10): a staff member's connected sockets are counted
//! as they come and go, and a staff member may set themselves away on the desk. Coming online
//! or back from away offers them the waiting queue at once (with `routing: "auto"`).
//!
//! Each node (server process) counts its own sockets under its own name, so the nodes of a
//! cluster never overwrite each other's counts, and says every few seconds that it is running:
//! the counts of a node that stopped answering (killed, cut off) stop counting, so routing never
//! waits on a desk that is gone.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::routing;
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::Role;
use crate::store::presence;

/// How often a node says it is running.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(5);
/// A node unheard of for this long has stopped or died: its sockets no longer count.
const SILENCE_MS: i64 = 15_000;

/// Since when a node must have been heard of for its sockets to count.
pub(crate) fn live_since() -> i64 {
    crate::time::now_ms() - SILENCE_MS
}

/// The sockets each staff member has open on this process, counted as they come and go; each
/// change is written with a sequence number, so counts that reach the writer out of order
/// (a disconnect racing its own connect) still leave the latest one stored.
pub(crate) struct Presence {
    /// This node's name in `nodes`.
    node: String,
    counts: Mutex<(i64, HashMap<i64, i64>)>,
}

impl Presence {
    pub(crate) fn new(node: String) -> Presence {
        Presence {
            node,
            counts: Mutex::default(),
        }
    }

    fn change(&self, user_id: i64, delta: i64) -> (i64, i64) {
        let mut guard = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let (seq, counts) = &mut *guard;
        *seq += 1;
        let count = counts.entry(user_id).or_default();
        *count = (*count + delta).max(0);
        let now = *count;
        if now == 0 {
            counts.remove(&user_id);
        }
        (now, *seq)
    }

    /// A socket of `caller` connected; a staff member counts, and may take waiting sessions.
    pub(crate) async fn arrived(&self, db: &Db, caller: &Caller) -> Result<(), AppError> {
        if caller.role != Role::Staff {
            return Ok(());
        }
        let (id, (count, seq)) = (caller.id, self.change(caller.id, 1));
        let node = self.node.clone();
        db.write(move |conn| {
            presence::set_sockets(conn, &node, id, count, seq)?;
            Ok(Outcome::with((), routing::offer_waiting(conn)?))
        })
        .await
    }

    /// A socket of `caller` disconnected.
    pub(crate) async fn departed(&self, db: &Db, caller: &Caller) -> Result<(), AppError> {
        if caller.role != Role::Staff {
            return Ok(());
        }
        let (id, (count, seq)) = (caller.id, self.change(caller.id, -1));
        let node = self.node.clone();
        db.write(move |conn| presence::set_sockets(conn, &node, id, count, seq).map(Outcome::quiet))
            .await
    }

    /// At start-up, before any socket: this node runs and counts nobody. On a SQLite file no
    /// other node can run (the file is locked to one server), so every earlier count goes; on
    /// a shared database only those of nodes unheard of for a while.
    pub(crate) async fn start(&self, db: &Db) -> Result<(), AppError> {
        let node = self.node.clone();
        let forget_before = if db.shared() { live_since() } else { i64::MAX };
        db.write(move |conn| {
            presence::forget_nodes(conn, forget_before)?;
            presence::node_seen(conn, &node, crate::time::now_ms()).map(Outcome::quiet)
        })
        .await
    }

    /// Every [`HEARTBEAT`]: this node still runs, and the nodes unheard of for a while are
    /// forgotten. Its counts are stated again as of one moment (a count written since is newer
    /// and stays): a node that was itself forgotten (stalled past the silence) gets them back,
    /// a count whose write failed is put right, and the waiting queue is offered again.
    pub(crate) async fn heartbeat(&self, db: &Db) -> Result<(), AppError> {
        let node = self.node.clone();
        // The counts and their sequence number as of one moment: a change after it carries a
        // higher number, so this statement can never overwrite it.
        let (seq, counts): (i64, Vec<(i64, i64)>) = {
            let guard = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            (guard.0, guard.1.iter().map(|(&id, &n)| (id, n)).collect())
        };
        db.write(move |conn| {
            presence::forget_nodes(conn, live_since())?;
            presence::node_seen(conn, &node, crate::time::now_ms())?;
            for (id, count) in counts {
                presence::set_sockets(conn, &node, id, count, seq)?;
            }
            presence::zero_older_sockets(conn, &node, seq)?;
            // A desk that came back this way, or an offer that failed, gets the queue now.
            Ok(Outcome::with((), routing::offer_waiting(conn)?))
        })
        .await
    }

    /// At shutdown, once its sockets are closed: this node's counts go with it at once.
    pub(crate) async fn stop(&self, db: &Db) -> Result<(), AppError> {
        let node = self.node.clone();
        db.write(move |conn| presence::node_stopped(conn, &node).map(Outcome::quiet))
            .await
    }
}

/// Away (no automatic work) or back; staff and admins may set it, only staff are routed to.
pub(crate) async fn set_away(db: &Db, caller: &Caller, away: bool) -> Result<bool, AppError> {
    if !caller.role.is_staff() {
        return Err(AppError::forbidden("Only staff and admins can be away"));
    }
    let id = caller.id;
    db.write(move |conn| {
        presence::set_away(conn, id, away)?;
        let events = if away {
            Vec::new()
        } else {
            routing::offer_waiting(conn)?
        };
        Ok(Outcome::with(away, events))
    })
    .await
}

/// Whether `user_id` set themselves away (the desk shows it on load).
pub(crate) async fn is_away(db: &Db, user_id: i64) -> Result<bool, AppError> {
    db.read(move |conn| presence::is_away(conn, user_id)).await
}

/// Whom the desk's transfer dialog offers: every other active staff member and admin, with
/// who is online and how many chats each holds.
pub(crate) async fn colleagues(
    db: &Db,
    caller: &Caller,
) -> Result<Vec<presence::Colleague>, AppError> {
    let me = caller.id;
    db.read(move |conn| presence::colleagues(conn, me, live_since()))
        .await
}
