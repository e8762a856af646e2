//! The command line: `serve`, `backup`, `restore`, `migrate-to-postgres`, and
//! `user create|set-password|deactivate|activate|list` for the operator. Every flag can also come
//! from the environment; the `///` comments are the `--help` text.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod mail_args;
mod store_args;
mod tls_args;
mod users;

use crate::db;
pub use store_args::{DatabaseUrlArg, DbArg, StoreArg};
pub use users::UserCommand;

/// Frontdesk: live customer-support chat in one binary.
#[derive(Debug, Parser)]
#[command(name = "frontdesk", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How log lines (on stderr) look: `text` for people, `json` (one object per line) for a
    /// log collector such as journald's or Loki's.
    #[arg(long, global = true, env = "FRONTDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// The `--log-format` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (REST API, Socket.IO, API docs).
    Serve(Box<ServeArgs>),
    /// Manage users from the command line (works while the server runs).
    #[command(subcommand)]
    User(UserCommand),
    /// Copy the database to FILE, consistently, while the server runs.
    Backup {
        /// The new file to write (must not exist).
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Put a backup FILE in place of the database (--db). The server must be stopped; the
    /// database it replaces is kept beside it as <db>.before-restore-<time>.
    #[command(after_help = RESTORE_EXIT_CODES)]
    Restore {
        /// The backup to restore (from `frontdesk backup` or --backup-dir).
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Copy the database (--db) into a new, empty PostgreSQL database (--database-url), all in
    /// one transaction, and check the copy by counting every table on both sides. The server
    /// must be stopped; the SQLite file is only read (an older one is first brought to this
    /// build's schema, as `serve` would). See docs/SCALING.md.
    MigrateToPostgres {
        /// The SQLite database file to copy (it must exist).
        #[arg(long, env = "FRONTDESK_DB", default_value = "./frontdesk.db")]
        db: PathBuf,
        #[command(flatten)]
        postgres: DatabaseUrlArg,
    },
}

/// `restore --help`'s closing text; the numbers are db::EXIT_* (BSD sysexits).
const RESTORE_EXIT_CODES: &str = "Exit codes:
  0   restored
  65  FILE is not a usable Frontdesk backup (not SQLite, fails PRAGMA integrity_check, not a
      Frontdesk database, or from a newer Frontdesk); nothing was changed
  66  FILE does not exist or cannot be read; nothing was changed
  73  the database cannot be written
  75  a server is running on the database: stop it and run the restore again; nothing was changed";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FRONTDESK_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: String,
    #[command(flatten)]
    pub db: StoreArg,
    /// The cluster's Redis, through which nodes on one --database-url share their Socket.IO
    /// rooms: `redis://host:6379/?protocol=resp3` (RESP3: Redis or Valkey 7 and later). When
    /// the connection breaks the node reports unhealthy and exits, for its supervisor to
    /// restart it. See docs/SCALING.md.
    #[arg(long, env = "FRONTDESK_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Secret that signs access tokens (at least 32 bytes). Unset: generated and kept in the database.
    #[arg(long, env = "FRONTDESK_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Secret the shop's own site signs identity tokens with (HS256, at least 32 bytes); unset:
    /// the shop's sign-in (`POST /api/auth/site`) is off.
    #[arg(long, env = "FRONTDESK_SITE_SECRET", hide_env_values = true)]
    pub site_secret: Option<String>,
    /// Hours an access token stays valid.
    #[arg(long, env = "FRONTDESK_TOKEN_TTL_HOURS", default_value_t = 168)]
    pub token_ttl_hours: u64,
    /// Origins whose browser pages may call the API and Socket.IO (comma-separated,
    /// e.g. `https://shop.example`). Unset: same origin only.
    #[arg(long, env = "FRONTDESK_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Largest the database file may grow, in MiB (unset: no cap). Past it, writes get 503.
    #[arg(long, env = "FRONTDESK_MAX_DB_MB")]
    pub max_db_mb: Option<u64>,
    /// Messages a user may send per second (a burst of three times this is allowed on top).
    #[arg(long, env = "FRONTDESK_MESSAGES_PER_SECOND", default_value_t = 10)]
    pub messages_per_second: u32,
    /// Failed sign-ins one client address may make for one user name per minute; past it that
    /// address (only) gets 429 for that name. Other addresses are never locked out.
    #[arg(long, env = "FRONTDESK_LOGINS_PER_MINUTE", default_value_t = 10)]
    pub logins_per_minute: u32,
    /// Sign-in and sign-up attempts allowed per client address per minute.
    #[arg(
        long,
        env = "FRONTDESK_LOGINS_PER_ADDRESS_PER_MINUTE",
        default_value_t = 60
    )]
    pub logins_per_address_per_minute: u32,
    /// Always mark the console cookie Secure (it already is when a proxy sends
    /// X-Forwarded-Proto: https).
    #[arg(long, env = "FRONTDESK_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Reverse proxies (CIDR blocks or addresses, comma-separated, e.g. `127.0.0.1/32,::1`)
    /// whose Forwarded / X-Forwarded-For / X-Forwarded-Proto headers name the client and its
    /// scheme. From any other address those headers are ignored. Unset: none is trusted.
    #[arg(long, env = "FRONTDESK_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// Take a backup into this folder every --backup-every (created if missing). Unset: no
    /// scheduled backups (`frontdesk backup` still works by hand).
    #[arg(long, env = "FRONTDESK_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// How often to back up with --backup-dir, like `6h`, `30m` or `1d`.
    #[arg(long, env = "FRONTDESK_BACKUP_EVERY", default_value = "6h", value_parser = humantime::parse_duration)]
    pub backup_every: std::time::Duration,
    /// How many of the newest scheduled backups to keep; older ones are deleted.
    #[arg(long, env = "FRONTDESK_BACKUP_KEEP", default_value_t = 7)]
    pub backup_keep: usize,
    /// Shop sites allowed to embed the chat widget, comma-separated origins such as
    /// https://shop.example. Unset: any site may embed it.
    #[arg(long, env = "FRONTDESK_WIDGET_ORIGINS", value_delimiter = ',')]
    pub widget_origins: Vec<String>,
    /// Largest file a customer or staff member may send, in MiB.
    #[arg(long, env = "FRONTDESK_MAX_FILE_MB", default_value_t = 10)]
    pub max_file_mb: u64,
    /// Room for all sent files together, in MiB (they are kept in the database).
    #[arg(long, env = "FRONTDESK_MAX_FILES_TOTAL_MB", default_value_t = 5120)]
    pub max_files_total_mb: u64,
    /// The most files one message may carry.
    #[arg(long, env = "FRONTDESK_FILES_PER_MESSAGE", default_value_t = 10)]
    pub files_per_message: usize,
    #[command(flatten)]
    pub tls: tls_args::TlsArgs,
    #[command(flatten)]
    pub mail: mail_args::MailArgs,
    /// Seconds a webhook receiver has to answer one delivery before it is retried later.
    #[arg(long, env = "FRONTDESK_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    pub webhook_timeout_seconds: u64,
    /// The most webhook deliveries in flight at once.
    #[arg(long, env = "FRONTDESK_WEBHOOK_CONCURRENCY", default_value_t = 16)]
    pub webhook_concurrency: usize,
    /// Milliseconds before a failed webhook delivery's first retry (each later one waits twice
    /// as long, up to an hour, for 24 hours).
    #[arg(
        long,
        env = "FRONTDESK_WEBHOOK_FIRST_RETRY_MS",
        default_value_t = 20_000
    )]
    pub webhook_first_retry_ms: u64,
}

/// Runs a parsed command line; the exit code says whether it worked.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(cli.log_format);
    return_large_allocations_to_the_system();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    let result = match cli.command {
        Command::Restore { file, db } => return restore(&file, &db.db),
        Command::Serve(args) => runtime.block_on(serve(*args)),
        Command::User(command) => users::run(&runtime, command),
        Command::MigrateToPostgres { db, postgres } => runtime
            .block_on(db::migrate_to_postgres(
                &db,
                &postgres.database_url,
                postgres.database_ca.as_deref(),
            ))
            .map(|done| {
                let rows: i64 = done.tables.iter().map(|(_, n)| n).sum();
                for (table, n) in &done.tables {
                    println!("{table}: {n} rows");
                }
                for (table, n) in &done.replaced {
                    eprintln!(
                        "frontdesk: {table}: {n} text values held a NUL character or bytes that \
                         are not UTF-8, which PostgreSQL cannot store; they were copied with \
                         U+FFFD in their place"
                    );
                }
                println!(
                    "copied {} into PostgreSQL: {rows} rows in {} tables, the same count in each \
                     on both sides",
                    db.display(),
                    done.tables.len()
                );
            }),
        Command::Backup { file, db } => db::backup(&db.db, &file).map(|messages| {
            println!(
                "backed up {} to {} ({messages} messages)",
                db.db.display(),
                file.display()
            );
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// glibc serves the first large allocation (an argon2 hash's 19 MiB) with `mmap`, then raises
/// its threshold to that size, so later hashes come from the heap and stay in each thread's
/// arena after they are freed: hundreds of MiB held after a burst of sign-ins. A fixed
/// threshold keeps large blocks on `mmap`, returned to the system when freed
/// (docs/PERFORMANCE.md, fix 4).
fn return_large_allocations_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; it is called before any other thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

fn restore(file: &std::path::Path, db: &std::path::Path) -> ExitCode {
    match db::restore(file, db) {
        Ok(done) => {
            println!(
                "restored {} into {} ({} users, {} messages)",
                file.display(),
                db.display(),
                done.users,
                done.messages
            );
            if let Some(previous) = done.previous {
                println!("the database it replaced is kept as {}", previous.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("frontdesk: {}", e.message);
            ExitCode::from(e.exit_code)
        }
    }
}

fn fail(message: String) -> ExitCode {
    eprintln!("frontdesk: {message}");
    ExitCode::FAILURE
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("frontdesk=info,warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
    };
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let mut config = args.db.config();
    config.redis_url = args.redis_url;
    config.jwt_secret = args.jwt_secret;
    config.site_secret = args.site_secret;
    config.token_ttl = std::time::Duration::from_secs(args.token_ttl_hours.max(1) * 3600);
    config.cors_origins = args
        .cors_origins
        .iter()
        .map(|o| o.trim().to_string())
        .collect();
    config.max_db_bytes = args.max_db_mb.map(|mb| mb * 1024 * 1024);
    config.rates.messages_per_second = args.messages_per_second;
    config.rates.messages_burst = args.messages_per_second.saturating_mul(3);
    config.rates.login_per_name_per_minute = args.logins_per_minute;
    config.rates.login_per_address_per_minute = args.logins_per_address_per_minute;
    config.console.secure_cookies = args.secure_cookies;
    config.console.embed_origins = args
        .widget_origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .collect();
    config.attachments.max_file_bytes = args.max_file_mb.saturating_mul(1024 * 1024);
    config.attachments.max_total_bytes = args.max_files_total_mb.saturating_mul(1024 * 1024);
    config.attachments.per_message = args.files_per_message;
    (config.tls, config.http_redirect) = args.tls.settings(&config.db_path);
    config.trusted_proxies = crate::proxy::parse_trusted(&args.trusted_proxies)?;
    config.backups = args.backup_dir.map(|dir| db::BackupSchedule {
        dir,
        every: args.backup_every,
        keep: args.backup_keep,
    });
    config.webhooks.timeout = std::time::Duration::from_secs(args.webhook_timeout_seconds.max(1));
    config.webhooks.concurrency = args.webhook_concurrency.max(1);
    config.webhooks.first_retry = std::time::Duration::from_millis(args.webhook_first_retry_ms);
    config.mail = args.mail.settings();
    config.validate()?;
    let stop = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    crate::server::run(config, listener, stop).await
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called (before the
/// server says it listens), so a signal that comes right after start-up still stops it cleanly.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (term, int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(term) => {},
                _ = wait(int) => {},
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    }
}
