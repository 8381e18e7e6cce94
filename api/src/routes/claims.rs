use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Learner;
use crate::extract::JsonBody;
use crate::issuance;
use crate::problem::{ApiError, ApiResult, ProblemDocument};
use crate::routes::views::CredentialView;
use crate::signing::{self, MasterKey};
use crate::store::credentials::Credential;
use crate::store::{DbConn, StoreError, StoreResult, achievements, audit, credentials};
use crate::verify::{self, Presented};
use cairn_domain::UserId;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The claim code the issuer delivered.
    code: String,
}

/// Claim a credential that was issued to an e-mail address.
///
/// Learners only. The code is single-use; the credential is re-signed with
/// the learner as its subject and moves into the wallet. An unknown or
/// already used code is a 404.
#[utoipa::path(
    tag = "wallet",
    security(("bearer" = [])),
    request_body = ClaimRequest,
    responses(
        (status = 200, description = "Claimed: the credential, now in the wallet", body = CredentialView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or used code", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/claims")]
pub async fn claim(state: web::Data<AppState>, Learner(caller): Learner, body: JsonBody<ClaimRequest>) -> ApiResult<HttpResponse> {
    let code = body.0.code.trim().to_owned();
    if code.is_empty() || code.len() > 256 {
        return Err(ApiError::NotFound("claim code".into()));
    }
    let hash = signing::hash_secret(&code);
    let state_ref = state.clone();
    let view = state
        .store
        .write(move |conn| {
            let waiting = credentials::find_by_claim(conn, &hash)?.ok_or(StoreError::NotFound("claim code"))?;
            let credential = move_into_wallet(conn, &state_ref.master, &state_ref.public_url, caller.id, vec![waiting])?
                .pop()
                .ok_or(StoreError::NotFound("claim code"))?;
            let verification = verify::verify(conn, &state_ref.public_url, &Presented::Jwt(credential.jwt.clone()), chrono::Utc::now())?;
            Ok(CredentialView::new(credential, verification, None, None))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Moves credentials that wait for an e-mail address into `learner`'s
/// wallet: each is re-signed with the learner as its subject, its claim code
/// spent and the claim audited; then the pathways they complete are
/// awarded. The one path for a redeemed claim code and for a confirmed
/// address (`POST /v1/auth/verify-email`). Returns the moved credentials.
pub(crate) fn move_into_wallet(
    conn: &mut DbConn,
    master: &MasterKey,
    public_url: &str,
    learner: UserId,
    waiting: Vec<Credential>,
) -> StoreResult<Vec<Credential>> {
    let mut moved = Vec::with_capacity(waiting.len());
    for mut credential in waiting {
        let achievement = achievements::find(conn, credential.achievement)?.ok_or(StoreError::NotFound("achievement"))?;
        let issuer = issuance::Issuer::load(conn, master, public_url, credential.org)?;
        credential.learner = Some(learner);
        issuer.sign(&achievement, &mut credential)?;
        credentials::claim(conn, credential.id, learner, &credential.ob3, &credential.jwt)?;
        audit::record(
            conn,
            audit::Entry::new(audit::Action::CredentialClaim, "credential", credential.id.to_string())
                .actor(learner)
                .org(credential.org)
                .learner(learner),
        )?;
        moved.push(credential);
    }
    if !moved.is_empty() {
        let graph = crate::stacking_bridge::load_graph(conn)?;
        // A claimed credential may restore an award the cascade suspended.
        for credential in &moved {
            let affected = graph.affected_by_achievement(credential.achievement).into_iter().collect();
            let change = crate::stacking_bridge::Change::Issued;
            crate::stacking_bridge::recheck_awards(conn, &graph, learner, &affected, credential.id, change, learner)?;
        }
        let affected = moved.iter().flat_map(|c| graph.affected_by_achievement(c.achievement)).collect();
        crate::stacking_bridge::award_completed(conn, &graph, master, public_url, learner, affected, learner)?;
    }
    Ok(moved)
}
