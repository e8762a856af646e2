//! The webhook dispatcher: one tokio task that sends the outbox's pending deliveries (contract
//! §11). At least once: a delivery stays pending in the database until its receiver answered
//! 2xx, so a crash or restart only means it is sent again (with the same `Frontdesk-Delivery`).
//! In order per room per endpoint: each (endpoint, room) queue is worked by one chain at a time,
//! which starts at the queue's first pending delivery (store/outbox.rs `queue_heads`), sends the
//! queue one delivery after another, and stops at the first failure (the rest wait for its
//! retry). A chain's results are recorded before its queue can be picked again, so nothing is
//! sent twice while the process runs. A slow receiver never slows the chat: requests run in
//! their own tasks with a timeout, at most `concurrency` at once over all chains, and the writer
//! only ever writes rows for them. Reading a whole queue at once (rather than one delivery per
//! query) keeps the dispatcher's own cost low under a burst of messages (docs/PERFORMANCE.md).

mod send;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::chat::outbox::Subscriptions;
use crate::config::WebhookSettings;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::webhooks::DeliveryStatus;
use crate::store::outbox::{self, Attempted, DueDelivery, Head};
use crate::time::now_ms;

/// How long the dispatcher sleeps with nothing due, in case a delivery was made by another
/// process on the same database (which cannot wake it).
const IDLE_POLL: Duration = Duration::from_secs(30);

/// The most queues worked at once (their requests share the `concurrency` bound).
const CHAINS_MAX: usize = 256;

/// The most deliveries one chain takes from its queue before it is picked again.
const CHAIN_LEN: usize = 100;

/// The least time between two looks at the outbox while deliveries keep coming, so a burst of
/// messages costs the dispatcher a read and a write per tick, not per delivery.
const PICK_EVERY: Duration = Duration::from_millis(10);

/// One (endpoint, room) queue; a delivery without a room (a test event) is a queue of its own.
type Queue = (i64, i64);

fn queue_of(&(id, webhook_id, room_id): &Head) -> Queue {
    (webhook_id, room_id.unwrap_or(-id))
}

/// Stops the dispatcher when dropped (its thread ends after the request in hand, if any, is
/// abandoned: it stays pending and is sent again after the restart).
pub(crate) struct Dispatcher {
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The dispatcher's threads run under Linux's `SCHED_IDLE` policy: they get only CPU time the
/// chat leaves unused. Delivering a webhook costs about as much CPU as the message it reports
/// (an HTTP request, its signature, reading and recording it), so at normal priority a
/// `message.created` subscription took a quarter of the chat's throughput under a burst that
/// fills every core; idle-only, the burst keeps the CPU and deliveries lag behind it, catching up
/// once it passes (docs/PERFORMANCE.md). On a machine with a core to spare nothing changes. The
/// risk of the policy is starvation under a load that never ends, which is an overloaded server
/// in any case; deliveries wait in the outbox meanwhile, none is lost. Where `SCHED_IDLE` is not
/// allowed, the threads fall back to [`NICE`].
const NICE: i32 = 19;

/// Starts the dispatcher on a thread (and runtime) of its own at a lower priority than the chat.
pub(crate) fn start(db: Db, settings: WebhookSettings) -> Result<Dispatcher, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("frontdesk-hooks")
        .on_thread_start(lower_priority)
        .build()
        .map_err(|e| format!("cannot start the webhook dispatcher: {e}"))?;
    // Building the client needs no runtime; its connections run on the dispatcher's.
    let client = reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout.min(Duration::from_secs(5)))
        // A receiver answers itself; a redirect is a misconfigured URL, not a delivery.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Frontdesk-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the webhook client: {e}"))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::Builder::new()
        .name("frontdesk-hooks".into())
        .spawn(move || {
            lower_priority();
            runtime.block_on(async move {
                tokio::select! {
                    () = run(db, client, settings) => {}
                    _ = stopped => {}
                }
            });
        })
        .map_err(|e| format!("cannot start the webhook dispatcher: {e}"))?;
    Ok(Dispatcher { _stop: stop })
}

/// Moves the calling thread to `SCHED_IDLE` (or, failing that, to [`NICE`]); Linux: per thread.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: sched_setscheduler and setpriority on the calling thread's own id only change its
    // scheduling; the parameter struct outlives the call.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            let tid = libc::gettid() as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, NICE);
        }
    }
}

async fn run(db: Db, client: reqwest::Client, settings: WebhookSettings) {
    let subs: Arc<Subscriptions> = db.webhooks().clone();
    let requests = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let mut busy: HashSet<Queue> = HashSet::new();
    let mut chains: JoinSet<(Queue, Vec<Attempted>)> = JoinSet::new();
    let mut done: Vec<(Queue, Vec<Attempted>)> = Vec::new();
    let mut picked_at = tokio::time::Instant::now();
    loop {
        tokio::time::sleep_until(picked_at + PICK_EVERY).await;
        picked_at = tokio::time::Instant::now();
        while let Some(Ok(finished)) = chains.try_join_next() {
            done.push(finished);
        }
        if !done.is_empty() {
            let batch = std::mem::take(&mut done);
            let queues: Vec<Queue> = batch.iter().map(|(q, _)| *q).collect();
            let attempts = batch.into_iter().flat_map(|(_, a)| a).collect();
            if let Err(e) = record(&db, attempts).await {
                // They stay pending in the database and are sent again: at least once.
                tracing::warn!(error = %e, "cannot record webhook attempts");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            for q in queues {
                busy.remove(&q);
            }
        }
        let poll = db.shared_poll().unwrap_or(IDLE_POLL);
        let mut wake_at = tokio::time::Instant::now() + poll;
        let free = CHAINS_MAX.saturating_sub(busy.len());
        // In a cluster only the leading node sends (db/postgres/leader.rs); the others still
        // record what they had in flight when the lead moved.
        if free > 0 && db.leads() {
            let now = now_ms();
            let skip = busy.clone();
            let found = db
                .read(move |conn| {
                    let mut picked = Vec::new();
                    let mut next = None::<i64>;
                    for (head, due_at) in outbox::queue_heads(conn)? {
                        if due_at > now {
                            next = Some(next.map_or(due_at, |n| n.min(due_at)));
                            continue;
                        }
                        let queue = queue_of(&head);
                        if skip.contains(&queue) || picked.len() == free {
                            continue;
                        }
                        picked.push((queue, outbox::queue_from(conn, head, CHAIN_LEN)?));
                    }
                    Ok((picked, next))
                })
                .await;
            match found {
                Ok((picked, next)) => {
                    for (queue, chain) in picked {
                        busy.insert(queue);
                        let (client, requests) = (client.clone(), requests.clone());
                        let first_retry = settings.first_retry;
                        chains.spawn(async move {
                            (queue, work(&client, &requests, chain, first_retry).await)
                        });
                    }
                    if let Some(next) = next {
                        let wait = Duration::from_millis(next.saturating_sub(now).max(0) as u64);
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
            Some(finished) = chains.join_next(), if !chains.is_empty() => {
                if let Ok(finished) = finished {
                    done.push(finished);
                }
            }
            () = subs.woken() => {}
            () = tokio::time::sleep_until(wake_at) => {}
        }
    }
}

/// Sends one queue's deliveries in order, each once its turn comes and a request slot is free;
/// stops at the first that fails (or is not due yet).
async fn work(
    client: &reqwest::Client,
    requests: &Semaphore,
    chain: Vec<DueDelivery>,
    first_retry: Duration,
) -> Vec<Attempted> {
    let mut results = Vec::with_capacity(chain.len());
    for d in chain {
        if d.next_attempt_at > now_ms() {
            break;
        }
        let Ok(_slot) = requests.acquire().await else {
            break;
        };
        let attempt = send::attempt(client, &d, first_retry).await;
        let delivered = attempt.status == DeliveryStatus::Delivered;
        results.push(attempt);
        if !delivered {
            break;
        }
    }
    results
}

/// Records finished attempts in one write.
async fn record(db: &Db, batch: Vec<Attempted>) -> Result<(), AppError> {
    if batch.is_empty() {
        return Ok(());
    }
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
