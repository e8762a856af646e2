//! What an operator scrapes at `GET /metrics` (OpenMetrics text, from prometheus-client):
//! connected sockets, messages stored, claims by result, how long customers wait (now, and
//! until a claim), request latency by route, the writer's batches, the database's size on disk,
//! the last scheduled backup, and the build. Values that live elsewhere (the rules' tally, the
//! writer's counters, the queue in the database) are read at scrape time into a registry built
//! for that scrape, so nothing is counted twice and nothing goes stale.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::chat::Tally;
use crate::db::WriterStats;

/// Labels of the request histogram: the route's template (`/api/chat/rooms/:id`), never the raw
/// path, so ids never become label values.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabel {
    version: &'static str,
}

/// What is read from the database and the file system at scrape time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Live {
    /// Sessions opened and not yet claimed.
    pub sessions_waiting: i64,
    /// How long the oldest of them has waited, in seconds (0 when none waits).
    pub oldest_wait_seconds: f64,
    pub db_bytes: u64,
    pub wal_bytes: u64,
    /// Whether this process runs the once-per-database work (always on SQLite).
    pub leads: bool,
}

/// The server's long-lived metrics. Cheap to update from any thread.
pub(crate) struct Metrics {
    writer: Arc<WriterStats>,
    /// Messages, claims and waits, counted by the rules whichever door called them.
    tally: Arc<Tally>,
    /// Sockets connected to `/chat` now.
    pub sockets: Gauge,
    /// HTTP request latency in seconds by method, route and status (REST and pages; Socket.IO
    /// is left out: a long-poll lasts as long as the ping interval by design).
    requests: Family<RequestLabels, Histogram>,
    /// When the last scheduled backup was written (unix seconds; 0: none yet).
    backup_last_success: Gauge,
    /// Scheduled backups that failed.
    backup_failures: Counter,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

fn counter(value: u64) -> Counter {
    let c = Counter::default();
    c.inc_by(value);
    c
}

fn gauge(value: i64) -> Gauge {
    let g = Gauge::default();
    g.set(value);
    g
}

impl Metrics {
    pub(crate) fn new(writer: Arc<WriterStats>, tally: Arc<Tally>) -> Metrics {
        Metrics {
            writer,
            tally,
            sockets: Gauge::default(),
            requests: Family::new_with_constructor(latency_histogram),
            backup_last_success: Gauge::default(),
            backup_failures: Counter::default(),
        }
    }

    /// Records one answered request.
    pub(crate) fn observe_request(&self, labels: RequestLabels, seconds: f64) {
        self.requests.get_or_create(&labels).observe(seconds);
    }

    /// Records how a scheduled backup went, and logs it.
    pub(crate) fn backup_done(&self, result: Result<std::path::PathBuf, String>) {
        match result {
            Ok(path) => {
                self.backup_last_success.set(chrono::Utc::now().timestamp());
                tracing::info!(file = %path.display(), "backup written");
            }
            Err(e) => {
                self.backup_failures.inc();
                tracing::error!(error = %e, "scheduled backup failed");
            }
        }
    }

    /// The text exposition, with `live` read just before.
    pub(crate) fn render(&self, live: &Live) -> String {
        let mut r = Registry::with_prefix("frontdesk");
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let version = Family::<VersionLabel, Gauge>::default();
        version
            .get_or_create(&VersionLabel {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        r.register("build_info", "The running build (always 1)", version);
        r.register(
            "sockets_connected",
            "Sockets connected to /chat",
            self.sockets.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "HTTP request latency by method, route template and status (Socket.IO excluded)",
            self.requests.clone(),
        );
        let tally = &self.tally;
        r.register(
            "messages_stored",
            "Messages committed",
            counter(load(&tally.messages_stored)),
        );
        let claims = Family::<ResultLabel, Counter>::default();
        claims
            .get_or_create(&ResultLabel { result: "won" })
            .inc_by(load(&tally.claims_won));
        claims
            .get_or_create(&ResultLabel { result: "lost" })
            .inc_by(load(&tally.claims_lost));
        r.register(
            "claims",
            "Session claims: won, or lost because someone else held the session",
            claims,
        );
        r.register(
            "claim_wait_seconds",
            "How long a session waited from being opened to being claimed",
            tally.claim_wait_seconds.clone(),
        );
        r.register(
            "sessions_waiting",
            "Sessions opened and not yet claimed",
            gauge(live.sessions_waiting),
        );
        let oldest = Gauge::<f64, AtomicU64>::default();
        oldest.set(live.oldest_wait_seconds);
        r.register(
            "oldest_wait_seconds",
            "How long the longest-waiting unclaimed session has waited (0: none waits)",
            oldest,
        );
        r.register(
            "write_batches",
            "Write transactions committed (write_jobs / write_batches = mean batch size)",
            counter(load(&self.writer.batches)),
        );
        r.register(
            "write_jobs",
            "Writes committed, in all batches",
            counter(load(&self.writer.jobs)),
        );
        r.register(
            "write_failed_commits",
            "Batches whose commit failed (nothing in them was acked)",
            counter(load(&self.writer.failed_commits)),
        );
        r.register(
            "database_size_bytes",
            "Size of the database (the SQLite file, or the PostgreSQL database)",
            gauge(live.db_bytes as i64),
        );
        r.register(
            "leader",
            "1 when this node sends webhooks and e-mail and ends idle sessions (one node of a \
             cluster does; a SQLite server always)",
            gauge(i64::from(live.leads)),
        );
        r.register(
            "wal_size_bytes",
            "Size of the database's write-ahead log",
            gauge(live.wal_bytes as i64),
        );
        r.register(
            "backup_last_success_timestamp_seconds",
            "When the last scheduled backup was written (unix time; 0: none yet)",
            self.backup_last_success.clone(),
        );
        r.register(
            "backup_failures",
            "Scheduled backups that failed",
            self.backup_failures.clone(),
        );
        let mut out = String::new();
        if encode(&mut out, &r).is_err() {
            return String::new();
        }
        out
    }
}
