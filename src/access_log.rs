//! One log line per request with a request id (also sent back as `X-Request-Id`), and the
//! latency histogram by route template and status. It logs the path without its query string, because Socket.IO clients may
//! put their token there; bodies, tokens and message content are never logged.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use poem::PathPattern;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

use crate::metrics::{Metrics, RequestLabels};

/// The middleware.
pub(crate) struct AccessLog {
    pub metrics: Arc<Metrics>,
}

impl<E: Endpoint> Middleware<E> for AccessLog {
    type Output = AccessLogEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        let mut seed = [0u8; 4];
        rand::fill(&mut seed);
        AccessLogEndpoint {
            inner,
            metrics: self.metrics.clone(),
            prefix: u32::from_le_bytes(seed),
            next: AtomicU64::new(1),
        }
    }
}

pub(crate) struct AccessLogEndpoint<E> {
    inner: E,
    metrics: Arc<Metrics>,
    /// Random per process, so ids from two runs do not collide in one log.
    prefix: u32,
    next: AtomicU64,
}

impl<E: Endpoint> Endpoint for AccessLogEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let id = format!(
            "{:08x}-{}",
            self.prefix,
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        // The client as a trusted proxy names it (proxy.rs), so the log shows visitors, not the proxy.
        let client = crate::proxy::Client::of(&req).address_key();
        let started = Instant::now();
        let result = self.inner.call(req).await.map(IntoResponse::into_response);
        let elapsed = started.elapsed();
        let (status, pattern) = match &result {
            Ok(r) => (r.status(), r.data::<PathPattern>()),
            Err(e) => (e.status(), e.data::<PathPattern>()),
        };
        // A Socket.IO long-poll lasts until there is something to send: its latency says
        // nothing about the server.
        if !path.starts_with("/socket.io") {
            let route = pattern.map_or("unmatched", |p| &p.0).to_string();
            let labels = RequestLabels {
                method: method.to_string(),
                route,
                status: status.as_u16(),
            };
            self.metrics.observe_request(labels, elapsed.as_secs_f64());
        }
        let micros = elapsed.as_micros() as u64;
        if status.is_server_error() {
            tracing::warn!(request_id = %id, %client, %method, %path, status = status.as_u16(), micros, "request");
        } else {
            tracing::debug!(request_id = %id, %client, %method, %path, status = status.as_u16(), micros, "request");
        }
        result.map(|mut r| {
            if let Ok(value) = id.parse() {
                r.headers_mut().insert("x-request-id", value);
            }
            r
        })
    }
}
