use actix_web::{HttpResponse, delete, get, post, web};
use cairn_domain::{OrgId, WebhookId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::caller::AnyAccount;
use crate::http::extract::{JsonBody, PageQuery, path_id};
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::services::Context;
use crate::services::webhooks::{self, Registration};
use crate::state::AppState;
use crate::store::webhooks::Endpoint;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where deliveries are POSTed: an `http(s)` URL whose host does not
    /// resolve to a loopback, link-local or private address.
    url: String,
    /// Event names: for institutions `credential.issued`,
    /// `credential.claimed`, `credential.suspended`, `credential.revoked`,
    /// `credential.reinstated`, `award.earned`, `review.queued`; for
    /// employers `share_request.granted`.
    #[schema(max_items = 16)]
    events: Vec<String>,
    /// Up to 500 characters, for the organisation's own use.
    description: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    #[schema(value_type = String, format = Uuid)]
    id: WebhookId,
    #[schema(value_type = String, format = Uuid)]
    org: OrgId,
    url: String,
    description: String,
    events: Vec<String>,
    created_at: DateTime<Utc>,
    /// Set once the endpoint was disabled (deleted): nothing more is sent.
    disabled_at: Option<DateTime<Utc>>,
}

impl From<Endpoint> for WebhookView {
    fn from(e: Endpoint) -> Self {
        WebhookView {
            id: e.id,
            org: e.org,
            url: e.url,
            description: e.description,
            events: e.events,
            created_at: e.created_at,
            disabled_at: e.disabled_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    webhook: WebhookView,
    /// The signing secret (`whsec_` + base64), shown only in this response.
    secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookPage {
    items: Vec<WebhookView>,
    next_cursor: Option<String>,
}

/// Register a webhook endpoint.
///
/// Staff of the organisation (issuers of an institution, staff of an
/// employer); anyone else gets 404. The response carries the signing
/// secret, shown this once. Each delivery is signed by the Standard
/// Webhooks scheme (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organisation id")),
    request_body = WebhookRequest,
    responses(
        (status = 201, description = "Registered, with its secret", body = CreatedWebhook),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has as many endpoints as allowed", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    AnyAccount(caller): AnyAccount,
    path: web::Path<String>,
    body: JsonBody<WebhookRequest>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    let WebhookRequest { url, events, description } = body.0;
    let registered = webhooks::register(&state.into_inner(), caller, org, Registration { url, events, description }).await?;
    Ok(HttpResponse::Created().json(CreatedWebhook { webhook: registered.endpoint.into(), secret: registered.secret }))
}

/// The organisation's webhook endpoints, disabled ones too, oldest first.
///
/// Staff of the organisation; anyone else gets 404.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organisation id"), PageQuery),
    responses(
        (status = 200, description = "A page of endpoints", body = WebhookPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    AnyAccount(caller): AnyAccount,
    path: web::Path<String>,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path, "organisation")?;
    let page = query.parse::<WebhookId>()?;
    let (after, limit) = (page.after, page.fetch_limit());
    let rows = state.store.read_as(move |conn| webhooks::list(conn, &caller, org, after, limit)).await?;
    let (items, next_cursor) = page.finish(rows, |e| e.id);
    Ok(HttpResponse::Ok().json(WebhookPage { items: items.into_iter().map(WebhookView::from).collect(), next_cursor }))
}

fn ids(path: &(String, String)) -> ApiResult<(OrgId, WebhookId)> {
    Ok((path_id(&path.0, "organisation")?, path_id(&path.1, "webhook")?))
}

/// One webhook endpoint (its secret is never shown again).
///
/// Staff of the organisation; anyone else gets 404.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organisation id"), ("id" = String, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/webhooks/{id}")]
pub async fn get_webhook(state: web::Data<AppState>, AnyAccount(caller): AnyAccount, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (org, id) = ids(&path)?;
    let endpoint = state.store.read_as(move |conn| webhooks::get(conn, &caller, org, id)).await?;
    Ok(HttpResponse::Ok().json(WebhookView::from(endpoint)))
}

/// Disable a webhook endpoint: nothing more is sent to it, and its
/// delivery log stays readable.
///
/// Staff of the organisation; anyone else gets 404.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organisation id"), ("id" = String, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Disabled", body = WebhookView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/orgs/{org}/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    AnyAccount(caller): AnyAccount,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (org, id) = ids(&path)?;
    let ctx = Context::new(&state, caller.id);
    let endpoint = state.store.write_as(move |conn| webhooks::disable(conn, &ctx, &caller, org, id)).await?;
    Ok(HttpResponse::Ok().json(WebhookView::from(endpoint)))
}
