//! The console's forms: poem's `Form`, after refusing a NUL character (`%00`) in any field, as
//! the REST and socket doors refuse it in any string (`model::text::NUL_REFUSED`). In one place,
//! so no console form can let one through.

use poem::http::{Method, StatusCode};
use poem::{Body, FromRequest, Request, RequestBody};
use serde::de::DeserializeOwned;

use crate::model::text::NUL_REFUSED;

/// A form's fields, decoded into `T`.
pub(crate) struct Form<T>(pub T);

impl<'a, T: DeserializeOwned> FromRequest<'a> for Form<T> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let refused =
            || poem::Error::from_string(format!("a field {NUL_REFUSED}"), StatusCode::BAD_REQUEST);
        if req.method() == Method::GET {
            if holds_nul(req.uri().query().unwrap_or_default().as_bytes()) {
                return Err(refused());
            }
        } else {
            let raw = body.take()?.into_vec().await?;
            if holds_nul(&raw) {
                return Err(refused());
            }
            *body = RequestBody::new(Body::from(raw));
        }
        let poem::web::Form(value) = poem::web::Form::<T>::from_request(req, body).await?;
        Ok(Form(value))
    }
}

/// Whether URL-encoded `raw` decodes to something holding U+0000 (`%00`, or the byte itself).
fn holds_nul(raw: &[u8]) -> bool {
    raw.contains(&0) || raw.windows(3).any(|w| w == b"%00")
}

#[cfg(test)]
mod tests {
    use super::holds_nul;

    #[test]
    fn only_an_encoded_or_raw_nul_counts() {
        assert!(holds_nul(b"content=a%00b"));
        assert!(holds_nul(b"content=a\0b"));
        assert!(!holds_nul(b"content=100%2500+off"));
        assert!(!holds_nul(b"n=1000&m=%200"));
    }
}
