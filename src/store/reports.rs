//! SQL for the admin console's lists: every session and every room, filtered by status, staff
//! member, customer and date, with the names already joined in. Who may read them is
//! chat/reports.rs's business.

use super::sql::{Connection, Row, params};

use crate::error::AppError;
use crate::model::SessionStatus;

/// Which staff member a list is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaffFilter {
    Any,
    /// Nobody (sessions never claimed, rooms never assigned).
    Nobody,
    Member(i64),
}

impl StaffFilter {
    /// The two SQL parameters every staff condition takes: (mode, id).
    fn params(self) -> (i64, i64) {
        match self {
            StaffFilter::Any => (0, 0),
            StaffFilter::Nobody => (1, 0),
            StaffFilter::Member(id) => (2, id),
        }
    }
}

/// Escapes a name fragment for `LIKE ... ESCAPE '\'`, wrapped in `%`.
fn like_pattern(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A person as the lists show them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Named {
    pub id: i64,
    pub user_name: String,
    pub first_name: String,
    pub last_name: String,
}

fn named(r: &Row<'_>, at: usize) -> super::sql::Result<Option<Named>> {
    let id: Option<i64> = r.get(at)?;
    Ok(match id {
        Some(id) => Some(Named {
            id,
            user_name: r.get(at + 1)?,
            first_name: r.get(at + 2)?,
            last_name: r.get(at + 3)?,
        }),
        None => None,
    })
}

/// The filters of the sessions list; `None` means any.
#[derive(Debug, Clone)]
pub(crate) struct SessionQuery {
    pub status: Option<SessionStatus>,
    pub staff: StaffFilter,
    /// A fragment of the customer's user name, first or last name.
    pub customer: Option<String>,
    /// Started at or after / before (UTC milliseconds).
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only sessions carrying this label (lowercase).
    pub label: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

/// One line of the sessions list.
#[derive(Debug, Clone)]
pub(crate) struct SessionLine {
    pub id: i64,
    pub room_id: i64,
    pub title: String,
    pub status: SessionStatus,
    pub started_at: i64,
    pub claimed_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub messages: i64,
    pub customer: Named,
    pub staff: Option<Named>,
    /// The session's labels, alphabetical.
    pub labels: Vec<String>,
}

const SESSION_WHERE: &str = "(CAST(?1 AS TEXT) IS NULL OR s.status = ?1)
    AND (?2 = 0 OR (?2 = 1 AND s.staff_id IS NULL) OR (?2 = 2 AND s.staff_id = ?3))
    AND (CAST(?4 AS TEXT) IS NULL OR c.user_name LIKE ?4 ESCAPE '\\' OR c.first_name LIKE ?4 ESCAPE '\\'
         OR c.last_name LIKE ?4 ESCAPE '\\' OR (c.first_name || ' ' || c.last_name) LIKE ?4 ESCAPE '\\')
    AND (CAST(?5 AS BIGINT) IS NULL OR s.started_at >= ?5)
    AND (CAST(?6 AS BIGINT) IS NULL OR s.started_at < ?6)
    AND (CAST(?7 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM session_labels fl
                               WHERE fl.session_id = s.id AND fl.label = ?7))";

/// A page of sessions matching `q`, newest first, and how many match in all.
pub(crate) fn sessions(
    conn: &Connection,
    q: &SessionQuery,
) -> Result<(Vec<SessionLine>, i64), AppError> {
    let (mode, staff_id) = q.staff.params();
    let pattern = q.customer.as_deref().map(like_pattern);
    let status = q.status.map(|s| s.as_str());
    let from = "FROM sessions s JOIN rooms r ON r.id = s.room_id
        JOIN users c ON c.id = r.customer_id LEFT JOIN users st ON st.id = s.staff_id";
    let sql = format!(
        "SELECT s.id, s.room_id, s.title, s.status, s.started_at, s.claimed_at, s.ended_at,
            (SELECT count(*) FROM messages m WHERE m.session_id = s.id),
            c.id, c.user_name, c.first_name, c.last_name,
            st.id, st.user_name, st.first_name, st.last_name, {labels}
         {from} WHERE {SESSION_WHERE} ORDER BY s.id DESC LIMIT ?8 OFFSET ?9",
        labels = super::labels::labels_column!()
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(
            params![
                status, mode, staff_id, pattern, q.from, q.to, q.label, q.limit, q.offset
            ],
            |r| {
                let status: String = r.get(3)?;
                Ok(SessionLine {
                    id: r.get(0)?,
                    room_id: r.get(1)?,
                    title: r.get(2)?,
                    status: SessionStatus::parse(&status).unwrap_or(SessionStatus::Ended),
                    started_at: r.get(4)?,
                    claimed_at: r.get(5)?,
                    ended_at: r.get(6)?,
                    messages: r.get(7)?,
                    customer: named(r, 8)?.unwrap_or_default(),
                    staff: named(r, 12)?,
                    labels: super::labels::from_column(r.get(16)?),
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let total = conn
        .prepare_cached(&format!("SELECT count(*) {from} WHERE {SESSION_WHERE}"))?
        .query_row(
            params![status, mode, staff_id, pattern, q.from, q.to, q.label],
            |r| r.get(0),
        )?;
    Ok((rows, total))
}

/// The filters of the rooms list.
#[derive(Debug, Clone)]
pub(crate) struct RoomQuery {
    pub staff: StaffFilter,
    pub customer: Option<String>,
    /// Only rooms with (true) or without (false) a session that is not ended.
    pub active: Option<bool>,
    pub limit: u32,
    pub offset: u32,
}

/// One line of the rooms list.
#[derive(Debug, Clone)]
pub(crate) struct RoomLine {
    pub id: i64,
    pub name: String,
    pub last_message_at: i64,
    pub message_count: i64,
    pub customer: Named,
    pub staff: Option<Named>,
    /// The session that is not ended: title and status.
    pub active_session: Option<(String, SessionStatus)>,
}

const ROOM_WHERE: &str = "(?1 = 0 OR (?1 = 1 AND r.staff_id IS NULL) OR (?1 = 2 AND r.staff_id = ?2))
    AND (CAST(?3 AS TEXT) IS NULL OR c.user_name LIKE ?3 ESCAPE '\\' OR c.first_name LIKE ?3 ESCAPE '\\'
         OR c.last_name LIKE ?3 ESCAPE '\\' OR (c.first_name || ' ' || c.last_name) LIKE ?3 ESCAPE '\\')
    AND (CAST(?4 AS BOOLEAN) IS NULL
         OR CAST(?4 AS BOOLEAN) = EXISTS (SELECT 1 FROM sessions a WHERE a.room_id = r.id AND a.status <> 'ENDED'))";

/// A page of rooms matching `q`, latest activity first, and how many match in all.
pub(crate) fn rooms(conn: &Connection, q: &RoomQuery) -> Result<(Vec<RoomLine>, i64), AppError> {
    let (mode, staff_id) = q.staff.params();
    let pattern = q.customer.as_deref().map(like_pattern);
    let from = "FROM rooms r JOIN users c ON c.id = r.customer_id
        LEFT JOIN users st ON st.id = r.staff_id
        LEFT JOIN sessions a ON a.room_id = r.id AND a.status <> 'ENDED'";
    let sql = format!(
        "SELECT r.id, r.name, r.last_message_at, r.message_count,
            c.id, c.user_name, c.first_name, c.last_name,
            st.id, st.user_name, st.first_name, st.last_name, a.title, a.status
         {from} WHERE {ROOM_WHERE} ORDER BY r.last_message_at DESC, r.id DESC LIMIT ?5 OFFSET ?6"
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(
            params![mode, staff_id, pattern, q.active, q.limit, q.offset],
            |r| {
                let title: Option<String> = r.get(12)?;
                let status: Option<String> = r.get(13)?;
                Ok(RoomLine {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    last_message_at: r.get(2)?,
                    message_count: r.get(3)?,
                    customer: named(r, 4)?.unwrap_or_default(),
                    staff: named(r, 8)?,
                    active_session: title.zip(status.as_deref().and_then(SessionStatus::parse)),
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let total = conn
        .prepare_cached(&format!("SELECT count(*) {from} WHERE {ROOM_WHERE}"))?
        .query_row(params![mode, staff_id, pattern, q.active], |r| r.get(0))?;
    Ok((rows, total))
}
