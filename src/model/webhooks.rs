//! The wire shapes of webhook endpoints and their deliveries (contract §11), as admins see them
//! over REST and in the console.

use poem_openapi::{Enum, Object};
use serde::Serialize;

use crate::time::Timestamp;

/// An endpoint the shop's other systems listen on.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: i64,
    /// Where deliveries are POSTed (http or https).
    pub url: String,
    /// The event types it hears, in the contract's order.
    pub events: Vec<String>,
    /// The HMAC-SHA256 key of `Frontdesk-Signature` (its text, as given or generated). Only
    /// admins ever see it; the receiver needs it to check signatures.
    pub secret: String,
    /// A disabled endpoint gets no new events, and its pending deliveries wait until it is
    /// enabled again.
    pub enabled: bool,
    pub created_at: Timestamp,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not yet accepted by the receiver; tried again at `nextAttemptAt`.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt in the retry window failed; no more are made unless an admin retries it.
    Failed,
}

impl DeliveryStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Reads the stored form.
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// One event on its way to one endpoint; its `id` is the `Frontdesk-Delivery` header.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub id: i64,
    /// The event's id (the body's `id`), shared by its deliveries to every endpoint.
    pub event_id: i64,
    /// The event type (`message.created`, ...; `webhook.test` for a test event).
    pub event: String,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// The receiver's status code at the last attempt; null before any, or when it gave none
    /// (a timeout, a refused connection).
    #[oai(nullable)]
    pub last_status_code: Option<i64>,
    /// Why the last attempt failed, when it did.
    #[oai(nullable)]
    pub last_error: Option<String>,
    /// When a pending delivery is tried next; null once it is delivered or failed.
    #[oai(nullable)]
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
}
