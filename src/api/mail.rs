//! E-mail doors (issue 14): the signed-in staff member's notification choices, and a
//! customer's request for an ended session's transcript by e-mail.

use std::sync::Arc;

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::error::{ApiResult, MailRequest, SettingsChange, StaffOwn};
use super::security::BearerAuth;
use crate::app::App;
use crate::chat::mail;
use crate::model::mail::{Notifications, TranscriptEmail};
use crate::model::text::Text;

/// What a staff member chooses to get by e-mail.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct NotificationsBody {
    /// The address alerts go to; empty or absent: none (then `waitingAlerts` must be false).
    pub email: Option<Text>,
    /// An e-mail when a session waits longer than the shop's `emailAlertWaitMinutes`.
    pub waiting_alerts: bool,
}

#[derive(ApiResponse)]
pub(crate) enum Queued {
    /// The e-mail is queued; it is sent within moments when the mail server answers, retried
    /// for a day when it does not.
    #[oai(status = 202)]
    Accepted(Json<TranscriptEmail>),
}

pub(crate) struct MailApi {
    pub app: Arc<App>,
}

#[OpenApi(tag = "ApiTags::Auth")]
impl MailApi {
    /// The caller's e-mail notifications (staff and admins), and whether this server sends
    /// e-mail at all.
    #[oai(
        path = "/users/me/notifications",
        method = "get",
        operation_id = "getMyNotifications"
    )]
    async fn get(&self, auth: BearerAuth) -> ApiResult<Json<Notifications>, StaffOwn> {
        let mailer = self.app.mail.as_deref();
        Ok(Json(
            mail::notifications(&self.app.db, mailer, &auth.0).await?,
        ))
    }

    /// Set the caller's address and whether they get waiting alerts (staff and admins).
    #[oai(
        path = "/users/me/notifications",
        method = "put",
        operation_id = "setMyNotifications"
    )]
    async fn put(
        &self,
        auth: BearerAuth,
        body: Json<NotificationsBody>,
    ) -> ApiResult<Json<Notifications>, SettingsChange> {
        let b = body.0;
        let mailer = self.app.mail.as_deref();
        let email = b.email.map(Text::into_string);
        Ok(Json(
            mail::set_notifications(&self.app.db, mailer, &auth.0, email, b.waiting_alerts).await?,
        ))
    }

    /// E-mail the transcript of an ended session to its customer's address on file (the
    /// session's customer only). At most once per 10 minutes per session and 5 a day per
    /// customer (429 with `Retry-After`); 404 also when the server sends no e-mail.
    #[oai(
        path = "/chat/sessions/:id/transcript-email",
        method = "post",
        operation_id = "emailSessionTranscript"
    )]
    async fn transcript(
        &self,
        auth: BearerAuth,
        /// The session id.
        id: Path<i64>,
    ) -> ApiResult<Queued, MailRequest> {
        let mailer = self.app.mail.as_deref();
        let sent = mail::email_transcript(&self.app.db, mailer, &auth.0, id.0).await?;
        Ok(Queued::Accepted(Json(sent)))
    }
}
