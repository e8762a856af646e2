//! The desk's search (`/console?q=`, kept while a found room is open): the matches in the
//! sidebar, each a link that opens its room at the message. The results come from the same
//! rule as `GET /api/chat/search`; a query the rule refuses is shown with its reason.

use serde::Deserialize;

use super::session::url_encode;
use super::view::display_name;
use crate::app::App;
use crate::auth::Caller;
use crate::chat::search;
use crate::model::SearchHit;

/// The desk's query string: a search, its page, and the message a room is opened at.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeskQuery {
    pub q: Option<String>,
    pub offset: Option<u32>,
    pub at: Option<i64>,
}

/// How many matches the sidebar shows at a time.
const PAGE: u32 = 20;
/// How much of a message a result line shows.
const SNIPPET_CHARS: usize = 140;

/// A search as the desk shows it.
pub(crate) struct Found {
    pub q: String,
    pub hits: Vec<SearchHit>,
    pub total: i64,
    pub capped: bool,
    /// Why the query was refused, in the rule's words.
    pub error: Option<String>,
    offset: u32,
    /// The message whose room is open.
    pub at: Option<i64>,
}

impl Found {
    /// Runs the search a desk address asks for, if it asks for one.
    pub(crate) async fn of(app: &App, caller: &Caller, query: &DeskQuery) -> Option<Found> {
        let q = query.q.as_deref()?.to_string();
        let offset = query.offset.unwrap_or(0);
        let mut found = Found {
            q,
            hits: Vec::new(),
            total: 0,
            capped: false,
            error: None,
            offset,
            at: query.at,
        };
        match search::search(&app.db, caller, &found.q, PAGE, offset).await {
            Ok(r) => {
                found.hits = r.results;
                found.total = r.total;
                found.capped = r.total_capped;
            }
            Err(e) => found.error = Some(e.message().to_string()),
        }
        Some(found)
    }

    /// Opens the hit's room at its message, keeping the search in the sidebar.
    pub(crate) fn href(&self, hit: &SearchHit) -> String {
        format!(
            "/console/rooms/{}?q={}&offset={}&at={}",
            hit.room.id,
            url_encode(&self.q),
            self.offset,
            hit.message.id
        )
    }

    /// The next page of matches, if there is one.
    pub(crate) fn more_href(&self) -> Option<String> {
        let next = self.offset + PAGE;
        (i64::from(next) < self.total && next <= search::MAX_OFFSET)
            .then(|| format!("/console?q={}&offset={next}", url_encode(&self.q)))
    }

    /// The customer, as a result line names them.
    pub(crate) fn customer(&self, hit: &SearchHit) -> String {
        display_name(&hit.room.customer)
    }

    /// The start of the message, cut at a word.
    pub(crate) fn snippet(&self, hit: &SearchHit) -> String {
        let text = hit.message.content.trim();
        if text.chars().count() <= SNIPPET_CHARS {
            return text.to_string();
        }
        let cut: String = text.chars().take(SNIPPET_CHARS).collect();
        let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
        format!("{cut}…")
    }

    /// Whether this hit is the message the open room shows (its line is marked current).
    pub(crate) fn is_open(&self, hit: &SearchHit) -> bool {
        self.at == Some(hit.message.id)
    }
}
