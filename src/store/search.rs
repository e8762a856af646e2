//! SQL of message search: indexing a new message, and reading a page of matches with its rooms
//! and a (bounded) count. On SQLite the index is the contentless FTS5 table `message_search`
//! (created by `db::SEARCH_INDEX`); its rowid is the message id, so newest first is rowid order.
//! On PostgreSQL it is a GIN index over `frontdesk_search_vector(content)` (`db::postgres::SEARCH`),
//! which the database keeps by itself. Both fold case and accents and split words alike, so a
//! query finds the same messages on either engine. Which rooms a caller may search is decided in
//! `chat::access::search_scope`; this module only applies the filter it is given.

use super::sql::{Connection, OptionalExtension, Row, params};

use super::attachments::attachments_column;
use super::messages::from_row;
use super::summary;
use crate::error::AppError;
use crate::model::{RoomRef, SearchHit};

/// The rooms a search reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SearchFilter {
    /// A customer's own room.
    OfCustomer(i64),
    /// What a staff member may read (contract §6): rooms unassigned, assigned to them, or with
    /// an `OPEN` session.
    StaffView(i64),
    /// Every room (an admin).
    All,
}

/// One term of a query: words that must appear in this order (one word, or a quoted phrase),
/// the last one possibly only as a prefix. The words are as the person typed them, `đ` and all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchTerm {
    pub words: String,
    pub prefix: bool,
}

/// The FTS5 expression for every term (all must match) in the message text, within the
/// filter's room when it has one (the room's postings, not a scan of every match). Each term
/// is an FTS5 string, so nothing a person types is read as FTS5 syntax (`AND`, `NEAR(`, `*`,
/// `:`, a stray quote); `đ`/`Đ` are folded as the index folds them.
fn expression(terms: &[SearchTerm], scope: Scope) -> String {
    let mut body = String::new();
    for term in terms {
        let words = term.words.replace(['đ', 'Đ'], "d").replace('"', "\"\"");
        body.push_str(&format!(
            "\"{words}\"{} ",
            if term.prefix { "*" } else { "" }
        ));
    }
    match scope {
        Scope::Room(id) => format!("{{body}} : ({}) AND {{room}} : \"r{id}\"", body.trim_end()),
        _ => format!("{{body}} : ({})", body.trim_end()),
    }
}

/// The same terms as a PostgreSQL `tsquery` (read by `to_tsquery('simple', frontdesk_fold(..))`):
/// each word split where FTS5's tokenizer splits it (at anything not a letter or digit), the
/// words of a term in a row (`<->`), the last a prefix (`:*`) when asked, every term required.
/// Only letters and digits reach the text, so nothing typed is read as `tsquery` syntax.
fn tsquery(terms: &[SearchTerm]) -> String {
    let mut parts = Vec::new();
    for term in terms {
        let words: Vec<String> = term
            .words
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("'{w}'"))
            .collect();
        if let Some(last) = words.len().checked_sub(1) {
            let star = if term.prefix { ":*" } else { "" };
            let mut phrase = words[..last].iter().fold(String::new(), |mut p, w| {
                p.push_str(w);
                p.push_str(" <-> ");
                p
            });
            phrase.push_str(&words[last]);
            parts.push(format!("({phrase}{star})"));
        }
    }
    parts.join(" & ")
}

/// Keeps the index up to date with `messages`, a batch at a time: the writer calls
/// [`SearchIndexer::index_new`] once per transaction, after its rules and outside their
/// savepoints, so the new messages of the batch enter the index together with their commit.
///
/// Why not in each rule: FTS5 writes its pending terms out as a new segment at every savepoint,
/// and the writer runs each rule in one (db/writer.rs); indexing inside the rule made a segment
/// per message and kept FTS5 merging them, about a third of the writer's time under load
/// (docs/PERFORMANCE.md). Once per batch, the same messages make one segment.
///
/// The index always holds every committed message, because the two are committed together;
/// so the indexer starts from the newest stored message and needs no mark in the database.
pub(crate) struct SearchIndexer {
    /// Every message up to this id is in the index (as committed).
    through: i64,
    /// What `through` becomes once the running batch commits.
    pending: i64,
}

impl SearchIndexer {
    /// Starts after the newest message: every older one is already in the index.
    /// (On SQLite: PostgreSQL's index needs no indexer.)
    pub(crate) fn start(conn: &Connection) -> super::sql::Result<SearchIndexer> {
        let through = newest_message(conn)?;
        Ok(SearchIndexer {
            through,
            pending: through,
        })
    }

    /// Adds the messages stored since the last commit. `đ`/`Đ` are folded here exactly as
    /// `db::SEARCH_INDEX` folds the history. A message erased in the same batch is indexed
    /// with its (now empty) text, so nothing of it reaches the index.
    pub(crate) fn index_new(&mut self, conn: &Connection) -> super::sql::Result<()> {
        let newest = newest_message(conn)?;
        if newest > self.through {
            conn.prepare_cached(
                "INSERT INTO message_search (rowid, body, room)
                 SELECT id, replace(replace(content, 'đ', 'd'), 'Đ', 'd'), 'r' || room_id
                 FROM messages WHERE id > ?1 AND id <= ?2 ORDER BY id",
            )?
            .execute(params![self.through, newest])?;
        }
        self.pending = newest;
        Ok(())
    }

    /// The batch's fate: committed, its messages are indexed; rolled back, neither they nor
    /// their index rows exist, and the next batch starts from the same place.
    pub(crate) fn finish(&mut self, committed: bool) {
        if committed {
            self.through = self.pending;
        } else {
            self.pending = self.through;
        }
    }
}

fn newest_message(conn: &Connection) -> super::sql::Result<i64> {
    conn.prepare_cached("SELECT coalesce(max(id), 0) FROM messages")?
        .query_row([], |r| r.get(0))
}

/// The columns of a hit, on either engine: the message as `messages::from_row` reads it and its
/// room's name and customer; `FROM` follows.
macro_rules! hit_columns {
    () => {
        concat!(
            "SELECT m.id, m.content, m.created_at, m.room_id, m.session_id,
                m.client_message_id, u.id, u.user_name, u.first_name, u.last_name, u.avatar, u.role, ",
            attachments_column!(),
            ", r.name, c.id, c.user_name, c.first_name, c.last_name, c.avatar"
        )
    };
}

/// The statement around a filter: matches newest first, each message as `messages::from_row`
/// reads it (columns 0..13, its attachments last) and its room's name and customer (13..19). `?1` is the FTS5
/// expression, `?2` the filter's id (or NULL), `?3`/`?4` limit and offset.
macro_rules! hits {
    ($condition:literal) => {
        concat!(
            hit_columns!(),
            "
             FROM message_search f
             JOIN messages m ON m.id = f.rowid
             JOIN users u ON u.id = m.sender_id
             JOIN rooms r ON r.id = m.room_id
             JOIN users c ON c.id = r.customer_id
             WHERE message_search MATCH ?1 AND ",
            $condition,
            " ORDER BY f.rowid DESC LIMIT ?3 OFFSET ?4"
        )
    };
}

/// The same filter, counting: at most `?3` matches are looked at.
macro_rules! count {
    ($condition:literal) => {
        concat!(
            "SELECT count(*) FROM (SELECT 1 FROM message_search f
               JOIN messages m ON m.id = f.rowid
               JOIN rooms r ON r.id = m.room_id
             WHERE message_search MATCH ?1 AND ",
            $condition,
            " LIMIT ?3)"
        )
    };
}

/// The PostgreSQL statement around a filter, with the same columns as [`hits!`].
macro_rules! pg_hits {
    ($condition:literal) => {
        concat!(
            hit_columns!(),
            "
             FROM messages m
             JOIN users u ON u.id = m.sender_id
             JOIN rooms r ON r.id = m.room_id
             JOIN users c ON c.id = r.customer_id
             WHERE frontdesk_search_vector(m.content) @@ to_tsquery('simple', frontdesk_fold(?1))
               AND ",
            $condition,
            " ORDER BY m.id DESC LIMIT ?3 OFFSET ?4"
        )
    };
}

/// The PostgreSQL count, as [`count!`].
macro_rules! pg_count {
    ($condition:literal) => {
        concat!(
            "SELECT count(*) FROM (SELECT 1 FROM messages m
               JOIN rooms r ON r.id = m.room_id
             WHERE frontdesk_search_vector(m.content) @@ to_tsquery('simple', frontdesk_fold(?1))
               AND ",
            $condition,
            " LIMIT ?3) AS hits"
        )
    };
}

/// Each filter's condition on `r` (the room), naming `?2`.
macro_rules! with_filter {
    ($shape:ident, $filter:expr) => {
        match $filter {
            Scope::Room(id) => ($shape!("r.id = ?2"), Some(id)),
            Scope::StaffView(id) => (
                $shape!(
                    "(r.staff_id IS NULL OR r.staff_id = ?2 OR EXISTS (SELECT 1 FROM sessions s
                       WHERE s.room_id = r.id AND s.status = 'OPEN'))"
                ),
                Some(id),
            ),
            Scope::All => ($shape!("CAST(?2 AS BIGINT) IS NULL"), None),
        }
    };
}

/// A filter as the statements apply it: a customer's room by its id, so the index reads only
/// that room's postings.
#[derive(Debug, Clone, Copy)]
enum Scope {
    Room(i64),
    StaffView(i64),
    All,
}

/// The scope of a filter; `None` when a customer has no room (nothing to find).
fn scope(conn: &Connection, filter: SearchFilter) -> Result<Option<Scope>, AppError> {
    Ok(match filter {
        SearchFilter::OfCustomer(customer) => conn
            .prepare_cached("SELECT id FROM rooms WHERE customer_id = ?1")?
            .query_row([customer], |r| r.get(0))
            .optional()?
            .map(Scope::Room),
        SearchFilter::StaffView(id) => Some(Scope::StaffView(id)),
        SearchFilter::All => Some(Scope::All),
    })
}

fn hit_from_row(r: &Row<'_>) -> super::sql::Result<SearchHit> {
    let message = from_row(r)?;
    Ok(SearchHit {
        room: RoomRef {
            id: message.room_id,
            name: r.get(13)?,
            customer: summary(r, r.get(14)?, 15)?,
        },
        message,
    })
}

/// Up to `limit` messages matching every term after skipping `offset`, newest first.
pub(crate) fn page(
    conn: &Connection,
    terms: &[SearchTerm],
    filter: SearchFilter,
    limit: u32,
    offset: u32,
) -> Result<Vec<SearchHit>, AppError> {
    let Some(scope) = scope(conn, filter)? else {
        return Ok(Vec::new());
    };
    let ((sql, id), query) = if conn.is_postgres() {
        (with_filter!(pg_hits, scope), tsquery(terms))
    } else {
        (with_filter!(hits, scope), expression(terms, scope))
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params![query, id, limit, offset], hit_from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// How many messages match, counting no further than `cap`: the cost of a count grows with
/// the matches it reads, and past a few hundred nobody pages on.
pub(crate) fn count(
    conn: &Connection,
    terms: &[SearchTerm],
    filter: SearchFilter,
    cap: u32,
) -> Result<i64, AppError> {
    let Some(scope) = scope(conn, filter)? else {
        return Ok(0);
    };
    let ((sql, id), query) = if conn.is_postgres() {
        (with_filter!(pg_count, scope), tsquery(terms))
    } else {
        (with_filter!(count, scope), expression(terms, scope))
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![query, id, cap], |r| r.get(0))?)
}

/// Takes an erased room's messages out of the index (their text is emptied in the same
/// transaction). PostgreSQL's index follows the emptied rows by itself.
pub(crate) fn forget_room(conn: &Connection, room: i64) -> Result<(), AppError> {
    if conn.is_postgres() {
        return Ok(());
    }
    conn.prepare_cached(
        "DELETE FROM message_search WHERE rowid IN (SELECT id FROM messages WHERE room_id = ?1)",
    )?
    .execute([room])?;
    Ok(())
}

/// After an erasure: merging FTS5's segments drops the erased messages' terms from the file,
/// instead of leaving them behind a tombstone. (PostgreSQL: VACUUM, which autovacuum runs,
/// clears the dead index entries; see docs/SCALING.md.)
pub(crate) fn compact(conn: &Connection) -> Result<(), AppError> {
    if conn.is_postgres() {
        return Ok(());
    }
    conn.prepare_cached("INSERT INTO message_search (message_search) VALUES ('optimize')")?
        .execute([])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{SearchTerm, tsquery};

    #[test]
    fn a_tsquery_holds_only_quoted_words_and_operators() {
        let terms = [
            SearchTerm {
                words: "đơn hàng".into(),
                prefix: false,
            },
            SearchTerm {
                words: "a@b.com:*'&".into(),
                prefix: true,
            },
        ];
        assert_eq!(
            tsquery(&terms),
            "('đơn' <-> 'hàng') & ('a' <-> 'b' <-> 'com':*)"
        );
    }
}
