//! A JSON string and nothing else. poem-openapi's own `String` accepts `7` and `true` as "7"
//! and "true", so `{"title": 7}` would open a session titled "7"; contract §7 makes a value of
//! the wrong JSON type a 400 `VALIDATION_FAILED`. Every string field of a request body is a
//! [`Text`].

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

/// Why a string holding U+0000 is refused on every door (REST here, the socket in
/// `realtime/payload.rs`): it is never text a person typed, and PostgreSQL's `text` cannot hold
/// it, so a database that took it could not move to a cluster (docs/SCALING.md).
pub(crate) const NUL_REFUSED: &str = "must not contain the NUL character (U+0000)";

/// A request field that must be a JSON string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl Text {
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Type for Text {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(s) if s.contains('\0') => Err(ParseError::custom(NUL_REFUSED)),
            Value::String(s) => Ok(Text(s)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for Text {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}
