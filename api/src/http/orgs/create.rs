use actix_web::{HttpResponse, post, web};
use cairn_domain::{DisplayName, HttpUrl, OrgKind};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::caller::Admin;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::{OrgKindSchema, OrgView};
use crate::services::{Context, accounts};
use crate::state::AppState;
use crate::store::orgs::NewOrganisation;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgRequest {
    #[schema(value_type = String, max_length = 200)]
    name: DisplayName,
    #[schema(value_type = OrgKindSchema)]
    kind: OrgKind,
    /// The organisation's home page (http or https).
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    url: Option<HttpUrl>,
}

/// Create an organisation (an institution or an employer).
///
/// Admin only.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    request_body = CreateOrgRequest,
    responses(
        (status = 201, description = "Organisation created", body = OrgView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an administrator", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs")]
pub async fn create_org(state: web::Data<AppState>, Admin(caller): Admin, body: JsonBody<CreateOrgRequest>) -> ApiResult<HttpResponse> {
    let CreateOrgRequest { name, kind, url } = body.0;
    let org = accounts::create_organisation(&state, Context::new(&state, caller.id), NewOrganisation { name, kind, url }).await?;
    Ok(HttpResponse::Created().json(OrgView::from(org)))
}
