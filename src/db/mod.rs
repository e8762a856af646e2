//! The database: one writer thread that owns every write (group commit, reply after commit) and
//! a pool of read-only connections. Nothing here runs SQLite on a tokio worker thread.

mod backup;
mod connection;
mod file_check;
mod postgres;
mod private_file;
mod restore;
mod schedule;
pub(crate) mod schema;
mod server_lock;
mod writer;

use std::path::Path;
use std::sync::Arc;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use tokio::sync::mpsc::UnboundedSender;

pub use backup::backup;
pub(crate) use postgres::error_text as pg_error_text;
pub use postgres::{Migrated, migrate_to_postgres};
pub use restore::{
    EXIT_BAD_BACKUP, EXIT_CANNOT_WRITE, EXIT_NO_INPUT, EXIT_SERVER_RUNNING, RestoreError, Restored,
    restore,
};
pub use schedule::BackupSchedule;
pub(crate) use schedule::run as run_backups;
pub use schema::{FILL_POSITIONS, LATEST_VERSION, SEARCH_INDEX};
pub use server_lock::{LockError, ServerLock};
pub(crate) use writer::WriterStats;

use crate::chat::Event;
use crate::chat::outbox::Subscriptions;
use crate::config::Config;
use crate::error::AppError;
use crate::store::sql::{Connection as Sql, PgConn};
use writer::WriteTo;

/// What a write rule returns: its value for the caller, and the events to announce once the
/// transaction holding it has committed (never before, so nobody hears of a change that is lost).
pub(crate) struct Outcome<T> {
    pub value: T,
    pub events: Vec<Event>,
}

impl<T> Outcome<T> {
    /// A change that nobody else needs to hear about.
    pub(crate) fn quiet(value: T) -> Self {
        Outcome {
            value,
            events: Vec::new(),
        }
    }

    /// A change with the events that announce it.
    pub(crate) fn with(value: T, events: Vec<Event>) -> Self {
        Outcome { value, events }
    }
}

/// Cheap to clone; every door shares one.
#[derive(Clone)]
pub struct Db {
    readers: Readers,
    writer: writer::Writer,
    /// The SQLite file; `None` on PostgreSQL.
    path: Option<std::path::PathBuf>,
    webhooks: Arc<Subscriptions>,
    lead: Lead,
}

/// Who runs the work that happens once per database (webhooks, e-mail, idle ends, alerts): the
/// one server of a SQLite file, always; on PostgreSQL the node that holds the lead
/// (db/postgres/leader.rs), once `Db::campaign` has started it.
#[derive(Clone)]
enum Lead {
    Always,
    Elected(Arc<Campaign>),
}

/// A node's bid for the lead; dropping the last handle ends it (and releases the lock).
#[derive(Default)]
struct Campaign {
    state: Arc<postgres::Leadership>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for Campaign {
    fn drop(&mut self) {
        if let Some(task) = self.task.get_mut().ok().and_then(Option::take) {
            task.abort();
        }
    }
}

/// Where reads run: read-only connections to the SQLite file, or the node's PostgreSQL pool.
#[derive(Clone)]
enum Readers {
    Lite(r2d2::Pool<SqliteConnectionManager>),
    Pg(deadpool_postgres::Pool, tokio::runtime::Handle),
}

impl Db {
    /// Opens (creating or upgrading) the database at `config.db_path`, starts the writer thread,
    /// and sends every committed event to `events`. A file that is not a usable SQLite database
    /// is refused with a message and left untouched.
    pub(crate) fn open(config: &Config, events: UnboundedSender<Event>) -> Result<Db, String> {
        if let Some(url) = &config.database_url {
            return Db::open_postgres(url, config, events);
        }
        let path = config.db_path.as_path();
        connection::check_is_sqlite(path)?;
        file_check::check_not_truncated(path)?;
        private_file::ensure_private(path)?;
        let mut conn = connection::open_writer(path, config.busy_timeout_ms)
            .map_err(|e| format!("cannot open database {}: {e}", path.display()))?;
        schema::apply(&mut conn).map_err(|e| format!("database {}: {e}", path.display()))?;
        // After a checkpoint resets the WAL, cut the file back to this size, so a burst of
        // writes does not leave a large -wal file behind for good.
        conn.pragma_update(None, "journal_size_limit", 16 * 1024 * 1024)
            .map_err(|e| format!("cannot limit the WAL size: {e}"))?;
        if let Some(bytes) = config.max_db_bytes {
            let page_size: i64 = conn
                .pragma_query_value(None, "page_size", |r| r.get(0))
                .map_err(|e| format!("cannot read the page size: {e}"))?;
            let pages = (bytes / page_size.max(1) as u64).max(1) as i64;
            conn.pragma_update(None, "max_page_count", pages)
                .map_err(|e| format!("cannot cap the database size: {e}"))?;
        }
        let readers = connection::reader_pool(path, config.read_pool_size, config.busy_timeout_ms)
            .map_err(|e| format!("cannot open database {}: {e}", path.display()))?;
        let webhooks = Subscriptions::load(&Sql::Lite(&conn), config.webhooks.retry_window)
            .map_err(|e| format!("cannot read the webhooks: {e}"))?;
        let webhooks = Arc::new(webhooks);
        let search = crate::store::search::SearchIndexer::start(&Sql::Lite(&conn))
            .map_err(|e| format!("cannot read the newest message: {e}"))?;
        let writer = writer::Writer::start(
            WriteTo::Lite(conn),
            config.write_batch_max,
            events,
            webhooks.clone(),
            Some(search),
        )
        .map_err(|e| format!("cannot start the writer thread: {e}"))?;
        Ok(Db {
            readers: Readers::Lite(readers),
            writer,
            path: Some(path.to_path_buf()),
            webhooks,
            lead: Lead::Always,
        })
    }

    /// [`Db::open`] on the cluster's PostgreSQL: the schema is created in an empty database or
    /// checked, and the node's writer and reads share one pool. Runs on a blocking thread of
    /// the runtime (as `server::open_db` calls it).
    fn open_postgres(
        url: &str,
        config: &Config,
        events: UnboundedSender<Event>,
    ) -> Result<Db, String> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "PostgreSQL is opened from within the server's runtime".to_string())?;
        let wait = std::time::Duration::from_millis(config.busy_timeout_ms.max(1_000));
        let size = config.read_pool_size as usize + 1;
        let pool = postgres::pool(url, config.database_ca.as_deref(), size, wait)?;
        runtime.block_on(postgres::ensure_schema(&pool))?;
        let client = runtime
            .block_on(pool.get())
            .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
        let webhooks = Subscriptions::load(
            &Sql::Pg(&PgConn::new(client, runtime.clone())),
            config.webhooks.retry_window,
        )
        .map_err(|e| format!("cannot read the webhooks: {e}"))?;
        let webhooks = Arc::new(webhooks);
        let to = WriteTo::Pg {
            pool: pool.clone(),
            runtime: runtime.clone(),
        };
        let writer =
            writer::Writer::start(to, config.write_batch_max, events, webhooks.clone(), None)
                .map_err(|e| format!("cannot start the writer thread: {e}"))?;
        Ok(Db {
            readers: Readers::Pg(pool, runtime),
            writer,
            path: None,
            webhooks,
            lead: Lead::Elected(Arc::default()),
        })
    }

    /// Starts bidding for the lead on PostgreSQL (a serving node does; the `user` command and
    /// tests' second handles do not). Nothing to do on SQLite.
    pub(crate) fn campaign(&self, config: &Config) {
        if let (Lead::Elected(campaign), Some(url)) = (&self.lead, &config.database_url)
            && let Ok(mut task) = campaign.task.lock()
            && task.is_none()
        {
            *task = Some(postgres::campaign(
                url.clone(),
                config.database_ca.clone(),
                campaign.state.clone(),
            ));
        }
    }

    /// Stops bidding and gives the lead up (a node that stops serving).
    pub(crate) fn resign(&self) {
        if let Lead::Elected(campaign) = &self.lead {
            campaign.state.resign();
            if let Some(task) = campaign.task.lock().ok().and_then(|mut t| t.take()) {
                task.abort();
            }
        }
    }

    /// Whether this process runs the once-per-database work now.
    pub(crate) fn leads(&self) -> bool {
        match &self.lead {
            Lead::Always => true,
            Lead::Elected(campaign) => campaign.state.leads(),
        }
    }

    /// How often background work looks for what other processes wrote: on PostgreSQL other
    /// nodes commit work this one cannot hear of, so the leader looks every second (and a
    /// follower checks as often whether it leads now); `None` on SQLite, where every write is
    /// this process's own and wakes the work itself.
    pub(crate) fn shared_poll(&self) -> Option<std::time::Duration> {
        self.shared().then_some(postgres::LEAD_TRY_EVERY)
    }

    /// Whether other processes may be writing the same database now (PostgreSQL's nodes).
    pub(crate) fn shared(&self) -> bool {
        matches!(self.lead, Lead::Elected(_))
    }

    /// [`Db::open`] for a process that serves nobody (the `user` command, the load tool's
    /// benchmarks, tests that prepare a database): committed changes are announced to no one.
    pub async fn open_unannounced(config: &Config) -> Result<Db, String> {
        let (events, _) = tokio::sync::mpsc::unbounded_channel();
        crate::server::open_db(config, events).await
    }

    /// Runs a read on a pooled read-only connection, off the async runtime.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Sql) -> Result<T, AppError> + Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || match readers {
            Readers::Lite(pool) => f(&Sql::Lite(&*pool.get()?)),
            Readers::Pg(pool, runtime) => {
                let client = runtime.block_on(pool.get()).map_err(|e| {
                    tracing::error!(error = %e, "no PostgreSQL connection for a read");
                    AppError::Unavailable("The database is unreachable; try again".into())
                })?;
                f(&Sql::Pg(&PgConn::new(client, runtime)))
            }
        })
        .await
        .map_err(|e| AppError::Internal(format!("read task failed: {e}")))?
    }

    /// Runs a write rule on the writer thread inside a `BEGIN IMMEDIATE` batch and returns its
    /// value once the batch has committed; its events are announced in commit order first.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&Sql) -> Result<Outcome<T>, AppError> + Send + 'static,
    {
        self.writer.submit(f).await
    }

    /// Copies every committed page into the database file and empties the WAL, so older
    /// versions of pages (which an erasure overwrote) are gone from the WAL too. Waits briefly
    /// for readers that still hold an older snapshot.
    pub(crate) async fn checkpoint_truncate(&self) -> Result<(), AppError> {
        // PostgreSQL keeps no log of old row versions for readers to find; its dead rows are
        // reclaimed by (auto)vacuum.
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || {
            let conn = Connection::open(&path)?;
            for _ in 0..100 {
                let busy: i64 =
                    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
                if busy == 0 {
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(AppError::Unavailable(
                "the database is busy; the erasure is saved, try again to clear the log".into(),
            ))
        })
        .await
        .map_err(|e| AppError::Internal(format!("checkpoint task failed: {e}")))?
    }

    /// Counters of the writer, for metrics and the load tool.
    pub(crate) fn writer_stats(&self) -> Arc<WriterStats> {
        self.writer.stats()
    }

    /// The webhook types someone subscribes to, and the dispatcher's wake-up (chat/outbox.rs).
    pub(crate) fn webhooks(&self) -> &Arc<Subscriptions> {
        &self.webhooks
    }

    /// What the rules count, for metrics.
    pub(crate) fn tally(&self) -> &Arc<crate::chat::Tally> {
        self.writer.tally()
    }
}

/// Opens the file without the writer, for commands that only read (`user list`).
pub(crate) fn open_read_only(path: &Path) -> Result<Connection, String> {
    connection::check_is_sqlite(path)?;
    file_check::check_not_truncated(path)?;
    connection::open_reader(path, 5_000).map_err(|e| format!("cannot open {}: {e}", path.display()))
}

/// Makes a rename into the folder holding `path` durable (a crash right after it keeps it).
pub(crate) fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(handle) = std::fs::File::open(dir)
    {
        let _ = handle.sync_all();
    }
}
