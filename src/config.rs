//! Every setting and limit in one place, built once from flags and the environment (cli.rs) or
//! by a test, and validated before anything starts.

use std::path::PathBuf;
use std::time::Duration;

/// The whole configuration of a running server. `Config::new` gives the defaults a shop gets.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the database file lives; created on first run.
    pub db_path: PathBuf,
    /// The cluster's PostgreSQL (`postgres://...`); when set, `db_path` is not used for data
    /// and this node shares its state with every other node on the same database.
    pub database_url: Option<String>,
    /// The CA that signed PostgreSQL's certificate, for `sslmode=require` (else the system's).
    pub database_ca: Option<PathBuf>,
    /// The cluster's Redis (`redis://host:6379/?protocol=resp3`), through which the nodes on
    /// one `database_url` share their Socket.IO rooms. `None`: this is the only node.
    pub redis_url: Option<String>,
    /// Signing secret for tokens. `None`: generated on first run and kept in the database.
    pub jwt_secret: Option<String>,
    /// The secret the shop's own site signs its customers' identity tokens with (HS256, at least
    /// 32 bytes; contract §8). `None`: the shop's sign-in is off (`POST /api/auth/site` is 404).
    pub site_secret: Option<String>,
    /// How long an access token is valid.
    pub token_ttl: Duration,
    /// How long a write waits for another process's lock before answering 503.
    pub busy_timeout_ms: u64,
    /// Largest the database may grow, in bytes (`None`: as large as the disk allows). Past it,
    /// writes are refused with 503 and nothing half-written is kept.
    pub max_db_bytes: Option<u64>,
    /// Read-only connections kept open for reads.
    pub read_pool_size: u32,
    /// The most writes committed together in one transaction.
    pub write_batch_max: usize,
    /// Largest accepted REST body (413 beyond).
    pub max_body_bytes: usize,
    /// List endpoints: page size when none is asked for, and the most that may be asked for.
    pub page_default: u32,
    pub page_max: u32,
    /// The most messages one catch-up `room_history` holds (`join_room` with `afterMessageId`).
    pub catch_up_max: u32,
    /// Socket.IO transport limits.
    pub socket: SocketLimits,
    /// How often a user or client may do things before getting 429 / `error`.
    pub rates: RateLimits,
    /// The web consoles and the customer page.
    pub console: ConsoleSettings,
    /// Web origins (like `https://shop.example`) whose pages may call the API and Socket.IO
    /// from the browser. Empty: same origin only. The chat widget needs none (it opens our own
    /// page in a frame).
    pub cors_origins: Vec<String>,
    /// Files sent with messages (contract §9).
    pub attachments: AttachmentLimits,
    /// How often sessions are checked against the shop's `autoEndIdleMinutes`.
    pub idle_check_every: Duration,
    /// HTTPS on the main address, from files or an ACME CA (src/tls/); off by default.
    pub tls: crate::tls::Tls,
    /// A plain-HTTP address that redirects to HTTPS (only with `tls` on).
    pub http_redirect: Option<crate::tls::PlainHttp>,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` / `X-Forwarded-Proto` are believed
    /// (proxy.rs). Empty: every such header is ignored and the peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Backups on a schedule (db/schedule.rs); `None`: only `frontdesk backup` by hand.
    pub backups: Option<crate::db::BackupSchedule>,
    /// How webhook deliveries are sent and retried (contract §11).
    pub webhooks: WebhookSettings,
    /// E-mail over SMTP (waiting alerts, transcripts); `None`: e-mail is off and nothing tries
    /// to send or writes a mail.
    pub mail: Option<MailSettings>,
}

/// Where and how e-mail is sent (src/mail/). Mails wait in the database's outbox, so an SMTP
/// server that is down for a while only delays them.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://user:pass@host:port` (plain, or STARTTLS with `?tls=required` /
    /// `?tls=opportunistic`) or `smtps://user:pass@host:port` (TLS from the first byte), as
    /// lettre reads it.
    pub smtp_url: String,
    /// The `From:` mailbox, like `Shop support <support@shop.example>`.
    pub from: String,
    /// How long one SMTP conversation may take before it counts as failed.
    pub timeout: Duration,
    /// The first retry's delay (before jitter); each later one doubles, up to an hour.
    pub first_retry: Duration,
    /// How long a mail is retried before it is marked failed.
    pub retry_window: Duration,
    /// How often waiting sessions are checked against the shop's `emailAlertWaitMinutes`.
    pub alert_check_every: Duration,
}

impl MailSettings {
    /// The defaults for a server at `smtp_url` sending as `from`.
    pub fn new(smtp_url: impl Into<String>, from: impl Into<String>) -> MailSettings {
        MailSettings {
            smtp_url: smtp_url.into(),
            from: from.into(),
            timeout: Duration::from_secs(30),
            first_retry: Duration::from_secs(20),
            retry_window: Duration::from_secs(24 * 3600),
            alert_check_every: Duration::from_secs(30),
        }
    }

    fn validate(&self) -> Result<(), String> {
        let scheme = self.smtp_url.split("://").next().unwrap_or("");
        if scheme != "smtp" && scheme != "smtps" {
            return Err(format!(
                "FRONTDESK_SMTP_URL must start with smtp:// or smtps://, like \
                 smtps://user:password@mail.example:465 (got `{scheme}://...`)"
            ));
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "FRONTDESK_SMTP_FROM `{}` is not an e-mail address; write it like \
                 `support@shop.example` or `Shop support <support@shop.example>`",
                self.from
            ));
        }
        Ok(())
    }
}

/// Webhook deliveries: a slow receiver must never slow the chat, and one that is down for a
/// day must still get every event.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// How long one delivery may take (connect, send, answer) before it counts as failed.
    pub timeout: Duration,
    /// The most deliveries in flight at once, over all endpoints.
    pub concurrency: usize,
    /// The first retry's delay (before jitter); each later one doubles, up to an hour.
    pub first_retry: Duration,
    /// How long a delivery is retried before it is marked failed.
    pub retry_window: Duration,
}

/// How much a room's files may take. Files live in the database (so the backup has them); the
/// total keeps one busy month of photos from filling the disk the chat needs.
#[derive(Debug, Clone)]
pub struct AttachmentLimits {
    /// Largest file, in bytes (413 beyond).
    pub max_file_bytes: u64,
    /// Largest all files together may be, in bytes (413 for the upload that would pass it).
    pub max_total_bytes: u64,
    /// The most files one message may carry.
    pub per_message: usize,
}

/// Per-user and per-client rates: a steady rate plus a burst a person never notices.
#[derive(Debug, Clone)]
pub struct RateLimits {
    /// Failed sign-ins one client address may make for one user name per minute (429 with
    /// `Retry-After` beyond, for that address only).
    pub login_per_name_per_minute: u32,
    /// Failed sign-ins for one user name from all addresses in 15 minutes before every attempt
    /// on it is slowed (never refused); see rate/sign_in.rs.
    pub login_per_name_ceiling: u32,
    /// Sign-in and sign-up attempts per client address per minute.
    pub login_per_address_per_minute: u32,
    /// `send_message` per user: per second, and the burst allowed on top.
    pub messages_per_second: u32,
    pub messages_burst: u32,
    /// `typing` per user per second (burst the same).
    pub typing_per_second: u32,
    /// `join_room`, `join_session`, `leave_*` and `mark_read` per user per second (burst x4).
    pub joins_per_second: u32,
}

/// Limits of the Socket.IO transport (see socketioxide's builder for their meaning).
#[derive(Debug, Clone)]
pub struct SocketLimits {
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    /// An Engine.IO connection that joins no namespace within this is dropped.
    pub connect_timeout: Duration,
    /// Largest accepted packet, on polling and websocket alike.
    pub max_payload: u64,
    /// Outgoing packets queued per socket before it counts as not reading.
    pub max_buffer_size: usize,
    /// Per-socket websocket read buffer; small keeps idle sockets cheap.
    pub ws_read_buffer_size: usize,
}

impl Config {
    /// The defaults for a database at `db_path`.
    pub fn new(db_path: impl Into<PathBuf>) -> Config {
        Config {
            db_path: db_path.into(),
            jwt_secret: None,
            site_secret: None,
            token_ttl: Duration::from_secs(7 * 24 * 3600),
            database_url: None,
            database_ca: None,
            redis_url: None,
            busy_timeout_ms: 5_000,
            max_db_bytes: None,
            read_pool_size: 8,
            write_batch_max: 512,
            max_body_bytes: 64 * 1024,
            page_default: 50,
            page_max: 100,
            catch_up_max: 500,
            socket: SocketLimits {
                ping_interval: Duration::from_secs(25),
                ping_timeout: Duration::from_secs(20),
                connect_timeout: Duration::from_secs(10),
                max_payload: 64 * 1024,
                max_buffer_size: 4096,
                ws_read_buffer_size: 1024,
            },
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            backups: None,
            rates: RateLimits {
                login_per_name_per_minute: 10,
                login_per_name_ceiling: 100,
                login_per_address_per_minute: 60,
                messages_per_second: 10,
                messages_burst: 30,
                typing_per_second: 5,
                joins_per_second: 10,
            },
            console: ConsoleSettings::new(),
            attachments: AttachmentLimits {
                max_file_bytes: 10 * 1024 * 1024,
                max_total_bytes: 5 * 1024 * 1024 * 1024,
                per_message: 10,
            },
            idle_check_every: Duration::from_secs(30),
            tls: crate::tls::Tls::Off,
            http_redirect: None,
            webhooks: WebhookSettings {
                timeout: Duration::from_secs(10),
                concurrency: 16,
                first_retry: Duration::from_secs(20),
                retry_window: Duration::from_secs(24 * 3600),
            },
            mail: None,
        }
    }

    /// Checks what flags and environment cannot express, with guidance for the operator.
    pub fn validate(&self) -> Result<(), String> {
        if self.database_url.is_some() && self.backups.is_some() {
            return Err(
                "--backup-dir copies the SQLite file; with --database-url back up \
                        PostgreSQL with pg_dump or your provider's backups"
                    .into(),
            );
        }
        if self.redis_url.is_some() && self.database_url.is_none() {
            return Err(
                "--redis-url joins the nodes of a cluster, which share one PostgreSQL: \
                        set --database-url too (a SQLite file has one node)"
                    .into(),
            );
        }
        if self.database_url.is_some() && self.max_db_bytes.is_some() {
            return Err(
                "--max-db-mb caps the SQLite file; with --database-url PostgreSQL's \
                        own limits apply"
                    .into(),
            );
        }
        if let Some(secret) = &self.jwt_secret
            && secret.len() < 32
        {
            return Err(format!(
                "FRONTDESK_JWT_SECRET is {} bytes; it must be at least 32. Generate one with \
                 `openssl rand -hex 32`, or unset it to let Frontdesk generate and keep one.",
                secret.len()
            ));
        }
        if let Some(secret) = &self.site_secret
            && secret.len() < 32
        {
            return Err(format!(
                "FRONTDESK_SITE_SECRET is {} bytes; it must be at least 32. Generate one with \
                 `openssl rand -hex 32` and give the same value to the shop's site.",
                secret.len()
            ));
        }
        self.console.validate()?;
        let files = &self.attachments;
        if files.max_file_bytes == 0 || files.per_message == 0 {
            return Err(
                "attachment limits must be at least 1 (file size and files per message)".into(),
            );
        }
        self.tls.validate()?;
        if self.http_redirect.is_some() && !self.tls.is_on() {
            return Err(
                "--http-addr redirects to HTTPS: give --tls-cert and --tls-key, or \
                        --acme-domain, too"
                    .into(),
            );
        }
        if let Some(backups) = &self.backups {
            backups.validate()?;
        }
        if let Some(mail) = &self.mail {
            mail.validate()?;
        }
        if self.page_default == 0 || self.page_default > self.page_max {
            return Err("the default page size must be between 1 and the maximum".into());
        }
        Ok(())
    }

    /// Clamps a requested page size to the configured range.
    pub fn page_limit(&self, asked: Option<u32>) -> u32 {
        asked.unwrap_or(self.page_default).clamp(1, self.page_max)
    }
}

/// Settings of the built-in web pages (console/).
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// Mark the console cookie `Secure` even when no proxy says `X-Forwarded-Proto: https`
    /// (for a TLS-terminating proxy that does not send it).
    pub secure_cookies: bool,
    /// How long a console sign-in lasts.
    pub session_ttl: Duration,
    /// Origins allowed to embed the customer page (`/chat`) in a frame, i.e. the shop sites
    /// that paste the widget. Empty: any site may (`frame-ancestors *`).
    pub embed_origins: Vec<String>,
}

impl ConsoleSettings {
    /// Cookies marked Secure only on HTTPS, twelve-hour sign-ins, embeddable anywhere.
    pub fn new() -> ConsoleSettings {
        ConsoleSettings {
            secure_cookies: false,
            session_ttl: Duration::from_secs(12 * 3600),
            embed_origins: Vec::new(),
        }
    }

    /// Each embedding origin must be safe to place in a `Content-Security-Policy` header.
    fn validate(&self) -> Result<(), String> {
        match self.embed_origins.iter().find(|o| !valid_origin(o)) {
            Some(bad) => Err(format!(
                "FRONTDESK_WIDGET_ORIGINS: `{bad}` is not an origin; write it like \
                 `https://shop.example` (scheme and host, optional port, no path)"
            )),
            None => Ok(()),
        }
    }
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings::new()
    }
}

/// `https://host[:port]` or `http://host[:port]`, with nothing a CSP header could be broken by.
fn valid_origin(o: &str) -> bool {
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"));
    rest.is_some_and(|host| {
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'*'))
    })
}
