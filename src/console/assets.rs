//! The browser files compiled into the binary from `static/` (our css and small scripts, and the
//! vendored socket.io client), served at `/static/...`, plus `/widget.js` for shop sites. A
//! strong ETag lets browsers revalidate cheaply; nothing is ever loaded from another host.

use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Request, Response, handler};
use rust_embed::RustEmbed;

/// Everything under `static/`, embedded at build time.
#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "md" | "LICENSE" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// One embedded file, or 404; `If-None-Match` with the current ETag gets 304.
fn serve(req: &Request, path: &str, cache: &'static str) -> Response {
    let Some(file) = Assets::get(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let hash: String = file.metadata.sha256_hash()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let etag = format!("\"{hash}\"");
    let cache = HeaderValue::from_static(cache);
    if req
        .header(header::IF_NONE_MATCH)
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .header(header::CACHE_CONTROL, cache)
            .finish();
    }
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(path))
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache)
        .header("x-content-type-options", "nosniff")
        .body(file.data.into_owned())
}

/// `/static/*path`: revalidated on every use (cheap with the ETag), so a new build shows at once.
#[handler]
pub(crate) fn static_file(req: &Request) -> Response {
    let path = req.uri().path().trim_start_matches('/');
    let path = path.strip_prefix("static/").unwrap_or(path);
    if path.split('/').any(|seg| seg == ".." || seg.is_empty()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    serve(req, path, "no-cache")
}

/// `/widget.js`: the one line a shop pastes loads this from our host, so it may be cached for a
/// while and fetched by any site (`Cross-Origin-Resource-Policy: cross-origin`).
#[handler]
pub(crate) fn widget(req: &Request) -> Response {
    let mut resp = serve(req, "widget.js", "public, max-age=300");
    resp.headers_mut().insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    resp
}
