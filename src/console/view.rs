//! What every console page shares: the context the layout reads (language, words, the signed-in
//! person, the CSRF token, the page's script token), turning a template into a response, the
//! 403/404 pages, and the fallback time format. It holds no rule and no SQL.

use askama::Template;
use chrono::{DateTime, FixedOffset, Offset, Utc};
use poem::http::StatusCode;
use poem::web::Html;
use poem::{IntoResponse, Request, Response};

use super::i18n::{Lang, Strings};
use super::session::{ConsoleUser, cookie, url_encode};
use crate::app::App;
use crate::error::AppError;
use crate::model::{Role, SessionStatus};

/// The signed-in person as the layout shows them.
pub(crate) struct PageUser {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// Everything the layout needs; every page template has one as `page`.
pub(crate) struct PageCtx {
    pub lang: Lang,
    pub t: &'static Strings,
    pub user: Option<PageUser>,
    /// This session's CSRF token, for the hidden field of every form.
    pub csrf: String,
    /// A JWT tied to this console session, for the page's script (REST and Socket.IO).
    pub token: String,
    /// The phrases as JSON, for the page's script (`data-i18n`).
    pub i18n_json: String,
    /// Which navigation entry is current.
    pub section: &'static str,
    /// The language switch's two links, each coming back to this page.
    pub lang_href_vi: String,
    pub lang_href_en: String,
    /// The viewer's offset from UTC in minutes, from the `tz` cookie the scripts set.
    pub tz_minutes: i32,
}

/// Minutes east of UTC the viewer's browser reported (0 until its script has run once).
pub(crate) fn tz_minutes(req: &Request) -> i32 {
    cookie(req, "tz")
        .and_then(|v| v.parse::<i32>().ok())
        .map(|m| m.clamp(-14 * 60, 14 * 60))
        .unwrap_or(0)
}

impl PageCtx {
    /// The context of a page nobody needs to be signed in for.
    pub(crate) fn public(req: &Request, lang: Lang, section: &'static str) -> PageCtx {
        let here = req
            .original_uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        // The switch must not keep an old `lang=` in the page it comes back to.
        let here = strip_lang_param(here);
        // The customer page may live in a third-party iframe where our cookie is not kept, so
        // its links also carry the choice in the address.
        let href = |code: &str| {
            let next = if here.starts_with("/chat") {
                let sep = if here.contains('?') { '&' } else { '?' };
                format!("{here}{sep}lang={code}")
            } else {
                here.clone()
            };
            format!("/console/lang?to={code}&next={}", url_encode(&next))
        };
        PageCtx {
            lang,
            t: lang.strings(),
            user: None,
            csrf: String::new(),
            token: String::new(),
            i18n_json: serde_json::to_string(lang.strings()).unwrap_or_default(),
            section,
            lang_href_vi: href("vi"),
            lang_href_en: href("en"),
            tz_minutes: tz_minutes(req),
        }
    }

    /// The context of a page for a signed-in staff member or admin.
    pub(crate) fn signed_in(
        req: &Request,
        app: &App,
        user: &ConsoleUser,
        section: &'static str,
    ) -> Result<PageCtx, AppError> {
        let mut page = PageCtx::public(req, user.lang, section);
        page.user = Some(PageUser {
            id: user.caller.id,
            name: display_name(&user.caller.summary),
            role: user.caller.role,
        });
        page.csrf = user.session.csrf_token.clone();
        page.token = user.page_token(app)?;
        Ok(page)
    }

    /// Whether the navigation shows the admin console.
    pub(crate) fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }

    /// The viewer's id (0 when nobody is signed in), for `data-user-id`.
    pub(crate) fn user_id(&self) -> i64 {
        self.user.as_ref().map(|u| u.id).unwrap_or(0)
    }

    /// The viewer's role as the API spells it, for `data-role`.
    pub(crate) fn role_code(&self) -> &'static str {
        self.user.as_ref().map(|u| u.role.as_str()).unwrap_or("")
    }

    /// An ISO time as the viewer's wall clock, until the page's script localizes it.
    pub(crate) fn local(&self, iso: &str) -> String {
        DateTime::parse_from_rfc3339(iso)
            .map(|t| self.local_dt(t.with_timezone(&Utc)))
            .unwrap_or_default()
    }

    /// Stored milliseconds as the viewer's wall clock.
    pub(crate) fn local_ms(&self, ms: &i64) -> String {
        DateTime::<Utc>::from_timestamp_millis(*ms)
            .map(|t| self.local_dt(t))
            .unwrap_or_default()
    }

    fn local_dt(&self, t: DateTime<Utc>) -> String {
        let offset = FixedOffset::east_opt(self.tz_minutes * 60).unwrap_or_else(|| Utc.fix());
        t.with_timezone(&offset)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// A role in words.
    pub(crate) fn role_name(&self, role: &Role) -> &'static str {
        match role {
            Role::Customer => self.t.role_customer,
            Role::Staff => self.t.role_staff,
            Role::Admin => self.t.role_admin,
        }
    }

    /// A session status in words.
    pub(crate) fn status_name(&self, status: &SessionStatus) -> &'static str {
        match status {
            SessionStatus::Open => self.t.status_open,
            SessionStatus::InProgress => self.t.status_in_progress,
            SessionStatus::Ended => self.t.status_ended,
        }
    }

    /// A duration such as "3 min 20 s" or "1 giờ 5 phút".
    pub(crate) fn duration(&self, ms: &i64) -> String {
        let secs = (*ms / 1000).max(0);
        let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
        let n = |tpl: &str, v: i64| tpl.replace("{n}", &v.to_string());
        if h > 0 {
            format!("{} {}", n(self.t.hours, h), n(self.t.minutes, m))
        } else if m > 0 {
            format!("{} {}", n(self.t.minutes, m), n(self.t.seconds, s))
        } else {
            n(self.t.seconds, s)
        }
    }
}

/// How a person is named on the pages: first and last name, else the user name.
pub(crate) fn display_name(u: &crate::model::UserSummary) -> String {
    let full = format!("{} {}", u.first_name, u.last_name);
    let full = full.trim();
    if full.is_empty() {
        u.user_name.clone()
    } else {
        full.to_string()
    }
}

fn strip_lang_param(path_and_query: &str) -> String {
    match path_and_query.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.starts_with("lang=") && !p.is_empty())
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => path_and_query.to_string(),
    }
}

/// Renders a template as an HTML response with `status`.
pub(crate) fn render_status(tpl: &impl Template, status: StatusCode) -> Response {
    match tpl.render() {
        Ok(html) => Html(html).with_status(status).into_response(),
        Err(err) => {
            tracing::error!(%err, "template failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Renders a template as a 200 HTML response.
pub(crate) fn render(tpl: &impl Template) -> Response {
    render_status(tpl, StatusCode::OK)
}

/// The page for a refused or failed request.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub page: PageCtx,
    pub title: &'static str,
    pub text: String,
}

fn bare_page(lang: Lang) -> PageCtx {
    let t = lang.strings();
    PageCtx {
        lang,
        t,
        user: None,
        csrf: String::new(),
        token: String::new(),
        i18n_json: serde_json::to_string(t).unwrap_or_default(),
        section: "",
        lang_href_vi: "/console/lang?to=vi&next=/console".into(),
        lang_href_en: "/console/lang?to=en&next=/console".into(),
        tz_minutes: 0,
    }
}

/// A 403 page (as an error, so extractors and handlers can `?` it).
pub(crate) fn forbidden(lang: Lang, text: &str) -> poem::Error {
    let page = ErrorPage {
        page: bare_page(lang),
        title: lang.strings().forbidden_title,
        text: text.to_string(),
    };
    poem::Error::from_response(render_status(&page, StatusCode::FORBIDDEN))
}

/// The page for a rule's refusal or a fault: 403 and 404 say what happened, the rest are generic.
pub(crate) fn error_page(lang: Lang, err: &AppError) -> poem::Error {
    let t = lang.strings();
    let (status, title, text) = match err {
        AppError::Forbidden(m) => (StatusCode::FORBIDDEN, t.forbidden_title, m.clone()),
        AppError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            t.not_found_title,
            t.not_found_text.to_string(),
        ),
        AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, t.error_generic, m.clone()),
        _ => (
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            t.error_generic,
            err.message().to_string(),
        ),
    };
    let page = ErrorPage {
        page: bare_page(lang),
        title,
        text,
    };
    poem::Error::from_response(render_status(&page, status))
}
