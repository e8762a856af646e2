//! The permission table of contract §6 as pure functions, so it can be read (and tested) in
//! one place. Each returns `Ok(())` or the 403 to give.

use crate::auth::{Actor, Caller};
use crate::error::{AppError, ErrorCode};
use crate::model::Role;
use crate::store::rooms::RoomRow;
use crate::store::search::SearchFilter;

/// What a permission about a room needs to know of it.
#[derive(Debug, Clone)]
pub(crate) struct RoomFacts {
    pub customer_id: i64,
    pub staff_id: Option<i64>,
    pub has_open_session: bool,
}

impl RoomFacts {
    pub(crate) fn of(room: &RoomRow, has_open_session: bool) -> RoomFacts {
        RoomFacts {
            customer_id: room.customer_id,
            staff_id: room.staff_id,
            has_open_session,
        }
    }
}

/// Which STAFF accounts may read a room (admins always may, its customer too): the part of
/// [`view_room`] that differs between rooms, also what the staff feed is addressed by, so a
/// broadcast reaches exactly the sockets [`view_room`] admits on every node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaffReaders {
    /// Unassigned, or a session is waiting: every staff member.
    Everyone,
    /// Assigned with no session waiting: only the staff member it is assigned to.
    Holder(i64),
}

impl RoomFacts {
    pub(crate) fn staff_readers(&self) -> StaffReaders {
        match self.staff_id {
            Some(holder) if !self.has_open_session => StaffReaders::Holder(holder),
            _ => StaffReaders::Everyone,
        }
    }
}

/// See, join or read a room: a customer their own; staff unassigned rooms, rooms assigned to
/// them, or rooms with an `OPEN` session; admins any.
pub(crate) fn view_room(caller: &Caller, room: &RoomFacts) -> Result<(), AppError> {
    let allowed = match caller.role {
        Role::Customer => room.customer_id == caller.id,
        Role::Staff => match room.staff_readers() {
            StaffReaders::Everyone => true,
            StaffReaders::Holder(id) => id == caller.id,
        },
        Role::Admin => true,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::forbidden("You do not have access to this room"))
    }
}

/// The rooms a search by the caller reads: [`view_room`] as a filter over every room, so a
/// search finds exactly the messages the caller could read by opening their rooms.
pub(crate) fn search_scope(caller: &Caller) -> SearchFilter {
    match caller.role {
        Role::Customer => SearchFilter::OfCustomer(caller.id),
        Role::Staff => SearchFilter::StaffView(caller.id),
        Role::Admin => SearchFilter::All,
    }
}

/// How a message from the caller may go into a room.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SendRight {
    /// Send as is.
    Allowed,
    /// Send, and assign the room to the caller first (staff or admin, room unassigned).
    AutoAssign,
}

/// Send in a room: a customer their own; staff unassigned (auto-assigns) or assigned to them;
/// admins any (auto-assigning only when unassigned).
pub(crate) fn send(caller: &Caller, room: &RoomFacts) -> Result<SendRight, AppError> {
    match caller.role {
        Role::Customer if room.customer_id == caller.id => Ok(SendRight::Allowed),
        Role::Customer => Err(AppError::forbidden(
            "You can only send messages in your own room",
        )),
        _ if room.staff_id.is_none() => Ok(SendRight::AutoAssign),
        Role::Admin => Ok(SendRight::Allowed),
        _ if room.staff_id == Some(caller.id) => Ok(SendRight::Allowed),
        _ => Err(AppError::conflict(
            ErrorCode::RoomAssignedToOther,
            "This room is assigned to another staff member",
        )),
    }
}

/// Open a session: only the room's customer.
pub(crate) fn open_session(caller: &Caller, room: &RoomFacts) -> Result<(), AppError> {
    if caller.role == Role::Customer && room.customer_id == caller.id {
        Ok(())
    } else if caller.role == Role::Customer {
        Err(AppError::forbidden(
            "You can only open sessions in your own room",
        ))
    } else {
        Err(AppError::forbidden(
            "Only the room's customer can open a session",
        ))
    }
}

/// Claim a session: any staff member or admin.
pub(crate) fn claim_session(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only staff and admins can claim sessions",
        ))
    }
}

/// End a session: the staff member who claimed it, any admin, or the room's customer.
pub(crate) fn end_session(
    caller: &Caller,
    session_staff_id: Option<i64>,
    room_customer_id: i64,
) -> Result<(), AppError> {
    let allowed = match caller.role {
        Role::Admin => true,
        Role::Staff => session_staff_id == Some(caller.id),
        Role::Customer => room_customer_id == caller.id,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only the staff member who claimed this session can end it",
        ))
    }
}

/// Rate a session: only the customer of its room.
pub(crate) fn rate_session(caller: &Caller, room_customer_id: i64) -> Result<(), AppError> {
    if caller.role == Role::Customer && caller.id == room_customer_id {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only the session's customer can rate it",
        ))
    }
}

/// Announce leaving a session (`session_left`): the staff member who holds it, or an admin.
pub(crate) fn leave_session(
    caller: &Caller,
    session_staff_id: Option<i64>,
) -> Result<(), AppError> {
    if caller.is_admin() || session_staff_id == Some(caller.id) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only the staff member in this session can leave it",
        ))
    }
}

/// The queues (unassigned, assigned) are for staff and admins.
pub(crate) fn see_queues(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only staff and admins can see the queues",
        ))
    }
}

/// User management is for admins.
pub(crate) fn manage_users(caller: &Caller) -> Result<(), AppError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden("Only admins can manage users"))
    }
}

/// Creating an account: an admin or the operator any role; a visitor only a customer (their
/// own sign-up).
pub(crate) fn create_account(actor: Actor<'_>, role: Role) -> Result<(), AppError> {
    match actor {
        Actor::Operator => Ok(()),
        Actor::User(caller) => manage_users(caller),
        Actor::Visitor if role == Role::Customer => Ok(()),
        Actor::Visitor => Err(AppError::forbidden(
            "Only admins can create staff and admin accounts",
        )),
    }
}

/// The shop's settings are for admins (their public part is for anyone).
pub(crate) fn manage_settings(caller: &Caller) -> Result<(), AppError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only admins can change the shop's settings",
        ))
    }
}

/// Webhook endpoints (and their secrets and deliveries) are for admins.
pub(crate) fn manage_webhooks(caller: &Caller) -> Result<(), AppError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden("Only admins can manage webhooks"))
    }
}

/// Changing accounts: an admin, or the operator; returns the acting user's id (none for the
/// operator), for the rules that keep an admin from locking themselves out.
pub(crate) fn manage_accounts(actor: Actor<'_>) -> Result<Option<i64>, AppError> {
    match actor {
        Actor::Operator => Ok(None),
        Actor::User(caller) => manage_users(caller).map(|()| Some(caller.id)),
        Actor::Visitor => Err(AppError::forbidden("Only admins can manage users")),
    }
}

/// The dashboard and the rooms and sessions of every staff member are for admins.
pub(crate) fn see_dashboard(caller: &Caller) -> Result<(), AppError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only admins can see the dashboard and reports",
        ))
    }
}

/// Moving a room to another staff member is for admins.
pub(crate) fn reassign_room(caller: &Caller) -> Result<(), AppError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden("Only admins can reassign rooms"))
    }
}

/// A room is transferred by the staff member who holds it, or by an admin.
pub(crate) fn transfer_room(caller: &Caller, room_staff_id: Option<i64>) -> Result<(), AppError> {
    if caller.is_admin() || (caller.is_staff() && room_staff_id == Some(caller.id)) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only the room's staff member or an admin can transfer it",
        ))
    }
}

/// Canned replies are read by staff and admins (the desk offers them).
pub(crate) fn see_canned_replies(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only staff and admins can read canned replies",
        ))
    }
}

/// Canned replies are written by admins.
pub(crate) fn manage_canned_replies(caller: &Caller) -> Result<(), AppError> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden("Only admins can manage canned replies"))
    }
}

/// A session's labels are chosen by staff and admins (who may see its room); never customers.
pub(crate) fn label_session(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only staff and admins can label sessions",
        ))
    }
}

/// Waiting alerts are for the people who answer chats: staff and admins choose their own.
pub(crate) fn choose_notifications(caller: &Caller) -> Result<(), AppError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only staff and admins get e-mail notifications",
        ))
    }
}

/// A session's transcript is e-mailed to its customer, on their own request only.
pub(crate) fn email_transcript(caller: &Caller, room_customer_id: i64) -> Result<(), AppError> {
    if caller.role == Role::Customer && caller.id == room_customer_id {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only the session's customer can have its transcript e-mailed",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What each search filter admits, as its SQL in `store::search` states it.
    fn admits(filter: SearchFilter, room: &RoomFacts) -> bool {
        match filter {
            SearchFilter::OfCustomer(id) => room.customer_id == id,
            SearchFilter::StaffView(id) => {
                room.staff_id.is_none() || room.staff_id == Some(id) || room.has_open_session
            }
            SearchFilter::All => true,
        }
    }

    /// A search reads exactly the rooms the caller may open, cell by cell of §6.
    #[test]
    fn search_scope_is_view_room() {
        let summary = crate::model::UserSummary {
            id: 7,
            user_name: "u".into(),
            first_name: String::new(),
            last_name: String::new(),
            avatar: None,
        };
        for role in [Role::Customer, Role::Staff, Role::Admin] {
            let caller = Caller {
                id: 7,
                role,
                user_name: "u".into(),
                summary: summary.clone(),
                console_session: None,
                expires_at_ms: i64::MAX,
            };
            for customer_id in [7, 8] {
                for staff_id in [None, Some(7), Some(9)] {
                    for has_open_session in [false, true] {
                        let room = RoomFacts {
                            customer_id,
                            staff_id,
                            has_open_session,
                        };
                        assert_eq!(
                            admits(search_scope(&caller), &room),
                            view_room(&caller, &room).is_ok(),
                            "{role:?} {room:?}"
                        );
                    }
                }
            }
        }
    }

    /// The account rule holds whoever calls it: a visitor signs up only as a customer, the
    /// operator creates anything.
    #[test]
    fn creating_accounts_checks_the_actor() {
        for role in [Role::Staff, Role::Admin] {
            let refused = create_account(Actor::Visitor, role).unwrap_err();
            assert_eq!(refused.status(), 403);
            assert!(create_account(Actor::Operator, role).is_ok());
        }
        assert!(create_account(Actor::Visitor, Role::Customer).is_ok());
    }
}
