//! `/api/chat/rooms`: rooms, their messages and sessions, and opening a session.

use std::sync::Arc;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::error::{ApiResult, ChangeWithBody, OwnList, Read, StaffList};
use super::security::BearerAuth;
use crate::app::App;
use crate::chat::{assign, messages, notes, rooms, sessions};
use crate::model::text::Text;
use crate::model::{History, Note, Room, Session};

pub(crate) struct RoomsApi {
    pub app: Arc<App>,
}

/// The topic of a new consultation.
#[derive(Debug, Object)]
pub(crate) struct OpenSessionBody {
    /// 1 to 200 characters after trimming.
    pub title: Text,
}

/// Whom a room goes to, and what they should know.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub(crate) struct TransferBody {
    /// An active STAFF or ADMIN account.
    pub staff_id: i64,
    /// For the receiving colleague; at most 1,000 characters.
    pub note: Option<Text>,
}

#[derive(ApiResponse)]
pub(crate) enum SessionOpened {
    /// The session is `OPEN` and waiting in the queue; `Location` is the new session.
    #[oai(status = 201)]
    Created(Json<Session>, #[oai(header = "Location")] String),
}

#[OpenApi(prefix_path = "/chat/rooms", tag = "ApiTags::Rooms")]
impl RoomsApi {
    /// A customer's own room; staff, rooms assigned to them; admins, every room.
    #[oai(path = "/", method = "get", operation_id = "listMyRooms")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Page size: default 50, at most 100.
        limit: Query<Option<u32>>,
        /// How many to skip from the start of the list (default 0).
        offset: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<Room>>, OwnList> {
        let limit = self.app.config.page_limit(limit.0);
        Ok(Json(
            rooms::list_mine(&self.app.db, &auth.0, limit, offset.0.unwrap_or(0)).await?,
        ))
    }

    /// Rooms with no staff member that have a message or an active session, latest activity first.
    #[oai(
        path = "/unassigned",
        method = "get",
        operation_id = "listUnassignedRooms"
    )]
    async fn unassigned(
        &self,
        auth: BearerAuth,
        /// Page size: default 50, at most 100.
        limit: Query<Option<u32>>,
        /// How many to skip from the start of the list (default 0).
        offset: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<Room>>, StaffList> {
        let limit = self.app.config.page_limit(limit.0);
        Ok(Json(
            rooms::unassigned(&self.app.db, &auth.0, limit, offset.0.unwrap_or(0)).await?,
        ))
    }

    /// Assigned rooms: all of them for an admin, the caller's own for staff.
    #[oai(path = "/assigned", method = "get", operation_id = "listAssignedRooms")]
    async fn assigned(
        &self,
        auth: BearerAuth,
        /// Page size: default 50, at most 100.
        limit: Query<Option<u32>>,
        /// How many to skip from the start of the list (default 0).
        offset: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<Room>>, StaffList> {
        let limit = self.app.config.page_limit(limit.0);
        Ok(Json(
            rooms::assigned(&self.app.db, &auth.0, limit, offset.0.unwrap_or(0)).await?,
        ))
    }

    /// One room.
    #[oai(path = "/:id", method = "get", operation_id = "getRoom")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// The room id.
        id: Path<i64>,
    ) -> ApiResult<Json<Room>, Read> {
        Ok(Json(rooms::get(&self.app.db, &auth.0, id.0).await?))
    }

    /// A page of the room's messages, oldest first; pass `nextBefore` as `before` for older ones.
    #[oai(
        path = "/:id/messages",
        method = "get",
        operation_id = "listRoomMessages"
    )]
    async fn messages(
        &self,
        auth: BearerAuth,
        /// The room id.
        id: Path<i64>,
        /// Page size: default 50, at most 100.
        limit: Query<Option<u32>>,
        /// Only messages with a smaller id.
        before: Query<Option<i64>>,
    ) -> ApiResult<Json<History>, Read> {
        let limit = self.app.config.page_limit(limit.0);
        Ok(Json(
            messages::history(&self.app.db, &auth.0, id.0, limit, before.0).await?,
        ))
    }

    /// The room's sessions, newest first.
    #[oai(
        path = "/:id/sessions",
        method = "get",
        operation_id = "listRoomSessions"
    )]
    async fn sessions(
        &self,
        auth: BearerAuth,
        /// The room id.
        id: Path<i64>,
        /// Page size: default 50, at most 100.
        limit: Query<Option<u32>>,
        /// How many to skip from the start of the list (default 0).
        offset: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<Session>>, Read> {
        let limit = self.app.config.page_limit(limit.0);
        let list =
            rooms::sessions(&self.app.db, &auth.0, id.0, limit, offset.0.unwrap_or(0)).await?;
        Ok(Json(list))
    }

    /// The room's customer asks for help: opens a session (409 if one is already active).
    #[oai(path = "/:id/sessions", method = "post", operation_id = "openSession")]
    async fn open_session(
        &self,
        auth: BearerAuth,
        /// The room id.
        id: Path<i64>,
        body: Json<OpenSessionBody>,
    ) -> ApiResult<SessionOpened, ChangeWithBody> {
        let session = sessions::open(&self.app.db, &auth.0, id.0, &body.0.title.0).await?;
        let location = format!("/api/chat/sessions/{}", session.id);
        Ok(SessionOpened::Created(Json(session), location))
    }

    /// Hands the room and its in-progress session to a colleague (the room's staff member or
    /// an admin); 409 `STAFF_AT_CAPACITY` when the colleague holds their maximum.
    #[oai(path = "/:id/transfer", method = "post", operation_id = "transferRoom")]
    async fn transfer(
        &self,
        auth: BearerAuth,
        /// The room id.
        id: Path<i64>,
        body: Json<TransferBody>,
    ) -> ApiResult<Json<Room>, ChangeWithBody> {
        let TransferBody { staff_id, note } = body.0;
        let room = assign::transfer(
            &self.app.db,
            &auth.0,
            id.0,
            staff_id,
            note.map(Text::into_string),
        )
        .await?;
        Ok(Json(room))
    }

    /// The room's private notes, oldest first: staff and admins who may see the room;
    /// customers get 403.
    #[oai(path = "/:id/notes", method = "get", operation_id = "listRoomNotes")]
    async fn notes(
        &self,
        auth: BearerAuth,
        /// The room id.
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Note>>, Read> {
        Ok(Json(notes::list(&self.app.db, &auth.0, id.0).await?))
    }
}
