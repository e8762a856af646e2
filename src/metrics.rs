//! What an operator scrapes at `GET /metrics` (Prometheus text format): connected sockets,
//! messages stored, claims won and lost, request latency, and the writer's batches.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::chat::Tally;
use crate::db::WriterStats;

/// The server's counters. Cheap to update from any thread.
pub(crate) struct Metrics {
    registry: Registry,
    writer: Arc<WriterStats>,
    /// Messages and claims, counted by the rules whichever door called them.
    tally: Arc<Tally>,
    /// Sockets connected to `/chat` now.
    pub sockets: Gauge,
    /// HTTP request latency in seconds (REST, pages, and Socket.IO polling).
    pub request_seconds: Histogram,
}

impl Metrics {
    pub(crate) fn new(writer: Arc<WriterStats>, tally: Arc<Tally>) -> Metrics {
        let mut registry = Registry::with_prefix("frontdesk");
        let sockets = Gauge::default();
        let request_seconds = Histogram::new(exponential_buckets(0.000_25, 2.0, 16));
        registry.register(
            "sockets_connected",
            "Sockets connected to /chat",
            sockets.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            request_seconds.clone(),
        );
        Metrics {
            registry,
            writer,
            tally,
            sockets,
            request_seconds,
        }
    }

    /// The text exposition.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            return String::new();
        }
        // The writer's own atomics, as a summary of batch sizes (jobs / batches = mean size).
        let body = out.strip_suffix("# EOF\n").unwrap_or(&out).to_string();
        let batches = self.writer.batches.load(Ordering::Relaxed);
        let jobs = self.writer.jobs.load(Ordering::Relaxed);
        let failed = self.writer.failed_commits.load(Ordering::Relaxed);
        let count = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        let tally = &self.tally;
        let (stored, won, lost) = (
            count(&tally.messages_stored),
            count(&tally.claims_won),
            count(&tally.claims_lost),
        );
        format!(
            "{body}# HELP frontdesk_messages_stored Messages committed.\n\
             # TYPE frontdesk_messages_stored counter\n\
             frontdesk_messages_stored_total {stored}\n\
             # HELP frontdesk_claims_won Session claims that succeeded.\n\
             # TYPE frontdesk_claims_won counter\n\
             frontdesk_claims_won_total {won}\n\
             # HELP frontdesk_claims_lost Session claims refused: already claimed.\n\
             # TYPE frontdesk_claims_lost counter\n\
             frontdesk_claims_lost_total {lost}\n\
             # HELP frontdesk_write_batch_size Writes committed per transaction.\n\
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
