use actix_web::{HttpResponse, get, web};
use cairn_domain::OrgId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::extract::path_id;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::signing::{self, KeyAlg};
use crate::state::AppState;
use crate::store::{StoreError, keys, orgs};

/// A JSON Web Key Set (RFC 7517) of ES256 public keys.
#[derive(Serialize, ToSchema)]
pub struct Jwks {
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<crate::signing::keys::PublicJwk>,
}

pub fn render(public_url: &str, stored: Vec<keys::StoredKey>) -> ApiResult<Jwks> {
    let keys = stored
        .into_iter()
        .map(|key| {
            let kid = signing::key_id(public_url, key.org, &key.thumbprint);
            signing::public_jwk(&key.public_jwk, kid).map_err(ApiError::internal)
        })
        .collect::<ApiResult<_>>()?;
    Ok(Jwks { keys })
}

/// An institution's public signing keys.
///
/// Public. Each key's `kid` is the URL of this document plus `#` and the
/// key's thumbprint, as in the `kid` header of the credentials it signed.
#[utoipa::path(
    tag = "issuers",
    params(("org" = String, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The JWKS", content((Jwks = "application/jwk-set+json"))),
        (status = 404, description = "No such institution", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/issuers/{org}/jwks")]
pub async fn issuer_jwks(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "issuer")?;
    let stored = state
        .store
        // Institutions sign credentials; employers sign employment attestations.
        .read(move |conn| match orgs::find(conn, org)? {
            Some(_) => keys::list(conn, Some(org), Some(KeyAlg::Es256)),
            None => Err(StoreError::NotFound("issuer")),
        })
        .await?;
    Ok(HttpResponse::Ok().content_type("application/jwk-set+json").json(render(&state.public_url, stored)?))
}

/// Every institution's public signing keys, and the service's own (for CLR exports).
///
/// Public.
#[utoipa::path(tag = "issuers", responses((status = 200, description = "The JWKS of every issuer", content((Jwks = "application/jwk-set+json")))))]
#[get("/.well-known/jwks.json")]
pub async fn all_jwks(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let stored = state.store.read(|conn| keys::list(conn, None, Some(KeyAlg::Es256))).await?;
    // Employers' keys sign employment attestations.
    let mut jwks = render(&state.public_url, stored)?;
    // The service's own key, which signs CLR exports and share presentations.
    jwks.keys.push(state.platform.key.public_jwk(state.platform.kid.clone()));
    Ok(HttpResponse::Ok().content_type("application/jwk-set+json").json(jwks))
}
