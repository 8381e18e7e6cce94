use actix_web::{HttpResponse, get, post, web};
use cairn_domain::{DeliveryId, OrgId, WebhookId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::caller::AnyAccount;
use crate::http::extract::{PageQuery, path_id};
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::services::Context;
use crate::services::webhooks::{self, LoggedDelivery};

use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    at: DateTime<Utc>,
    /// The status the endpoint answered; null when no answer came.
    status_code: Option<u16>,
    /// Why the attempt did not count as delivered (a non-2xx answer, a
    /// timeout, a refused address); null when it did.
    error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    #[schema(value_type = String, format = Uuid)]
    id: DeliveryId,
    /// The `webhook-id` every attempt sends: the event's stable id.
    event_id: String,
    /// The event's name, the payload's `type`.
    event: String,
    /// `pending` (an attempt is due at `next_attempt_at`), `delivered`
    /// (an attempt got a 2xx) or `failed` (every retry failed).
    state: String,
    next_attempt_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    /// Every attempt, oldest first.
    attempts: Vec<AttemptView>,
}

impl From<LoggedDelivery> for DeliveryView {
    fn from(logged: LoggedDelivery) -> Self {
        let d = logged.delivery;
        DeliveryView {
            id: d.id,
            event_id: d.event_id,
            event: d.event_name,
            state: d.state.as_str().to_owned(),
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
            attempts: logged.attempts.into_iter().map(|a| AttemptView { at: a.at, status_code: a.status_code, error: a.error }).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryPage {
    items: Vec<DeliveryView>,
    next_cursor: Option<String>,
}

/// The delivery log of a webhook endpoint, newest first.
///
/// Staff of the organisation; anyone else gets 404.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("org" = String, Path, description = "Organisation id"), ("id" = String, Path, description = "Webhook id"), PageQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/orgs/{org}/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    AnyAccount(caller): AnyAccount,
    path: web::Path<(String, String)>,
    query: crate::http::extract::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path.0, "organisation")?;
    let id: WebhookId = path_id(&path.1, "webhook")?;
    let page = query.parse::<DeliveryId>()?;
    let (before, limit) = (page.after, page.fetch_limit());
    let rows = state.store.read_as(move |conn| webhooks::deliveries(conn, &caller, org, id, before, limit)).await?;
    let (items, next_cursor) = page.finish(rows, |d| d.delivery.id);
    Ok(HttpResponse::Ok().json(DeliveryPage { items: items.into_iter().map(DeliveryView::from).collect(), next_cursor }))
}

/// Send a delivery again: the same message (same `webhook-id` and body),
/// queued at once with a fresh retry schedule.
///
/// Staff of the organisation; anyone else gets 404. 422 when the endpoint
/// is disabled.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("org" = String, Path, description = "Organisation id"),
        ("id" = String, Path, description = "Webhook id"),
        ("delivery" = String, Path, description = "Delivery id"),
    ),
    responses(
        (status = 202, description = "Queued", body = DeliveryView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "Not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "The endpoint is disabled", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/orgs/{org}/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    AnyAccount(caller): AnyAccount,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let org: OrgId = path_id(&path.0, "organisation")?;
    let id: WebhookId = path_id(&path.1, "webhook")?;
    let delivery: DeliveryId = path_id(&path.2, "delivery")?;
    let ctx = Context::new(&state, caller.id);
    let queued = state.store.write_as(move |conn| webhooks::redeliver(conn, &ctx, &caller, org, id, delivery)).await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::from(queued)))
}
