use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::extract::JsonBody;
use crate::problem::{ApiError, ApiResult, ProblemDocument};
use crate::verify::{self, Presented, Verification};

/// A credential to verify: its JSON, or its compact VC-JWT (preferred when
/// both are given).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub credential: Option<serde_json::Value>,
    #[serde(default)]
    pub jwt: Option<String>,
}

impl VerifyRequest {
    pub fn presented(self) -> ApiResult<Presented> {
        match (self.jwt, self.credential) {
            (Some(jwt), _) if jwt.len() > 1024 * 1024 => Err(ApiError::invalid_field("jwt", "too long")),
            (Some(jwt), _) => Ok(Presented::Jwt(jwt)),
            // A compact JWT passed as the credential itself.
            (None, Some(serde_json::Value::String(jwt))) => Ok(Presented::Jwt(jwt)),
            (None, Some(doc @ serde_json::Value::Object(_))) => Ok(Presented::Json(doc)),
            (None, Some(_)) => Err(ApiError::invalid_field("credential", "must be a JSON object or a compact VC-JWT string")),
            (None, None) => Err(ApiError::invalid_field("(body)", "give `credential` or `jwt`")),
        }
    }
}

/// Verify a credential: signature, issuer, status, validity window, schema.
///
/// Public. Credentials issued here and by trusted external issuers can
/// verify; anything else is reported with the checks that failed.
#[utoipa::path(
    tag = "verification",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verification result (also when not verified)", body = Verification),
        (status = 422, description = "Neither a credential nor a JWT", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/verify")]
pub async fn verify_credential(state: web::Data<AppState>, body: JsonBody<VerifyRequest>) -> ApiResult<HttpResponse> {
    let presented = body.0.presented()?;
    let public_url = state.public_url.clone();
    let result = state.store.read(move |conn| verify::verify(conn, &public_url, &presented, chrono::Utc::now())).await?;
    Ok(HttpResponse::Ok().json(result))
}
