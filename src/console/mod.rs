//! The built-in web pages: the staff desk and admin console under `/console`, the customer page
//! at `/chat`, `/widget.js` for shop sites, and the embedded `/static` files. Pages are
//! server-rendered with askama from the same rules in chat/ that the API uses; their small
//! scripts then use the REST API and the `/chat` Socket.IO namespace like any other client.
//! Nothing here holds a rule or SQL.

mod admin;
mod admin_canned;
mod admin_lists;
mod admin_privacy;
mod admin_settings;
mod admin_users;
mod admin_webhooks;
mod assets;
mod customer;
mod desk;
mod desk_search;
mod form;
mod headers;
mod i18n;
mod lang;
mod login;
mod notifications;
mod session;
mod settings_form;
mod transcript;
mod view;

use std::sync::Arc;

use poem::http::StatusCode;
use poem::{
    Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Request, Response, Route, get, post,
};

use crate::app::App;
use headers::SecurityHeaders;

/// `/console/...`: sign-in, the desk, the admin console. Mount with `nest("/console", ...)`.
pub(crate) fn routes(_app: Arc<App>) -> impl Endpoint {
    Route::new()
        .at("/", get(desk::index))
        .at("/rooms/:id", get(desk::room_page))
        .at("/rooms/:id/transcript", get(transcript::download))
        .at("/login", get(login::show).post(login::submit))
        .at("/logout", post(login::logout))
        .at("/lang", get(login::switch_language))
        .at(
            "/notifications",
            get(notifications::show).post(notifications::save),
        )
        .at("/admin", get(admin::dashboard))
        .at("/admin/figures", get(admin::figures_page))
        .at("/admin/sessions", get(admin_lists::sessions))
        .at("/admin/rooms", get(admin_lists::rooms))
        .at("/admin/rooms/:id/assign", post(admin_lists::assign_room))
        .at(
            "/admin/users",
            get(admin_users::list).post(admin_users::create),
        )
        .at(
            "/admin/users/:id",
            get(admin_users::edit).post(admin_users::update),
        )
        .at(
            "/admin/settings",
            get(admin_settings::show).post(admin_settings::save),
        )
        .at("/admin/users/:id/password", post(admin_users::password))
        .at("/admin/users/:id/active", post(admin_users::set_active))
        .at("/admin/users/:id/export", get(admin_privacy::export))
        .at("/admin/users/:id/erase", post(admin_privacy::erase))
        .at(
            "/admin/canned",
            get(admin_canned::list).post(admin_canned::create),
        )
        .at("/admin/canned/:id", post(admin_canned::update))
        .at("/admin/canned/:id/delete", post(admin_canned::delete))
        .at(
            "/admin/webhooks",
            get(admin_webhooks::list).post(admin_webhooks::create),
        )
        .at("/admin/webhooks/:id", get(admin_webhooks::detail))
        .at(
            "/admin/webhooks/:id/enabled",
            post(admin_webhooks::set_enabled),
        )
        .at("/admin/webhooks/:id/test", post(admin_webhooks::send_test))
        .at("/admin/webhooks/:id/delete", post(admin_webhooks::delete))
        .at(
            "/admin/webhooks/:id/deliveries/:delivery/retry",
            post(admin_webhooks::retry),
        )
        .around(not_found_page)
        .with(SecurityHeaders::console())
}

/// Any other address under /console gets a 404 page in the visitor's language, not the API's
/// JSON error body.
async fn not_found_page<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let lang = i18n::Lang::of(&req);
    match ep.call(req).await {
        Ok(r) => Ok(r.into_response()),
        Err(e) if e.status() == StatusCode::NOT_FOUND && !e.is_from_response() => Err(
            view::error_page(lang, &crate::error::AppError::not_found("no such page")),
        ),
        Err(e) => Err(e),
    }
}

/// `/`: the front door, with the console's headers (it is never framed).
pub(crate) fn home_page() -> impl Endpoint {
    get(customer::home)
        .into_endpoint()
        .with(SecurityHeaders::console())
}

/// `/chat`: the customer page, embeddable by the configured shop origins (any when none).
pub(crate) fn customer_page(app: Arc<App>) -> impl Endpoint {
    get(customer::page)
        .into_endpoint()
        .with(SecurityHeaders::embeddable(
            &app.config.console.embed_origins,
        ))
}

/// `/widget.js`: the script a shop pastes into its own site.
pub(crate) fn widget() -> impl Endpoint {
    get(assets::widget)
}

/// `/static/...`: our css and scripts and the vendored socket.io client, from the binary.
pub(crate) fn static_files() -> impl Endpoint {
    get(assets::static_file)
}
