use actix_web::{HttpResponse, get, web};
use cairn_domain::OrgId;

use crate::http::extract::path_id;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::services::dids;
use crate::state::AppState;
use crate::store::StoreError;

/// An organisation's DID document (did:web).
///
/// Public. The document of `did:web:<host>:v1:issuers:<org>`, served where
/// did:web resolution looks for it: its Ed25519 key (Data Integrity proofs,
/// `eddsa-rdfc-2022`) and its P-256 key (VC-JWTs), as Multikey
/// verification methods under `assertionMethod`.
#[utoipa::path(
    tag = "issuers",
    params(("org" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The DID document", content((Object = "application/did+json"))),
        (status = 404, description = "No such organisation", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/issuers/{org}/did.json")]
pub async fn issuer_did(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "issuer")?;
    let public_url = state.public_url.clone();
    let document = state.store.read(move |conn| dids::org_document(conn, &public_url, org)?.ok_or(StoreError::NotFound("issuer"))).await?;
    Ok(HttpResponse::Ok().content_type("application/did+json").json(document))
}

/// The service's own DID document (did:web of the public URL).
///
/// Public. The keys that sign CLR exports and share presentations.
#[utoipa::path(tag = "issuers", responses((status = 200, description = "The DID document", content((Object = "application/did+json")))))]
#[get("/.well-known/did.json")]
pub async fn platform_did(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/did+json").json(dids::platform_document(&state.public_url, &state.platform))
}
