//! The staff desk: `/console` (the queue, unassigned rooms, my rooms) and `/console/rooms/:id`
//! (the same, with one room's conversation open). Pages are rendered from the same rules the
//! API uses; desk.js then keeps them live over Socket.IO.

use std::sync::Arc;

use askama::Template;
use poem::web::{Data, Path, Query};
use poem::{Request, Response, handler};

use super::desk_search::{DeskQuery, Found};
use super::session::ConsoleUser;
use super::view::{PageCtx, display_name, error_page, render};
use crate::app::App;
use crate::chat::access::{self, RoomFacts};
use crate::chat::{messages, presence, rooms, search, sessions, settings};
use crate::error::AppError;
use crate::model::{Attachment, History, Message, Role, Room, Session, SessionStatus, UserSummary};
use crate::store::presence::Colleague;

/// How many items each list shows; the desk is for the work at hand, the admin lists for the rest.
const LIST_MAX: u32 = 100;

/// A size as a person reads it, as attachments.js writes it: 820 B, 14 KB, 3.2 MB.
fn file_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", (b as f64 / 1024.0).round()),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// The room whose conversation is open.
pub(crate) struct OpenRoom {
    pub room: Room,
    pub history: History,
    /// The customer's sessions in this room, newest first.
    pub sessions: Vec<Session>,
    /// Whether the viewer may write here now (contract §6 "send in a room").
    pub can_send: bool,
    /// Whether the viewer may end the active session.
    pub can_end: bool,
    /// Whether the viewer may transfer the room (its staff member, or an admin), and to whom:
    /// read when the page loads, which is every time a room is opened.
    pub colleagues: Option<Vec<Colleague>>,
    /// Labels already in use, most used first: suggestions for the room's session.
    pub label_suggestions: Vec<String>,
}

#[derive(Template)]
#[template(path = "desk/index.html")]
struct DeskPage {
    page: PageCtx,
    queue: Vec<Session>,
    unassigned: Vec<Room>,
    mine: Vec<Room>,
    current: Option<OpenRoom>,
    /// The shop's first-reply target in seconds: waiting sessions turn amber, then red.
    reply_target: u32,
    /// Whether the viewer set themselves away (no automatically routed chats).
    away: bool,
    /// A search in the sidebar (`?q=`), and the found message the open room shows (`?at=`).
    search: Option<Found>,
    found_id: Option<i64>,
}

impl DeskPage {
    fn name(&self, u: &UserSummary) -> String {
        display_name(u)
    }

    /// Which side a message sits on: the viewer's own, another staff member's, the customer's.
    fn msg_class(&self, m: &Message) -> &'static str {
        if m.sender.id == self.page.user_id() {
            "mine"
        } else if m.sender.role == Role::Customer {
            "customer"
        } else {
            "staff"
        }
    }

    fn sender_name(&self, m: &Message) -> String {
        let full = format!("{} {}", m.sender.first_name, m.sender.last_name);
        match full.trim() {
            "" => m.sender.user_name.clone(),
            name => name.to_string(),
        }
    }

    /// The start of the latest message (or the topic of the active session), for a list line.
    fn preview(&self, room: &Room) -> String {
        let topic = room.active_session.as_ref().map(|s| s.title.as_str());
        let files = room.messages.first().and_then(|m| m.attachments.first());
        let text = room
            .messages
            .first()
            .map(|m| m.content.as_str())
            .filter(|c| !c.is_empty())
            .or(files.map(|f| f.file_name.as_str()))
            .or(topic)
            .unwrap_or("");
        let mut short: String = text.chars().take(80).collect();
        if text.chars().count() > 80 {
            short.push('…');
        }
        short
    }

    /// The label of an image's link to its full size.
    fn open_full(&self, a: &Attachment) -> String {
        self.page.t.open_full.replace("{name}", &a.file_name)
    }

    fn file_size(&self, a: &Attachment) -> String {
        file_size(a.size)
    }

    fn last_id(&self, room: &Room) -> i64 {
        room.messages.first().map_or(0, |m| m.id)
    }

    /// Whether the open room's session waits for a claim (the header then offers one).
    fn open_session(&self, c: &OpenRoom) -> bool {
        c.room
            .active_session
            .as_ref()
            .is_some_and(|s| s.status == SessionStatus::Open)
    }

    fn is_found(&self, message_id: &i64) -> bool {
        self.found_id == Some(*message_id)
    }

    fn is_current(&self, room_id: &i64) -> bool {
        self.current.as_ref().is_some_and(|c| c.room.id == *room_id)
    }
}

async fn lists(
    app: &App,
    user: &ConsoleUser,
) -> Result<(Vec<Session>, Vec<Room>, Vec<Room>), AppError> {
    let caller = &user.caller;
    let queue = sessions::unassigned(&app.db, caller, LIST_MAX, 0).await?;
    // A room whose session waits in the queue is already there once.
    let unassigned = rooms::unassigned(&app.db, caller, LIST_MAX, 0)
        .await?
        .into_iter()
        .filter(|r| {
            r.active_session
                .as_ref()
                .is_none_or(|s| s.status != SessionStatus::Open)
        })
        .collect();
    let mine = rooms::assigned(&app.db, caller, LIST_MAX, 0).await?;
    Ok((queue, unassigned, mine))
}

async fn open_room(
    app: &App,
    user: &ConsoleUser,
    room_id: i64,
    at: Option<i64>,
) -> Result<OpenRoom, AppError> {
    let caller = &user.caller;
    let room = rooms::get(&app.db, caller, room_id).await?;
    let history = match at {
        Some(message_id) => search::history_at(&app.db, caller, room_id, message_id).await?,
        None => {
            messages::history(&app.db, caller, room_id, app.config.page_limit(None), None).await?
        }
    };
    let sessions = rooms::sessions(&app.db, caller, room_id, 20, 0).await?;
    // The same rules the API and the socket enforce (contract §6), not a copy of them.
    let facts = RoomFacts {
        customer_id: room.customer_id,
        staff_id: room.staff_id,
        has_open_session: room
            .active_session
            .as_ref()
            .is_some_and(|s| s.status == SessionStatus::Open),
    };
    let can_send = access::send(caller, &facts).is_ok();
    let can_end = room
        .active_session
        .as_ref()
        .is_some_and(|s| access::end_session(caller, s.staff_id, room.customer_id).is_ok());
    let colleagues = match access::transfer_room(caller, room.staff_id) {
        Ok(()) => Some(presence::colleagues(&app.db, caller).await?),
        Err(_) => None,
    };
    let label_suggestions = crate::chat::labels::in_use(&app.db, caller).await?;
    Ok(OpenRoom {
        room,
        history,
        sessions,
        can_send,
        can_end,
        colleagues,
        label_suggestions,
    })
}

async fn page(
    req: &Request,
    app: &App,
    user: &ConsoleUser,
    room_id: Option<i64>,
    query: &DeskQuery,
) -> Result<Response, AppError> {
    let (queue, unassigned, mine) = lists(app, user).await?;
    let at = query.at.filter(|_| room_id.is_some());
    let current = match room_id {
        Some(id) => Some(open_room(app, user, id, at).await?),
        None => None,
    };
    let search = Found::of(app, &user.caller, query).await;
    let desk = DeskPage {
        page: PageCtx::signed_in(req, app, user, "desk")?,
        queue,
        unassigned,
        mine,
        current,
        reply_target: settings::reply_target(&app.db).await?,
        away: presence::is_away(&app.db, user.caller.id).await?,
        search,
        found_id: at,
    };
    Ok(render(&desk))
}

/// `/console`: the queue and the lists (and a search, with `?q=`).
#[handler]
pub(crate) async fn index(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: ConsoleUser,
    Query(query): Query<DeskQuery>,
) -> poem::Result<Response> {
    page(req, app, &user, None, &query)
        .await
        .map_err(|e| error_page(user.lang, &e))
}

/// `/console/rooms/:id`: the desk with one conversation open (403 page if the room is not the
/// viewer's to see).
#[handler]
pub(crate) async fn room_page(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    user: ConsoleUser,
    Path(id): Path<i64>,
    Query(query): Query<DeskQuery>,
) -> poem::Result<Response> {
    page(req, app, &user, Some(id), &query)
        .await
        .map_err(|e| error_page(user.lang, &e))
}
