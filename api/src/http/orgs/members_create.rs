use actix_web::{HttpResponse, post, web};
use cairn_domain::{DisplayName, Email, OrgId, Role};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Password;
use crate::http::caller::Admin;
use crate::http::extract::{JsonBody, path_id};
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::http::views::AccountView;
use crate::services::Context;
use crate::services::accounts::{self, NewPerson};
use crate::state::AppState;

/// Staff roles: `issuer` for institutions, `employer` for employer organisations.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    Issuer,
    Employer,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMemberRequest {
    #[schema(value_type = String, format = Email)]
    email: Email,
    #[schema(value_type = String, format = Password, min_length = 10)]
    password: Password,
    #[schema(value_type = String, max_length = 200)]
    name: DisplayName,
    role: StaffRole,
}

/// Create a staff account in an organisation.
///
/// Admin only. The role must fit the organisation: `issuer` for an
/// institution, `employer` for an employer.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organisation id")),
    request_body = CreateMemberRequest,
    responses(
        (status = 201, description = "Staff account created", body = AccountView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an administrator", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The e-mail is taken", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, or a role that does not fit the organisation", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/members")]
pub async fn create_member(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    path: web::Path<String>,
    body: JsonBody<CreateMemberRequest>,
) -> ApiResult<HttpResponse> {
    let org_id: OrgId = path_id(&path, "organisation")?;
    let CreateMemberRequest { email, password, name, role } = body.0;
    let role = match role {
        StaffRole::Issuer => Role::Issuer,
        StaffRole::Employer => Role::Employer,
    };
    let account = accounts::add_staff(&state, Context::new(&state, caller.id), org_id, role, NewPerson { email, password, name }).await?;
    Ok(HttpResponse::Created().json(AccountView::from(account)))
}
