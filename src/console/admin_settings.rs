//! The shop's settings in the admin console (`/console/admin/settings`): one form with every
//! field of contract §8. The handler only turns the form's text into a whole `SettingsPatch`
//! (topics one per line, each day's hours as `09:00-12:00, 13:30-17:30`); the rules are
//! chat/settings.rs's, the same as `PUT /api/admin/settings`, so a refusal saves nothing.

use std::sync::Arc;

use super::form::Form;
use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::session::AdminUser;
use super::settings_form::{DAYS, Refusal, SettingsForm, day_name};
use super::view::{PageCtx, error_page, render, render_status};
use crate::app::App;
use crate::chat::settings;
use crate::error::AppError;

/// Time zones offered in the form's list; any other IANA name may be typed.
const ZONES: [&str; 20] = [
    "Asia/Ho_Chi_Minh",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Manila",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Taipei",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "UTC",
];

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    page: PageCtx,
    form: SettingsForm,
    saved: bool,
    error: Option<Refusal>,
    zones: [&'static str; 20],
    days: [&'static str; 7],
}

impl SettingsPage {
    fn day_name(&self, day: &str) -> &'static str {
        day_name(self.page.t, day)
    }

    fn day_text(&self, day: &str) -> &str {
        self.form.day(day)
    }

    /// The refusal as shown: the field's label, then the reason.
    fn error_text(&self) -> Option<String> {
        self.error.as_ref().map(|e| match e.label(self.page.t) {
            "" => e.text.clone(),
            label => format!("{label}: {}", e.text),
        })
    }

    /// Whether the refusal is about this field (`aria-invalid` and a link to the reason).
    fn invalid(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|e| {
            e.field == field || (field == "topics" && e.field.starts_with("topics"))
        })
    }

    fn invalid_day(&self, day: &str) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.field.strip_prefix("hours.") == Some(day))
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SettingsQuery {
    #[serde(default)]
    done: String,
}

/// `/console/admin/settings`: the form with the stored settings.
#[handler]
pub(crate) async fn show(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Query(q): Query<SettingsQuery>,
) -> poem::Result<Response> {
    let lang = user.0.lang;
    let stored = settings::get(&app.db, &user.0.caller)
        .await
        .map_err(|e| error_page(lang, &e))?;
    let page = SettingsPage {
        page: PageCtx::signed_in(req, app, &user.0, "settings")
            .map_err(|e| error_page(lang, &e))?,
        form: SettingsForm::from_settings(&stored),
        saved: q.done == "saved",
        error: None,
        zones: ZONES,
        days: DAYS,
    };
    Ok(render(&page))
}

/// Saves the whole form; a refusal shows it again as typed, with the reason, and saves nothing.
#[handler]
pub(crate) async fn save(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Form(form): Form<SettingsForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    let lang = user.0.lang;
    let refusal = match form.patch(lang.strings()) {
        Err(r) => r,
        Ok(patch) => match settings::update(&app.db, &user.0.caller, patch).await {
            Ok(_) => {
                return Ok(
                    Redirect::see_other("/console/admin/settings?done=saved").into_response()
                );
            }
            Err(AppError::BadRequest(m)) => Refusal::of_rules(&m),
            Err(e) => return Err(error_page(lang, &e)),
        },
    };
    let page = SettingsPage {
        page: PageCtx::signed_in(req, app, &user.0, "settings")
            .map_err(|e| error_page(lang, &e))?,
        form,
        saved: false,
        error: Some(refusal),
        zones: ZONES,
        days: DAYS,
    };
    Ok(render_status(&page, StatusCode::BAD_REQUEST))
}
