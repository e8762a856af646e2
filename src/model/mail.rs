//! The wire shapes of e-mail (issue 14): a staff member's notification choices and the answer
//! to a customer's transcript request.

use poem_openapi::Object;
use serde::Serialize;

/// What the signed-in staff member gets by e-mail (`GET/PUT /api/users/me/notifications`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Notifications {
    /// Where alerts go; `null`: no address on file.
    #[oai(nullable)]
    pub email: Option<String>,
    /// An e-mail when a session has waited longer than the shop's `emailAlertWaitMinutes`.
    pub waiting_alerts: bool,
    /// Whether this server sends e-mail at all (`--smtp-url`); false: nothing is sent.
    pub email_enabled: bool,
    /// The shop's wait before an alert, in minutes; 0: alerts are off for the whole shop.
    pub alert_wait_minutes: u32,
}

/// A transcript e-mail that was queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct TranscriptEmail {
    /// The customer's own address it goes to.
    pub sent_to: String,
}
