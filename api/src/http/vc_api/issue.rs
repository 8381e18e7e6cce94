use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, from_value, idempotency_key};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::vc_api::issuing_problem;
use crate::services::Context;
use crate::services::issuing;
use crate::services::vc_api::{self, IssueOptions, IssueResponse};
use crate::signing;
use crate::state::AppState;

/// `POST /credentials/issue` (VC API "Issue Credential").
#[derive(Deserialize, ToSchema)]
#[schema(as = VcApiIssueCredentialRequest)]
#[serde(deny_unknown_fields)]
pub struct IssueCredentialRequest {
    /// An unsigned OpenBadgeCredential: `credentialSubject.achievement.id`
    /// is the URL of an achievement of the caller's institution,
    /// `credentialSubject.id` the learner (`urn:uuid:<learner id>`);
    /// `validFrom` and `validUntil` are optional.
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
    #[serde(default)]
    pub options: Option<IssueOptions>,
}

/// Issue a credential (W3C VC API).
///
/// Issuers of an institution. The credential is mapped onto Cairn's
/// issuing: an Open Badges 3.0 credential of one of the caller's
/// institution's achievements, to a learner (`credentialSubject.id`) or an
/// e-mail address (`options.recipientEmail`); its content comes from the
/// catalog. The answer is the credential as stored, with its status entries
/// and Data Integrity proof. A retry with the same `Idempotency-Key` header
/// (or, without one, the same `options.credentialId`) returns the first
/// response and issues nothing new.
#[utoipa::path(
    tag = "vc-api",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    request_body = IssueCredentialRequest,
    responses(
        (status = 201, description = "Issued", body = IssueResponse),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "A request with this key is still in progress; retry", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Not an Open Badges 3.0 credential Cairn can issue: the problem names the missing or wrong field", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/credentials/issue")]
pub async fn issue_credential(
    req: HttpRequest,
    state: web::Data<AppState>,
    issuer: Issuer,
    body: JsonBody<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let header_key = idempotency_key(&req)?;
    // Marked as a VC API request: keys share one namespace per account.
    let request_hash = signing::hash_secret(&format!("vc-api:{}", body.0));
    let IssueCredentialRequest { credential, options } = from_value(body.0)?;
    let options = options.unwrap_or_default();
    let key = match (header_key, &options.credential_id) {
        (Some(key), _) => Some(key),
        (None, Some(id)) if id.is_empty() || id.len() > 255 || !id.chars().all(|c| c.is_ascii_graphic()) => {
            return Err(ApiError::invalid_field("options.credentialId", "must be 1 to 255 visible ASCII characters"));
        }
        (None, id) => id.clone(),
    };
    let request = vc_api::issue_request(&state.public_url, issuer.org, &credential, &options)?;
    let (actor, org) = (issuer.caller.id, issuer.org);
    let state_ref = state.clone();
    let (status, response) = state
        .store
        .write_as(move |conn| {
            let ctx = Context::new(&state_ref, actor);
            issuing::idempotent(conn, &ctx, key.as_deref(), request_hash, 201, |conn| {
                let issued = vc_api::issue(conn, &ctx, org, request).map_err(issuing_problem)?;
                serde_json::to_string(&issued).map_err(ApiError::internal)
            })
        })
        .await?;
    let status = actix_web::http::StatusCode::from_u16(status).map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status).content_type("application/json").body(response))
}
