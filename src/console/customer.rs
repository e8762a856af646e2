//! `/chat`: the customer page. The server renders only the frame and the words; chat.js signs
//! the customer in through the REST API and chats over Socket.IO like any other client. It may
//! be shown inside the widget's iframe on a shop's site (see headers.rs for who may frame it).

use askama::Template;
use std::sync::Arc;

use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::i18n::Lang;
use super::view::{PageCtx, render};
use crate::app::App;
use crate::chat::settings;

#[derive(Template)]
#[template(path = "customer/chat.html")]
struct ChatPage {
    page: PageCtx,
    /// Shown in the widget's panel: no page header of its own.
    embedded: bool,
    /// Whether the server sends e-mail (the transcript button is offered only then).
    mail: bool,
}

/// `GET /`: the shop's front door, the way in for customers (the chat) and for staff (the
/// console), in the shop's name when it set one.
#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    name: String,
    welcome: String,
}

#[handler]
pub(crate) async fn home(req: &Request, Data(app): Data<&Arc<App>>) -> Response {
    let lang = Lang::of(req);
    let ctx = PageCtx::public(req, lang, "home");
    // Without an answer from the settings the page keeps its own words.
    let shop = settings::public(&app.db).await.ok();
    let name = shop
        .as_ref()
        .map(|s| s.shop_name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ctx.t.chat_title.to_string());
    let welcome = shop.map(|s| s.welcome).unwrap_or_default();
    render(&HomePage {
        page: ctx,
        name,
        welcome,
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChatQuery {
    embed: Option<String>,
}

#[handler]
pub(crate) fn page(
    req: &Request,
    Data(app): Data<&Arc<App>>,
    Query(q): Query<ChatQuery>,
) -> Response {
    let lang = Lang::of(req);
    render(&ChatPage {
        page: PageCtx::public(req, lang, "chat"),
        embedded: q.embed.is_some_and(|e| e == "1"),
        mail: app.mail.is_some(),
    })
}
