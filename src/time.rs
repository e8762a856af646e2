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

/// A time as the wire shows it (`2024-01-01T10:00:00.000Z`): a string, documented in the spec as
/// `format: date-time` so generated clients parse it as a time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Timestamp(String);

impl Timestamp {
    /// The stored milliseconds, formatted as every client expects them.
    pub fn from_ms(ms: i64) -> Timestamp {
        Timestamp(format_ms(ms))
    }
}

/// Pages format a time where a `&str` is taken (`ctx.local(m.created_at)`).
impl std::ops::Deref for Timestamp {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

mod openapi {
    use std::borrow::Cow;

    use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
    use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
    use serde_json::Value;

    use super::Timestamp;

    impl Type for Timestamp {
        const IS_REQUIRED: bool = true;
        type RawValueType = Self;
        type RawElementValueType = Self;

        fn name() -> Cow<'static, str> {
            "string_date-time".into()
        }

        fn schema_ref() -> MetaSchemaRef {
            MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "date-time")))
        }

        fn as_raw_value(&self) -> Option<&Self> {
            Some(self)
        }

        fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
            Box::new(self.as_raw_value().into_iter())
        }
    }

    impl ToJSON for Timestamp {
        fn to_json(&self) -> Option<Value> {
            Some(Value::String(self.0.clone()))
        }
    }

    /// Only for the derive: no request takes a time.
    impl ParseFromJSON for Timestamp {
        fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
            match value {
                Some(Value::String(s)) => Ok(Timestamp(s)),
                other => Err(ParseError::expected_type(other.unwrap_or_default())),
            }
        }
    }
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
