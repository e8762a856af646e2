//! Caps request bodies at the configured size (413 beyond). poem's `SizeLimit` trusts only
//! `Content-Length` (and refuses requests without one), so a chunked body is counted here as it
//! is read, never buffered past the limit. File uploads get their own, larger limit and must
//! say their length (every browser and `curl -F` do), so an upload is never held whole in
//! memory to be measured; poem spools the multipart file to a temporary file as it arrives.

use poem::http::StatusCode;
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response};
use tokio::io::AsyncReadExt;

use super::error::error_response;

/// The middleware; `max` is in bytes. `upload_max`: the limit of `POST .../attachments`
/// (the file limit plus room for the multipart framing); 0 for routes without uploads.
pub(crate) struct BodyLimit {
    pub max: usize,
    pub upload_max: u64,
}

impl BodyLimit {
    /// The limit for routes that take no files.
    pub(crate) fn plain(max: usize) -> BodyLimit {
        BodyLimit { max, upload_max: 0 }
    }
}

/// Room for the multipart boundary and part headers around one file.
pub(crate) const MULTIPART_OVERHEAD: u64 = 64 * 1024;

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            max: self.max,
            upload_max: self.upload_max,
        }
    }
}

pub(crate) struct BodyLimitEndpoint<E> {
    inner: E,
    max: usize,
    upload_max: u64,
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
        let is_upload = self.upload_max > 0
            && req.method() == poem::http::Method::POST
            && req.uri().path().ends_with("/attachments");
        if is_upload {
            return match declared {
                None => Ok(error_response(
                    StatusCode::LENGTH_REQUIRED,
                    "An upload must say its Content-Length",
                )),
                Some(n) if n > self.upload_max => Ok(error_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "file is larger than the limit",
                )),
                Some(_) => self.inner.call(req).await.map(IntoResponse::into_response),
            };
        }
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
