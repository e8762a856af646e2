//! The security headers of every console response: a Content-Security-Policy without inline
//! scripts (our scripts are files under /static and read their data from `data-` attributes),
//! framing rules, `Referrer-Policy` and `nosniff`. It never looks at the body.

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// Who may put a page in a frame.
#[derive(Debug, Clone)]
pub(crate) enum Framing {
    /// Nobody (the staff and admin consoles): `frame-ancestors 'none'` and `X-Frame-Options: DENY`.
    Deny,
    /// The customer page, which the widget shows in an iframe on the shop's own site: the given
    /// `frame-ancestors` sources (the configured shop origins, or `*` when none are configured).
    Embeddable(String),
}

/// Adds the headers to every response of the wrapped endpoint.
#[derive(Debug, Clone)]
pub(crate) struct SecurityHeaders {
    pub framing: Framing,
}

impl SecurityHeaders {
    /// For the consoles.
    pub(crate) fn console() -> SecurityHeaders {
        SecurityHeaders {
            framing: Framing::Deny,
        }
    }

    /// For the customer page, embeddable by `origins` (any site when empty).
    pub(crate) fn embeddable(origins: &[String]) -> SecurityHeaders {
        let sources = if origins.is_empty() {
            "*".to_string()
        } else {
            format!("'self' {}", origins.join(" "))
        };
        SecurityHeaders {
            framing: Framing::Embeddable(sources),
        }
    }

    fn csp(&self) -> String {
        let ancestors = match &self.framing {
            Framing::Deny => "'none'",
            Framing::Embeddable(sources) => sources.as_str(),
        };
        format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors {ancestors}"
        )
    }
}

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        SecurityHeadersEndpoint {
            inner,
            csp: HeaderValue::from_str(&self.csp())
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            deny_frames: matches!(self.framing, Framing::Deny),
        }
    }
}

/// The wrapped endpoint; built by [`SecurityHeaders`].
pub(crate) struct SecurityHeadersEndpoint<E> {
    inner: E,
    csp: HeaderValue,
    deny_frames: bool,
}

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        // Errors that carry a page (403s, redirects) get the headers too.
        let mut resp = match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) if e.is_from_response() => e.into_response(),
            Err(e) => return Err(e),
        };
        let headers = resp.headers_mut();
        headers.insert("content-security-policy", self.csp.clone());
        if self.deny_frames {
            headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
        }
        headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
        headers.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        if !headers.contains_key("cache-control") {
            // Pages show private data and carry a token: never keep them in a shared cache.
            headers.insert("cache-control", HeaderValue::from_static("no-store"));
        }
        Ok(resp)
    }
}
