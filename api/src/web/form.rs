//! Posted forms. `Form<T>` reads an `application/x-www-form-urlencoded`
//! body, refuses it unless its `csrf` field is this visitor's token (the
//! session's, or the signed-out cookie's), and parses the rest into `T`
//! (which ignores the `csrf` field). Every form handler takes it, so no form
//! can skip the check.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use crate::http::problem::ApiError;
use crate::web::page::PageError;
use crate::web::session::Visitor;

/// The largest form body (actix's default payload limit): a pasted
/// credential, a VC-JWT with its JSON, fits.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// A posted form whose CSRF token checked out, and the visitor who sent it.
pub struct Form<T> {
    pub visitor: Visitor,
    pub fields: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let is_form = req
                .headers()
                .get(actix_web::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")));
            if !is_form {
                return Err(ApiError::UnsupportedMediaType("send the form as application/x-www-form-urlencoded".into()).into());
            }
            let body = body.await.map_err(|_| ApiError::PayloadTooLarge { limit: MAX_FORM_BYTES })?;
            let visitor = Visitor::of(&req).await?;
            let sent = form_urlencoded::parse(&body).find(|(name, _)| name == "csrf").map(|(_, value)| value.into_owned());
            if !sent.is_some_and(|token| tokens_match(&token, &visitor.csrf)) {
                return Err(PageError::StaleForm);
            }
            let fields = serde_urlencoded::from_bytes(&body).map_err(|e| ApiError::BadRequest(format!("the form could not be read: {e}")))?;
            Ok(Form { visitor, fields })
        })
    }
}

/// Constant time: the comparison does not tell how much of a guess was right.
pub(crate) fn tokens_match(sent: &str, expected: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(sent.as_bytes(), expected.as_bytes()).is_ok()
}
