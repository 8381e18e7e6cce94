use actix_web::{HttpRequest, HttpResponse, post, web};
use cairn_domain::OrgId;

use crate::state::AppState;
use crate::http::caller::Issuer;
use crate::http::extract::{JsonBody, from_value, idempotency_key, path_id};
use crate::services::issuing::{self, IssueRequest};
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::CredentialView;
use crate::signing;
use crate::services::awards;
use crate::store::{DbConn, StoreError, StoreResult, achievements, idempotency};
use crate::services::verification::{self, Presented};

/// Issues one credential, then any automatic award it completes, and
/// renders the response, inside the caller's transaction.
pub fn issue_one(
    conn: &mut DbConn,
    state: &AppState,
    graph: &cairn_stacking::PathwayGraph,
    issuer: &issuing::Issuer,
    request: IssueRequest,
    actor: cairn_domain::UserId,
) -> StoreResult<CredentialView> {
    // A new credential takes part in the award cascade (it may restore an
    // award the cascade suspended), so it queues behind the holder's status
    // changes, as they queue behind each other (PostgreSQL). Taken first,
    // in the same order as a status change (holder, then status lists).
    let known = request.recipient.learner;
    if let Some(learner) = known {
        crate::store::credentials::lock_holder(conn, learner)?;
    }
    let issued = issuer.issue(conn, request, actor)?;
    if let Some(learner) = issued.credential.learner {
        if known.is_none() {
            crate::store::credentials::lock_holder(conn, learner)?;
        }
        let affected = graph.affected_by_achievement(issued.credential.achievement).into_iter().collect();
        // A new credential may restore an award the cascade suspended.
        let cause = issued.credential.id;
        awards::recheck_awards(conn, graph, learner, &affected, cause, awards::Change::Issued, actor)?;
        awards::award_completed(conn, graph, &state.master, &state.public_url, learner, affected, actor)?;
    }
    let message = achievements::find(conn, issued.credential.achievement)?
        .and_then(|a| a.definition.issuing_message.map(|m| m.as_str().to_owned()));
    let verification = verification::verify(conn, &state.public_url, &Presented::Jwt(issued.credential.jwt.clone()), chrono::Utc::now())?;
    Ok(CredentialView::new(issued.credential, verification, issued.claim_code, message))
}

/// Issue a credential.
///
/// Issuers of that institution only (others get 404 for the organisation).
/// The recipient is a learner account or an e-mail address; an address
/// without an account gets a `claim_code` in the response. A retried request
/// with the same `Idempotency-Key` header returns the first response and
/// issues nothing new; the same key with a different body is a 422.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(
        ("org" = String, Path, description = "Institution id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe"),
    ),
    request_body = IssueRequest,
    responses(
        (status = 201, description = "Issued: the credential with its OB 3.0 JSON and VC-JWT", body = CredentialView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid request (unknown achievement, recipient, dates…)", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/credentials")]
pub async fn issue_credential(
    req: HttpRequest,
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    body: JsonBody<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    if org != issuer.org {
        return Err(ApiError::NotFound("organisation".into()));
    }
    let key = idempotency_key(&req)?;
    let request_hash = signing::hash_secret(&body.0.to_string());
    let request: IssueRequest = from_value(body.0)?;
    let actor = issuer.caller.id;
    let state_ref = state.clone();
    let (status, response) = state
        .store
        .write(move |conn| {
            if let Some(key) = &key
                && let Some(stored) = idempotency::find(conn, actor, key)?
            {
                if stored.request_hash != request_hash {
                    return Err(StoreError::Invalid {
                        field: "Idempotency-Key".into(),
                        message: "this key was already used with a different request".into(),
                    });
                }
                return Ok((stored.status, stored.response));
            }
            let signer = issuing::Issuer::load(conn, &state_ref.master, &state_ref.public_url, org)?;
            let graph = awards::load_graph(conn)?;
            let view = issue_one(conn, &state_ref, &graph, &signer, request, actor)?;
            let response = serde_json::to_string(&view).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if let Some(key) = &key {
                idempotency::save(conn, actor, key, &idempotency::Stored { request_hash, status: 201, response: response.clone() })?;
            }
            Ok((201, response))
        })
        .await?;
    let status = actix_web::http::StatusCode::from_u16(status).map_err(ApiError::internal)?;
    Ok(HttpResponse::build(status).content_type("application/json").body(response))
}
