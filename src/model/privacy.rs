//! What a customer's data export holds (contract §11).

use poem_openapi::Object;
use serde::Serialize;

use super::{Message, Session, UserProfile};
use crate::time::Timestamp;

/// Everything Frontdesk keeps about one person, in one document: their profile and contact
/// details, their room, its sessions and its messages with their files' details (each file's
/// `url` downloads it for a day).
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct UserExport {
    pub exported_at: Timestamp,
    pub user: UserProfile,
    #[oai(nullable)]
    pub email: Option<String>,
    #[oai(nullable)]
    pub phone: Option<String>,
    /// The shop's own id of a customer who came through the shop's sign-in.
    #[oai(nullable)]
    pub site_id: Option<String>,
    #[oai(nullable)]
    pub room_id: Option<i64>,
    /// Newest first.
    pub sessions: Vec<Session>,
    /// Oldest first.
    pub messages: Vec<Message>,
}
