//! The admin dashboard (`/console/admin`): live figures and a 14-day chart drawn as SVG on the
//! server. `/console/admin/figures` renders the same figures alone, so admin.js can refresh
//! them when the staff feed announces a change (no polling).

use std::sync::Arc;

use askama::Template;
use poem::web::Data;
use poem::{Request, Response, handler};

use super::session::AdminUser;
use super::view::{PageCtx, error_page, render, tz_minutes};
use crate::app::App;
use crate::chat::stats::{self, Dashboard, DayCount};
use crate::time::{format_ms, now_ms};

/// One bar of the chart, in the SVG's own units.
pub(crate) struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub value: i64,
    pub label: String,
    pub label_x: i64,
    pub today: bool,
}

/// Chart geometry: a 700×240 drawing with room for labels under and above the bars.
const WIDTH: i64 = 700;
const BASELINE: i64 = 200;
const TALLEST: i64 = 160;

/// Lays the days out as bars scaled to the busiest one.
pub(crate) fn bars(days: &[DayCount], tz_minutes: i32) -> Vec<Bar> {
    let n = days.len().max(1) as i64;
    let slot = WIDTH / n;
    let width = slot * 3 / 5;
    let max = days.iter().map(|d| d.sessions).max().unwrap_or(0).max(1);
    days.iter()
        .enumerate()
        .map(|(i, d)| {
            let height = d.sessions * TALLEST / max;
            let x = i as i64 * slot + (slot - width) / 2;
            let local = chrono::DateTime::from_timestamp_millis(
                d.start_ms + i64::from(tz_minutes) * 60_000,
            )
            .unwrap_or_default();
            Bar {
                x,
                y: BASELINE - height,
                width,
                height,
                value: d.sessions,
                label: local.format("%d/%m").to_string(),
                label_x: x + width / 2,
                today: i as i64 == n - 1,
            }
        })
        .collect()
}

/// The figures, as both the page and the live fragment show them.
pub(crate) struct Figures {
    pub dash: Dashboard,
    pub bars: Vec<Bar>,
    /// When the oldest waiting session started (ISO), so the page can keep counting.
    pub oldest_since: Option<String>,
}

impl Figures {
    fn new(dash: Dashboard, tz: i32) -> Figures {
        Figures {
            bars: bars(&dash.days, tz),
            oldest_since: dash.oldest_waiting_since.map(format_ms),
            dash,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    page: PageCtx,
    figures: Figures,
}

#[derive(Template)]
#[template(path = "admin/figures.html")]
struct FiguresFragment {
    page: PageCtx,
    figures: Figures,
}

impl DashboardPage {
    fn staff_name(&self, l: &crate::store::stats::StaffLoad) -> String {
        staff_name(l)
    }
}

impl FiguresFragment {
    fn staff_name(&self, l: &crate::store::stats::StaffLoad) -> String {
        staff_name(l)
    }
}

fn staff_name(l: &crate::store::stats::StaffLoad) -> String {
    let full = format!("{} {}", l.first_name, l.last_name);
    match full.trim() {
        "" => l.user_name.clone(),
        name => name.to_string(),
    }
}

async fn figures_for(
    req: &Request,
    app: &App,
    user: &AdminUser,
) -> poem::Result<(PageCtx, Figures)> {
    let user = &user.0;
    let tz = tz_minutes(req);
    let dash = stats::dashboard(&app.db, &user.caller, now_ms(), tz)
        .await
        .map_err(|e| error_page(user.lang, &e))?;
    let page =
        PageCtx::signed_in(req, app, user, "dashboard").map_err(|e| error_page(user.lang, &e))?;
    Ok((page, Figures::new(dash, tz)))
}

/// `/console/admin`.
#[handler]
pub(crate) async fn dashboard(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
) -> poem::Result<Response> {
    let (page, figures) = figures_for(req, app, &user).await?;
    Ok(render(&DashboardPage { page, figures }))
}

/// `/console/admin/figures`: the figures alone, for the live refresh.
#[handler]
pub(crate) async fn figures_page(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: AdminUser,
) -> poem::Result<Response> {
    let (page, figures) = figures_for(req, app, &user).await?;
    Ok(render(&FiguresFragment { page, figures }))
}
