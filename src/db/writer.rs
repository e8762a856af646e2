//! The writer thread: the only place that writes. It takes jobs from a channel, runs as many as
//! are waiting in one `BEGIN IMMEDIATE` transaction (group commit: one fsync for the batch), each
//! inside its own savepoint so a refused job undoes only itself, commits, publishes the batch's
//! events in commit order, and only then replies to each job. Because one thread runs every rule,
//! check-then-change rules (claims, auto-assign) can never interleave; `BEGIN IMMEDIATE` also
//! keeps other processes (the `user` command) out while a batch runs.
//!
//! The transaction and savepoint statements are prepared once and cached, like every rule's
//! statements, so a batch compiles no SQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::Outcome;
use crate::chat::Event;
use crate::error::AppError;

/// How many jobs may wait for the writer before senders are made to wait (backpressure).
const QUEUE_DEPTH: usize = 8_192;

/// Counters the writer keeps, read by metrics and the load tool.
#[derive(Default, Debug)]
pub struct WriterStats {
    pub batches: AtomicU64,
    pub jobs: AtomicU64,
    pub failed_commits: AtomicU64,
    /// Time spent running batches, from `BEGIN` to the last reply, in microseconds.
    pub busy_micros: AtomicU64,
    /// Of that, time spent in `COMMIT` (writing and syncing the WAL, and checkpoints).
    pub commit_micros: AtomicU64,
}

trait Job: Send {
    /// Runs the rule; true when it succeeded and its changes should stay.
    fn run(&mut self, conn: &Connection, events: &mut Vec<Event>) -> bool;
    /// Replies once the batch's fate is known.
    fn finish(self: Box<Self>, committed: Result<(), AppError>);
}

struct TypedJob<T, F> {
    rule: Option<F>,
    result: Option<Result<T, AppError>>,
    reply: oneshot::Sender<Result<T, AppError>>,
}

impl<T, F> Job for TypedJob<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<Outcome<T>, AppError> + Send,
{
    fn run(&mut self, conn: &Connection, events: &mut Vec<Event>) -> bool {
        let Some(rule) = self.rule.take() else {
            return false;
        };
        match rule(conn) {
            Ok(outcome) => {
                events.extend(outcome.events);
                self.result = Some(Ok(outcome.value));
                true
            }
            Err(e) => {
                self.result = Some(Err(e));
                false
            }
        }
    }

    fn finish(self: Box<Self>, committed: Result<(), AppError>) {
        let reply = match (self.result, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (_, Err(e)) => Err(e),
            (None, Ok(())) => Err(AppError::Internal("job was never run".into())),
        };
        let _ = self.reply.send(reply);
    }
}

/// The handle doors use to hand work to the writer thread.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
    stats: Arc<WriterStats>,
}

impl Writer {
    /// Starts the thread that owns `conn` for the rest of the process.
    pub fn start(
        conn: Connection,
        batch_max: usize,
        events: mpsc::UnboundedSender<Event>,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let stats = Arc::new(WriterStats::default());
        let thread_stats = stats.clone();
        std::thread::Builder::new()
            .name("frontdesk-writer".into())
            .spawn(move || run(conn, rx, batch_max.max(1), events, &thread_stats))?;
        Ok(Writer { jobs: tx, stats })
    }

    /// Queues a rule and waits until its batch has committed (or failed).
    pub async fn submit<T, F>(&self, rule: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<Outcome<T>, AppError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = TypedJob {
            rule: Some(rule),
            result: None,
            reply,
        };
        self.jobs
            .send(Box::new(job))
            .await
            .map_err(|_| AppError::Unavailable("The server is shutting down".into()))?;
        answer
            .await
            .map_err(|_| AppError::Unavailable("The server is shutting down".into()))?
    }

    pub fn stats(&self) -> Arc<WriterStats> {
        self.stats.clone()
    }
}

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Box<dyn Job>>,
    batch_max: usize,
    events: mpsc::UnboundedSender<Event>,
    stats: &WriterStats,
) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(batch_max);
    let mut published: Vec<Event> = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        let started = Instant::now();
        batch.push(first);
        while batch.len() < batch_max {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (committed, commit_micros) = run_batch(&conn, &mut batch, &mut published);
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        stats.commit_micros.fetch_add(commit_micros, Ordering::Relaxed);
        match &committed {
            Ok(()) => {
                for event in published.drain(..) {
                    let _ = events.send(event);
                }
            }
            Err(_) => {
                stats.failed_commits.fetch_add(1, Ordering::Relaxed);
                published.clear();
            }
        }
        let jobs = batch.len();
        for job in batch.drain(..) {
            job.finish(committed.clone());
        }
        let busy = started.elapsed().as_micros() as u64;
        stats.busy_micros.fetch_add(busy, Ordering::Relaxed);
        tracing::trace!(jobs, busy_us = busy, commit_us = commit_micros, "batch");
    }
    // Every sender is gone: the process is shutting down and every batch has committed.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
}

/// Runs one statement without parameters through the statement cache.
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Runs the batch in one transaction; returns whether it committed and how long `COMMIT` took.
fn run_batch(
    conn: &Connection,
    batch: &mut [Box<dyn Job>],
    published: &mut Vec<Event>,
) -> (Result<(), AppError>, u64) {
    let abort = |e: rusqlite::Error| {
        let _ = exec(conn, "ROLLBACK");
        Err(e.into())
    };
    if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
        return (Err(e.into()), 0);
    }
    let mut events = Vec::new();
    for job in batch.iter_mut() {
        if let Err(e) = exec(conn, "SAVEPOINT job") {
            return (abort(e), 0);
        }
        let kept = job.run(conn, &mut events);
        let ended = if kept {
            exec(conn, "RELEASE job")
        } else {
            exec(conn, "ROLLBACK TO job").and_then(|()| exec(conn, "RELEASE job"))
        };
        if let Err(e) = ended {
            return (abort(e), 0);
        }
        if kept {
            published.append(&mut events);
        } else {
            events.clear();
        }
    }
    let committing = Instant::now();
    let committed = match exec(conn, "COMMIT") {
        Ok(()) => Ok(()),
        Err(e) => abort(e),
    };
    (committed, committing.elapsed().as_micros() as u64)
}
