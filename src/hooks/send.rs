//! One delivery attempt: the body of contract §11, its signature, the POST, and what became of
//! it (delivered, or when to try again). Never touches the database.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::model::webhooks::DeliveryStatus;
use crate::store::outbox::{Attempted, DueDelivery};
use crate::time::{Timestamp, now_ms};

/// The longest wait between two attempts, however many failed.
const MAX_DELAY: Duration = Duration::from_secs(3600);

/// The most of a receiver's answer that is read (and thrown away), so its connection can be used
/// again; a larger answer just closes it.
const ANSWER_READ_MAX: usize = 64 * 1024;

/// `{id, type, createdAt, data}`, with `data` as stored: the same bytes on every attempt.
pub(crate) fn body(d: &DueDelivery) -> String {
    let kind = serde_json::Value::String(d.kind.clone());
    let at = serde_json::Value::String(Timestamp::from_ms(d.event_at).to_string());
    format!(
        r#"{{"id":{},"type":{kind},"createdAt":{at},"data":{}}}"#,
        d.event_id, d.data
    )
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The time is signed with the
/// body so a receiver can refuse an old request replayed by someone who recorded it.
pub(crate) fn signature(secret: &str, unix_seconds: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any size");
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={unix_seconds},v1={hex}")
}

/// The wait before attempt `failed + 1`: the first retry after `first` (halved at most by
/// jitter, so many deliveries that failed together do not all come back at once), each later
/// one twice the last, never more than an hour.
pub(crate) fn backoff(first: Duration, failed: i64) -> Duration {
    let doublings = (failed.max(1) - 1).min(20) as u32;
    let delay = first.saturating_mul(1 << doublings).min(MAX_DELAY);
    delay.mul_f64(0.5 + rand::random::<f64>() * 0.5)
}

/// Sends one delivery and says what became of it.
pub(crate) async fn attempt(
    client: &reqwest::Client,
    d: &DueDelivery,
    first_retry: Duration,
) -> Attempted {
    let body = body(d);
    let now = now_ms();
    let sent = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("frontdesk-event", &d.kind)
        .header("frontdesk-delivery", d.id.to_string())
        .header(
            "frontdesk-signature",
            signature(&d.secret, now.div_euclid(1000), &body),
        )
        .body(body)
        .send()
        .await;
    let (code, error) = match sent {
        Ok(mut answer) => {
            let code = answer.status();
            let mut read = 0;
            while read < ANSWER_READ_MAX {
                match answer.chunk().await {
                    Ok(Some(chunk)) => read += chunk.len(),
                    _ => break,
                }
            }
            let error = (!code.is_success()).then(|| format!("answered {code}"));
            (Some(i64::from(code.as_u16())), error)
        }
        Err(e) if e.is_timeout() => (None, Some("timed out".to_string())),
        Err(e) if e.is_connect() => (None, Some("could not connect".to_string())),
        Err(e) => (None, Some(short(&e.to_string()))),
    };
    let done = now_ms();
    let (status, next_attempt_at) = match &error {
        None => (DeliveryStatus::Delivered, None),
        Some(_) if done >= d.give_up_at => (DeliveryStatus::Failed, None),
        Some(_) => {
            let wait = backoff(first_retry, d.attempts + 1);
            (
                DeliveryStatus::Pending,
                Some(done + wait.as_millis() as i64),
            )
        }
    };
    Attempted {
        id: d.id,
        status,
        status_code: code,
        error,
        next_attempt_at,
    }
}

fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signature is HMAC-SHA256 over `t.body`, as a receiver recomputes it (the vector was
    /// computed with `openssl dgst -sha256 -hmac`).
    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body() {
        assert_eq!(
            signature("s3cret", 1700000000, "{}"),
            "t=1700000000,v1=97926816e98fbb41ccb1673225ff29a2f35369099990e1b1561651e7bd097ebf"
        );
    }

    /// The first retry comes within 30 s with the default, the later ones grow, and none waits
    /// more than an hour, so a day of failures makes about thirty attempts.
    #[test]
    fn backoff_grows_with_jitter_and_a_ceiling() {
        let first = Duration::from_secs(20);
        for _ in 0..100 {
            let one = backoff(first, 1);
            assert!(one >= Duration::from_secs(10) && one <= first, "{one:?}");
            assert!(backoff(first, 3) >= Duration::from_secs(40));
            assert!(backoff(first, 40) <= MAX_DELAY);
        }
    }
}
