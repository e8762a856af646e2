//! The `Room` shape in one statement per list, whatever its length: the room, its customer and
//! staff member, its latest message with its sender, its active session with that session's
//! staff member, and the viewer's unread count, joined. Before this, each listed room cost six
//! to eight statements (issue 11 item 4, issue 18).

use super::sql::{Connection, Row, params};

use super::attachments::{self, attachments_column};
use super::labels::{self, labels_column};
use super::{maybe_summary, summary};
use crate::error::AppError;
use crate::model::{Message, Role, Room, RoomCount, RoomRef, Sender, Session, SessionStatus};
use crate::time::Timestamp;

/// Which rooms a list shows, latest activity first.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RoomFilter {
    /// Every room (admin).
    All,
    /// Rooms assigned to one staff member.
    AssignedTo(i64),
    /// Rooms assigned to anyone (admin's "assigned").
    Assigned,
    /// Rooms nobody is assigned to that have a message or an active session.
    Unassigned,
    /// One customer's room.
    OfCustomer(i64),
    /// One room.
    Id(i64),
}

/// The joined statement around a `WHERE` on `rooms`; every condition names ?3 (an id, or NULL)
/// so one parameter list fits all, and each filter is its own constant statement.
macro_rules! room_views {
    ($condition:literal) => {
        concat!(
            "SELECT r.id, r.name, r.is_closed, r.customer_id, r.staff_id, r.created_at,
                r.last_message_at, r.message_count,
                cu.user_name, cu.first_name, cu.last_name, cu.avatar,
                st.user_name, st.first_name, st.last_name, st.avatar,
                m.id, m.content, m.created_at, m.session_id, m.client_message_id, m.sender_id,
                mu.user_name, mu.first_name, mu.last_name, mu.avatar, mu.role,
                s.id, s.title, s.status, s.staff_id, s.started_at, s.claimed_at, s.ended_at,
                su.user_name, su.first_name, su.last_name, su.avatar,
                r.message_count - coalesce(rm.seq, 0)
                  - (coalesce((SELECT o.sender_seq FROM messages o
                               WHERE o.room_id = r.id AND o.sender_id = ?4
                               ORDER BY o.id DESC LIMIT 1), 0)
                     - coalesce(rm.own_seq, 0)),
                s.after_hours, ",
            attachments_column!(),
            ", ",
            labels_column!(),
            " FROM (SELECT * FROM rooms WHERE ",
            $condition,
            " ORDER BY activity_at DESC, id DESC LIMIT ?1 OFFSET ?2) r
             JOIN users cu ON cu.id = r.customer_id
             LEFT JOIN users st ON st.id = r.staff_id
             LEFT JOIN messages m ON m.id = (SELECT max(l.id) FROM messages l WHERE l.room_id = r.id)
             LEFT JOIN users mu ON mu.id = m.sender_id
             LEFT JOIN sessions s ON s.room_id = r.id AND s.status <> 'ENDED'
             LEFT JOIN users su ON su.id = s.staff_id
             LEFT JOIN read_markers rm ON rm.user_id = ?4 AND rm.room_id = r.id
             ORDER BY r.activity_at DESC, r.id DESC"
        )
    };
}

/// A page of rooms as `viewer_id` sees them.
pub(crate) fn list(
    conn: &Connection,
    filter: RoomFilter,
    viewer_id: i64,
    limit: u32,
    offset: u32,
) -> Result<Vec<Room>, AppError> {
    let (sql, id) = match filter {
        RoomFilter::All => (room_views!("CAST(?3 AS BIGINT) IS NULL"), None),
        RoomFilter::AssignedTo(staff) => (room_views!("staff_id = ?3"), Some(staff)),
        RoomFilter::Assigned => (room_views!("staff_id IS NOT NULL AND CAST(?3 AS BIGINT) IS NULL"), None),
        RoomFilter::Unassigned => (
            room_views!(
                "staff_id IS NULL AND (message_count > 0 OR EXISTS (SELECT 1 FROM sessions a
                  WHERE a.room_id = rooms.id AND a.status <> 'ENDED')) AND CAST(?3 AS BIGINT) IS NULL"
            ),
            None,
        ),
        RoomFilter::OfCustomer(customer) => (room_views!("customer_id = ?3"), Some(customer)),
        RoomFilter::Id(room) => (room_views!("id = ?3"), Some(room)),
    };
    let rows = conn
        .prepare_cached(sql)?
        .query_map(params![limit, offset, id, viewer_id], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One room as `viewer_id` sees it.
pub(crate) fn one(conn: &Connection, room_id: i64, viewer_id: i64) -> Result<Room, AppError> {
    list(conn, RoomFilter::Id(room_id), viewer_id, 1, 0)?
        .pop()
        .ok_or_else(|| AppError::not_found("Room not found"))
}

fn from_row(r: &Row<'_>) -> super::sql::Result<Room> {
    let id: i64 = r.get(0)?;
    let name: String = r.get(1)?;
    let customer_id: i64 = r.get(3)?;
    let staff_id: Option<i64> = r.get(4)?;
    let customer = summary(r, customer_id, 8)?;
    let staff = maybe_summary(r, staff_id, 12)?;
    let latest = match r.get::<_, Option<i64>>(16)? {
        None => None,
        Some(message_id) => {
            let sender_id: i64 = r.get(21)?;
            let role: String = r.get(26)?;
            Some(Message {
                id: message_id,
                content: r.get(17)?,
                created_at: Timestamp::from_ms(r.get(18)?),
                room_id: id,
                session_id: r.get(19)?,
                client_message_id: r.get(20)?,
                sender: Sender {
                    id: sender_id,
                    user_name: r.get(22)?,
                    first_name: r.get(23)?,
                    last_name: r.get(24)?,
                    avatar: r.get(25)?,
                    role: Role::parse(&role).unwrap_or(Role::Customer),
                },
                attachments: attachments::from_column(r.get::<_, Option<String>>(40)?.as_deref())?,
            })
        }
    };
    let active_session = match r.get::<_, Option<i64>>(27)? {
        None => None,
        Some(session_id) => {
            let status: String = r.get(29)?;
            let session_staff: Option<i64> = r.get(30)?;
            Some(Session {
                id: session_id,
                title: r.get(28)?,
                status: SessionStatus::parse(&status).unwrap_or(SessionStatus::Ended),
                started_at: Timestamp::from_ms(r.get(31)?),
                claimed_at: r.get::<_, Option<i64>>(32)?.map(Timestamp::from_ms),
                ended_at: r.get::<_, Option<i64>>(33)?.map(Timestamp::from_ms),
                room_id: id,
                customer_id,
                staff_id: session_staff,
                room: RoomRef {
                    id,
                    name: name.clone(),
                    customer: customer.clone(),
                },
                customer: customer.clone(),
                staff: maybe_summary(r, session_staff, 34)?,
                opened_after_hours: r.get(39)?,
                // Only an ended session is rated, and this one is active.
                rating: None,
                labels: labels::from_column(r.get(41)?),
            })
        }
    };
    Ok(Room {
        id,
        name,
        is_closed: r.get(2)?,
        customer_id,
        staff_id,
        created_at: Timestamp::from_ms(r.get(5)?),
        last_message_at: Timestamp::from_ms(r.get(6)?),
        customer,
        staff,
        messages: latest.into_iter().collect(),
        count: RoomCount {
            messages: r.get(7)?,
        },
        active_session,
        unread_count: r.get(38)?,
    })
}
