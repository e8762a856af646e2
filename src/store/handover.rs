//! SQL for handing a claimed session to another staff member (an admin's reassignment). It
//! changes who holds the session and nothing else; chat/assign.rs decides when.

use super::sql::{Connection, params};

use crate::error::AppError;

/// Gives an `IN_PROGRESS` session to `staff_id`, keeping when it was first claimed (so the
/// dashboard's waiting and reply times stay true).
pub(crate) fn move_session(
    conn: &Connection,
    session_id: i64,
    staff_id: i64,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE sessions SET staff_id = ?2 WHERE id = ?1 AND status = 'IN_PROGRESS'",
    )?
    .execute(params![session_id, staff_id])?;
    Ok(())
}
