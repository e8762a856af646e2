//! The link between the nodes of a cluster (`--redis-url`, docs/SCALING.md). socketioxide's
//! Redis adapter carries every Socket.IO broadcast to the sockets of every node, and the
//! requests that act on another node's sockets (fetching them, making them leave a room,
//! disconnecting them).
//!
//! The adapter does not recover once its Redis connection breaks: after a Redis restart every
//! broadcast fails for good. So the node probes the adapter's own connection every second (a
//! message published on it must come back through its subscription); when three probes in a
//! row fail, the node reports unhealthy (`/healthz` answers 503) and stops with an error, so
//! its supervisor starts it again against the Redis that is back. Its clients reconnect to a node and catch up
//! from the database, as after any reconnect.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use socketioxide::adapter::Emitter;
use socketioxide_redis::drivers::redis::{RedisDriver, redis_client as redis};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use tokio::sync::watch;

/// The adapter type of a clustered node.
pub(crate) type RedisAdapter = CustomRedisAdapter<Emitter, RedisDriver>;

/// How often the adapter's connection is probed.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// How long a probe may take.
const PROBE_PATIENCE: Duration = Duration::from_secs(3);
/// Probes that must fail in a row before Redis counts as gone: a stall of a second or two
/// (a fork for a snapshot, a network blip) must not stop every node at once.
const PROBE_FAILURES: u32 = 3;
/// Broadcasts from other nodes a node may have received and not yet delivered. The adapter
/// drops what does not fit, with only a warning (its sockets would miss a message without
/// knowing), so this is far above any burst the load reaches: 64 Ki packets of a few hundred
/// bytes, some 20 MiB at worst, against the adapter's default of 1,024.
const STREAM_BUFFER: usize = 65_536;
/// How long a node whose Redis link broke keeps answering (`/healthz` with 503) before it stops.
pub(crate) const LOST_GRACE: Duration = Duration::from_secs(2);
/// How long a request to the other nodes (fetching their sockets in a room) may wait for them.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// This node among the others: its name, and whether its link to them works.
pub(crate) struct Node {
    /// Random per start; the Socket.IO room of this node's own sockets.
    pub name: String,
    lost: AtomicBool,
}

impl Node {
    /// Read by `/healthz`: a node whose Redis link broke cannot reach the other nodes' sockets.
    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }
}

/// A node's connection to the cluster's Redis, before the Socket.IO service is built on it.
pub(crate) struct Link {
    driver: RedisDriver,
    /// The cluster's channels on Redis: `frontdesk-` and the database's name for the cluster.
    prefix: String,
    pub node: Arc<Node>,
    probes: MessageStream<ChanItem>,
    probe_channel: String,
}

/// Connects to Redis at `url`, which must speak RESP3 (the adapter reads pushed messages on
/// the connection it publishes with), as a node of cluster `cluster` (the database's own name
/// for it): every channel is under it, so clusters sharing one Redis stay apart.
pub(crate) async fn connect(url: &str, cluster: &str) -> Result<Link, String> {
    let client = redis::Client::open(url).map_err(|e| format!("--redis-url: {e}"))?;
    if client.get_connection_info().redis_settings().protocol() != redis::ProtocolVersion::RESP3 {
        return Err(
            "--redis-url must ask for RESP3, which the Socket.IO adapter needs: add \
             `?protocol=resp3` (Redis or Valkey 7 and later)"
                .into(),
        );
    }
    let driver = RedisDriver::new(&client)
        .await
        .map_err(|e| format!("cannot connect to Redis at --redis-url: {e}"))?;
    let name = format!("{:016x}", rand::random::<u64>());
    let prefix = format!("frontdesk-{cluster}");
    let probe_channel = format!("{prefix}-probe#{name}");
    let probes = driver
        .subscribe(probe_channel.clone(), 8)
        .await
        .map_err(|e| format!("cannot subscribe on Redis: {e}"))?;
    Ok(Link {
        driver,
        prefix,
        node: Arc::new(Node {
            name,
            lost: AtomicBool::new(false),
        }),
        probes,
        probe_channel,
    })
}

impl Link {
    /// The adapter's constructor state: it shares this link's connection, so the probe tests
    /// exactly the connection broadcasts go through.
    pub(crate) fn adapter(&self) -> RedisAdapterCtr<RedisDriver> {
        let config = RedisAdapterConfig::new()
            .with_prefix(self.prefix.clone())
            .with_request_timeout(REQUEST_TIMEOUT)
            .with_stream_buffer(STREAM_BUFFER);
        RedisAdapterCtr::new_with_driver(self.driver.clone(), config)
    }

    /// Probes the connection until it fails, then marks the node unhealthy and tells `lost`.
    pub(crate) fn watch(self, lost: watch::Sender<bool>) {
        let Link {
            driver,
            node,
            mut probes,
            probe_channel,
            ..
        } = self;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PROBE_EVERY);
            let mut failed = 0;
            for n in 0u64.. {
                tick.tick().await;
                let echo = async {
                    let sent = n.to_be_bytes().to_vec();
                    driver
                        .publish(probe_channel.clone(), sent.clone())
                        .await
                        .ok()?;
                    while let Some((_, got)) = probes.next().await {
                        if got == sent {
                            return Some(());
                        }
                    }
                    None
                };
                if matches!(
                    tokio::time::timeout(PROBE_PATIENCE, echo).await,
                    Ok(Some(()))
                ) {
                    failed = 0;
                    continue;
                }
                failed += 1;
                tracing::warn!(failed, "Redis did not answer this node's probe");
                if failed >= PROBE_FAILURES {
                    tracing::error!(
                        "lost the connection to Redis; this node stops so that its supervisor \
                         restarts it (the Socket.IO adapter does not reconnect)"
                    );
                    node.lost.store(true, Ordering::SeqCst);
                    let _ = lost.send(true);
                    return;
                }
            }
        });
    }
}
