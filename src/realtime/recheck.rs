//! Keeps contract §6 true at every moment, from the permission table itself: after any change
//! that can take a right away, every socket in the room, on every node, is checked against
//! `access::view_room`. One that may no longer read it is taken out and told with
//! `left_room {roomId, reason}`, and the room hears `user_left` as if it had left; every socket
//! that stays hears `room_access {roomId, canSend}`, what it may do there now.
//!
//! This node's sockets carry their caller. Another node's are known here by their rooms only
//! (the adapter's remote sockets have no extensions), so their account is read by the id in
//! their `user:` room and the same rule is applied to it.

use serde_json::{Value, json};
use socketioxide::adapter::Adapter;

use super::fanout::Fanout;
use super::names::server;
use super::{room_key, user_of_rooms};
use crate::auth::Caller;
use crate::chat::access;
use crate::chat::rooms::RoomRights;
use crate::chat::{Audience, LeaveReason};

/// What a socket in the room is told after the change.
enum Verdict {
    /// It may still read the room: `room_access`.
    Stays(Value),
    /// It may not: `left_room` to it, `user_left` to the room.
    Leaves { notice: Value, left: Value },
}

fn verdict(caller: &Caller, audience: &Audience, reason: LeaveReason) -> Verdict {
    let room_id = audience.room_id;
    if access::view_room(caller, &audience.facts).is_ok() {
        let rights = RoomRights::of(caller, &audience.facts);
        return Verdict::Stays(json!({ "roomId": room_id, "canSend": rights.can_send }));
    }
    Verdict::Leaves {
        notice: json!({ "roomId": room_id, "reason": reason }),
        left: json!({ "roomId": room_id, "userId": caller.id, "userName": caller.user_name }),
    }
}

impl<A: Adapter> Fanout<A> {
    pub(super) async fn drop_lost_access(&self, audience: &Audience, reason: LeaveReason) {
        let Some(ns) = self.ns() else { return };
        let key = room_key(audience.room_id);
        let mut left = Vec::new();
        for socket in ns.clone().to(key.clone()).sockets() {
            let Some(caller) = socket.extensions.get::<Caller>() else {
                continue;
            };
            match verdict(&caller, audience, reason) {
                Verdict::Stays(access) => {
                    let _ = socket.emit(server::ROOM_ACCESS, &access);
                }
                Verdict::Leaves { notice, left: who } => {
                    socket.leave(key.clone());
                    let _ = socket.emit(server::LEFT_ROOM, &notice);
                    left.push(who);
                }
            }
        }
        left.extend(self.drop_remote(audience, reason).await);
        for who in left {
            self.send(std::slice::from_ref(&key), &[], server::USER_LEFT, &who)
                .await;
        }
    }

    /// [`Self::drop_lost_access`] for the room's sockets on the other nodes; what left.
    async fn drop_remote(&self, audience: &Audience, reason: LeaveReason) -> Vec<Value> {
        let (Some(ns), Some(node)) = (self.ns(), &self.node) else {
            return Vec::new();
        };
        let key = room_key(audience.room_id);
        let sockets = match ns
            .to(key.clone())
            .except(node.clone())
            .fetch_sockets()
            .await
        {
            Ok(sockets) => sockets,
            Err(err) => {
                tracing::warn!(%err, "could not check the other nodes' sockets in a room");
                return Vec::new();
            }
        };
        let mut left = Vec::new();
        for socket in sockets {
            let user = socket.rooms().await.ok().and_then(|r| user_of_rooms(&r));
            let Some(user) = user else { continue };
            // An account that is gone or deactivated has its sockets closed by its own event.
            let caller = match crate::auth::of_active_user(&self.app.db, user).await {
                Ok(Some(caller)) => caller,
                Ok(None) => continue,
                Err(err) => {
                    tracing::warn!(%err, "could not read a socket's account");
                    continue;
                }
            };
            match verdict(&caller, audience, reason) {
                Verdict::Stays(access) => {
                    let _ = socket.emit(server::ROOM_ACCESS, &access).await;
                }
                Verdict::Leaves { notice, left: who } => {
                    let _ = socket.emit(server::LEFT_ROOM, &notice).await;
                    let _ = socket.leave(key.clone()).await;
                    left.push(who);
                }
            }
        }
        left
    }
}
