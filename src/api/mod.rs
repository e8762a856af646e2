//! The REST doors (contract §4), generated into an OpenAPI spec by poem-openapi. Each handler
//! reads its input, calls one rule in chat/, and shapes the answer; none holds a rule or SQL.

mod attachments;
mod auth;
pub(crate) mod body_limit;
mod canned;
pub(crate) mod cors;
pub(crate) mod docs;
pub(crate) mod error;
mod mail;
mod rooms;
mod search;
mod security;
mod sessions;
mod settings;
pub(crate) mod transcript_file;
mod transcripts;
mod users;
mod webhooks;

use std::sync::Arc;

use poem_openapi::{OpenApiService, Tags};

use crate::app::App;

#[derive(Tags)]
enum ApiTags {
    /// Sign-up, sign-in and the caller's own account.
    Auth,
    /// Customers' permanent rooms and their messages.
    Rooms,
    /// Consultations inside rooms: open, claim, end.
    Sessions,
    /// User management for admins.
    Users,
    /// The shop's texts, business hours and desk rules.
    Settings,
    /// Signed HTTP callbacks to the shop's other systems (admins).
    Webhooks,
}

/// The whole REST API, mounted at `/api`.
pub(crate) type Api = OpenApiService<
    (
        auth::AuthApi,
        rooms::RoomsApi,
        attachments::AttachmentsApi,
        search::SearchApi,
        transcripts::TranscriptsApi,
        sessions::SessionsApi,
        canned::CannedApi,
        users::UsersApi,
        settings::SettingsApi,
        webhooks::WebhooksApi,
        mail::MailApi,
    ),
    (),
>;

/// Builds the API with its spec metadata.
pub(crate) fn service(app: Arc<App>) -> Api {
    OpenApiService::new(
        (
            auth::AuthApi { app: app.clone() },
            rooms::RoomsApi { app: app.clone() },
            attachments::AttachmentsApi { app: app.clone() },
            search::SearchApi { app: app.clone() },
            transcripts::TranscriptsApi { app: app.clone() },
            sessions::SessionsApi { app: app.clone() },
            canned::CannedApi { app: app.clone() },
            users::UsersApi { app: app.clone() },
            settings::SettingsApi { app: app.clone() },
            webhooks::WebhooksApi { app: app.clone() },
            mail::MailApi { app },
        ),
        "Frontdesk",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Live customer-support chat. REST for management; realtime chat over Socket.IO \
         (namespace `/chat`, path `/socket.io/`, token in `auth.token` or `?token=`). \
         Errors always have the body `{statusCode, message, error}`.",
    )
    .server("/api")
}
