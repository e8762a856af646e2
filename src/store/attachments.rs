//! SQL for attachments and their chunks, and the attachments of a message as the joined
//! statements of messages.rs and room_views.rs read them.

use super::sql::{Connection, OptionalExtension, params};

use crate::auth::file_link;
use crate::error::AppError;
use crate::model::Attachment;

/// The attachments of message `m` as one JSON column (`[]` when none), in upload order, for the
/// statements that read messages: one indexed lookup per message, no second query.
macro_rules! attachments_column {
    () => {
        "(SELECT json_group_array(json_array(a.id, a.file_name, a.content_type, a.size, a.url_key)
                                  ORDER BY a.id)
          FROM attachments a WHERE a.message_id = m.id)"
    };
}
pub(crate) use attachments_column;

/// The attachments in an [`attachments_column`], each with a link signed now.
pub(crate) fn from_column(json: Option<&str>) -> super::sql::Result<Vec<Attachment>> {
    let Some(json) = json.filter(|j| *j != "[]") else {
        return Ok(Vec::new());
    };
    let rows: Vec<(i64, String, String, i64, String)> =
        serde_json::from_str(json).map_err(|e| super::sql::Error::decode(0, e))?;
    let now = crate::time::now_ms() / 1000;
    Ok(rows
        .into_iter()
        .map(|(id, file_name, content_type, size, key)| Attachment {
            url: file_link::url(id, &key, now),
            id,
            file_name,
            content_type,
            size,
        })
        .collect())
}

/// A file about to be written.
pub(crate) struct NewFile<'a> {
    pub room_id: i64,
    pub uploader_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
}

/// A stored file's row.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub id: i64,
    pub room_id: i64,
    pub uploader_id: i64,
    pub message_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub complete: bool,
    pub url_key: String,
}

impl StoredFile {
    /// The wire shape, with a link signed now.
    pub(crate) fn view(&self) -> Attachment {
        Attachment {
            id: self.id,
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            size: self.size,
            url: file_link::url(self.id, &self.url_key, crate::time::now_ms() / 1000),
        }
    }
}

/// Starts a file (not yet complete); its chunks follow.
pub(crate) fn create(conn: &Connection, f: &NewFile<'_>, now: i64) -> Result<i64, AppError> {
    conn.prepare_cached(
        "INSERT INTO attachments
           (room_id, uploader_id, file_name, content_type, size, url_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        f.room_id,
        f.uploader_id,
        f.file_name,
        f.content_type,
        f.size,
        file_link::new_key(),
        now
    ])?;
    Ok(conn.last_insert_rowid()?)
}

pub(crate) fn add_chunk(conn: &Connection, id: i64, seq: i64, data: &[u8]) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![id, seq, data])?;
    Ok(())
}

/// Marks a file whole: from now on it can be sent and downloaded.
pub(crate) fn complete(conn: &Connection, id: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE attachments SET complete = 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Deletes a file and its chunks.
pub(crate) fn delete(conn: &Connection, id: i64) -> Result<(), AppError> {
    conn.prepare_cached("DELETE FROM attachment_chunks WHERE attachment_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM attachments WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Bytes held by every file, finished or still arriving (so two uploads at once cannot both
/// squeeze under the limit).
pub(crate) fn stored_bytes(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT CAST(coalesce(sum(size), 0) AS BIGINT) FROM attachments")?
        .query_row([], |r| r.get(0))?)
}

pub(crate) fn by_id(conn: &Connection, id: i64) -> Result<Option<StoredFile>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, room_id, uploader_id, message_id, file_name, content_type, size,
                    complete, url_key
             FROM attachments WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(StoredFile {
                id: r.get(0)?,
                room_id: r.get(1)?,
                uploader_id: r.get(2)?,
                message_id: r.get(3)?,
                file_name: r.get(4)?,
                content_type: r.get(5)?,
                size: r.get(6)?,
                complete: r.get(7)?,
                url_key: r.get(8)?,
            })
        })
        .optional()?)
}

/// Chunk `seq` (0, 1, ...) of a file, or `None` past its end.
pub(crate) fn chunk(conn: &Connection, id: i64, seq: i64) -> Result<Option<Vec<u8>>, AppError> {
    Ok(conn
        .prepare_cached("SELECT data FROM attachment_chunks WHERE attachment_id = ?1 AND seq = ?2")?
        .query_row(params![id, seq], |r| r.get(0))
        .optional()?)
}

/// Sends file `id` with message `message_id`.
pub(crate) fn attach(conn: &Connection, id: i64, message_id: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE attachments SET message_id = ?2 WHERE id = ?1")?
        .execute(params![id, message_id])?;
    Ok(())
}

/// Deletes uploads that never finished (a crash or a dropped connection mid-upload) and began
/// before `unfinished_before`, and finished ones that were never sent and are older than
/// `unsent_before`; returns how many.
pub(crate) fn purge_abandoned(
    conn: &Connection,
    unfinished_before: i64,
    unsent_before: i64,
) -> Result<usize, AppError> {
    conn.prepare_cached(
        "DELETE FROM attachment_chunks WHERE attachment_id IN
           (SELECT id FROM attachments
            WHERE message_id IS NULL
              AND ((complete = 0 AND created_at < ?1) OR created_at < ?2))",
    )?
    .execute([unfinished_before, unsent_before])?;
    Ok(conn
        .prepare_cached(
            "DELETE FROM attachments
             WHERE message_id IS NULL
               AND ((complete = 0 AND created_at < ?1) OR created_at < ?2)",
        )?
        .execute([unfinished_before, unsent_before])?)
}
