//! Time in one place: stored as UTC milliseconds, shown as `2024-01-01T10:00:00.000Z` (contract §2).

use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds since the Unix epoch, the form every timestamp is stored in.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Formats stored milliseconds the way every client expects them: UTC with exactly three decimals.
pub fn format_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_with_milliseconds_and_z() {
        assert_eq!(
            super::format_ms(1_704_103_200_000),
            "2024-01-01T10:00:00.000Z"
        );
        assert_eq!(
            super::format_ms(1_704_103_200_007),
            "2024-01-01T10:00:00.007Z"
        );
    }
}
