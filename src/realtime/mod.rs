//! The `/chat` Socket.IO namespace (contract §5): handshake auth, the client events, and the
//! fan-out of committed events. Served on the same port as REST through [`SocketIoEndpoint`].

mod fanout;
mod handlers;
mod handshake;
mod order;
mod payload;
mod upgrade;

use std::sync::Arc;

use socketioxide::{ParserConfig, SocketIo};
use socketioxide::handler::ConnectHandler;
use tokio::sync::mpsc::UnboundedReceiver;

pub use upgrade::SocketIoEndpoint;

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

/// Builds the Socket.IO service with the configured limits, registers `/chat`, and starts the
/// task that announces committed events in commit order.
pub fn build(app: Arc<App>, events: UnboundedReceiver<Event>) -> (SocketIoEndpoint, SocketIo) {
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
    (SocketIoEndpoint::new(svc), io)
}
