//! The admin console's lists of every session and room (`/console/admin/sessions`,
//! `/console/admin/rooms`) with their filters, and reassigning a room to another staff member.

use std::sync::Arc;

use super::form::Form;
use askama::Template;
use chrono::NaiveDate;
use poem::web::{Data, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use super::session::{AdminUser, url_encode};
use super::view::{PageCtx, error_page, render, tz_minutes};
use crate::app::App;
use crate::chat::{accounts, assign, reports};
use crate::error::AppError;
use crate::model::{Role, SessionStatus};
use crate::store::reports::{Named, RoomLine, RoomQuery, SessionLine, SessionQuery, StaffFilter};

const PAGE_SIZE: u32 = 50;

/// A staff member or admin in a filter or an assignment menu.
pub(crate) struct StaffOption {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

/// Every staff member and admin, by name.
async fn staff_options(app: &App, user: &AdminUser) -> Result<Vec<StaffOption>, AppError> {
    let caller = &user.0.caller;
    let mut all = Vec::new();
    for role in [Role::Staff, Role::Admin] {
        let (users, _) = accounts::list(&app.db, caller, None, Some(role), 500, 0).await?;
        all.extend(users.into_iter().map(|u| StaffOption {
            id: u.id,
            name: person(&u.first_name, &u.last_name, &u.user_name),
            active: u.is_active,
        }));
    }
    all.sort_by_key(|o| o.name.to_lowercase());
    Ok(all)
}

fn person(first: &str, last: &str, user_name: &str) -> String {
    match format!("{first} {last}").trim() {
        "" => user_name.to_string(),
        name => name.to_string(),
    }
}

/// The filters as the address bar has them; anything unreadable means "any".
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    staff: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    active: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    page: u32,
    #[serde(default)]
    done: String,
}

impl Filters {
    fn staff_filter(&self) -> StaffFilter {
        match self.staff.as_str() {
            "none" => StaffFilter::Nobody,
            s => s.parse().map_or(StaffFilter::Any, StaffFilter::Member),
        }
    }

    /// The label filter, as labels are stored (trimmed, lowercase).
    fn label(&self) -> Option<String> {
        Some(self.label.trim().to_lowercase()).filter(|l| !l.is_empty())
    }

    fn customer(&self) -> Option<String> {
        Some(self.customer.trim().to_string()).filter(|c| !c.is_empty())
    }

    /// Midnight starting `date` (`YYYY-MM-DD`) in the viewer's zone, plus `days`, as UTC ms.
    fn local_midnight(date: &str, days: i64, tz: i32) -> Option<i64> {
        let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
        let utc = d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
        Some(utc + days * 86_400_000 - i64::from(tz) * 60_000)
    }

    /// The page asked for, kept in a range where offsets cannot overflow.
    fn page(&self) -> u32 {
        self.page.clamp(1, 100_000)
    }

    /// This list's address with the same filters on another page.
    fn href(&self, base: &str, page: u32) -> String {
        let pairs = [
            ("status", &self.status),
            ("staff", &self.staff),
            ("customer", &self.customer),
            ("from", &self.from),
            ("to", &self.to),
            ("active", &self.active),
            ("label", &self.label),
        ];
        let mut query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect();
        query.push(format!("page={page}"));
        format!("{base}?{}", query.join("&"))
    }
}

fn name_of(n: &Named) -> String {
    person(&n.first_name, &n.last_name, &n.user_name)
}

#[derive(Template)]
#[template(path = "admin/sessions.html")]
struct SessionsPage {
    page: PageCtx,
    filters: Filters,
    lines: Vec<SessionLine>,
    total: i64,
    staff: Vec<StaffOption>,
    statuses: [SessionStatus; 3],
}

impl SessionsPage {
    fn name(&self, n: &Named) -> String {
        name_of(n)
    }
    fn has_next(&self) -> bool {
        i64::from(self.filters.page() * PAGE_SIZE) < self.total
    }
}

/// `/console/admin/sessions`: every session, filtered by status, staff, customer and date.
#[handler]
pub(crate) async fn sessions(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Query(filters): Query<Filters>,
) -> poem::Result<Response> {
    let lang = user.0.lang;
    let tz = tz_minutes(req);
    let query = SessionQuery {
        status: SessionStatus::parse(&filters.status),
        staff: filters.staff_filter(),
        customer: filters.customer(),
        from: Filters::local_midnight(&filters.from, 0, tz),
        to: Filters::local_midnight(&filters.to, 1, tz),
        label: filters.label(),
        limit: PAGE_SIZE,
        offset: (filters.page() - 1) * PAGE_SIZE,
    };
    let result = async {
        let (lines, total) = reports::sessions(&app.db, &user.0.caller, query).await?;
        let staff = staff_options(app, &user).await?;
        let page = PageCtx::signed_in(req, app, &user.0, "sessions")?;
        Ok::<_, AppError>(SessionsPage {
            page,
            filters,
            lines,
            total,
            staff,
            statuses: [
                SessionStatus::Open,
                SessionStatus::InProgress,
                SessionStatus::Ended,
            ],
        })
    }
    .await
    .map_err(|e| error_page(lang, &e))?;
    Ok(render(&result))
}

#[derive(Template)]
#[template(path = "admin/rooms.html")]
struct RoomsPage {
    page: PageCtx,
    filters: Filters,
    lines: Vec<RoomLine>,
    total: i64,
    staff: Vec<StaffOption>,
}

impl RoomsPage {
    fn name(&self, n: &Named) -> String {
        name_of(n)
    }
    fn has_next(&self) -> bool {
        i64::from(self.filters.page() * PAGE_SIZE) < self.total
    }
    fn assigned_to(&self, line: &RoomLine, option: &StaffOption) -> bool {
        line.staff.as_ref().is_some_and(|s| s.id == option.id)
    }
}

/// `/console/admin/rooms`: every room, filtered by staff, customer and whether a session is
/// active, each with a form to reassign it.
#[handler]
pub(crate) async fn rooms(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Query(filters): Query<Filters>,
) -> poem::Result<Response> {
    let lang = user.0.lang;
    let query = RoomQuery {
        staff: filters.staff_filter(),
        customer: filters.customer(),
        active: match filters.active.as_str() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        },
        limit: PAGE_SIZE,
        offset: (filters.page() - 1) * PAGE_SIZE,
    };
    let result = async {
        let (lines, total) = reports::rooms(&app.db, &user.0.caller, query).await?;
        let staff = staff_options(app, &user).await?;
        let page = PageCtx::signed_in(req, app, &user.0, "rooms")?;
        Ok::<_, AppError>(RoomsPage {
            page,
            filters,
            lines,
            total,
            staff,
        })
    }
    .await
    .map_err(|e| error_page(lang, &e))?;
    Ok(render(&result))
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    staff_id: i64,
}

/// Reassigns a room (CSRF-checked), then back to the rooms list.
#[handler]
pub(crate) async fn assign_room(
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
    Path(room_id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> poem::Result<Response> {
    user.0.check_csrf(&form.csrf)?;
    assign::reassign(&app.db, &user.0.caller, room_id, form.staff_id)
        .await
        .map_err(|e| error_page(user.0.lang, &e))?;
    Ok(Redirect::see_other("/console/admin/rooms?done=assigned").into_response())
}
