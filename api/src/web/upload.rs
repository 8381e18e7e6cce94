//! Posted uploads. `Upload<T>` reads a `multipart/form-data` body (a form
//! with a file input), refuses it unless its `csrf` field is this visitor's
//! token (the same check as `Form<T>`), parses the text fields into `T` and
//! keeps at most ONE uploaded file. The whole body is capped at `LIMIT`
//! bytes (413 past it); a handler that needs another cap names it:
//! `Upload<T, { 512 * 1024 }>`.
//!
//! The body is read to its end before the token is checked (a browser may
//! send the file before the `csrf` field); the cap bounds what that costs.

use std::future::Future;
use std::pin::Pin;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web::Bytes};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::http::problem::ApiError;
use crate::web::form::tokens_match;
use crate::web::page::PageError;
use crate::web::session::Visitor;

/// The default cap of a whole upload body (file and fields).
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;

/// More parts than any of our forms has: a body of many tiny parts is refused.
const MAX_PARTS: usize = 64;

/// One uploaded file, as the browser described it. The name and type are
/// the sender's word: a handler checks the bytes, not these.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The form field it came in.
    pub field: String,
    /// The file's name on the sender's machine (without any path).
    pub filename: String,
    /// The part's `Content-Type`, if sent (`text/plain` is the default by RFC 7578).
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// A posted upload whose CSRF token checked out, the visitor who sent it,
/// its text fields and its file (`None` when the file input was left empty).
pub struct Upload<T, const LIMIT: usize = MAX_UPLOAD_BYTES> {
    pub visitor: Visitor,
    pub fields: T,
    pub file: Option<UploadedFile>,
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for Upload<T, LIMIT> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let is_multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("multipart/form-data")));
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
        let multipart = Multipart::new(req.headers(), payload.take());
        Box::pin(async move {
            if !is_multipart {
                return Err(ApiError::UnsupportedMediaType("send the form as multipart/form-data".into()).into());
            }
            if declared.is_some_and(|length| length > LIMIT) {
                return Err(ApiError::PayloadTooLarge { limit: LIMIT }.into());
            }
            let parts = read_parts(multipart, LIMIT).await?;
            let visitor = Visitor::of(&req).await?;
            let sent = parts.text.iter().find(|(name, _)| name == "csrf").map(|(_, value)| value.as_str());
            if !sent.is_some_and(|token| tokens_match(token, &visitor.csrf)) {
                return Err(PageError::StaleForm);
            }
            // The text fields go through the same deserializer as `Form<T>`.
            let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(&parts.text).finish();
            let fields = serde_urlencoded::from_str(&encoded).map_err(|e| ApiError::BadRequest(format!("the form could not be read: {e}")))?;
            Ok(Upload { visitor, fields, file: parts.file })
        })
    }
}

/// What a multipart body held.
struct Parts {
    text: Vec<(String, String)>,
    file: Option<UploadedFile>,
}

async fn read_parts(mut multipart: Multipart, limit: usize) -> Result<Parts, ApiError> {
    let unreadable = |e: actix_multipart::MultipartError| ApiError::BadRequest(format!("the upload could not be read: {e}"));
    let mut parts = Parts { text: Vec::new(), file: None };
    let mut left = limit;
    let mut count = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(unreadable)?;
        count += 1;
        if count > MAX_PARTS {
            return Err(ApiError::BadRequest(format!("the upload has more than {MAX_PARTS} parts")));
        }
        let bytes = match field.bytes(left).await {
            Ok(read) => read.map_err(unreadable)?,
            Err(_) => return Err(ApiError::PayloadTooLarge { limit }),
        };
        left -= bytes.len();
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.content_disposition().and_then(|d| d.get_filename()).map(base_name);
        match filename {
            // An empty file input: browsers send the part with no name and no bytes.
            Some(filename) if filename.is_empty() && bytes.is_empty() => {}
            Some(filename) => {
                if parts.file.is_some() {
                    return Err(ApiError::BadRequest("send one file at a time".into()));
                }
                let content_type = field.content_type().map(|mime| mime.essence_str().to_owned());
                parts.file = Some(UploadedFile { field: name, filename, content_type, bytes });
            }
            None => {
                let value =
                    String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::BadRequest(format!("the form field `{name}` is not UTF-8 text")))?;
                parts.text.push((name, value));
            }
        }
    }
    Ok(Parts { text: parts.text, file: parts.file })
}

/// A file's name without the folders some browsers (old IE, Edge) send.
fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or_default().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use crate::web::upload::base_name;

    #[test]
    fn a_file_name_loses_its_folders() {
        assert_eq!(base_name(r"C:\Users\reg\grades.csv"), "grades.csv");
        assert_eq!(base_name("/home/reg/grades.csv"), "grades.csv");
        assert_eq!(base_name("grades.csv"), "grades.csv");
        assert_eq!(base_name(""), "");
    }
}
