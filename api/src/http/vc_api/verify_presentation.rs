use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::extract::JsonBody;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::PublicContext;
use crate::services::vc_api::{self, PresentationResult, VerifyPresentationOptions};
use crate::services::verification::{self, Verdict};
use crate::state::AppState;

/// `POST /presentations/verify` (VC API "Verify Presentation").
#[derive(Deserialize, ToSchema)]
#[schema(as = VcApiVerifyPresentationRequest)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VerifyPresentationRequest {
    /// The presentation: a `vp+jwt` string (as share links carry), an
    /// `EnvelopedVerifiablePresentation` (`data:application/vp+jwt,<jwt>`),
    /// or a JSON `VerifiablePresentation` with an embedded Data Integrity
    /// proof (a share's `presentation_document`, or a wallet's signed by
    /// the holder's did:key).
    pub verifiable_presentation: serde_json::Value,
    #[serde(default)]
    pub options: Option<VerifyPresentationOptions>,
}

/// Verify a presentation (W3C VC API).
///
/// Public. The presentation's proof (this service's platform key, or the
/// holder's did:key for a JSON presentation) and holder, then every enclosed
/// credential as `POST /credentials/verify` verifies it (one result each),
/// and that each credential's subject is the holder.
#[utoipa::path(
    tag = "vc-api",
    request_body = VerifyPresentationRequest,
    responses(
        (status = 200, description = "The verification result (also when not verified)", body = PresentationResult),
        (status = 422, description = "Not a presentation", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/presentations/verify")]
pub async fn verify_presentation(state: web::Data<AppState>, body: JsonBody<VerifyPresentationRequest>) -> ApiResult<HttpResponse> {
    let VerifyPresentationRequest { verifiable_presentation, options } = body.0;
    let options = options.unwrap_or_default();
    let presented = vc_api::presented_presentation(verifiable_presentation)?;
    let ctx = PublicContext::new(&state);
    match verification::verify_any(state.into_inner(), ctx, presented).await? {
        Verdict::Presentation(verification) => Ok(HttpResponse::Ok().json(vc_api::presentation_result(verification, &options))),
        Verdict::Credential(_) => Err(ApiError::internal(anyhow::anyhow!("a presentation verified as a credential"))),
    }
}
