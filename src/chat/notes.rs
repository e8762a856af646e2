//! Private notes (contract §10): staff and admins who may see a room leave notes in its thread
//! for each other. A customer never reads one: the rule refuses them here, and the fan-out
//! sends `note_added` only to the staff and admin sockets in the room.

use super::{Event, rooms::visible, validate};
use crate::auth::Caller;
use crate::db::{Db, Outcome};
use crate::error::AppError;
use crate::model::Note;
use crate::store::notes;

fn staff_only(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("Notes are for staff and admins"))
    }
}

/// Socket `add_note {roomId, content}`: content 1..5000 characters after trimming.
pub(crate) async fn add(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    content: &str,
) -> Result<Note, AppError> {
    staff_only(caller)?;
    validate::id("roomId", room_id)?;
    let content = validate::content(content)?.to_string();
    let caller = caller.clone();
    db.write(move |conn| {
        visible(conn, &caller, room_id)?;
        let note = notes::insert(conn, room_id, caller.id, &content, crate::time::now_ms())?;
        Ok(Outcome::with(note.clone(), vec![Event::NoteAdded(note)]))
    })
    .await
}

/// `GET /chat/rooms/:id/notes`: every note of a room the caller (staff or admin) may see.
pub(crate) async fn list(db: &Db, caller: &Caller, room_id: i64) -> Result<Vec<Note>, AppError> {
    staff_only(caller)?;
    let caller = caller.clone();
    db.read(move |conn| {
        visible(conn, &caller, room_id)?;
        notes::for_room(conn, room_id)
    })
    .await
}
