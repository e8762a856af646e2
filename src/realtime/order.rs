//! Keeps one socket's `send_message` events in the order they arrived. socketioxide runs each
//! event in its own task, so two quick sends could reach the writer the other way round; a
//! ticket is taken while the packet is being dispatched (still in arrival order, before any task
//! runs) and each send waits for its turn. Other sockets are never held up.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use socketioxide::adapter::Adapter;
use socketioxide::handler::FromMessageParts;
use socketioxide::socket::Socket;
use tokio::sync::watch;

/// Per socket: the next ticket to hand out and the ticket being served.
pub(crate) struct SendOrder {
    next: AtomicU64,
    serving: watch::Sender<u64>,
}

impl SendOrder {
    pub(crate) fn new() -> Arc<SendOrder> {
        Arc::new(SendOrder {
            next: AtomicU64::new(0),
            serving: watch::Sender::new(0),
        })
    }

    fn advance(&self) {
        self.serving.send_modify(|s| *s += 1);
    }
}

/// A place in the socket's queue, taken when the event was dispatched.
pub(crate) struct Turn {
    gate: Option<Arc<SendOrder>>,
    ticket: u64,
}

impl<A: Adapter> FromMessageParts<A> for Turn {
    type Error = Infallible;

    fn from_message_parts(
        socket: &Arc<Socket<A>>,
        _: &mut socketioxide_core::Value,
        _: &Option<i64>,
    ) -> Result<Self, Infallible> {
        let gate = socket.extensions.get::<Arc<SendOrder>>();
        let ticket = gate
            .as_ref()
            .map_or(0, |g| g.next.fetch_add(1, Ordering::SeqCst));
        Ok(Turn { gate, ticket })
    }
}

impl Turn {
    /// Waits until every earlier send of this socket is done; the guard lets the next one go.
    pub(crate) async fn wait(mut self) -> TurnGuard {
        let Some(gate) = self.gate.take() else {
            return TurnGuard { gate: None };
        };
        let mut serving = gate.serving.subscribe();
        let _ = serving.wait_for(|s| *s == self.ticket).await;
        TurnGuard { gate: Some(gate) }
    }
}

impl Drop for Turn {
    /// A turn dropped before its wait still has to pass, or the sends after it would stall.
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            let ticket = self.ticket;
            tokio::spawn(async move {
                let mut serving = gate.serving.subscribe();
                let _ = serving.wait_for(|s| *s == ticket).await;
                gate.advance();
            });
        }
    }
}

/// Held while a send runs; dropping it serves the next ticket.
pub(crate) struct TurnGuard {
    gate: Option<Arc<SendOrder>>,
}

impl Drop for TurnGuard {
    fn drop(&mut self) {
        if let Some(gate) = &self.gate {
            gate.advance();
        }
    }
}
