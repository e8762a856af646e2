//! A staff member's e-mail notifications in the console (`/console/notifications`, linked from
//! the desk): their address and whether they get waiting alerts. The rules are chat/mail.rs's,
//! the same as `PUT /api/users/me/notifications`, so a refusal changes nothing.

use std::sync::Arc;

use super::form::Form;
use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::session::ConsoleUser;
use super::view::{PageCtx, error_page, render, render_status};
use crate::app::App;
use crate::chat::mail;
use crate::error::AppError;
use crate::model::mail::Notifications;

#[derive(Template)]
#[template(path = "desk/notifications.html")]
struct NotificationsPage {
    page: PageCtx,
    /// What the form shows: the stored choices, or what was typed into a refused form.
    email: String,
    waiting_alerts: bool,
    stored: Notifications,
    saved: bool,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// The form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct NotificationsForm {
    csrf: String,
    #[serde(default)]
    email: String,
    /// Present (`1`) when the box is ticked.
    waiting_alerts: Option<String>,
}

/// `GET /console/notifications`.
#[handler]
pub(crate) async fn show(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: ConsoleUser,
    Query(q): Query<DoneQuery>,
) -> poem::Result<Response> {
    let lang = user.lang;
    let stored = mail::notifications(&app.db, app.mail.as_deref(), &user.caller)
        .await
        .map_err(|e| error_page(lang, &e))?;
    let page = NotificationsPage {
        page: PageCtx::signed_in(req, app, &user, "notifications")
            .map_err(|e| error_page(lang, &e))?,
        email: stored.email.clone().unwrap_or_default(),
        waiting_alerts: stored.waiting_alerts,
        stored,
        saved: q.done == "saved",
        error: None,
    };
    Ok(render(&page))
}

/// `POST /console/notifications`: saves both fields; a refusal shows the form again as typed.
#[handler]
pub(crate) async fn save(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: ConsoleUser,
    Form(form): Form<NotificationsForm>,
) -> poem::Result<Response> {
    user.check_csrf(&form.csrf)?;
    let lang = user.lang;
    let mailer = app.mail.as_deref();
    let wants = form.waiting_alerts.is_some();
    let email = Some(form.email.clone());
    let refusal = match mail::set_notifications(&app.db, mailer, &user.caller, email, wants).await {
        Ok(_) => {
            return Ok(Redirect::see_other("/console/notifications?done=saved").into_response());
        }
        Err(AppError::BadRequest(_)) if wants && form.email.trim().is_empty() => {
            lang.strings().mail_need_address
        }
        Err(AppError::BadRequest(_)) => lang.strings().mail_bad_address,
        Err(e) => return Err(error_page(lang, &e)),
    };
    let stored = mail::notifications(&app.db, mailer, &user.caller)
        .await
        .map_err(|e| error_page(lang, &e))?;
    let page = NotificationsPage {
        page: PageCtx::signed_in(req, app, &user, "notifications")
            .map_err(|e| error_page(lang, &e))?,
        email: form.email,
        waiting_alerts: wants,
        stored,
        saved: false,
        error: Some(refusal.to_string()),
    };
    Ok(render_status(&page, StatusCode::BAD_REQUEST))
}
