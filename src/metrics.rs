//! What an operator scrapes at `GET /metrics` (Prometheus text format): connected sockets,
//! messages stored, claims won and lost, request latency, and the writer's batches.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::db::WriterStats;
use crate::error::{AppError, ErrorCode};

/// The server's counters. Cheap to update from any thread.
pub struct Metrics {
    registry: Registry,
    writer: Arc<WriterStats>,
    /// Sockets connected to `/chat` now.
    pub sockets: Gauge,
    /// Messages committed.
    pub messages_stored: Counter,
    /// Claims that got the session, and claims refused because someone else had it.
    pub claims_won: Counter,
    pub claims_lost: Counter,
    /// HTTP request latency in seconds (REST, pages, and Socket.IO polling).
    pub request_seconds: Histogram,
}

impl Metrics {
    pub fn new(writer: Arc<WriterStats>) -> Metrics {
        let mut registry = Registry::with_prefix("frontdesk");
        let sockets = Gauge::default();
        let messages_stored = Counter::default();
        let claims_won = Counter::default();
        let claims_lost = Counter::default();
        let request_seconds = Histogram::new(exponential_buckets(0.000_25, 2.0, 16));
        registry.register(
            "sockets_connected",
            "Sockets connected to /chat",
            sockets.clone(),
        );
        registry.register(
            "messages_stored",
            "Messages committed",
            messages_stored.clone(),
        );
        registry.register(
            "claims_won",
            "Session claims that succeeded",
            claims_won.clone(),
        );
        registry.register(
            "claims_lost",
            "Session claims refused: already claimed",
            claims_lost.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            request_seconds.clone(),
        );
        Metrics {
            registry,
            writer,
            sockets,
            messages_stored,
            claims_won,
            claims_lost,
            request_seconds,
        }
    }

    /// Counts the outcome of a claim, from whichever door it came.
    pub fn record_claim<T>(&self, result: &Result<T, AppError>) {
        match result {
            Ok(_) => {
                self.claims_won.inc();
            }
            Err(e) if e.code() == ErrorCode::SessionAlreadyClaimed => {
                self.claims_lost.inc();
            }
            Err(_) => {}
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            return String::new();
        }
        // The writer's own atomics, as a summary of batch sizes (jobs / batches = mean size).
        let body = out.strip_suffix("# EOF\n").unwrap_or(&out).to_string();
        let batches = self.writer.batches.load(Ordering::Relaxed);
        let jobs = self.writer.jobs.load(Ordering::Relaxed);
        let failed = self.writer.failed_commits.load(Ordering::Relaxed);
        format!(
            "{body}# HELP frontdesk_write_batch_size Writes committed per transaction.\n\
             # TYPE frontdesk_write_batch_size summary\n\
             frontdesk_write_batch_size_sum {jobs}\n\
             frontdesk_write_batch_size_count {batches}\n\
             # HELP frontdesk_write_failed_commits Batches whose commit failed (nothing acked).\n\
             # TYPE frontdesk_write_failed_commits counter\n\
             frontdesk_write_failed_commits_total {failed}\n\
             # EOF\n"
        )
    }
}
