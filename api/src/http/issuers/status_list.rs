use actix_web::{HttpRequest, HttpResponse, get, web};
use cairn_domain::ob3::StatusPurpose;
use cairn_domain::status_list::{self, StatusList};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::services::issuing::{self, issuer_profile};
use crate::state::AppState;
use crate::store::status_lists::{self, Purpose};
use crate::store::{StoreError, orgs};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `jwt` for the signed compact VC-JWT (the default), `json` for the
    /// credential JSON. Without it, `Accept: application/json` selects JSON.
    #[param(inline)]
    format: Option<ListFormat>,
}

#[derive(Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListFormat {
    Jwt,
    Json,
}

impl ListFormat {
    /// Secured by default: a plain GET, as W3C status checkers send it, gets
    /// the VC-JWT; only a client that asks for JSON (and nothing signed) gets
    /// the bare document.
    fn negotiate(query: Option<ListFormat>, accept: Option<&str>) -> Self {
        if let Some(format) = query {
            return format;
        }
        let accept = accept.unwrap_or_default();
        if accept.contains("application/vc+jwt") || !accept.contains("application/json") { ListFormat::Jwt } else { ListFormat::Json }
    }
}

enum ListBody {
    Jwt(String),
    Json(serde_json::Value),
}

/// A W3C Bitstring Status List credential (revocation or suspension).
///
/// Public. Credentials point here from each of their two `credentialStatus`
/// entries. The list is signed by its institution and served secured by
/// default: a VC-JWT (`application/vc+jwt`) unless the client sends
/// `Accept: application/json` or `?format=json`.
#[utoipa::path(
    tag = "issuers",
    params(("id" = String, Path, description = "Status list id"), FormatQuery),
    responses(
        (status = 200, description = "The BitstringStatusListCredential as a VC-JWT (default) or JSON with an embedded Data Integrity proof (eddsa-rdfc-2022)", content(
            (String = "application/vc+jwt"),
            (Object = "application/json"),
        )),
        (status = 404, description = "No such list", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/status-lists/{id}")]
pub async fn get_status_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: crate::http::extract::Query<FormatQuery>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    if id.len() > 64 {
        return Err(ApiError::NotFound("status list".into()));
    }
    let accept = req.headers().get("accept").and_then(|v| v.to_str().ok());
    let want_jwt = ListFormat::negotiate(query.format, accept) == ListFormat::Jwt;
    let ctx = crate::services::PublicContext::new(&state);
    let (public_url, master, now) = (ctx.public_url, ctx.master, ctx.now);
    let body = state
        .store
        .read(move |conn| {
            let list = status_lists::find(conn, &id)?.ok_or(StoreError::NotFound("status list"))?;
            let org = orgs::find(conn, list.org)?.ok_or(StoreError::NotFound("status list"))?;
            let mut bits = StatusList::new();
            for index in status_lists::set_indices(conn, &list)? {
                bits.set(index as usize, true).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            }
            let purpose = match list.purpose {
                Purpose::Revocation => StatusPurpose::Revocation,
                Purpose::Suspension => StatusPurpose::Suspension,
            };
            let url = format!("{public_url}/v1/status-lists/{}", list.id);
            let encoded = bits.encode().map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let doc = status_list::list_credential_json(&url, &issuer_profile(&public_url, &org), purpose, &encoded, list.created_at);
            let signer = issuing::org_signer(conn, &master, &public_url, org.id)?;
            let corrupt = |e: crate::signing::SigningError| StoreError::Corrupt(e.to_string());
            // Only the form asked for is signed: a VC-JWT, or the JSON with
            // an embedded Data Integrity proof of this moment's list.
            Ok(if want_jwt {
                let claims = crate::signing::vc_jwt_claims(&doc, &crate::signing::issuer_id(&public_url, org.id), None, list.created_at, None);
                ListBody::Jwt(signer.sign(&claims).map_err(corrupt)?)
            } else {
                ListBody::Json(signer.prove(&doc, now).map_err(corrupt)?)
            })
        })
        .await?;
    // Status changes must be seen at once: no caching.
    let mut response = HttpResponse::Ok();
    response.insert_header(("Cache-Control", "no-cache"));
    Ok(match body {
        ListBody::Jwt(jwt) => response.content_type("application/vc+jwt").body(jwt),
        ListBody::Json(doc) => response.json(doc),
    })
}
