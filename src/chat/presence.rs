//! Staff presence for routing (contract §10): a staff member's connected sockets are counted
//! as they come and go, and a staff member may set themselves away on the desk. Coming online
//! or back from away offers them the waiting queue at once (with `routing: "auto"`).

use std::collections::HashMap;
use std::sync::Mutex;

use super::routing;
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::Role;
use crate::store::presence;

/// The sockets each staff member has open on this process, counted as they come and go; each
/// change is written with a sequence number, so counts that reach the writer out of order
/// (a disconnect racing its own connect) still leave the latest one stored.
#[derive(Default)]
pub(crate) struct Presence {
    counts: Mutex<(i64, HashMap<i64, i64>)>,
}

impl Presence {
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
        db.write(move |conn| {
            presence::set_sockets(conn, id, count, seq)?;
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
        db.write(move |conn| presence::set_sockets(conn, id, count, seq).map(Outcome::quiet))
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
    db.read(move |conn| presence::colleagues(conn, me)).await
}

/// At start-up, before any socket: nobody is connected.
pub(crate) async fn reset(db: &Db) -> Result<(), AppError> {
    db.write(|conn| presence::reset_sockets(conn).map(Outcome::quiet))
        .await
}
