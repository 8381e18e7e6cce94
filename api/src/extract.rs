//! Request parsing at the edge: JSON bodies that report the offending field,
//! path ids, and pagination parameters. Every failure is a 4xx problem.

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use base64::Engine;
use futures_util::StreamExt;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use crate::problem::{ApiError, FieldError};

/// Default cap on request bodies; endpoints that take more (batches) raise
/// it with their own `web::PayloadConfig`.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// A JSON request body. Unlike `web::Json`, a deserialisation error names
/// the field it happened at (`recipient.email`, `items[3].achievement`).
/// Malformed JSON is 400; well-formed JSON of the wrong shape is 422; a
/// body over the limit is 413; a non-JSON content type is 415.
/// `LIMIT` is the body cap in bytes; endpoints that take more (batches)
/// name a larger one.
pub struct JsonBody<T, const LIMIT: usize = DEFAULT_BODY_LIMIT>(pub T);

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for JsonBody<T, LIMIT> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json_content = req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|mime| mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"));
        let limit = LIMIT;
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json_content {
                return Err(ApiError::UnsupportedMediaType("send the body as `Content-Type: application/json`".into()));
            }
            if declared.is_some_and(|length| length > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|error| match error {
                    PayloadError::Overflow => ApiError::PayloadTooLarge { limit },
                    other => ApiError::BadRequest(format!("could not read the request body: {other}")),
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(JsonBody)
        })
    }
}

/// Deserialises `bytes`, classifying errors as 400 (not JSON) or 422 (JSON
/// of the wrong shape, with the field's path).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // JSON can only carry NUL escaped; look closer only when the escape is there.
    if bytes.windows(6).any(|w| w == br"\u0000")
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
    {
        reject_nul(&value)?;
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        classify(&path, &inner)
    })?;
    deserializer.end().map_err(|error| classify(".", &error))?;
    Ok(value)
}

fn classify(path: &str, error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = error.to_string();
    // serde_json appends " at line L column C"; the field path says more.
    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(head, _)| head).to_owned();
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::BadRequest(format!("the request body is not valid JSON: {error}"))
        }
        Category::Data => {
            let field = if path == "." || path.is_empty() { "(body)".to_owned() } else { path.to_owned() };
            let errors = vec![FieldError::new(field.clone(), message.clone())];
            ApiError::Invalid { detail: format!("`{field}`: {message}"), errors }
        }
    }
}

/// NUL is refused in every string (and key) of a body: PostgreSQL cannot
/// store it in text, and no name, reason or URL needs it. Names the field.
fn reject_nul(value: &serde_json::Value) -> Result<(), ApiError> {
    fn walk(value: &serde_json::Value, path: &mut String) -> Option<String> {
        match value {
            serde_json::Value::String(text) if text.contains('\0') => Some(path.clone()),
            serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                path.truncate(len);
                found
            }),
            serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                let found = if key.contains('\0') { Some(path.clone()) } else { walk(item, path) };
                path.truncate(len);
                found
            }),
            _ => None,
        }
    }
    match walk(value, &mut String::new()) {
        Some(field) => {
            let field = if field.is_empty() { "(body)".to_owned() } else { field };
            Err(ApiError::invalid_field(field, "must not contain the NUL character (U+0000)"))
        }
        None => Ok(()),
    }
}

/// Parses an id from the path. A malformed id cannot name anything, so it
/// is a 404 like any other unknown id.
pub fn path_id<T: FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(what.to_owned()))
}

/// `?limit=&cursor=` on every list endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page: 1 to 200, default 50. Larger values are capped at 200.
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A validated page request over items keyed by `K`.
pub struct PageRequest<K> {
    pub after: Option<K>,
    /// One more than the page size is fetched to know whether another page exists.
    pub limit: usize,
}

impl PageQuery {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;

    pub fn parse<K: FromStr>(&self) -> Result<PageRequest<K>, ApiError> {
        let limit = match self.limit {
            Some(0) => return Err(ApiError::invalid_field("limit", "must be at least 1")),
            Some(n) => n.min(Self::MAX_LIMIT),
            None => Self::DEFAULT_LIMIT,
        };
        let after = match &self.cursor {
            None => None,
            Some(cursor) => {
                let bad = || ApiError::invalid_field("cursor", "not a cursor returned by this list");
                let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
                let text = String::from_utf8(bytes).map_err(|_| bad())?;
                Some(text.parse().map_err(|_| bad())?)
            }
        };
        Ok(PageRequest { after, limit: limit as usize })
    }
}

impl<K: ToString> PageRequest<K> {
    /// Fetch this many rows: the page plus one to detect a next page.
    pub fn fetch_limit(&self) -> i64 {
        self.limit as i64 + 1
    }

    /// Trims the extra row and computes the next cursor from the last item.
    pub fn finish<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> K) -> (Vec<T>, Option<String>) {
        let more = rows.len() > self.limit;
        rows.truncate(self.limit);
        let next = if more { rows.last().map(|last| URL_SAFE_NO_PAD.encode(key(last).to_string())) } else { None };
        (rows, next)
    }
}

/// Deserialises an already-parsed JSON value with the same 422 field
/// reporting as `JsonBody` (for bodies that are also hashed or split).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    reject_nul(&value)?;
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        classify(&path, error.inner())
    })
}

/// The `Idempotency-Key` header, when present: 1 to 255 visible ASCII characters.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("Idempotency-Key") else { return Ok(None) };
    let key = value.to_str().map_err(|_| ApiError::BadRequest("Idempotency-Key must be visible ASCII".into()))?;
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters".into()));
    }
    Ok(Some(key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn field_of(error: ApiError) -> String {
        match error {
            ApiError::Invalid { errors, .. } => errors[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn wrong_types_name_the_field() {
        let error = parse_json::<Body>(br#"{"name":"x","inner":{"count":"three"}}"#).unwrap_err();
        assert_eq!(field_of(error), "inner.count");
    }

    #[test]
    fn unknown_and_missing_fields_are_422() {
        let error = parse_json::<Body>(br#"{"name":"x","inner":{"count":1},"extra":1}"#).unwrap_err();
        assert!(matches!(error, ApiError::Invalid { .. }));
        let error = parse_json::<Body>(br#"{"name":"x"}"#).unwrap_err();
        assert!(matches!(error, ApiError::Invalid { .. }));
    }

    #[test]
    fn nul_characters_are_refused_naming_the_field() {
        let error = parse_json::<Body>(br#"{"name":"a\u0000b","inner":{"count":1}}"#).unwrap_err();
        assert_eq!(field_of(error), "name");
        let error = from_value::<serde_json::Value>(serde_json::json!({ "items": [{ "x": "ok" }, { "x": "\u{0}" }] })).unwrap_err();
        assert_eq!(field_of(error), "items[1].x");
        // An escaped backslash followed by `u0000` is text, not NUL.
        assert!(parse_json::<Body>(br#"{"name":"a\\u0000b","inner":{"count":1}}"#).is_ok());
    }

    #[test]
    fn malformed_json_is_400() {
        assert!(matches!(parse_json::<Body>(b"{\"name\":"), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse_json::<Body>(b""), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse_json::<Body>(br#"{"name":"x","inner":{"count":1}} trailing"#), Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn pages_cap_the_limit_and_round_trip_cursors() {
        let query = PageQuery { limit: Some(10_000), cursor: None };
        let request = query.parse::<u32>().unwrap();
        assert_eq!(request.limit, 200);
        let (items, next) = PageRequest::<u32> { after: None, limit: 2 }.finish(vec![1u32, 2, 3], |n| *n);
        assert_eq!(items, vec![1, 2]);
        let again = PageQuery { limit: Some(2), cursor: next }.parse::<u32>().unwrap();
        assert_eq!(again.after, Some(2));
        assert!(PageQuery { limit: Some(0), cursor: None }.parse::<u32>().is_err());
        assert!(PageQuery { limit: None, cursor: Some("%%".into()) }.parse::<u32>().is_err());
    }
}
