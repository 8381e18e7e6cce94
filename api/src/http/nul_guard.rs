//! NUL (U+0000) is refused in paths and query strings before any handler
//! runs, as it is in bodies (`extract`): PostgreSQL cannot store it in text,
//! and no id, skill or filter needs it.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::http::problem::ApiError;

fn has_encoded_nul(text: &str) -> bool {
    text.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// A path with `%00` names nothing (404, like any malformed id); a query
/// string with it is a 400 naming `query`, like other query errors.
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let error = if has_encoded_nul(req.path()) {
        Some(ApiError::NotFound("resource".into()))
    } else if has_encoded_nul(req.query_string()) {
        Some(ApiError::invalid_query("query", "must not contain the NUL character (%00)"))
    } else {
        None
    };
    match error {
        Some(error) => {
            let response = actix_web::ResponseError::error_response(&error);
            Ok(req.into_response(response).map_into_right_body())
        }
        None => next.call(req).await.map(ServiceResponse::map_into_left_body),
    }
}

#[cfg(test)]
mod tests {
    use super::has_encoded_nul;

    #[test]
    fn finds_the_escape_only() {
        assert!(has_encoded_nul("skill=a%00b"));
        assert!(!has_encoded_nul("skill=a%20b&x=100"));
        assert!(!has_encoded_nul("skill=%2500"), "an escaped percent sign followed by 00 is text");
    }
}
