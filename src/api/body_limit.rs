//! Caps request bodies at the configured size (413 beyond). poem's `SizeLimit` trusts only
//! `Content-Length` (and refuses requests without one), so a chunked body is counted here as it
//! is read, never buffered past the limit.

use poem::http::StatusCode;
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response};
use tokio::io::AsyncReadExt;

use super::error::error_response;

/// The middleware; `max` is in bytes.
pub(crate) struct BodyLimit {
    pub max: usize,
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            max: self.max,
        }
    }
}

pub(crate) struct BodyLimitEndpoint<E> {
    inner: E,
    max: usize,
}

fn too_large() -> Response {
    error_response(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large")
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let declared = req
            .header(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.parse::<u64>().ok());
        match declared {
            Some(n) if n > self.max as u64 => return Ok(too_large()),
            Some(_) => {}
            None => {
                let mut reader = req.take_body().into_async_read().take(self.max as u64 + 1);
                let mut bytes = Vec::new();
                if reader.read_to_end(&mut bytes).await.is_err() {
                    return Err(poem::Error::from_status(StatusCode::BAD_REQUEST));
                }
                if bytes.len() > self.max {
                    return Ok(too_large());
                }
                req.set_body(Body::from(bytes));
            }
        }
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}
