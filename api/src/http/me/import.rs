use actix_web::error::PayloadError;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::caller::Learner;
use crate::http::extract::{DEFAULT_BODY_LIMIT, parse_json};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::verify::check::CredentialInput;
use crate::services::Context;
use crate::services::baked::{ImageKind, MAX_IMAGE_BYTES};
use crate::services::imports::{self, Source};
pub use crate::services::records::ImportedView;
use crate::state::AppState;

/// What to import, as JSON: a credential (`credential`, its JSON or a
/// compact VC-JWT string; or `jwt`), an Open Badges 2.0 assertion (its
/// JSON as `credential`, a signed assertion's JWS as `jwt`), or the URL of
/// a hosted Open Badges 2.0 assertion (`url`, alone).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub credential: Option<serde_json::Value>,
    #[serde(default)]
    pub jwt: Option<String>,
    /// The `id` URL of a hosted Open Badges 2.0 assertion: the assertion,
    /// its BadgeClass and its issuer's profile are fetched from there.
    #[serde(default)]
    pub url: Option<String>,
}

const MAX_URL: usize = 2048;

impl ImportRequest {
    fn source(self) -> ApiResult<Source> {
        let ImportRequest { credential, jwt, url } = self;
        match url {
            Some(_) if credential.is_some() || jwt.is_some() => Err(ApiError::invalid_field("url", "give either `url` or a credential, not both")),
            Some(url) if url.len() > MAX_URL => Err(ApiError::invalid_field("url", "too long")),
            Some(url) => match url::Url::parse(&url) {
                Ok(parsed) if matches!(parsed.scheme(), "https" | "http") => Ok(Source::Url(url)),
                _ => Err(ApiError::invalid_field("url", "must be an http(s) URL")),
            },
            None => Ok(Source::Presented(CredentialInput { credential, jwt }.presented()?)),
        }
    }
}

/// A badge baked into a PNG or SVG image, sent as the raw request body.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct BakedImage(#[expect(dead_code, reason = "documents the body's schema only")] Vec<u8>);

/// Reads the body, refusing more than `limit` bytes (413).
pub(crate) async fn read_body(req: &HttpRequest, payload: web::Payload, limit: usize) -> ApiResult<Vec<u8>> {
    let declared = req.headers().get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut payload = payload.into_inner();
    let mut body = Vec::new();
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
    Ok(body)
}

/// Import an external credential into the caller's wallet.
///
/// Learners only. Accepts, as `application/json`: an Open Badges 3.0
/// credential (its JSON, a compact VC-JWT, or both), an Open Badges 2.0
/// assertion (hosted: its JSON, or `{"url": "<its id>"}`; signed: its JWS
/// as `jwt`); as `image/png` or `image/svg+xml`: a baked badge (at most
/// 2 MiB), whose embedded credential or assertion is imported. Open Badges
/// 2.0 assertions are fetched from their issuer, with their BadgeClass and
/// issuer profile: a hosted one must be identical to its issuer's copy and
/// served from its issuer's origin, a signed one must verify with a key of
/// its issuer's profile and be absent from its revocation list. Everything
/// is verified against the issuers this service knows (issued here, or
/// trusted) and stored with the result, whatever it is. It is the learner's
/// only when its subject is the learner (`credentialSubject.id` is their
/// subject id, or an `identifier` or OB 2.0 `recipient` is one of their
/// verified e-mail addresses); someone else's credential is kept and marked
/// (`holder: false`, a failing `holder` check) and never appears in shares.
/// Importing the same credential again returns the first import (200).
#[utoipa::path(
    tag = "wallet",
    security(("bearer" = [])),
    request_body(
        description = "A credential or assertion as JSON, or a baked badge image",
        content(
            (ImportRequest = "application/json"),
            (BakedImage = "image/png"),
            (BakedImage = "image/svg+xml"),
        ),
    ),
    responses(
        (status = 201, description = "Stored, with its verification result", body = ImportedView),
        (status = 200, description = "Imported before: the existing record", body = ImportedView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Not a credential, or an image that is no PNG/SVG or carries no badge", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/credentials/import")]
pub async fn import_credential(
    state: web::Data<AppState>,
    Learner(caller): Learner,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let mime = req.mime_type().ok().flatten();
    let is_json = mime.as_ref().is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
    let image = mime.as_ref().and_then(|m| ImageKind::from_media_type(m.essence_str()));
    let source = match (is_json, image) {
        (true, _) => parse_json::<ImportRequest>(&read_body(&req, payload, DEFAULT_BODY_LIMIT).await?)?.source()?,
        (false, Some(kind)) => Source::Image { kind, bytes: read_body(&req, payload, MAX_IMAGE_BYTES).await? },
        (false, None) => {
            return Err(ApiError::UnsupportedMediaType(
                "send the credential as `application/json`, or a baked badge as `image/png` or `image/svg+xml`".into(),
            ));
        }
    };
    let ctx = Context::new(&state, caller.id);
    let outcome = imports::import(state.into_inner(), ctx, source).await?;
    let view = ImportedView::new(outcome.imported);
    Ok(if outcome.created { HttpResponse::Created().json(view) } else { HttpResponse::Ok().json(view) })
}
