//! Search over every message the caller may read (contract §10): what a typed query means,
//! and the page of matches with a bounded count. Case and Vietnamese diacritics are folded by
//! the index (`đ` too, see `db::SEARCH_INDEX`); `"..."` is a phrase and `word*` a prefix. Any
//! other FTS5 syntax a person types (`AND`, `NEAR(`, `col:`, a stray quote) is read as plain
//! words, so no query is an error unless it holds no word at all.

use super::{access, rooms};
use crate::auth::Caller;
use crate::db::Db;
use crate::error::AppError;
use crate::model::{History, Pagination, SearchResults};
use crate::store::messages;
use crate::store::search::{self, SearchTerm};

/// The most characters a query may have.
const MAX_QUERY_CHARS: usize = 200;
/// The most terms (words or phrases) a query may have.
const MAX_TERMS: usize = 16;
/// Counting stops here (see `SearchResults::total`).
const COUNT_CAP: u32 = 1_000;
/// The furthest a page may start: past it, narrow the query.
pub(crate) const MAX_OFFSET: u32 = 1_000;

/// The terms of a typed query: each quoted phrase, and each other run of non-space characters
/// as one word; a `*` right after a word or a phrase makes it a prefix. Terms with no letter or
/// digit (`*`, `-`, `""`) say nothing and are dropped; a query left with none is refused.
pub(crate) fn parse(q: &str) -> Result<Vec<SearchTerm>, AppError> {
    let q = q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::bad_request(format!(
            "q must be at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let mut terms = Vec::new();
    let mut rest = q;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        rest = &rest[start..];
        let (words, after) = if let Some(phrase) = rest.strip_prefix('"') {
            match phrase.find('"') {
                Some(end) => (&phrase[..end], &phrase[end + 1..]),
                None => (phrase, ""),
            }
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        let trimmed = words.trim_end_matches('*');
        let prefix = trimmed.len() < words.len() || after.starts_with('*');
        rest = after.trim_start_matches('*');
        if trimmed.chars().any(char::is_alphanumeric) {
            terms.push(SearchTerm {
                words: trimmed.to_string(),
                prefix,
            });
        }
    }
    if terms.is_empty() {
        return Err(AppError::bad_request(
            "q must contain at least one word (a letter or digit)",
        ));
    }
    if terms.len() > MAX_TERMS {
        return Err(AppError::bad_request(format!(
            "q may have at most {MAX_TERMS} words or phrases"
        )));
    }
    Ok(terms)
}

/// The messages matching `q` that the caller may read, newest first, `limit` of them from
/// `offset`.
pub async fn search(
    db: &Db,
    caller: &Caller,
    q: &str,
    limit: u32,
    offset: u32,
) -> Result<SearchResults, AppError> {
    let terms = parse(q)?;
    if offset > MAX_OFFSET {
        return Err(AppError::bad_request(format!(
            "offset must be at most {MAX_OFFSET}; narrow the query instead"
        )));
    }
    let filter = access::search_scope(caller);
    db.read(move |conn| {
        let results = search::page(conn, &terms, filter, limit, offset)?;
        let total = search::count(conn, &terms, filter, COUNT_CAP + 1)?;
        Ok(SearchResults {
            results,
            total: total.min(COUNT_CAP as i64),
            total_capped: total > COUNT_CAP as i64,
        })
    })
    .await
}

/// How many messages before a found one its room opens with (the rest are a scroll away).
const BEFORE_FOUND: u32 = 25;
/// How many after it: the rest arrive as the page catches up over the socket.
const AFTER_FOUND: u32 = 50;

/// A room's history opened at a found message: a few messages up to and including it, and the
/// next ones after it, oldest first; `nextBefore` pages further back as usual. A message id from
/// another room opens at the closest place before it.
pub(crate) async fn history_at(
    db: &Db,
    caller: &Caller,
    room_id: i64,
    message_id: i64,
) -> Result<History, AppError> {
    let caller = caller.clone();
    db.read(move |conn| {
        let room = rooms::visible(conn, &caller, room_id)?;
        let (mut page, has_more) = messages::page_before(
            conn,
            room_id,
            Some(message_id.saturating_add(1)),
            BEFORE_FOUND,
        )?;
        let (after, _) = messages::page_after(conn, room_id, message_id, AFTER_FOUND)?;
        let next_before = if has_more {
            page.first().map(|m| m.id)
        } else {
            None
        };
        page.extend(after);
        Ok(History {
            messages: page,
            pagination: Pagination {
                limit: (BEFORE_FOUND + AFTER_FOUND) as i64,
                has_more,
                next_before,
                total: room.message_count,
            },
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(words: &str, prefix: bool) -> SearchTerm {
        SearchTerm {
            words: words.into(),
            prefix,
        }
    }

    #[test]
    fn words_phrases_and_prefixes() {
        assert_eq!(
            parse(r#"  chăm "giao hàng" đơn* "tra cứ"* "#).unwrap(),
            vec![
                term("chăm", false),
                term("giao hàng", false),
                term("đơn", true),
                term("tra cứ", true),
            ]
        );
    }

    #[test]
    fn fts_syntax_is_plain_words() {
        assert_eq!(
            parse(r#""unclosed"#).unwrap(),
            vec![term("unclosed", false)]
        );
        assert_eq!(parse("AND").unwrap(), vec![term("AND", false)]);
        assert_eq!(
            parse("NEAR(a b)").unwrap(),
            vec![term("NEAR(a", false), term("b)", false)]
        );
        assert_eq!(parse("a*b").unwrap(), vec![term("a*b", false)]);
        for nothing in ["", "   ", "*", "\"\"", "- * \"", "**"] {
            assert_eq!(parse(nothing).unwrap_err().status(), 400, "{nothing:?}");
        }
        assert_eq!(parse(&"a ".repeat(17)).unwrap_err().status(), 400);
        assert_eq!(parse(&"a".repeat(201)).unwrap_err().status(), 400);
    }
}
