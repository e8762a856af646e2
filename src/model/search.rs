//! The wire shapes of search (contract §10): a message found, with the room it is in.

use poem_openapi::Object;
use serde::Serialize;

use super::{Message, RoomRef};

/// One message that matched, and where it is, so a page can name the room and open it there.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
pub struct SearchHit {
    pub message: Message,
    pub room: RoomRef,
}

/// A page of matches, newest first.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    pub results: Vec<SearchHit>,
    /// How many messages the caller may read match, counted up to 1,000 (a count reads every
    /// match it counts; nobody pages past the first thousand, they narrow the query).
    pub total: i64,
    /// More messages match than `total` says (it stopped counting at 1,000).
    pub total_capped: bool,
}
