//! The syncer, the writer's second stage (see writer.rs): it `fdatasync`s the WAL holding the
//! committed batches, then publishes their events and answers their jobs, in commit order.

use std::fs::File;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use rusqlite::Connection;
use tokio::sync::mpsc;

use super::{Job, WriterStats};
use crate::chat::outbox::Subscriptions;
use crate::chat::{Event, Tally};
use crate::error::AppError;

/// The WAL file of the writer's database, opened so the syncer can `fdatasync` it, with the
/// connection switched to `synchronous = NORMAL`; `None` (and `FULL` kept) when that fails.
pub(super) fn open_wal_for_sync(conn: &Connection) -> Option<File> {
    let path = conn.path().filter(|p| !p.is_empty())?;
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .ok()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return None;
    }
    // The WAL file exists from the first write in WAL mode and stays for the connection's life.
    let wal = File::open(format!("{path}-wal")).ok()?;
    conn.pragma_update(None, "synchronous", "NORMAL").ok()?;
    Some(wal)
}

/// A committed (or failed) batch on its way to the syncer.
pub(super) struct Committed {
    pub(super) jobs: Vec<Box<dyn Job>>,
    pub(super) events: Vec<Event>,
    pub(super) result: Result<(), AppError>,
    /// Whether the batch added webhook deliveries.
    pub(super) outboxed: bool,
}

/// Where the syncer hands durable events: the fan-out, after the rules' tally counts them.
pub(super) struct Publisher {
    pub(super) events: mpsc::UnboundedSender<Event>,
    pub(super) tally: Arc<Tally>,
    pub(super) webhooks: Arc<Subscriptions>,
}

/// The syncer: makes committed batches durable, then announces and answers them in commit
/// order. One `fdatasync` covers every batch that is waiting.
pub(super) fn sync_loop(
    wal: Option<File>,
    rx: std::sync::mpsc::Receiver<Committed>,
    publish: Publisher,
    stats: &WriterStats,
) {
    let mut pending = Vec::new();
    while let Ok(first) = rx.recv() {
        pending.push(first);
        while let Ok(more) = rx.try_recv() {
            pending.push(more);
        }
        let durable = match &wal {
            Some(file) if pending.iter().any(|c| c.result.is_ok()) => {
                let started = Instant::now();
                let synced = file.sync_data();
                let micros = started.elapsed().as_micros() as u64;
                stats.syncs.fetch_add(1, Ordering::Relaxed);
                stats.sync_micros.fetch_add(micros, Ordering::Relaxed);
                tracing::trace!(batches = pending.len(), sync_us = micros, "sync");
                synced.map_err(|e| {
                    tracing::error!(error = %e, "cannot sync the WAL; committed writes are not acked");
                    AppError::Unavailable("The server could not save this; try again".into())
                })
            }
            _ => Ok(()),
        };
        for committed in pending.drain(..) {
            let result = committed.result.and(durable.clone());
            if result.is_ok() {
                if committed.outboxed {
                    publish.webhooks.wake();
                }
                for event in committed.events {
                    publish.tally.published(&event);
                    let _ = publish.events.send(event);
                }
            }
            for job in committed.jobs {
                job.finish(result.clone());
            }
        }
    }
}
