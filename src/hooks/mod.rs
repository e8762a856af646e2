//! The webhook dispatcher: one tokio task that sends the outbox's pending deliveries (contract
//! §11). At least once: a delivery stays pending in the database until its receiver answered
//! 2xx, so a crash or restart only means it is sent again (with the same `Frontdesk-Delivery`).
//! In order per room per endpoint: only the first pending delivery of a room's queue for an
//! endpoint is ever picked (store/outbox.rs `due`), and the next waits until it is delivered or
//! given up. A slow receiver never slows the chat: attempts run in their own tasks with a
//! timeout, at most `concurrency` at once, and the writer only ever writes rows for them.

mod send;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::chat::outbox::Subscriptions;
use crate::config::WebhookSettings;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::store::outbox::{self, Attempted};
use crate::time::now_ms;

/// How long the dispatcher sleeps with nothing due, in case a delivery was made by another
/// process on the same database (which cannot wake it).
const IDLE_POLL: Duration = Duration::from_secs(30);

/// Starts the dispatcher for the life of the runtime.
pub(crate) fn start(db: Db, settings: WebhookSettings) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(5)))
        // A receiver answers itself; a redirect is a misconfigured URL, not a delivery.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Frontdesk-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the webhook client: {e}"))?;
    tokio::spawn(run(db, client, settings));
    Ok(())
}

async fn run(db: Db, client: reqwest::Client, settings: WebhookSettings) {
    let subs: Arc<Subscriptions> = db.webhooks().clone();
    let concurrency = settings.concurrency.max(1);
    let mut in_flight: HashSet<i64> = HashSet::new();
    let mut attempts: JoinSet<Attempted> = JoinSet::new();
    let mut done: Vec<Attempted> = Vec::new();
    loop {
        while let Some(finished) = attempts.try_join_next() {
            if let Ok(a) = finished {
                done.push(a);
            }
        }
        if !done.is_empty() {
            let batch = std::mem::take(&mut done);
            for a in &batch {
                in_flight.remove(&a.id);
            }
            if let Err(e) = record(&db, batch).await {
                // The attempts stay pending in the database and are made again: at least once.
                tracing::warn!(error = %e, "cannot record webhook attempts");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        let mut wake_at = tokio::time::Instant::now() + IDLE_POLL;
        let free = concurrency.saturating_sub(in_flight.len());
        if free > 0 {
            let limit = free + in_flight.len();
            let now = now_ms();
            let found = db
                .read(move |conn| {
                    Ok((
                        outbox::due(conn, now, limit)?,
                        outbox::next_due_after(conn, now)?,
                    ))
                })
                .await;
            match found {
                Ok((due, next)) => {
                    let fresh: Vec<_> = due
                        .into_iter()
                        .filter(|d| !in_flight.contains(&d.id))
                        .take(free)
                        .collect();
                    for d in fresh {
                        in_flight.insert(d.id);
                        let (client, first) = (client.clone(), settings.first_retry);
                        attempts.spawn(async move { send::attempt(&client, &d, first).await });
                    }
                    if let Some(next) = next {
                        let wait = Duration::from_millis((next - now) as u64);
                        wake_at = wake_at.min(tokio::time::Instant::now() + wait);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the webhook outbox");
                    wake_at = tokio::time::Instant::now() + Duration::from_secs(1);
                }
            }
        }
        tokio::select! {
            Some(finished) = attempts.join_next(), if !attempts.is_empty() => {
                if let Ok(a) = finished {
                    done.push(a);
                }
            }
            () = subs.woken() => {}
            () = tokio::time::sleep_until(wake_at) => {}
        }
    }
}

/// Records finished attempts in one write.
async fn record(db: &Db, batch: Vec<Attempted>) -> Result<(), AppError> {
    for a in &batch {
        if let Some(e) = &a.error {
            tracing::debug!(delivery = a.id, error = %e, status = ?a.status, "webhook attempt failed");
        }
    }
    db.write(move |conn| {
        for a in &batch {
            outbox::record_attempt(conn, a)?;
        }
        Ok(Outcome::quiet(()))
    })
    .await
}
