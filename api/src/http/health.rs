use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the service and its database answer, else `unavailable`.
    status: &'static str,
    database: DatabaseHealth,
}

#[derive(Serialize, ToSchema)]
pub struct DatabaseHealth {
    /// `sqlite` or `postgres`.
    backend: &'static str,
    ok: bool,
}

/// Liveness and database reachability.
///
/// Public. 503 when the database does not answer.
#[utoipa::path(
    tag = "service",
    responses(
        (status = 200, description = "Service and database answer", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let ok = state.store.ping().await.is_ok();
    let body = Health { status: if ok { "ok" } else { "unavailable" }, database: DatabaseHealth { backend: state.store.backend().as_str(), ok } };
    if ok { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}
