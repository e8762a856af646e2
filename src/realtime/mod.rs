//! The `/chat` Socket.IO namespace (contract §5): handshake auth, the client events, and the
//! fan-out of committed events. Served on the same port as REST through [`SocketIoEndpoint`].

mod deliver;
mod fanout;
mod handlers;
mod handshake;
mod kill;
mod names;
mod order;
mod payload;
mod upgrade;

use std::sync::Arc;

use socketioxide::handler::ConnectHandler;
use socketioxide::{ParserConfig, SocketIo};
use tokio::sync::mpsc::UnboundedReceiver;

pub(crate) use upgrade::{NoDelayAcceptor, SocketIoEndpoint};

use crate::app::App;
use crate::chat::Event;

/// The one namespace clients use.
pub const NAMESPACE: &str = "/chat";
/// Socket.IO room of every staff and admin socket: the staff feed.
const STAFF_ROOM: &str = "staff";

/// Socket.IO room of a chat room's members.
fn room_key(room_id: i64) -> String {
    format!("room:{room_id}")
}

/// Socket.IO room of every socket of one user, so revoking the user closes them all.
fn user_key(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// Socket.IO room of the sockets opened by one console session's pages.
fn console_key(sid: &str) -> String {
    format!("console:{sid}")
}

/// How often sockets whose credential has expired are looked for.
const EXPIRY_SWEEP: std::time::Duration = std::time::Duration::from_secs(30);

/// Closes sockets whose token (or console session) has expired: a credential is checked at the
/// handshake, and a socket must not outlive it.
async fn close_expired(io: SocketIo) {
    let mut tick = tokio::time::interval(EXPIRY_SWEEP);
    loop {
        tick.tick().await;
        let Some(ns) = io.of(NAMESPACE) else { return };
        let now = crate::time::now_ms();
        for socket in ns.sockets() {
            if socket
                .extensions
                .get::<crate::auth::Caller>()
                .is_some_and(|c| c.expires_at_ms <= now)
            {
                let _ = socket.disconnect();
            }
        }
    }
}

/// Builds the Socket.IO service with the configured limits, registers `/chat`, and starts the
/// task that announces committed events in commit order.
pub(crate) fn build(
    app: Arc<App>,
    events: UnboundedReceiver<Event>,
) -> (SocketIoEndpoint, SocketIo) {
    let limits = &app.config.socket;
    let (svc, io) = SocketIo::builder()
        .with_state(app.clone())
        .ping_interval(limits.ping_interval)
        .ping_timeout(limits.ping_timeout)
        .connect_timeout(limits.connect_timeout)
        .max_payload(limits.max_payload)
        // The same cap on the websocket transport: a larger message or frame closes that
        // connection before it is buffered.
        .ws_max_message_size(limits.max_payload as usize)
        .ws_max_frame_size(limits.max_payload as usize)
        .max_buffer_size(limits.max_buffer_size)
        .ws_read_buffer_size(limits.ws_read_buffer_size)
        // Chat events are JSON: a packet announcing any binary attachment is dropped and its
        // connection closed, before anything is buffered.
        .with_parser(
            ParserConfig::common()
                .max_incoming_binaries(0)
                .max_incoming_binary_buf_size(0)
                .packet_completion_timeout(limits.connect_timeout),
        )
        .build_svc();
    io.ns(
        NAMESPACE,
        handlers::on_connect.with(handshake::authenticate),
    );
    tokio::spawn(fanout::run(io.clone(), events));
    tokio::spawn(close_expired(io.clone()));
    (SocketIoEndpoint::new(svc), io)
}
