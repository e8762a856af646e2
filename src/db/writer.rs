//! The writer thread: the only place that writes. It takes jobs from a channel, runs as many as
//! are waiting in one `BEGIN IMMEDIATE` transaction (group commit), each inside its own savepoint
//! so a refused job undoes only itself, and commits. Because one thread runs every rule,
//! check-then-change rules (claims, auto-assign) can never interleave; `BEGIN IMMEDIATE` also
//! keeps other processes (the `user` command) out while a batch runs.
//!
//! Durability is a second stage, on its own thread (the syncer): a committed batch waits there
//! until the WAL file holding it has been `fdatasync`ed, and only then are its events published
//! (in commit order) and its jobs answered. So nothing is acked or announced before it would
//! survive a power loss, exactly as with `synchronous = FULL`, but the writer does not wait for
//! the disk: while one group of batches is being synced it already runs the next batch, and one
//! sync covers every batch committed meanwhile. The writer's connection runs with
//! `synchronous = NORMAL` for this (SQLite then syncs the WAL only before a checkpoint), which
//! is safe because the syncer does the per-commit sync itself. One difference from `FULL`: a
//! reader may see a committed message up to one sync (about a millisecond) before it is
//! durable; its sender is only answered once it is. When the WAL file cannot be opened for
//! syncing, the writer keeps `synchronous = FULL` and the syncer only relays.
//!
//! Search: after the rules and outside their savepoints, the batch's new messages are added to
//! the search index (store/search.rs `SearchIndexer`), so they commit with it.
//!
//! The transaction and savepoint statements are prepared once and cached, like every rule's
//! statements, so a batch compiles no SQL.
//!
//! Webhooks' outbox: right after a rule succeeds, still inside its savepoint, its events become
//! outbox rows for the endpoints subscribed to them (chat/outbox.rs `record`), so they commit or
//! roll back with the change itself; if that fails, the job fails like a refused rule. With no
//! subscriber this is one atomic load per job. After the sync, a batch that made deliveries
//! wakes the dispatcher (hooks/).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::Outcome;
use crate::chat::outbox::{self, Subscriptions};
use crate::chat::{Event, Tally};
use crate::error::AppError;
use crate::store::search::SearchIndexer;
use crate::store::sql::{Connection as Sql, PgConn};

mod job;
mod syncer;

use job::{Job, TypedJob};
use syncer::{Committed, Publisher, open_wal_for_sync, sync_loop};

/// What the writer writes to: the SQLite file it alone writes, or a node's pool of the
/// cluster's PostgreSQL, from which each batch takes a connection (so a connection that broke
/// costs one batch, and the next takes a new one).
pub(crate) enum WriteTo {
    Lite(Connection),
    Pg {
        pool: deadpool_postgres::Pool,
        runtime: tokio::runtime::Handle,
    },
}

/// How many jobs may wait for the writer before senders are made to wait (backpressure).
const QUEUE_DEPTH: usize = 8_192;

/// How many committed batches may wait for the syncer before the writer waits for it.
const SYNC_DEPTH: usize = 64;

/// Counters the writer keeps, read by metrics and the load tool.
#[derive(Default, Debug)]
pub(crate) struct WriterStats {
    pub batches: AtomicU64,
    pub jobs: AtomicU64,
    pub failed_commits: AtomicU64,
    /// Time the writer spent running batches, from `BEGIN` to `COMMIT`, in microseconds.
    pub busy_micros: AtomicU64,
    /// Of that, time spent in `COMMIT` (writing the WAL, and checkpoints).
    pub commit_micros: AtomicU64,
    /// WAL syncs done by the syncer, and the time they took in microseconds.
    pub syncs: AtomicU64,
    pub sync_micros: AtomicU64,
}

/// The handle doors use to hand work to the writer thread.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
    stats: Arc<WriterStats>,
    tally: Arc<Tally>,
}

impl Writer {
    /// Starts the thread that owns `conn` for the rest of the process, and the syncer that
    /// makes each committed batch durable before it is answered and announced.
    pub(crate) fn start(
        to: WriteTo,
        batch_max: usize,
        events: mpsc::UnboundedSender<Event>,
        webhooks: Arc<Subscriptions>,
        search: Option<SearchIndexer>,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let (sync_tx, sync_rx) = std::sync::mpsc::sync_channel(SYNC_DEPTH);
        let stats = Arc::new(WriterStats::default());
        let wal = match &to {
            WriteTo::Lite(conn) => open_wal_for_sync(conn),
            WriteTo::Pg { .. } => None,
        };
        let (writer_stats, syncer_stats) = (stats.clone(), stats.clone());
        let tally = Arc::new(Tally::default());
        let publish = Publisher {
            events,
            tally: tally.clone(),
            webhooks: webhooks.clone(),
        };
        std::thread::Builder::new()
            .name("frontdesk-sync".into())
            .spawn(move || sync_loop(wal, sync_rx, publish, &syncer_stats))?;
        std::thread::Builder::new()
            .name("frontdesk-writer".into())
            .spawn(move || {
                let batches = Batches {
                    max: batch_max.max(1),
                    stats: &writer_stats,
                    webhooks: &webhooks,
                    search,
                };
                run(to, rx, batches, sync_tx)
            })?;
        Ok(Writer {
            jobs: tx,
            stats,
            tally,
        })
    }

    /// Queues a rule and waits until its batch has committed (or failed).
    pub(crate) async fn submit<T, F>(&self, rule: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Sql) -> Result<Outcome<T>, AppError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = TypedJob::new(rule, reply);
        self.jobs
            .send(Box::new(job))
            .await
            .map_err(|_| AppError::Unavailable("The server is shutting down".into()))?;
        answer
            .await
            .map_err(|_| AppError::Unavailable("The server is shutting down".into()))?
    }

    pub(crate) fn stats(&self) -> Arc<WriterStats> {
        self.stats.clone()
    }

    pub(crate) fn tally(&self) -> &Arc<Tally> {
        &self.tally
    }
}

/// What the writer loop needs besides its connection and channels.
struct Batches<'a> {
    max: usize,
    stats: &'a WriterStats,
    webhooks: &'a Subscriptions,
    /// None only for a database without messages (the writer's own tests).
    search: Option<SearchIndexer>,
}

fn run(
    to: WriteTo,
    mut rx: mpsc::Receiver<Box<dyn Job>>,
    mut batches: Batches<'_>,
    synced: std::sync::mpsc::SyncSender<Committed>,
) {
    let (batch_max, stats) = (batches.max, batches.stats);
    while let Some(first) = rx.blocking_recv() {
        let started = Instant::now();
        let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(batch_max.min(64));
        batch.push(first);
        while batch.len() < batch_max {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut events = Vec::new();
        let mut outboxed = false;
        let mut run_on = |sql: &Sql, begin: &str| {
            run_batch(
                (sql, begin),
                &mut batch,
                &mut events,
                (batches.webhooks, &mut outboxed),
                batches.search.as_mut(),
            )
        };
        let (result, commit_micros) = match &to {
            WriteTo::Lite(conn) => run_on(&Sql::Lite(conn), "BEGIN IMMEDIATE"),
            WriteTo::Pg { pool, runtime } => match runtime.block_on(pool.get()) {
                Ok(client) => run_on(&Sql::Pg(&PgConn::new(client, runtime.clone())), "BEGIN"),
                Err(e) => {
                    tracing::error!(error = %e, "no PostgreSQL connection for a batch");
                    let down =
                        AppError::Unavailable("The database is unreachable; try again".into());
                    (Err(down), 0)
                }
            },
        };
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        stats
            .commit_micros
            .fetch_add(commit_micros, Ordering::Relaxed);
        if result.is_err() {
            stats.failed_commits.fetch_add(1, Ordering::Relaxed);
            events.clear();
        }
        let busy = started.elapsed().as_micros() as u64;
        stats.busy_micros.fetch_add(busy, Ordering::Relaxed);
        tracing::trace!(
            jobs = batch.len(),
            busy_us = busy,
            commit_us = commit_micros,
            "batch"
        );
        let committed = Committed {
            jobs: batch,
            events,
            outboxed: outboxed && result.is_ok(),
            result,
        };
        if let Err(std::sync::mpsc::SendError(lost)) = synced.send(committed) {
            // The syncer is gone (it never stops first): answer here rather than never.
            for job in lost.jobs {
                job.finish(Err(AppError::Unavailable(
                    "The server is shutting down".into(),
                )));
            }
        }
    }
    // Every sender is gone: the process is shutting down and every batch has committed. The
    // checkpoint syncs the WAL first, then folds it into the database file.
    if let WriteTo::Lite(conn) = to {
        let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
    }
}

/// Runs the batch in one transaction, collecting the kept jobs' events in order and writing their
/// webhook outbox rows (noting whether there were any); returns whether it committed and how
/// long `COMMIT` took.
fn run_batch(
    conn: (&Sql, &str),
    batch: &mut [Box<dyn Job>],
    published: &mut Vec<Event>,
    (webhooks, outboxed): (&Subscriptions, &mut bool),
    mut search: Option<&mut SearchIndexer>,
) -> (Result<(), AppError>, u64) {
    let (result, micros) = run_jobs(conn, batch, published, (webhooks, outboxed), &mut search);
    if let Some(search) = search {
        search.finish(result.is_ok());
    }
    (result, micros)
}

/// How a kept job's savepoint ends.
const KEPT: &[&str] = &["RELEASE job"];
/// How a failed job's savepoint ends: its changes are undone first.
const UNDONE: &[&str] = &["ROLLBACK TO job", "RELEASE job"];

fn run_jobs(
    (conn, begin): (&Sql, &str),
    batch: &mut [Box<dyn Job>],
    published: &mut Vec<Event>,
    (webhooks, outboxed): (&Subscriptions, &mut bool),
    search: &mut Option<&mut SearchIndexer>,
) -> (Result<(), AppError>, u64) {
    let exec = |sql: &Sql, statement: &str| sql.batch_execute(statement);
    let abort = |e: AppError| {
        let _ = exec(conn, "ROLLBACK");
        Err(e)
    };
    if let Err(e) = exec(conn, begin) {
        return (Err(e.into()), 0);
    }
    let sql = conn;
    if sql.is_postgres()
        && let Err(e) = webhooks.refresh(sql)
    {
        return (abort(e), 0);
    }
    let mut events = Vec::new();
    // Each job's savepoint is ended by the statements that open the next one, sent together:
    // one round trip between jobs on PostgreSQL instead of two.
    let mut ending: &[&str] = &[];
    for job in batch.iter_mut() {
        if let Err(e) = conn.batch_execute_each(&[ending, &["SAVEPOINT job"]].concat()) {
            return (abort(e.into()), 0);
        }
        let mut kept = job.run(sql, &mut events);
        if kept && !events.is_empty() {
            match outbox::record(sql, webhooks, &events) {
                Ok(made) => *outboxed |= made > 0,
                Err(e) => {
                    tracing::error!(error = %e, "cannot write the webhook outbox; the change is undone");
                    job.refuse(e);
                    kept = false;
                }
            }
        }
        // Its events are kept now; should ending its savepoint fail, the whole batch fails and
        // every event with it.
        if kept {
            published.append(&mut events);
            ending = KEPT;
        } else {
            events.clear();
            ending = UNDONE;
        }
    }
    if let Err(e) = conn.batch_execute_each(ending) {
        return (abort(e.into()), 0);
    }
    if let Some(search) = search
        && let Err(e) = search.index_new(sql)
    {
        // The batch's messages cannot be searched: it is refused whole, as a failed commit is.
        tracing::error!(error = %e, "cannot index the batch's messages");
        return (abort(e.into()), 0);
    }
    let committing = Instant::now();
    let committed = match exec(conn, "COMMIT") {
        Ok(()) => Ok(()),
        Err(e) => abort(e.into()),
    };
    (committed, committing.elapsed().as_micros() as u64)
}

#[cfg(test)]
mod tests;
