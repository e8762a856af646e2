//! The admin dashboard's figures: who may see them, the viewer's days, and the medians. The
//! counting is SQL in store/stats.rs; the drawing is the console's.

use super::access;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::AppError;
use crate::store::stats::{self, StaffLoad};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// The chart's length, and the window of the medians and of "handled" in the load table.
pub(crate) const WINDOW_DAYS: i64 = 14;

/// Sessions started on one day of the viewer's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DayCount {
    /// Midnight of that day in the viewer's time zone, as UTC milliseconds.
    pub start_ms: i64,
    pub sessions: i64,
}

/// Everything the dashboard shows, measured at one instant.
#[derive(Debug, Clone)]
pub(crate) struct Dashboard {
    pub waiting_now: i64,
    /// How long the oldest waiting session has waited, if one waits.
    pub longest_wait_ms: Option<i64>,
    /// When that session started (UTC milliseconds), so a page can keep counting.
    pub oldest_waiting_since: Option<i64>,
    pub sessions_today: i64,
    pub median_first_reply_ms: Option<i64>,
    /// Of the window's sessions that got a first reply, how many got it within the shop's
    /// `firstReplyTargetSeconds`, and how many got one at all.
    pub replied_within_target: (i64, i64),
    pub median_session_ms: Option<i64>,
    pub load: Vec<StaffLoad>,
    /// Sessions of the window that their customers rated, and the mean score (1 to 5).
    pub ratings: i64,
    pub mean_rating: Option<f64>,
    /// Sessions of the window opened outside business hours.
    pub after_hours: i64,
    /// The last [`WINDOW_DAYS`] days, oldest first, today last.
    pub days: Vec<DayCount>,
}

impl Dashboard {
    /// The share of first replies within the target, in whole percent; `None` before any.
    pub(crate) fn within_target_percent(&self) -> Option<i64> {
        let (within, replied) = self.replied_within_target;
        (replied > 0).then(|| within * 100 / replied)
    }
}

/// The middle value (the mean of the two middle values for an even count); `None` when empty.
pub(crate) fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2
    })
}

/// Midnight of the day holding `now_ms`, for a viewer `tz_minutes` east of UTC.
pub(crate) fn local_day_start(now_ms: i64, tz_minutes: i32) -> i64 {
    let offset = i64::from(tz_minutes) * 60_000;
    (now_ms + offset).div_euclid(DAY_MS) * DAY_MS - offset
}

/// The dashboard as of `now_ms`, with days as the viewer's calendar has them. Admins only.
pub(crate) async fn dashboard(
    db: &Db,
    caller: &Caller,
    now_ms: i64,
    tz_minutes: i32,
) -> Result<Dashboard, AppError> {
    access::see_dashboard(caller)?;
    let today = local_day_start(now_ms, tz_minutes);
    let from = today - (WINDOW_DAYS - 1) * DAY_MS;
    db.read(move |conn| {
        let (waiting_now, oldest) = stats::waiting(conn)?;
        let per_day = stats::started_per_day(conn, from, DAY_MS)?;
        let days = (0..WINDOW_DAYS)
            .map(|i| DayCount {
                start_ms: from + i * DAY_MS,
                sessions: per_day.iter().find(|(d, _)| *d == i).map_or(0, |(_, n)| *n),
            })
            .collect();
        let (ratings, mean_rating) = stats::ratings_since(conn, from)?;
        let delays = stats::first_reply_delays(conn, from)?;
        let target_ms = i64::from(super::settings::load(conn)?.first_reply_target_seconds) * 1000;
        let within = delays.iter().filter(|d| **d <= target_ms).count() as i64;
        let replied_within_target = (within, delays.len() as i64);
        Ok(Dashboard {
            after_hours: stats::after_hours_since(conn, from)?,
            ratings,
            mean_rating,
            waiting_now,
            longest_wait_ms: oldest.map(|t| (now_ms - t).max(0)),
            oldest_waiting_since: oldest,
            sessions_today: stats::started_between(conn, today, today + DAY_MS)?,
            median_first_reply_ms: median(delays),
            replied_within_target,
            median_session_ms: median(stats::session_lengths(conn, from)?),
            load: stats::staff_load(conn, from)?,
            days,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5]), Some(5));
        assert_eq!(median(vec![9, 1, 5]), Some(5));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
    }

    #[test]
    fn days_start_at_the_viewers_midnight() {
        // 2024-01-01T20:00Z is 2024-01-02 03:00 in Hanoi (UTC+7): its day began 2024-01-01T17:00Z.
        let now = 1_704_139_200_000;
        assert_eq!(local_day_start(now, 7 * 60), 1_704_128_400_000);
        assert_eq!(local_day_start(now, 0), 1_704_067_200_000);
    }
}
