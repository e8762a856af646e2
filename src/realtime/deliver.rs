//! Delivering one event to a set of sockets without ever losing it silently. socketioxide
//! queues at most `max_buffer_size` packets per socket and drops what does not fit; a socket
//! that missed an event must not stay connected as if nothing happened, or its client would
//! never know to catch up. So each recipient is sent to on its own (the payload is serialized
//! once, up front) and a socket whose queue is full is disconnected as soon as its queue has
//! room for the disconnect; its client reconnects and catches up with `afterMessageId`.
//! A client that stops reading altogether is also closed by the Engine.IO heartbeat, whose
//! ping no longer fits either.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::value::RawValue;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::{SendError, SocketError};

use super::kill::KillSwitch;

/// How long to keep trying to disconnect a socket whose queue is full.
const DISCONNECT_PATIENCE: Duration = Duration::from_secs(30);

/// Serializes `payload` once for any number of recipients.
pub(crate) fn prepare<T: Serialize + ?Sized>(payload: &T) -> Option<Box<RawValue>> {
    match serde_json::value::to_raw_value(payload) {
        Ok(raw) => Some(raw),
        Err(err) => {
            tracing::error!(%err, "cannot serialize an event");
            None
        }
    }
}

/// Sends `event` to each socket; one that cannot take it is closed so it catches up.
pub(crate) fn to_each<A: Adapter>(sockets: Vec<SocketRef<A>>, event: &str, payload: &RawValue) {
    for socket in sockets {
        if let Err(err) = socket.emit(event, payload)
            && is_full(&err)
        {
            close_overflowing(socket);
        }
    }
}

fn is_full(err: &SendError) -> bool {
    matches!(err, SendError::Socket(SocketError::InternalChannelFull))
}

/// Disconnects a socket that missed a packet because its queue was full: a WebSocket
/// connection is cut at once (kill.rs); otherwise the disconnect packet needs room in the same
/// queue, so this retries until it fits, the socket is gone, or the heartbeat closes it.
pub(crate) fn close_overflowing<A: Adapter>(socket: SocketRef<A>) {
    tracing::warn!(sid = %socket.id, "socket queue full; disconnecting it so it catches up");
    if let Some(switch) = socket.req_parts().extensions.get::<Arc<KillSwitch>>() {
        switch.kill();
        return;
    }
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + DISCONNECT_PATIENCE;
        while socket.connected() && tokio::time::Instant::now() < deadline {
            match socket.clone().disconnect() {
                Err(SocketError::InternalChannelFull) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                _ => return,
            }
        }
    });
}

/// Whether a failed ack means the socket's queue was full.
pub(crate) fn ack_overflowed(err: &SendError) -> bool {
    is_full(err)
}
