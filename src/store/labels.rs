//! SQL for session labels (contract §10). A session's labels are read with its view, as one
//! column of the joined statement (store/sessions.rs `session_views!`); this writes them.

use super::sql::{Connection, params};

use crate::error::AppError;

/// The labels of session `s` as one column (labels joined by a newline, NULL for none), for
/// the statements that read sessions: one indexed lookup per session, no second query.
macro_rules! labels_column {
    () => {
        "(SELECT group_concat(sl.label, char(10) ORDER BY sl.label)
          FROM session_labels sl WHERE sl.session_id = s.id)"
    };
}
pub(crate) use labels_column;

/// Replaces the labels of session `session_id` with `labels` (already checked and deduplicated).
pub(crate) fn replace(
    conn: &Connection,
    session_id: i64,
    labels: &[String],
) -> Result<(), AppError> {
    conn.prepare_cached("DELETE FROM session_labels WHERE session_id = ?1")?
        .execute([session_id])?;
    let mut insert =
        conn.prepare_cached("INSERT INTO session_labels (session_id, label) VALUES (?1, ?2)")?;
    for label in labels {
        insert.execute(params![session_id, label])?;
    }
    Ok(())
}

/// Every label in use, most used first (the desk's suggestions), at most `limit`.
pub(crate) fn in_use(conn: &Connection, limit: u32) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT label FROM session_labels GROUP BY label ORDER BY count(*) DESC, label LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A `labels` column as stored by the views: labels joined by a newline (a label never holds
/// one), or NULL for none.
pub(crate) fn from_column(column: Option<String>) -> Vec<String> {
    column
        .map(|c| c.split('\n').map(str::to_string).collect())
        .unwrap_or_default()
}
