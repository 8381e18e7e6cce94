//! `/webhooks`: an institution's or employer's webhook endpoints (register
//! one, its secret shown once on the page that answers the form; disable)
//! and each endpoint's deliveries with a redeliver button. The same use
//! cases as `/v1/orgs/{org}/webhooks`; the organisation is the staff
//! member's own.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, get, post, web};
use askama::Template;
use cairn_domain::{DeliveryId, OrgId, Role, WebhookId};

use crate::http::problem::ApiError;
use crate::services::Context;
use crate::services::webhooks::{self, LoggedDelivery, Registration, WebhookError};
use crate::state::AppState;
use crate::store::webhooks::{DeliveryState, Endpoint};
use crate::web::credential::NoFields;
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::SignedInPage;
use crate::web::words;

/// More endpoints or deliveries than a person reads on one page.
const LIST_LIMIT: i64 = 100;

/// Staff of an institution or an employer, with their organisation.
fn staff(page: &SignedInPage) -> Result<OrgId, PageError> {
    match (page.caller.role, page.caller.org) {
        (Role::Issuer | Role::Employer, Some(org)) => Ok(org),
        _ => Err(ApiError::Forbidden("this page is for staff of an institution or an employer".into()).into()),
    }
}

struct EndpointItem {
    id: String,
    url: String,
    description: String,
    events: Vec<&'static str>,
    created: String,
    active: bool,
}

impl EndpointItem {
    fn new(e: &Endpoint) -> Self {
        EndpointItem {
            id: e.id.to_string(),
            url: e.url.clone(),
            description: e.description.clone(),
            events: e.events.iter().map(|n| words::webhook_event(n)).collect(),
            created: words::created(e.created_at),
            active: e.disabled_at.is_none(),
        }
    }
}

struct Choice {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    chrome: Chrome,
    endpoints: Vec<EndpointItem>,
    events: Vec<Choice>,
    url: String,
    description: String,
    error: Option<String>,
    /// The secret of the endpoint just registered, shown this once.
    secret: Option<String>,
}

/// What the form was filled with.
#[derive(Default)]
struct Filled {
    url: String,
    events: Vec<String>,
    description: String,
}

async fn show(
    state: &AppState,
    page: &SignedInPage,
    status: StatusCode,
    filled: Filled,
    error: Option<String>,
    secret: Option<String>,
) -> Result<HttpResponse, PageError> {
    let org = staff(page)?;
    let caller = page.caller;
    let endpoints = state.store.read_as(move |conn| webhooks::list(conn, &caller, org, None, LIST_LIMIT)).await?;
    let events = webhooks::events_for(caller.role)
        .iter()
        .map(|&value| Choice { value, label: words::webhook_event(value), checked: filled.events.iter().any(|e| e == value) })
        .collect();
    let shown = WebhooksPage {
        chrome: page.visitor.chrome("Webhooks"),
        endpoints: endpoints.iter().map(EndpointItem::new).collect(),
        events,
        url: filled.url,
        description: filled.description,
        error,
        secret,
    };
    page.visitor.render_with(status, &shown)
}

#[get("/webhooks")]
pub async fn webhooks_page(state: web::Data<AppState>, page: SignedInPage) -> Result<HttpResponse, PageError> {
    show(&state, &page, StatusCode::OK, Filled::default(), None, None).await
}

/// Registers an endpoint with `POST /v1/orgs/{org}/webhooks`'s use case;
/// the answer is the page with the secret (no redirect: the secret is
/// stored nowhere it could be shown again). Bad input shows the form again
/// with what to fix.
#[post("/webhooks")]
pub async fn register(state: web::Data<AppState>, page: SignedInPage, form: Form<Vec<(String, String)>>) -> Result<HttpResponse, PageError> {
    let org = staff(&page)?;
    let mut filled = Filled::default();
    for (name, value) in &form.fields {
        match name.as_str() {
            "url" => filled.url = value.trim().to_owned(),
            "event" => filled.events.push(value.clone()),
            "description" => filled.description = value.clone(),
            _ => {}
        }
    }
    let input = Registration { url: filled.url.clone(), events: filled.events.clone(), description: Some(filled.description.clone()) };
    match webhooks::register(&state.clone().into_inner(), page.caller, org, input).await {
        Ok(registered) => show(&state, &page, StatusCode::CREATED, Filled::default(), None, Some(registered.secret)).await,
        Err(error @ (WebhookError::Store(_) | WebhookError::Secret(_) | WebhookError::NotFound(_))) => Err(error.into()),
        Err(error) => {
            let message = match &error {
                WebhookError::Invalid { field: "events", .. } if filled.events.is_empty() => "Choose at least one event.".to_owned(),
                WebhookError::Invalid { message, .. } => words::sentence(message),
                other => words::sentence(&other.to_string()),
            };
            let status = ApiError::from(error).status_code();
            show(&state, &page, status, filled, Some(message), None).await
        }
    }
}

fn webhook_id(raw: &str) -> Result<WebhookId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// Disables an endpoint (`DELETE /v1/orgs/{org}/webhooks/{id}`'s use case).
#[post("/webhooks/{id}/disable")]
pub async fn disable(
    state: web::Data<AppState>,
    page: SignedInPage,
    path: web::Path<String>,
    form: Form<NoFields>,
) -> Result<HttpResponse, PageError> {
    let org = staff(&page)?;
    let id = webhook_id(&path)?;
    let (ctx, caller) = (Context::new(&state, page.caller.id), page.caller);
    state.store.write_as(move |conn| webhooks::disable(conn, &ctx, &caller, org, id)).await?;
    Ok(form.visitor.redirect("/webhooks"))
}

struct AttemptItem {
    at: String,
    outcome: String,
}

struct DeliveryItem {
    id: String,
    event: &'static str,
    event_id: String,
    state: &'static str,
    state_class: &'static str,
    next: Option<String>,
    attempts: Vec<AttemptItem>,
}

impl DeliveryItem {
    fn new(now: chrono::DateTime<chrono::Utc>, logged: &LoggedDelivery) -> Self {
        let d = &logged.delivery;
        DeliveryItem {
            id: d.id.to_string(),
            event: words::webhook_event(&d.event_name),
            event_id: d.event_id.clone(),
            state: words::delivery_state(d.state),
            state_class: d.state.as_str(),
            next: d.next_attempt_at.filter(|_| d.state == DeliveryState::Pending).map(|at| words::when(now, at)),
            attempts: logged
                .attempts
                .iter()
                .map(|a| AttemptItem { at: words::when(now, a.at), outcome: words::attempt(a.status_code, a.error.as_deref()) })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "webhook_deliveries.html")]
struct DeliveriesPage {
    chrome: Chrome,
    endpoint: EndpointItem,
    deliveries: Vec<DeliveryItem>,
}

/// An endpoint's deliveries, newest first (`GET .../deliveries`'s use case).
#[get("/webhooks/{id}")]
pub async fn deliveries_page(state: web::Data<AppState>, page: SignedInPage, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let org = staff(&page)?;
    let id = webhook_id(&path)?;
    let caller = page.caller;
    let now = crate::store::time::now();
    let (endpoint, deliveries) = state
        .store
        .read_as(move |conn| {
            Ok::<_, WebhookError>((webhooks::get(conn, &caller, org, id)?, webhooks::deliveries(conn, &caller, org, id, None, LIST_LIMIT)?))
        })
        .await?;
    let shown = DeliveriesPage {
        chrome: page.visitor.chrome("Webhook deliveries"),
        endpoint: EndpointItem::new(&endpoint),
        deliveries: deliveries.iter().map(|d| DeliveryItem::new(now, d)).collect(),
    };
    page.visitor.render(&shown)
}

/// Sends a delivery again (`POST .../redeliver`'s use case).
#[post("/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    page: SignedInPage,
    path: web::Path<(String, String)>,
    form: Form<NoFields>,
) -> Result<HttpResponse, PageError> {
    let org = staff(&page)?;
    let id = webhook_id(&path.0)?;
    let delivery: DeliveryId = path.1.parse().map_err(|_| PageError::NotFound)?;
    let (ctx, caller) = (Context::new(&state, page.caller.id), page.caller);
    state.store.write_as(move |conn| webhooks::redeliver(conn, &ctx, &caller, org, id, delivery)).await?;
    Ok(form.visitor.redirect(&format!("/webhooks/{id}")))
}
