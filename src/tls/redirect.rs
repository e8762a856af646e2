//! Plain HTTP next to HTTPS (`--http-addr`, port 80 by default with ACME): every request is
//! sent to the same host and path over https, so a visitor who typed the bare name lands on the
//! desk. It serves nothing else (but the ACME CA's HTTP-01 checks, which must come over plain
//! HTTP), so nothing travels unencrypted past the first request.

use poem::http::{StatusCode, header};
use poem::{Endpoint, Request, Response};

use poem::listener::acme::{Http01Endpoint, Http01TokensMap};

use super::PlainHttp;
use crate::realtime::NoDelayAcceptor;

/// Binds the redirecting address. `None` when an optional one (the ACME default, port 80)
/// cannot be bound: HTTPS still works, only typing the bare name does not.
pub(crate) async fn bind(
    plain: &PlainHttp,
    https_port: u16,
    challenges: Option<Http01TokensMap>,
) -> Result<Option<(NoDelayAcceptor, ToHttps)>, String> {
    let bound = tokio::net::TcpListener::bind(&plain.addr)
        .await
        .and_then(NoDelayAcceptor::from_tokio);
    match bound {
        Ok(acceptor) => {
            tracing::info!(addr = %plain.addr, "plain HTTP redirects to HTTPS");
            let to_https = ToHttps {
                https_port,
                challenges: challenges.map(|keys| Http01Endpoint { keys }),
            };
            Ok(Some((acceptor, to_https)))
        }
        Err(e) if plain.required => Err(format!("cannot listen on {}: {e}", plain.addr)),
        Err(e) if challenges.is_some() => {
            tracing::error!(
                addr = %plain.addr,
                "cannot listen ({e}): the ACME CA's checks cannot be answered, so no certificate \
                 can be got or renewed; run with the right to bind port 80 or set --http-addr"
            );
            Ok(None)
        }
        Err(e) => {
            tracing::warn!(
                addr = %plain.addr,
                "not redirecting plain HTTP to HTTPS: cannot listen ({e}); set --http-addr"
            );
            Ok(None)
        }
    }
}

/// Redirects to `https://<Host><:port unless 443><path and query>`.
pub(crate) struct ToHttps {
    /// The HTTPS port, as the browser must be told it.
    pub(crate) https_port: u16,
    /// Answers `/.well-known/acme-challenge/<token>` while a certificate is being got.
    pub(crate) challenges: Option<Http01Endpoint>,
}

impl Endpoint for ToHttps {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if let Some(challenges) = &self.challenges
            && req.uri().path().starts_with("/.well-known/acme-challenge/")
        {
            return challenges.call(req).await;
        }
        let Some(host) = req.header(header::HOST).and_then(host_name) else {
            return Ok(Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .body("this address answers only with a redirect to https; send a Host header"));
        };
        let port = match self.https_port {
            443 => String::new(),
            p => format!(":{p}"),
        };
        let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
        Ok(Response::builder()
            .status(StatusCode::PERMANENT_REDIRECT)
            .header(header::LOCATION, format!("https://{host}{port}{path}"))
            .finish())
    }
}

/// The host part of a `Host` header (`name`, `name:port`, `[v6]:port`), if it is one.
fn host_name(value: &str) -> Option<&str> {
    let host = match value.strip_prefix('[') {
        Some(v6) => &value[..v6.find(']')? + 2],
        None => value.split(':').next()?,
    };
    let fine = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':');
    (!host.is_empty() && host.bytes().all(fine)).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn the_host_is_kept_and_the_port_dropped() {
        assert_eq!(host_name("shop.example"), Some("shop.example"));
        assert_eq!(host_name("shop.example:80"), Some("shop.example"));
        assert_eq!(host_name("[::1]:8080"), Some("[::1]"));
        assert_eq!(host_name("evil/path"), None);
        assert_eq!(host_name(""), None);
    }
}
