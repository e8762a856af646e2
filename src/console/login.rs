//! `/console/login`, `/console/logout` and the language switch. Sign-in checks the password
//! through chat/accounts.rs (the same rule as the REST sign-in) and then refuses customers:
//! the console is for staff and admins only.

use std::sync::Arc;

use super::form::Form;
use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, Lang};
use super::session::{
    ConsoleUser, LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie, is_https, redirect_with_cookies,
    same_token, set_cookie,
};
use super::view::{PageCtx, render_status};
use crate::app::App;
use crate::chat::{accounts, console_sessions};
use crate::error::AppError;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageCtx,
    error: Option<String>,
    show_chat_link: bool,
    notice: Option<&'static str>,
    user_name: String,
    next: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
    out: Option<String>,
}

/// Only paths on this site under /console may be a `next`: never another host.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/console") && !n.contains("//") && !n.contains('\\') => {
            n.to_string()
        }
        _ => "/console".to_string(),
    }
}

fn login_page(req: &Request, app: &App, form: LoginPage, status: StatusCode) -> Response {
    // A fresh double-submit token for every rendering of the form.
    let token = console_sessions::random_token();
    let mut form = form;
    form.page.csrf = token.clone();
    let mut resp = render_status(&form, status);
    let cookie = set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, is_https(req, app));
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(poem::http::header::SET_COOKIE, v);
    }
    resp
}

/// The sign-in form.
#[handler]
pub(crate) async fn show(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    Query(q): Query<LoginQuery>,
) -> Response {
    let lang = Lang::of(req);
    let page = LoginPage {
        page: PageCtx::public(req, lang, "login"),
        error: None,
        show_chat_link: false,
        notice: q.out.as_ref().map(|_| lang.strings().signed_out),
        user_name: String::new(),
        next: safe_next(q.next.as_deref()),
    };
    login_page(req, app, page, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    user_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// Signs in: wrong credentials, a deactivated account and a customer account each get their
/// own clear message; a staff member or admin gets a console session cookie.
#[handler]
pub(crate) async fn submit(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    Form(form): Form<LoginForm>,
) -> poem::Result<Response> {
    let lang = Lang::of(req);
    let t = lang.strings();
    let expected = cookie(req, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_token(&form.csrf, &expected) {
        tracing::warn!("console sign-in with a bad CSRF token");
        return Err(super::view::forbidden(lang, t.forbidden_csrf));
    }
    let retry = |error: String, chat: bool, status: StatusCode| {
        let page = LoginPage {
            page: PageCtx::public(req, lang, "login"),
            error: Some(error),
            show_chat_link: chat,
            notice: None,
            user_name: form.user_name.clone(),
            next: safe_next(Some(&form.next)),
        };
        Ok(login_page(req, app, page, status))
    };
    let address = crate::proxy::Client::of(req).address_key();
    let attempt = accounts::login(
        &app.db,
        &app.tokens,
        form.user_name.clone(),
        form.password.clone(),
    );
    let signed_in = app.limits.sign_in(&address, &form.user_name, attempt).await;
    let user = match signed_in {
        Ok(s) => s.user,
        Err(AppError::RateLimited { .. }) => {
            return retry(
                t.err_rate_limited.into(),
                false,
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Err(AppError::AccountDeactivated) => {
            return retry(t.err_deactivated.into(), false, StatusCode::UNAUTHORIZED);
        }
        Err(AppError::Unauthorized(_)) => {
            return retry(t.err_credentials.into(), false, StatusCode::UNAUTHORIZED);
        }
        Err(e) => {
            return retry(
                e.message().to_string(),
                false,
                StatusCode::SERVICE_UNAVAILABLE,
            );
        }
    };
    let row = match console_sessions::open(&app.db, user.id, app.config.console.session_ttl).await {
        Ok(row) => row,
        Err(AppError::Forbidden(_)) => {
            tracing::warn!(user = user.id, "a customer tried to sign in to the console");
            return retry(t.err_customer.into(), true, StatusCode::FORBIDDEN);
        }
        Err(e) => return Err(super::view::error_page(lang, &e)),
    };
    let secure = is_https(req, app);
    let ttl = app.config.console.session_ttl.as_secs() as i64;
    Ok(redirect_with_cookies(
        &safe_next(Some(&form.next)),
        &[
            set_cookie(SESSION_COOKIE, &row.id, ttl, secure),
            set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure),
        ],
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Signs out: the session row is deleted, so the cookie and the page tokens die with it.
#[handler]
pub(crate) async fn logout(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: ConsoleUser,
    Form(form): Form<CsrfForm>,
) -> poem::Result<Response> {
    user.check_csrf(&form.csrf)?;
    console_sessions::close(&app.db, user.session.id.clone())
        .await
        .map_err(|e| super::view::error_page(user.lang, &e))?;
    Ok(redirect_with_cookies(
        "/console/login?out=1",
        &[set_cookie(SESSION_COOKIE, "", 0, is_https(req, app))],
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct LangQuery {
    to: Option<String>,
    next: Option<String>,
}

/// The language switch: remembers the choice for a year and goes back to the page.
#[handler]
pub(crate) fn switch_language(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = q.to.as_deref().and_then(Lang::parse).unwrap_or(Lang::Vi);
    let next = match q.next.as_deref() {
        Some(n)
            if (n.starts_with("/console") || n.starts_with("/chat"))
                && !n.contains("//")
                && !n.contains('\\') =>
        {
            n
        }
        _ => "/console",
    };
    // Not HttpOnly-sensitive, but the same attributes keep every cookie of ours alike. Lax would
    // let a link from elsewhere carry it; it only picks a language, so Strict costs nothing.
    let cookie = set_cookie(
        LANG_COOKIE,
        lang.code(),
        365 * 24 * 3600,
        is_https(req, app),
    );
    redirect_with_cookies(next, &[cookie])
}
