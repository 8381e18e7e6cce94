use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::extract::JsonBody;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::PublicContext;
use crate::services::verification::{self, PresentationVerification, Presented, Verdict, Verifiable, Verification};
use crate::state::AppState;

/// A credential: its JSON, or its compact VC-JWT (preferred when both are
/// given).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialInput {
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub credential: Option<serde_json::Value>,
    #[serde(default)]
    pub jwt: Option<String>,
}

const MAX_JWT: usize = 1024 * 1024;

impl CredentialInput {
    /// What was presented, refusing input that is no credential at all.
    pub fn presented(self) -> ApiResult<Presented> {
        let (field, presented) = match (self.jwt, self.credential) {
            (Some(jwt), _) if jwt.len() > MAX_JWT => return Err(ApiError::invalid_field("jwt", "too long")),
            (Some(jwt), _) => ("jwt", Presented::Jwt(jwt)),
            // A compact JWT passed as the credential itself.
            (None, Some(serde_json::Value::String(jwt))) => ("credential", Presented::Jwt(jwt)),
            (None, Some(doc @ serde_json::Value::Object(_))) => ("credential", Presented::Json(doc)),
            (None, Some(_)) => return Err(ApiError::invalid_field("credential", "must be a JSON object or a compact VC-JWT string")),
            (None, None) => return Err(ApiError::invalid_field("credential", "give `credential` or `jwt`")),
        };
        verification::recognise(&presented).map_err(|e| ApiError::invalid_field(field, e.to_string()))?;
        Ok(presented)
    }
}

/// What to verify: a credential (`credential` JSON or `jwt`), or a
/// presentation (`presentation`: a VC-JOSE-COSE `vp+jwt` string, or JSON
/// with an embedded Data Integrity proof, as share links carry both).
/// Exactly one of `presentation` and the credential fields.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub credential: Option<serde_json::Value>,
    #[serde(default)]
    pub jwt: Option<String>,
    #[schema(value_type = Option<Object>)]
    #[serde(default)]
    pub presentation: Option<serde_json::Value>,
}

/// The verdict: on a credential, or on a presentation and what it encloses.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum VerifyResponse {
    Credential(Verification),
    Presentation(PresentationVerification),
}

/// Verify a credential or a presentation.
///
/// Public. For a credential: signature, issuer, status, validity window,
/// schema; credentials issued here and by trusted external issuers can
/// verify, anything else is reported with the checks that failed. An Open
/// Badges 2.0 assertion (hosted: its JSON; signed: its JWS as `jwt`) is
/// fetched from its issuer with its BadgeClass and issuer profile. For a
/// presentation: its signature (this service's platform key), its holder,
/// every enclosed credential, and that each credential's subject is the
/// holder.
#[utoipa::path(
    tag = "verification",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verification result (also when not verified)", body = VerifyResponse),
        (status = 422, description = "Not a credential or presentation, or both given", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/verify")]
pub async fn verify_credential(state: web::Data<AppState>, body: JsonBody<VerifyRequest>) -> ApiResult<HttpResponse> {
    let VerifyRequest { credential, jwt, presentation } = body.0;
    let what = match presentation {
        Some(_) if credential.is_some() || jwt.is_some() => {
            return Err(ApiError::invalid_field("presentation", "give either a presentation or a credential, not both"));
        }
        Some(serde_json::Value::String(jwt)) if jwt.len() > MAX_JWT => return Err(ApiError::invalid_field("presentation", "too long")),
        Some(serde_json::Value::String(jwt)) => Verifiable::Presentation(jwt),
        Some(doc @ serde_json::Value::Object(_)) => Verifiable::PresentationDocument(doc),
        Some(_) => return Err(ApiError::invalid_field("presentation", "must be a vp+jwt string or a presentation JSON object")),
        None => Verifiable::Credential(CredentialInput { credential, jwt }.presented()?),
    };
    let ctx = PublicContext::new(&state);
    Ok(HttpResponse::Ok().json(match crate::services::ob2::verify_any(state.into_inner(), ctx, what).await? {
        Verdict::Credential(result) => VerifyResponse::Credential(result),
        Verdict::Presentation(result) => VerifyResponse::Presentation(result),
    }))
}
