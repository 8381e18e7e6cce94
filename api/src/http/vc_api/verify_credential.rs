use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::extract::JsonBody;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::PublicContext;
use crate::services::vc_api::{self, CredentialResult, VerifyOptions};
use crate::services::verification::{self, Verdict, Verifiable};
use crate::state::AppState;

/// `POST /credentials/verify` (VC API "Verify Credential").
#[derive(Deserialize, ToSchema)]
#[schema(as = VcApiVerifyCredentialRequest)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VerifyCredentialRequest {
    /// The credential: its JSON (with its proof), an
    /// `EnvelopedVerifiableCredential` (`data:application/vc+jwt,<jwt>`), or
    /// a compact VC-JWT string.
    pub verifiable_credential: serde_json::Value,
    #[serde(default)]
    pub options: Option<VerifyOptions>,
}

/// Verify a credential (W3C VC API).
///
/// Public. The proof, status, validity period and Open Badges 3.0 shape
/// decide `verified`; whether the issuer is trusted (an institution of this
/// service or a registered trusted issuer) is reported separately, as the
/// warning "issuer not trusted".
#[utoipa::path(
    tag = "vc-api",
    request_body = VerifyCredentialRequest,
    responses(
        (status = 200, description = "The verification result (also when not verified)", body = CredentialResult),
        (status = 422, description = "Not a credential", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/credentials/verify")]
pub async fn verify_credential(state: web::Data<AppState>, body: JsonBody<VerifyCredentialRequest>) -> ApiResult<HttpResponse> {
    let VerifyCredentialRequest { verifiable_credential, options } = body.0;
    let options = options.unwrap_or_default();
    let presented = vc_api::presented_credential(verifiable_credential)?;
    verification::recognise(&presented).map_err(|e| ApiError::invalid_field("verifiableCredential", e.to_string()))?;
    let ctx = PublicContext::new(&state);
    match verification::verify_any(state.into_inner(), ctx, Verifiable::Credential(presented)).await? {
        Verdict::Credential(verification) => Ok(HttpResponse::Ok().json(vc_api::credential_result(verification, options.return_credential))),
        Verdict::Presentation(_) => Err(ApiError::internal(anyhow::anyhow!("a credential verified as a presentation"))),
    }
}
