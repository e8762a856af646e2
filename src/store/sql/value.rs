//! Values crossing the handle: what a statement's arguments become, and what a column may be
//! read as. Both are closed lists, so each engine converts exactly these and nothing surprises
//! the other one.

use rusqlite::types::{ToSqlOutput, ValueRef};

/// An argument, in the five kinds SQLite stores (PostgreSQL's columns here use the same
/// kinds: `BIGINT` for integers and flags, `DOUBLE PRECISION`, `TEXT`, `BYTEA`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Real(f) => ValueRef::Real(f),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// Something that can be a statement's argument.
pub(crate) trait Param {
    fn value(&self) -> Value<'_>;
}

macro_rules! int_param {
    ($($t:ty)+) => {$(
        impl Param for $t {
            fn value(&self) -> Value<'_> {
                Value::Int(*self as i64)
            }
        }
    )+};
}
int_param!(i64 i32 u32 u16 u8 bool);

impl Param for u64 {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl Param for usize {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl Param for f64 {
    fn value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl Param for str {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for String {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for [u8] {
    fn value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl Param for Vec<u8> {
    fn value(&self) -> Value<'_> {
        Value::Blob(self)
    }
}

impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value<'_> {
        match self {
            Some(v) => v.value(),
            None => Value::Null,
        }
    }
}

/// A SQLite value as one of the five kinds; text must be UTF-8 (every door writes only that).
pub(super) fn from_lite(v: ValueRef<'_>) -> Result<Value<'_>, String> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(std::str::from_utf8(t).map_err(|e| e.to_string())?),
        ValueRef::Blob(b) => Value::Blob(b),
    })
}

/// What a column can be read as, from either engine's value.
pub(crate) trait FromColumn: Sized {
    fn from_value(v: Value<'_>) -> Result<Self, String>;
}

fn kind(v: Value<'_>) -> &'static str {
    match v {
        Value::Null => "NULL",
        Value::Int(_) => "an integer",
        Value::Real(_) => "a real",
        Value::Text(_) => "text",
        Value::Blob(_) => "bytes",
    }
}

impl FromColumn for i64 {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i),
            other => Err(format!("expected an integer, found {}", kind(other))),
        }
    }
}

macro_rules! narrow_int_column {
    ($($t:ty)+) => {$(
        impl FromColumn for $t {
            fn from_value(v: Value<'_>) -> Result<Self, String> {
                let wide = i64::from_value(v)?;
                <$t>::try_from(wide).map_err(|_| format!("{wide} is out of range"))
            }
        }
    )+};
}
narrow_int_column!(i32 u32 u64 usize);

impl FromColumn for bool {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl FromColumn for f64 {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {}", kind(other))),
        }
    }
}

impl FromColumn for String {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Text(t) => Ok(t.to_string()),
            other => Err(format!("expected text, found {}", kind(other))),
        }
    }
}

impl FromColumn for Vec<u8> {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b.to_vec()),
            other => Err(format!("expected bytes, found {}", kind(other))),
        }
    }
}

impl<T: FromColumn> FromColumn for Option<T> {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}
