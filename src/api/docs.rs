//! `/api/docs`: the interactive API page (Swagger UI, inlined by poem-openapi so it loads from
//! no other host). The page is poem-openapi's, served here with the headers every other page
//! has: a Content-Security-Policy whose `script-src` names the SHA-256 of each of its inline
//! scripts (computed once, from the page itself, so it stays right when poem-openapi changes),
//! `frame-ancestors 'none'` with `X-Frame-Options: DENY`, `nosniff` and `no-referrer`.

use base64::Engine as _;
use poem::http::{HeaderValue, header};
use poem::{Endpoint, IntoResponse, Response, endpoint::make_sync};
use sha2::{Digest, Sha256};

use super::Api;

/// The page and its policy, built once at start.
pub(crate) fn endpoint(api: &Api) -> impl Endpoint + 'static {
    // poem-openapi's page names no language and has no main landmark (axe-core's html-has-lang
    // and landmark-one-main): its texts are English, and Swagger UI draws it all into #ui.
    let html = api
        .swagger_ui_html()
        .replacen("<html charset=\"UTF-8\">", "<html lang=\"en\">", 1)
        .replacen("<div id=\"ui\"></div>", "<main id=\"ui\"></main>", 1);
    let csp = policy(&html);
    make_sync(move |_| {
        let mut res: Response = poem::web::Html(html.clone()).into_response();
        let headers = res.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, v);
        }
        headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        res
    })
}

/// Scripts only if they are this page's own inline scripts; styles inline (Swagger UI sets
/// style attributes as it renders); requests only to this server.
fn policy(html: &str) -> String {
    let hashes: Vec<String> = inline_scripts(html)
        .map(|body| {
            let digest = Sha256::digest(body.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'none'; script-src {}; style-src 'unsafe-inline'; img-src 'self' data:; \
         font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
        hashes.join(" ")
    )
}

/// The text of each `<script ...>...</script>` element, scanned the way a browser does: a
/// script ends at the first `</script>` after its start, whatever it contains.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || {
        let open = rest.find("<script")?;
        let after = &rest[open..];
        let start = after.find('>')? + 1;
        let len = after[start..].find("</script>")?;
        let body = &after[start..start + len];
        rest = &after[start + len + "</script>".len()..];
        Some(body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inline_script_is_hashed() {
        let html = "<script a=\"1\">one()</script><p></p><script>two()</script>";
        let bodies: Vec<_> = inline_scripts(html).collect();
        assert_eq!(bodies, ["one()", "two()"]);
        assert_eq!(policy(html).matches("'sha256-").count(), 2);
    }
}
