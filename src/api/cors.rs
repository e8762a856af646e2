//! CORS for the configured origins only (an integrator's site calling the API from the
//! browser). poem's `Cors` refuses every request whose `Origin` is not listed, which would also
//! refuse our own console pages (browsers send `Origin` on same-origin POSTs); here an unlisted
//! origin simply gets no CORS headers, and the browser keeps it from reading the answer.

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// The middleware; `origins` as configured (`https://shop.example`).
pub(crate) struct AllowOrigins {
    pub origins: Vec<String>,
}

impl<E: Endpoint> Middleware<E> for AllowOrigins {
    type Output = AllowOriginsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        let origins = self
            .origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        AllowOriginsEndpoint { inner, origins }
    }
}

pub(crate) struct AllowOriginsEndpoint<E> {
    inner: E,
    origins: Vec<HeaderValue>,
}

impl<E: Endpoint> Endpoint for AllowOriginsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let allowed = req
            .header(header::ORIGIN)
            .and_then(|o| self.origins.iter().find(|a| *a == o))
            .cloned();
        let Some(origin) = allowed else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        if req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return Ok(Response::builder()
                .status(StatusCode::NO_CONTENT)
                .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin)
                .header(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    "GET, POST, PATCH, OPTIONS",
                )
                .header(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "authorization, content-type",
                )
                .header(header::ACCESS_CONTROL_MAX_AGE, "600")
                .header(header::VARY, "Origin")
                .finish());
        }
        let mut response = match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        Ok(response)
    }
}
