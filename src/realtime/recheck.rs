//! Keeps contract §6 true at every moment, from the permission table itself: after any change
//! that can take a right away, every socket in the room, on every node, is checked against
//! `access::view_room`. One that may no longer read it is taken out and told with
//! `left_room {roomId, reason}`, and the room hears `user_left` as if it had left; every socket
//! that stays hears `room_access {roomId, canSend}`, what it may do there now.
//!
//! This node's sockets carry their caller and are checked one by one. Another node's are known
//! here by their rooms only (the adapter's remote sockets have no extensions): those that lose
//! the room are addressed by rooms, from the same rule, and their accounts (for `user_left`,
//! and `room_access` for the others) are read by the id in their `user:` room.

use serde_json::{Value, json};
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use socketioxide::socket::RemoteSocket;

use super::fanout::Fanout;
use super::names::server;
use super::{ADMINS_ROOM, CUSTOMERS_ROOM, room_key, user_key, user_of_rooms};
use crate::auth::Caller;
use crate::chat::access::{self, StaffReaders};
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
    ///
    /// Those that lose the room are addressed by rooms: with a holder ([`StaffReaders`], the
    /// staff part of `view_room`), everyone in it but its customer, admins and the holder. So
    /// their `left_room` and their leaving travel on the adapter's one broadcast channel, in
    /// order with the events sent before and after, and nothing later reaches them. Who they
    /// were (for `user_left`) and what the others may do now (`room_access`) are asked of each
    /// socket.
    async fn drop_remote(&self, audience: &Audience, reason: LeaveReason) -> Vec<Value> {
        let (Some(ns), Some(node)) = (self.ns(), &self.node) else {
            return Vec::new();
        };
        let room_id = audience.room_id;
        let key = room_key(room_id);
        let mut left = Vec::new();
        if let StaffReaders::Holder(holder) = audience.facts.staff_readers() {
            let keep = [
                CUSTOMERS_ROOM.to_string(),
                ADMINS_ROOM.to_string(),
                user_key(holder),
                node.clone(),
            ];
            let losing = ns.clone().to(key.clone()).except(keep);
            for socket in self.remote_callers(losing.clone()).await {
                let who =
                    json!({ "roomId": room_id, "userId": socket.id, "userName": socket.user_name });
                left.push(who);
            }
            let notice = json!({ "roomId": room_id, "reason": reason });
            if let Err(err) = losing.clone().emit(server::LEFT_ROOM, &notice).await {
                tracing::warn!(%err, "could not tell the other nodes' sockets they left a room");
            }
            if let Err(err) = losing.leave(key.clone()).await {
                tracing::warn!(%err, "could not take the other nodes' sockets out of a room");
            }
        }
        let staying = ns.to(key).except(node.clone());
        for (socket, caller) in self.remote_sockets(staying).await {
            if let Verdict::Stays(access) = verdict(&caller, audience, reason) {
                let _ = socket.emit(server::ROOM_ACCESS, &access).await;
            }
        }
        left
    }

    /// The accounts of the other nodes' sockets in `to`.
    async fn remote_callers(&self, to: BroadcastOperators<A>) -> Vec<Caller> {
        self.remote_sockets(to)
            .await
            .into_iter()
            .map(|(_, caller)| caller)
            .collect()
    }

    /// The other nodes' sockets in `to`, each with the active account its `user:` room names.
    async fn remote_sockets(&self, to: BroadcastOperators<A>) -> Vec<(RemoteSocket<A>, Caller)> {
        let sockets = match to.fetch_sockets().await {
            Ok(sockets) => sockets,
            Err(err) => {
                tracing::warn!(%err, "could not list the other nodes' sockets in a room");
                return Vec::new();
            }
        };
        let mut known = Vec::with_capacity(sockets.len());
        for socket in sockets {
            let user = match socket.rooms().await {
                Ok(rooms) => user_of_rooms(&rooms),
                Err(err) => {
                    tracing::warn!(%err, "could not read another node's socket");
                    None
                }
            };
            let Some(user) = user else { continue };
            // An account that is gone or deactivated has its sockets closed by its own event.
            match crate::auth::of_active_user(&self.app.db, user).await {
                Ok(Some(caller)) => known.push((socket, caller)),
                Ok(None) => {}
                Err(err) => tracing::warn!(%err, "could not read a socket's account"),
            }
        }
        known
    }
}
