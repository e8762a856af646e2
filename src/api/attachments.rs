//! Files in rooms (contract §9): `POST /api/chat/rooms/:id/attachments` and the signed links
//! `GET /api/chat/attachments/:id?expires=&signature=` that every page puts in `<img src>`.

use std::sync::Arc;

use poem::Body;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, OpenApi};

use super::ApiTags;
use super::error::{ApiResult, SignedRead, Upload as UploadStatuses};
use super::security::BearerAuth;
use crate::app::App;
use crate::chat::attachments::{self, Incoming};
use crate::model::Attachment;

pub(crate) struct AttachmentsApi {
    pub app: Arc<App>,
}

/// One file, in the multipart field `file`.
#[derive(Debug, Multipart)]
pub(crate) struct FileForm {
    /// A PNG, JPEG, GIF or WebP image, a PDF, or plain UTF-8 text; told by its bytes, not
    /// its name or type.
    file: Upload,
}

#[derive(ApiResponse)]
pub(crate) enum Uploaded {
    /// Stored; send it with `send_message {attachmentIds: [id]}`.
    #[oai(status = 201)]
    Created(Json<Attachment>),
}

/// The sandbox every file is served in: nothing in it may run, load or be framed.
const FILE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
                        sandbox; frame-ancestors 'self'";

#[derive(ApiResponse)]
pub(crate) enum FileBody {
    /// The file's bytes, with the type told at upload; images inline, anything else as a
    /// download.
    #[oai(status = 200)]
    Ok(
        Binary<Body>,
        #[oai(header = "Content-Type")] String,
        #[oai(header = "Content-Length")] u64,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "X-Content-Type-Options")] String,
        #[oai(header = "Content-Security-Policy")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

#[OpenApi(prefix_path = "/chat", tag = "ApiTags::Rooms")]
impl AttachmentsApi {
    /// Uploads a file to a room whose messages the caller may send (at most 10 MiB by default).
    /// The request must say its `Content-Length`.
    #[oai(
        path = "/rooms/:id/attachments",
        method = "post",
        operation_id = "uploadAttachment"
    )]
    async fn upload(
        &self,
        auth: BearerAuth,
        /// The room id.
        id: Path<i64>,
        form: FileForm,
    ) -> ApiResult<Uploaded, UploadStatuses> {
        let file = form.file;
        let incoming = Incoming {
            room_id: id.0,
            file_name: file.file_name().map(str::to_string),
            size: file.size() as u64,
            bytes: file.into_async_read(),
        };
        let limits = &self.app.config.attachments;
        let stored = attachments::upload(&self.app.db, limits, &auth.0, incoming).await?;
        Ok(Uploaded::Created(Json(stored)))
    }

    /// A file, by the signed link in its `Attachment.url` (no token needed; 403 once the link
    /// has expired or was changed).
    #[oai(
        path = "/attachments/:id",
        method = "get",
        operation_id = "getAttachment"
    )]
    async fn download(
        &self,
        /// The file id.
        id: Path<i64>,
        /// Unix seconds after which the link stops working.
        expires: Query<i64>,
        /// The link's signature.
        signature: Query<String>,
    ) -> ApiResult<FileBody, SignedRead> {
        let file = attachments::open(&self.app.db, id.0, expires.0, &signature.0).await?;
        let disposition = format!(
            "{}; filename*=UTF-8''{}",
            if attachments::is_inline(&file) {
                "inline"
            } else {
                "attachment"
            },
            percent_encode(&file.file_name)
        );
        let body = Body::from_bytes_stream(attachments::bytes(self.app.db.clone(), file.id));
        Ok(FileBody::Ok(
            Binary(body),
            file.content_type.clone(),
            file.size as u64,
            disposition,
            "nosniff".into(),
            FILE_CSP.into(),
            "private, max-age=3600".into(),
        ))
    }
}

/// RFC 5987 encoding of a file name for `filename*`.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
