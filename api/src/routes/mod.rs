//! One file per endpoint. Each handler states who may call it through its
//! caller extractor (`auth::caller`), parses its input at the edge, calls the
//! store and renders a view from `views`.

mod auth_register;
mod auth_token;
mod health;
mod me;
mod org_get;
mod org_members_create;
mod org_members_list;
mod orgs_create;
mod orgs_list;
pub mod views;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every endpoint; the OpenAPI description is collected from the
/// same calls, so the spec cannot miss a route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(auth_register::register)
        .service(auth_token::token)
        .service(me::me)
        .service(orgs_create::create_org)
        .service(orgs_list::list_orgs)
        .service(org_get::get_org)
        .service(org_members_create::create_member)
        .service(org_members_list::list_members);
}
