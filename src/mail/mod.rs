//! E-mail (issue 14): staff's waiting alerts and customers' transcripts, sent through the SMTP
//! server of `--smtp-url` from the mail outbox (`mail_outbox`, store/mail.rs). A mail row is
//! written in the same transaction as the change that causes it (chat/mail.rs: the sweep that
//! marks a session alerted, the transcript request with its rate limit), so a rolled-back
//! change never mails and a committed one always does. One sender task here delivers the
//! pending rows one after another, with backoff and jitter for `retry_window`, and marks each
//! sent in its own write right after the server's 250.
//!
//! At least once, not exactly once: SMTP has no idempotency key. If the process dies (or the
//! database write fails) between the server's 250 for the message and the commit of "sent",
//! the row is still pending and the mail is sent again after the restart. The window is one
//! write long (about a millisecond); a copy sent twice has the same `Message-ID`
//! (`<frontdesk.mail.<row id>.<created ms>@<from domain>>`, compose.rs), which mail clients
//! and many servers use to show it once. A mail is never lost to a crash: before the 250 it
//! simply stays pending. A permanent refusal (5xx, e.g. an unknown mailbox) is not retried.
//!
//! Without `--smtp-url` none of this runs: no row is written and nothing connects.

pub(crate) mod compose;

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::MailSettings;
use crate::db::{Db, Outcome};
use crate::store::mail::{self, DueMail};
use crate::time::now_ms;

/// How long the sender sleeps with nothing due, in case a mail was written by another process
/// on the same database (which cannot wake it).
const IDLE_POLL: Duration = Duration::from_secs(30);

/// The longest wait between two attempts, however many failed.
const MAX_DELAY: Duration = Duration::from_secs(3600);

/// How many due mails are read at once.
const BATCH: usize = 20;

/// What the rules and the sender share: the settings and the signal that wakes the sender
/// after a commit that wrote mail. Present in the app only with `--smtp-url`.
pub(crate) struct Mailer {
    pub(crate) settings: MailSettings,
    wake: tokio::sync::Notify,
}

impl Mailer {
    pub(crate) fn new(settings: MailSettings) -> Mailer {
        Mailer {
            settings,
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Tells the sender that mail was committed.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Stops the sender when dropped; a mail in the middle of its SMTP conversation stays pending
/// and is sent again after the restart.
pub(crate) struct Sender {
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Starts the sender task for `mailer`'s SMTP server.
pub(crate) fn start(db: Db, mailer: Arc<Mailer>) -> Result<Sender, String> {
    let s = &mailer.settings;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&s.smtp_url)
        .map_err(|e| format!("--smtp-url is not usable: {e}"))?
        .timeout(Some(s.timeout))
        .build();
    let from: Mailbox = s
        .from
        .parse()
        .map_err(|e| format!("--smtp-from is not a mailbox: {e}"))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        tokio::select! {
            () = run(db, mailer, transport, from) => {}
            _ = stopped => {}
        }
    });
    Ok(Sender { _stop: stop })
}

async fn run(
    db: Db,
    mailer: Arc<Mailer>,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
) {
    loop {
        // In a cluster only the leading node sends (db/postgres/leader.rs).
        if let Some(poll) = db.shared_poll()
            && !db.leads()
        {
            tokio::time::sleep(poll).await;
            continue;
        }
        let now = now_ms();
        let found = db
            .read(move |conn| Ok((mail::due(conn, now, BATCH)?, mail::next_due(conn)?)))
            .await;
        let mut wait = db.shared_poll().map_or(IDLE_POLL, |p| IDLE_POLL.min(p));
        match found {
            Ok((due, next)) => {
                let full = due.len() == BATCH;
                for m in due {
                    let (error, retry_at) = attempt(&transport, &from, &m, &mailer).await;
                    let id = m.id;
                    let recorded = db
                        .write(move |conn| {
                            match &error {
                                None => mail::mark_sent(conn, id, now_ms())?,
                                Some(e) => mail::mark_failed(conn, id, e, retry_at)?,
                            }
                            Ok(Outcome::quiet(()))
                        })
                        .await;
                    if let Err(e) = recorded {
                        // It stays pending and is sent again: at least once.
                        tracing::warn!(mail = id, error = %e, "cannot record an e-mail attempt");
                    }
                }
                if full {
                    continue;
                }
                if let Some(next) = next {
                    let after = Duration::from_millis((next - now_ms()).max(0) as u64);
                    wait = wait.min(after.max(Duration::from_millis(50)));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the mail outbox");
                wait = Duration::from_secs(1);
            }
        }
        tokio::select! {
            () = mailer.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Sends one mail; `(None, _)` when the server took it, else the error and when to try again
/// (`None`: given up).
async fn attempt(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    m: &DueMail,
    mailer: &Mailer,
) -> (Option<String>, Option<i64>) {
    let message = match compose::message(from, m) {
        Ok(message) => message,
        Err(e) => return (Some(e), None),
    };
    let (error, permanent) = match transport.send(message).await {
        Ok(_) => return (None, None),
        Err(e) => (short(&e.to_string()), e.is_permanent()),
    };
    let done = now_ms();
    tracing::debug!(mail = m.id, error = %error, permanent, "e-mail attempt failed");
    if permanent || done >= m.give_up_at {
        tracing::warn!(mail = m.id, error = %error, "e-mail given up");
        return (Some(error), None);
    }
    let wait = backoff(mailer.settings.first_retry, m.attempts + 1);
    (Some(error), Some(done + wait.as_millis() as i64))
}

/// The wait before attempt `failed + 1`: `first` (halved at most by jitter), doubling, at most
/// an hour.
fn backoff(first: Duration, failed: i64) -> Duration {
    let doublings = (failed.max(1) - 1).min(20) as u32;
    let delay = first.saturating_mul(1 << doublings).min(MAX_DELAY);
    delay.mul_f64(0.5 + rand::random::<f64>() * 0.5)
}

fn short(text: &str) -> String {
    text.chars().take(300).collect()
}
