//! Files in rooms (contract §9): uploading one, sending uploads with a message, and opening one
//! from its signed link. A file is stored in chunks of [`CHUNK_BYTES`], each its own write on
//! the writer thread, so an upload holds at most one chunk in memory and never keeps the
//! messages queued behind it waiting for more than one chunk's insert.

use futures_util::stream::FuturesUnordered;
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::access::{self, RoomFacts};
use super::file_kind::{Refused, Sniffer};
use super::validate;
use crate::auth::{Caller, file_link};
use crate::config::AttachmentLimits;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::Attachment;
use crate::store::attachments::{self, NewFile, StoredFile};
use crate::store::rooms;
use crate::time::now_ms;

/// The size of the pieces a file is written and read in.
pub(crate) const CHUNK_BYTES: usize = 256 * 1024;

/// How long a finished upload may wait to be sent before start-up clears it away.
const UNSENT_LIFETIME_MS: i64 = 24 * 3600 * 1000;

/// A file arriving: the name its sender gave, its length, and its bytes.
pub(crate) struct Incoming<R> {
    pub room_id: i64,
    pub file_name: Option<String>,
    pub size: u64,
    pub bytes: R,
}

/// Stores a file in a room whose messages the caller may send; it can then be sent with a
/// message (`attachmentIds`) by the same caller. Refused: an empty file (400), one past the
/// size or the total-storage limit (413), a kind not accepted (415), with nothing kept.
pub(crate) async fn upload<R: AsyncRead + Unpin>(
    db: &Db,
    limits: &AttachmentLimits,
    caller: &Caller,
    incoming: Incoming<R>,
) -> Result<Attachment, AppError> {
    let room_id = validate::id("roomId", incoming.room_id)?;
    let size = incoming.size;
    // Who may send here is told before anything about the file.
    let who = caller.clone();
    db.read(move |conn| may_send(conn, &who, room_id)).await?;
    if size == 0 {
        return Err(AppError::bad_request("file is empty"));
    }
    if size > limits.max_file_bytes {
        return Err(AppError::PayloadTooLarge(format!(
            "file is larger than the limit of {}",
            human_size(limits.max_file_bytes)
        )));
    }
    let mut bytes = incoming.bytes;
    let first = read_chunk(&mut bytes).await?;
    let mut sniffer = Sniffer::start(&first).map_err(refused)?;
    sniffer.feed(&first).map_err(refused)?;
    let new = Started {
        room_id,
        uploader: caller.clone(),
        file_name: file_name(incoming.file_name.as_deref()),
        content_type: sniffer.content_type(),
        size: size as i64,
        max_total: limits.max_total_bytes as i64,
    };
    let last = first.len() as u64 == size;
    if last {
        sniffer.finish().map_err(refused)?;
    }
    let id = db.write(move |conn| new.store(conn, &first, last)).await?;
    if last {
        return finished(db, id).await;
    }
    match write_rest(db, id, &mut bytes, sniffer, size).await {
        Ok(()) => finished(db, id).await,
        Err(e) => {
            // Nothing half-written is kept; a crash here is cleared at the next start-up.
            let _ = db
                .write(move |conn| attachments::delete(conn, id).map(Outcome::quiet))
                .await;
            Err(e)
        }
    }
}

/// The first write of an upload: the checks that need the database, its row and first chunk.
struct Started {
    room_id: i64,
    uploader: Caller,
    file_name: String,
    content_type: &'static str,
    size: i64,
    max_total: i64,
}

impl Started {
    fn store(
        self,
        conn: &crate::store::sql::Connection,
        first: &[u8],
        last: bool,
    ) -> Result<Outcome<i64>, AppError> {
        may_send(conn, &self.uploader, self.room_id)?;
        if attachments::stored_bytes(conn)? + self.size > self.max_total {
            return Err(AppError::PayloadTooLarge(
                "the shop's file storage is full; ask the shop to raise its limit".into(),
            ));
        }
        let file = NewFile {
            room_id: self.room_id,
            uploader_id: self.uploader.id,
            file_name: &self.file_name,
            content_type: self.content_type,
            size: self.size,
        };
        let id = attachments::create(conn, &file, now_ms())?;
        attachments::add_chunk(conn, id, 0, first)?;
        if last {
            attachments::complete(conn, id)?;
        }
        Ok(Outcome::quiet(id))
    }
}

/// How many chunk writes of one upload may wait for the writer at once: they then share a
/// commit and its sync, while the upload holds at most this many chunks in memory.
const CHUNKS_IN_FLIGHT: usize = 4;

/// The chunks after the first, each its own write (up to [`CHUNKS_IN_FLIGHT`] at once); once
/// all are stored, one more write completes the file.
async fn write_rest<R: AsyncRead + Unpin>(
    db: &Db,
    id: i64,
    bytes: &mut R,
    mut sniffer: Sniffer,
    size: u64,
) -> Result<(), AppError> {
    let mut written = CHUNK_BYTES as u64;
    let mut seq = 1;
    let mut in_flight = FuturesUnordered::new();
    while written < size {
        let chunk = read_chunk(bytes).await?;
        if chunk.is_empty() {
            return Err(AppError::bad_request("file ended before its declared size"));
        }
        sniffer.feed(&chunk).map_err(refused)?;
        written += chunk.len() as u64;
        in_flight.push(
            db.write(move |conn| attachments::add_chunk(conn, id, seq, &chunk).map(Outcome::quiet)),
        );
        seq += 1;
        if in_flight.len() >= CHUNKS_IN_FLIGHT
            && let Some(done) = in_flight.next().await
        {
            done?;
        }
    }
    sniffer.finish().map_err(refused)?;
    while let Some(done) = in_flight.next().await {
        done?;
    }
    db.write(move |conn| attachments::complete(conn, id).map(Outcome::quiet))
        .await
}

async fn finished(db: &Db, id: i64) -> Result<Attachment, AppError> {
    db.read(move |conn| attachments::by_id(conn, id))
        .await?
        .map(|f| f.view())
        .ok_or_else(|| AppError::Internal("stored file vanished".into()))
}

/// Reads up to [`CHUNK_BYTES`] (fewer only at the end).
async fn read_chunk<R: AsyncRead + Unpin>(bytes: &mut R) -> Result<Vec<u8>, AppError> {
    let mut chunk = Vec::with_capacity(CHUNK_BYTES);
    (&mut *bytes)
        .take(CHUNK_BYTES as u64)
        .read_to_end(&mut chunk)
        .await
        .map_err(|e| AppError::bad_request(format!("the upload could not be read: {e}")))?;
    Ok(chunk)
}

fn may_send(
    conn: &crate::store::sql::Connection,
    caller: &Caller,
    room_id: i64,
) -> Result<(), AppError> {
    let room = rooms::by_id(conn, room_id)?.ok_or_else(|| AppError::not_found("Room not found"))?;
    access::send(caller, &RoomFacts::of(&room, false)).map(|_| ())
}

fn refused(_: Refused) -> AppError {
    AppError::UnsupportedMediaType(
        "this kind of file is not accepted: send a PNG, JPEG, GIF or WebP image, a PDF, or \
         plain text"
            .into(),
    )
}

/// The name to show: the last part of what the sender's system called it, without control
/// characters, at most 200 characters; `file` when nothing is left.
fn file_name(given: Option<&str>) -> String {
    let base = given
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    match clean.trim() {
        "" => "file".into(),
        name => name.into(),
    }
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// Checks that every id names a finished file the caller uploaded to this room and has not
/// sent yet (contract §9), and that there are not too many; the send rule calls it inside its
/// transaction and then [`attachments::attach`]es them.
pub(super) fn check_unsent(
    conn: &crate::store::sql::Connection,
    caller: &Caller,
    room_id: i64,
    ids: &[i64],
    per_message: usize,
) -> Result<(), AppError> {
    if ids.len() > per_message {
        return Err(AppError::bad_request(format!(
            "attachmentIds may hold at most {per_message} files"
        )));
    }
    for (i, &id) in ids.iter().enumerate() {
        let usable = attachments::by_id(conn, id)?.is_some_and(|f| {
            f.complete
                && f.uploader_id == caller.id
                && f.room_id == room_id
                && f.message_id.is_none()
        });
        if !usable || ids[..i].contains(&id) {
            return Err(AppError::bad_request(format!(
                "attachmentIds: {id} is not a file you uploaded to this room and have not sent"
            )));
        }
    }
    Ok(())
}

/// The file behind a signed link, if the link is good (403 when changed or expired).
pub(crate) async fn open(
    db: &Db,
    id: i64,
    expires: i64,
    signature: &str,
) -> Result<StoredFile, AppError> {
    validate::id("id", id)?;
    let file = db
        .read(move |conn| attachments::by_id(conn, id))
        .await?
        .filter(|f| f.complete)
        .ok_or_else(|| AppError::not_found("File not found"))?;
    if file_link::verify(id, &file.url_key, expires, signature, now_ms() / 1000) {
        Ok(file)
    } else {
        Err(AppError::forbidden(
            "This link has expired or is not valid; reload the page for a fresh one",
        ))
    }
}

/// The bytes of file `id`, chunk by chunk, each read when the previous one has been sent.
pub(crate) fn bytes(db: Db, id: i64) -> impl Stream<Item = std::io::Result<Vec<u8>>> {
    futures_util::stream::unfold(Some(0i64), move |seq| {
        let db = db.clone();
        async move {
            let seq = seq?;
            match db.read(move |conn| attachments::chunk(conn, id, seq)).await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some(seq + 1))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
            }
        }
    })
}

/// How long an unfinished upload may be another node's upload still going on (a cluster).
const UNFINISHED_ON_ANOTHER_NODE_MS: i64 = 3600 * 1000;

/// Clears uploads a crash or a dropped connection left unfinished, and finished ones never
/// sent within a day; run at start-up, before anyone can upload here. With a shared database
/// another node may be receiving an upload right now, so only unfinished ones older than an
/// hour are taken for abandoned; a SQLite file has no other server, so every one is.
pub(crate) async fn purge_abandoned(db: &Db) -> Result<usize, AppError> {
    let now = now_ms();
    let unsent_before = now - UNSENT_LIFETIME_MS;
    let unfinished_before = if db.shared() {
        now - UNFINISHED_ON_ANOTHER_NODE_MS
    } else {
        i64::MAX
    };
    db.write(move |conn| {
        attachments::purge_abandoned(conn, unfinished_before, unsent_before).map(Outcome::quiet)
    })
    .await
}

/// Whether a visitor's browser may show the file inline (images) or must download it.
pub(crate) fn is_inline(file: &StoredFile) -> bool {
    Sniffer::is_image(&file.content_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(
            file_name(Some("C:\\Users\\mai\\ảnh lỗi.png")),
            "ảnh lỗi.png"
        );
        assert_eq!(file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(file_name(Some("a\u{0}b\nc.txt")), "abc.txt");
        assert_eq!(file_name(Some("  ")), "file");
        assert_eq!(file_name(None), "file");
        assert_eq!(file_name(Some(&"x".repeat(300))).chars().count(), 200);
    }
}
