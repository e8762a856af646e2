//! The admin console's lists of every session and room across all staff. Admins only; the
//! SQL is in store/reports.rs.

use super::access;
use crate::auth::Caller;
use crate::db::Db;
use crate::error::AppError;
use crate::store::reports::{self, RoomLine, RoomQuery, SessionLine, SessionQuery};

/// A page of sessions matching `query`, newest first, with the total that match.
pub(crate) async fn sessions(
    db: &Db,
    caller: &Caller,
    query: SessionQuery,
) -> Result<(Vec<SessionLine>, i64), AppError> {
    access::see_dashboard(caller)?;
    db.read(move |conn| reports::sessions(conn, &query)).await
}

/// A page of rooms matching `query`, latest activity first, with the total that match.
pub(crate) async fn rooms(
    db: &Db,
    caller: &Caller,
    query: RoomQuery,
) -> Result<(Vec<RoomLine>, i64), AppError> {
    access::see_dashboard(caller)?;
    db.read(move |conn| reports::rooms(conn, &query)).await
}
