//! `/chat`: the customer page. The server renders only the frame and the words; chat.js signs
//! the customer in through the REST API and chats over Socket.IO like any other client. It may
//! be shown inside the widget's iframe on a shop's site (see headers.rs for who may frame it).

use askama::Template;
use poem::web::Query;
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::i18n::Lang;
use super::view::{PageCtx, render};

#[derive(Template)]
#[template(path = "customer/chat.html")]
struct ChatPage {
    page: PageCtx,
    /// Shown in the widget's panel: no page header of its own.
    embedded: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChatQuery {
    embed: Option<String>,
}

#[handler]
pub(crate) fn page(req: &Request, Query(q): Query<ChatQuery>) -> Response {
    let lang = Lang::of(req);
    render(&ChatPage {
        page: PageCtx::public(req, lang, "chat"),
        embedded: q.embed.is_some_and(|e| e == "1"),
    })
}
