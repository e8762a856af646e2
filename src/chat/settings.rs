//! The shop's settings (contract §8): read by anyone in their public part, changed by admins,
//! checked whole before anything is saved, so a refused change leaves the stored ones as they
//! were.

use super::{access, hours};
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::shop::{PublicSettings, SettingsPatch, ShopSettings};
use crate::store::settings;
use crate::time::{Timestamp, now_ms};

/// The key of the one stored document.
const KEY: &str = "shop";

/// The stored settings, or the defaults for a shop that never saved any.
pub(crate) fn load(conn: &crate::store::sql::Connection) -> Result<ShopSettings, AppError> {
    match settings::get(conn, KEY)? {
        None => Ok(ShopSettings::default()),
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| AppError::Internal(format!("stored shop settings unreadable: {e}"))),
    }
}

/// Bounded, trimmed text; the refusal names the field.
fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let t = value.trim();
    if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::bad_request(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(t.to_string())
}

/// A number within `range`; the refusal names the field.
fn within(field: &str, value: u32, range: std::ops::RangeInclusive<u32>) -> Result<u32, AppError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_request(format!(
            "{field} must be from {} to {}",
            range.start(),
            range.end()
        )))
    }
}

/// Checks and tidies a whole set of settings.
fn checked(s: ShopSettings) -> Result<ShopSettings, AppError> {
    if s.topics.len() > 12 {
        return Err(AppError::bad_request("topics may hold at most 12 topics"));
    }
    let mut topics = Vec::with_capacity(s.topics.len());
    for (i, topic) in s.topics.iter().enumerate() {
        let t = text(&format!("topics[{i}]"), topic, 60)?;
        if t.is_empty() {
            return Err(AppError::bad_request(format!(
                "topics[{i}] must not be empty"
            )));
        }
        topics.push(t);
    }
    hours::zone(&s.timezone)?;
    hours::check(&s.hours)?;
    Ok(ShopSettings {
        shop_name: text("shopName", &s.shop_name, 80)?,
        welcome: text("welcome", &s.welcome, 500)?,
        topics,
        offline_message: text("offlineMessage", &s.offline_message, 500)?,
        max_chats_per_staff: within("maxChatsPerStaff", s.max_chats_per_staff, 0..=100)?,
        auto_end_idle_minutes: within("autoEndIdleMinutes", s.auto_end_idle_minutes, 0..=10_080)?,
        first_reply_target_seconds: within(
            "firstReplyTargetSeconds",
            s.first_reply_target_seconds,
            1..=86_400,
        )?,
        email_alert_wait_minutes: within(
            "emailAlertWaitMinutes",
            s.email_alert_wait_minutes,
            0..=10_080,
        )?,
        ..s
    })
}

/// Whether the shop is inside its business hours at `now_ms`, inside a write or read.
pub(crate) fn is_open(conn: &crate::store::sql::Connection, now_ms: i64) -> Result<bool, AppError> {
    let s = load(conn)?;
    Ok(hours::openness(hours::zone(&s.timezone)?, &s.hours, now_ms).open)
}

/// `GET /api/admin/settings`.
pub(crate) async fn get(db: &Db, caller: &Caller) -> Result<ShopSettings, AppError> {
    access::manage_settings(caller)?;
    db.read(load).await
}

/// `PUT /api/admin/settings`: the fields given replace the stored ones, and the result is
/// checked whole before it is saved.
pub(crate) async fn update(
    db: &Db,
    caller: &Caller,
    patch: SettingsPatch,
) -> Result<ShopSettings, AppError> {
    access::manage_settings(caller)?;
    db.write(move |conn| {
        let next = checked(patch.apply(load(conn)?))?;
        let json = serde_json::to_string(&next)
            .map_err(|e| AppError::Internal(format!("cannot store settings: {e}")))?;
        settings::put(conn, KEY, &json)?;
        // Routing turned on or a higher cap may free staff for sessions that wait.
        let events = super::routing::offer_waiting(conn)?;
        Ok(Outcome::with(next, events))
    })
    .await
}

/// The first-reply target in seconds, for the desk's wait badges.
pub(crate) async fn reply_target(db: &Db) -> Result<u32, AppError> {
    Ok(db.read(load).await?.first_reply_target_seconds)
}

/// `GET /api/settings/public`: what the customer page shows, and whether the shop is open now.
pub(crate) async fn public(db: &Db) -> Result<PublicSettings, AppError> {
    let s = db.read(load).await?;
    let tz = hours::zone(&s.timezone)?;
    let now = hours::openness(tz, &s.hours, now_ms());
    Ok(PublicSettings {
        shop_name: s.shop_name,
        welcome: s.welcome,
        topics: s.topics,
        prechat: s.prechat,
        open: now.open,
        next_open_at: now.next_open_ms.map(Timestamp::from_ms),
        offline_message: s.offline_message,
    })
}
