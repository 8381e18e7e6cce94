use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::caller::Admin;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::{Context, imports};
use crate::state::AppState;
use crate::store::trusted_issuers::{self, TrustedIssuer};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedIssuerRequest {
    /// The issuer id exactly as it appears in that issuer's credentials
    /// (`issuer.id` / the JWT `iss`).
    issuer_id: String,
    name: String,
    /// The issuer's public keys as a JWKS: `{"keys": [ ... ]}`.
    #[schema(value_type = Object)]
    jwks: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct TrustedIssuerView {
    id: String,
    issuer_id: String,
    name: String,
    #[schema(value_type = Object)]
    jwks: serde_json::Value,
    created_at: DateTime<Utc>,
}

impl From<TrustedIssuer> for TrustedIssuerView {
    fn from(t: TrustedIssuer) -> Self {
        TrustedIssuerView { id: t.id, issuer_id: t.issuer_id, name: t.name, jwks: t.jwks, created_at: t.created_at }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TrustedIssuerList {
    items: Vec<TrustedIssuerView>,
}

/// Register an external issuer whose credentials verify on import.
///
/// Admin only. Every key must be a public JWK that Cairn can verify with
/// (EC P-256, Ed25519 or RSA); private keys are refused.
#[utoipa::path(
    tag = "issuers",
    security(("bearer" = [])),
    request_body = TrustedIssuerRequest,
    responses(
        (status = 201, description = "Registered", body = TrustedIssuerView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an administrator", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "Already registered", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/trusted-issuers")]
pub async fn add_trusted_issuer(state: web::Data<AppState>, Admin(caller): Admin, body: JsonBody<TrustedIssuerRequest>) -> ApiResult<HttpResponse> {
    let TrustedIssuerRequest { issuer_id, name, jwks } = body.0;
    let issuer_id = issuer_id.trim().to_owned();
    if issuer_id.is_empty() || issuer_id.len() > 2048 {
        return Err(ApiError::invalid_field("issuer_id", "must be 1 to 2048 characters"));
    }
    let name = cairn_domain::DisplayName::parse(&name).map_err(|e| ApiError::invalid_field("name", e.to_string()))?;
    crate::services::verification::parse_jwks(&jwks).map_err(|e| ApiError::invalid_field("jwks", e))?;
    let added = imports::trust_issuer(&state.store, Context::new(&state, caller.id), issuer_id, name.as_str().to_owned(), jwks).await?;
    Ok(HttpResponse::Created().json(TrustedIssuerView::from(added)))
}

/// External issuers trusted for import.
///
/// Admin only.
#[utoipa::path(
    tag = "issuers",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every trusted issuer", body = TrustedIssuerList),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an administrator", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/trusted-issuers")]
pub async fn list_trusted_issuers(state: web::Data<AppState>, _admin: Admin) -> ApiResult<HttpResponse> {
    let items = state.store.read(trusted_issuers::list).await?;
    Ok(HttpResponse::Ok().json(TrustedIssuerList { items: items.into_iter().map(TrustedIssuerView::from).collect() }))
}
