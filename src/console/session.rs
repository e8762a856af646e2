//! The console's sign-in: a random id in an `HttpOnly; SameSite=Strict` cookie naming a row of
//! `console_sessions`, the per-session CSRF token every form post must carry, and the
//! extractors that give a handler the signed-in staff member (or a redirect / 403 page). It
//! never renders page content, never checks a password (chat/accounts.rs does) and never
//! touches the database (chat/console_sessions.rs does).

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Redirect;
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response};

use super::i18n::Lang;
use super::view;
use crate::app::App;
use crate::auth::Caller;
use crate::chat::console_sessions;
use crate::error::AppError;
use crate::model::Role;
use crate::store::console_sessions::ConsoleSessionRow;

/// The cookie holding the console session id, and nothing else.
pub(crate) const SESSION_COOKIE: &str = "fd_session";
/// Double-submit cookie protecting the sign-in form, which has no session yet.
pub(crate) const LOGIN_CSRF_COOKIE: &str = "fd_login_csrf";

/// The value of cookie `name`, read from the `Cookie` headers.
pub(crate) fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(poem::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// Whether the browser reached us over HTTPS (directly, through a trusted proxy that says so,
/// or as the operator declared), so cookies get `Secure`.
pub(crate) fn is_https(req: &Request, app: &App) -> bool {
    app.config.console.secure_cookies || served_over_tls(req) || crate::proxy::Client::of(req).https
}

/// Whether this connection is our own TLS (`--tls-cert` or `--acme-domain`): the acceptor
/// marks every request it carries `https`.
pub(crate) fn served_over_tls(req: &Request) -> bool {
    *req.scheme() == poem::http::uri::Scheme::HTTPS
}

/// A `Set-Cookie` value: always `HttpOnly`, `SameSite=Strict` and `Path=/`; `Secure` on HTTPS.
/// `max_age` 0 deletes the cookie.
pub(crate) fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Max-Age={max_age_secs}; Path=/; HttpOnly; SameSite=Strict{secure}")
}

/// Compares tokens without stopping at the first difference.
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A staff member or admin signed in to the console.
#[derive(Debug, Clone)]
pub(crate) struct ConsoleUser {
    pub caller: Caller,
    pub token_version: i64,
    pub session: ConsoleSessionRow,
    pub lang: Lang,
}

impl ConsoleUser {
    /// Refuses a form post whose CSRF token is not this session's: a 403 page.
    pub(crate) fn check_csrf(&self, sent: &str) -> poem::Result<()> {
        if same_token(sent, &self.session.csrf_token) {
            Ok(())
        } else {
            tracing::warn!(
                user = self.caller.id,
                "console form post with a bad CSRF token"
            );
            Err(view::forbidden(
                self.lang,
                self.lang.strings().forbidden_csrf,
            ))
        }
    }

    /// A token for the page's script, valid only while this console session lives.
    pub(crate) fn page_token(&self, app: &App) -> Result<String, AppError> {
        app.tokens.issue_for_console(
            self.caller.id,
            self.caller.role,
            self.token_version,
            &self.session.id,
        )
    }
}

fn app_of(req: &Request) -> poem::Result<&Arc<App>> {
    req.data::<Arc<App>>()
        .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))
}

/// Sends someone who is not signed in to the sign-in page, coming back here afterwards.
fn to_login(req: &Request) -> poem::Error {
    let here = req
        .original_uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/console");
    let next: String = url_encode(here);
    let target = if req.method() == poem::http::Method::GET {
        format!("/console/login?next={next}")
    } else {
        "/console/login".to_string()
    };
    poem::Error::from_response(Redirect::see_other(target).into_response())
}

/// Percent-encodes everything but unreserved characters (for a `next=` parameter).
pub(crate) fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl<'a> FromRequest<'a> for ConsoleUser {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let app = app_of(req)?;
        let lang = Lang::of(req);
        let Some(sid) = cookie(req, SESSION_COOKIE).filter(|s| s.len() == 64) else {
            return Err(to_login(req));
        };
        let found = console_sessions::signed_in(&app.db, sid)
            .await
            .map_err(|e| view::error_page(lang, &e))?;
        match found {
            Some((session, user)) => Ok(ConsoleUser {
                caller: Caller::new(&user, Some(session.id.clone()), session.expires_at),
                token_version: user.token_version,
                session,
                lang,
            }),
            _ => Err(to_login(req)),
        }
    }
}

/// A signed-in admin: staff members get a 403 page instead.
#[derive(Debug, Clone)]
pub(crate) struct AdminUser(pub ConsoleUser);

impl<'a> FromRequest<'a> for AdminUser {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let user = ConsoleUser::from_request(req, body).await?;
        if user.caller.role == Role::Admin {
            Ok(AdminUser(user))
        } else {
            tracing::warn!(user = user.caller.id, path = %req.original_uri().path(), "staff refused an admin page");
            let t = user.lang.strings();
            Err(view::forbidden(user.lang, t.forbidden_admin))
        }
    }
}

/// Answers with a redirect that also sets cookies.
pub(crate) fn redirect_with_cookies(to: &str, cookies: &[String]) -> Response {
    let mut resp = Redirect::see_other(to).into_response();
    for c in cookies {
        if let Ok(v) = c.parse() {
            resp.headers_mut().append(poem::http::header::SET_COOKIE, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_strict_and_secure_on_https() {
        let c = set_cookie(SESSION_COOKIE, "abc", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!set_cookie(SESSION_COOKIE, "abc", 60, false).contains("Secure"));
    }

    use crate::chat::console_sessions::random_token;

    #[test]
    fn tokens_compare_exactly() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert!(same_token(&t, &t.clone()));
        assert!(!same_token(&t, &random_token()));
        assert!(!same_token(&t, ""));
    }
}
