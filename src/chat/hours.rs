//! Business hours: whether the shop is open at an instant, and when it next opens, in the
//! shop's IANA time zone (so a DST change moves the opening with the wall clock, as a shop
//! expects), and the checks that keep a week of intervals meaningful.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::error::AppError;
use crate::model::shop::WeeklyHours;

/// Minutes since midnight of `HH:MM` (`24:00` allowed, as an end).
fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// A day's intervals as minutes, after [`check`] has accepted them.
fn intervals(day: &[Vec<String>]) -> Vec<(u32, u32)> {
    day.iter()
        .filter_map(|i| Some((minutes(i.first()?)?, minutes(i.get(1)?)?)))
        .collect()
}

/// The time zone, or a 400 naming the field.
pub(crate) fn zone(name: &str) -> Result<Tz, AppError> {
    name.parse::<Tz>().map_err(|_| {
        AppError::bad_request("timezone must be an IANA time zone such as Asia/Ho_Chi_Minh")
    })
}

/// Every interval is `["HH:MM", "HH:MM"]` with start before end, a day's intervals in order and
/// not overlapping; the refusal names the day and the interval.
pub(crate) fn check(hours: &WeeklyHours) -> Result<(), AppError> {
    for (name, day) in hours.days() {
        if day.len() > 8 {
            return Err(AppError::bad_request(format!(
                "hours.{name} may have at most 8 intervals"
            )));
        }
        let mut previous_end = 0;
        for (i, interval) in day.iter().enumerate() {
            let field = format!("hours.{name}[{i}]");
            let [start, end] = interval.as_slice() else {
                return Err(AppError::bad_request(format!(
                    "{field} must be [\"HH:MM\", \"HH:MM\"]"
                )));
            };
            let (Some(s), Some(e)) = (minutes(start), minutes(end)) else {
                return Err(AppError::bad_request(format!(
                    "{field} must be times from 00:00 to 24:00"
                )));
            };
            if s >= e || s == 1440 {
                return Err(AppError::bad_request(format!(
                    "{field} must start before it ends"
                )));
            }
            if i > 0 && s < previous_end {
                return Err(AppError::bad_request(format!(
                    "{field} must start after the interval before it ends"
                )));
            }
            previous_end = e;
        }
    }
    Ok(())
}

/// Whether the shop is open at `now`, and if not, its next opening (`None`: no hours at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Openness {
    pub(crate) open: bool,
    pub(crate) next_open_ms: Option<i64>,
}

/// The UTC instant of a local wall-clock time; in a DST gap, the first instant after it.
fn instant(tz: Tz, date: NaiveDate, minute: u32) -> Option<DateTime<Utc>> {
    let mut local = date.and_time(NaiveTime::MIN) + Duration::minutes(minute.into());
    for _ in 0..4 {
        if let Some(at) = tz.from_local_datetime(&local).earliest() {
            return Some(at.with_timezone(&Utc));
        }
        local += Duration::minutes(30);
    }
    None
}

pub(crate) fn openness(tz: Tz, hours: &WeeklyHours, now_ms: i64) -> Openness {
    let now = DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
    let local = now.with_timezone(&tz);
    let days = hours.days();
    let today = local.weekday().num_days_from_monday() as usize;
    let minute = local.hour() * 60 + local.minute();
    if intervals(days[today].1)
        .iter()
        .any(|&(s, e)| s <= minute && minute < e)
    {
        return Openness {
            open: true,
            next_open_ms: None,
        };
    }
    for ahead in 0..=7u32 {
        let date = local.date_naive() + Duration::days(ahead.into());
        let day = days[(today + ahead as usize) % 7].1;
        for (start, _) in intervals(day) {
            if let Some(at) = instant(tz, date, start).filter(|at| *at > now) {
                return Openness {
                    open: false,
                    next_open_ms: Some(at.timestamp_millis()),
                };
            }
        }
    }
    Openness {
        open: false,
        next_open_ms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(day: Vec<Vec<&str>>) -> WeeklyHours {
        let d = || {
            day.iter()
                .map(|i| i.iter().map(|s| s.to_string()).collect())
                .collect::<Vec<_>>()
        };
        WeeklyHours {
            mon: d(),
            tue: d(),
            wed: d(),
            thu: d(),
            fri: d(),
            sat: vec![],
            sun: vec![],
        }
    }

    fn ms(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn open_inside_any_interval_of_the_day_and_closed_between() {
        let tz = zone("Asia/Ho_Chi_Minh").unwrap();
        let hours = week(vec![vec!["08:00", "12:00"], vec!["13:30", "17:30"]]);
        // Monday 2026-12-07, 10:00 in Saigon (UTC+7).
        assert!(openness(tz, &hours, ms("2026-12-07T03:00:00Z")).open);
        let lunch = openness(tz, &hours, ms("2026-12-07T05:15:00Z"));
        assert!(!lunch.open);
        assert_eq!(lunch.next_open_ms, Some(ms("2026-12-07T06:30:00Z")));
        // Friday evening: next is Monday 08:00.
        let weekend = openness(tz, &hours, ms("2026-12-11T12:00:00Z"));
        assert_eq!(weekend.next_open_ms, Some(ms("2026-12-14T01:00:00Z")));
    }

    #[test]
    fn the_opening_follows_the_wall_clock_across_a_dst_change() {
        let tz = zone("Europe/Berlin").unwrap();
        let hours = week(vec![vec!["09:00", "17:00"]]);
        // Friday 2027-03-26 18:00 CET; clocks go forward on Sunday the 28th; Monday 09:00 is CEST.
        let next = openness(tz, &hours, ms("2027-03-26T17:00:00Z"));
        assert_eq!(next.next_open_ms, Some(ms("2027-03-29T07:00:00Z")));
    }

    #[test]
    fn a_wall_clock_time_in_the_gap_opens_at_the_end_of_the_gap() {
        let tz = zone("Europe/Berlin").unwrap();
        let mut hours = week(vec![]);
        hours.sun = vec![vec!["02:30".into(), "05:00".into()]];
        let next = openness(tz, &hours, ms("2027-03-27T12:00:00Z"));
        assert_eq!(
            next.next_open_ms,
            Some(ms("2027-03-28T01:00:00Z")),
            "03:00 CEST"
        );
    }

    #[test]
    fn no_hours_means_closed_with_no_next_opening() {
        let tz = zone("UTC").unwrap();
        let shut = openness(tz, &week(vec![]), ms("2026-12-07T03:00:00Z"));
        assert_eq!(
            shut,
            Openness {
                open: false,
                next_open_ms: None
            }
        );
        assert!(openness(tz, &WeeklyHours::always(), ms("2026-12-07T23:59:00Z")).open);
    }

    #[test]
    fn bad_intervals_are_refused_with_their_place() {
        for (day, want) in [
            (vec![vec!["9:00", "17:00"]], "hours.mon[0] must be times"),
            (
                vec![vec!["17:00", "09:00"]],
                "hours.mon[0] must start before",
            ),
            (
                vec![vec!["09:00", "12:00"], vec!["11:00", "13:00"]],
                "hours.mon[1] must start after",
            ),
            (vec![vec!["09:00"]], "hours.mon[0] must be [\"HH:MM\""),
            (
                vec![vec!["24:00", "24:00"]],
                "hours.mon[0] must start before",
            ),
        ] {
            let err = check(&week(day)).unwrap_err();
            assert!(err.message().starts_with(want), "{}", err.message());
        }
        assert!(zone("Mars/Olympus").is_err());
        assert!(check(&WeeklyHours::always()).is_ok());
    }
}
