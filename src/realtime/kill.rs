//! A way to close a WebSocket connection from our side without queueing a packet: socketioxide
//! disconnects by sending a packet through the socket's queue, which is exactly what cannot
//! work when that queue is full because the client stopped reading. Each upgraded connection is
//! wrapped so that, once killed, its next read or write fails; Engine.IO then closes the socket
//! and its client reconnects. Connections that started on polling and upgraded later have no
//! switch; the Engine.IO heartbeat closes those (its ping no longer fits either).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Shared between the connection and whoever may need to cut it.
#[derive(Default)]
pub(crate) struct KillSwitch {
    killed: AtomicBool,
    /// The tasks waiting on the connection, woken when it is killed.
    waiting: Mutex<[Option<Waker>; 2]>,
}

impl KillSwitch {
    pub(crate) fn new() -> Arc<KillSwitch> {
        Arc::new(KillSwitch::default())
    }

    /// Makes the connection fail at once; its pending read or write wakes up to find out.
    pub(crate) fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        if let Ok(mut waiting) = self.waiting.lock() {
            for waker in waiting.iter_mut().filter_map(Option::take) {
                waker.wake();
            }
        }
    }

    fn check(&self, slot: usize, cx: &Context<'_>) -> Result<(), io::Error> {
        if let Ok(mut waiting) = self.waiting.lock() {
            match &waiting[slot] {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => waiting[slot] = Some(cx.waker().clone()),
            }
        }
        if self.killed.load(Ordering::SeqCst) {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "closed by the server",
            ))
        } else {
            Ok(())
        }
    }
}

/// An upgraded connection that a [`KillSwitch`] can cut.
pub(crate) struct Killable<T> {
    io: T,
    switch: Arc<KillSwitch>,
}

impl<T> Killable<T> {
    pub(crate) fn new(io: T, switch: Arc<KillSwitch>) -> Self {
        Killable { io, switch }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Killable<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Err(e) = self.switch.check(0, cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Killable<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Err(e) = self.switch.check(1, cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Err(e) = self.switch.check(1, cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
