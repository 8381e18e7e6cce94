//! The HTTP edge of the JSON API: a folder per resource, a file per action
//! (or per family of actions that share their shapes, such as the three
//! status changes). Each handler states who may call it through its caller
//! extractor (`caller`), parses its input at the edge (`extract`), calls one
//! use case and renders a view (`views`); errors become problems in one
//! place (`problem`).

pub mod accounts;
pub mod achievements;
pub mod caller;
pub mod credentials;
pub mod employment;
pub mod extract;
pub mod health;
pub mod issuers;
pub mod jobs;
pub mod me;
pub mod nul_guard;
pub mod openapi;
pub mod orgs;
pub mod pathways;
pub mod problem;
pub mod shares;
pub mod talent;
pub mod vc_api;
pub mod verify;
pub mod views;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every endpoint; the OpenAPI description is collected from the
/// same calls, so the spec cannot miss a route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(accounts::register::register)
        .service(accounts::token::token)
        .service(accounts::email_verification::verify_email)
        .service(accounts::email_verification::resend_verification)
        .service(accounts::me::me)
        .service(orgs::create::create_org)
        .service(orgs::list::list_orgs)
        .service(orgs::get::get_org)
        .service(orgs::members_create::create_member)
        .service(orgs::members_list::list_members)
        .service(achievements::create::create_achievement)
        .service(achievements::list::list_achievements)
        .service(achievements::get::get_achievement)
        .service(achievements::update::update_achievement)
        .service(achievements::retire::retire_achievement)
        .service(achievements::versions::achievement_versions)
        .service(achievements::image::put_image)
        .service(achievements::image::get_image)
        .service(credentials::issue::issue_credential)
        .service(credentials::batch::issue_batch)
        .service(credentials::get::get_credential)
        .service(credentials::baked::baked_png)
        .service(credentials::baked::baked_svg)
        .service(credentials::status::revoke)
        .service(credentials::status::suspend)
        .service(credentials::status::reinstate)
        .service(credentials::list::list_issued)
        .service(credentials::bulk_status::change_status)
        .service(issuers::profile::get_issuer)
        .service(issuers::jwks::issuer_jwks)
        .service(issuers::jwks::all_jwks)
        .service(issuers::did::issuer_did)
        .service(issuers::did::platform_did)
        .service(issuers::status_list::get_status_list)
        .service(verify::check::verify_credential)
        .service(me::import::import_credential)
        .service(me::wallet::wallet)
        .service(me::claims::claim)
        .service(orgs::trusted_issuers::add_trusted_issuer)
        .service(orgs::trusted_issuers::list_trusted_issuers)
        .service(orgs::audit::org_audit)
        .service(orgs::audit::all_audit)
        .service(pathways::create::create_pathway)
        .service(pathways::get::list_pathways)
        .service(pathways::get::get_pathway)
        .service(pathways::update::update_pathway)
        .service(pathways::get::pathway_graph)
        .service(me::progress::my_progress)
        .service(me::progress::my_progress_one)
        .service(me::progress::what_if)
        .service(me::clr::export_clr)
        .service(orgs::audit::my_audit)
        .service(employment::records::add_employment)
        .service(employment::records::delete_employment)
        .service(employment::records::employer_records)
        .service(employment::records::attest_employment)
        .service(shares::mine::create_share)
        .service(shares::mine::list_shares)
        .service(shares::mine::revoke_share)
        .service(shares::open::open_share)
        .service(me::discoverable::get_discoverable)
        .service(me::discoverable::set_discoverable)
        .service(me::notifications::get_notifications)
        .service(me::notifications::set_notifications)
        .service(talent::search::search_talent)
        .service(shares::requests::request_share)
        .service(shares::requests::org_requests)
        .service(shares::requests::requested_record)
        .service(shares::requests::my_requests)
        .service(shares::requests::decline_request)
        .service(pathways::dry_run::dry_run_new)
        .service(pathways::dry_run::dry_run_change)
        .service(jobs::get::get_job)
        .service(pathways::reviews::list_reviews)
        .service(pathways::reviews::approve_review)
        .service(pathways::reviews::reject_review)
        .service(pathways::following::follow)
        .service(pathways::following::unfollow)
        .service(vc_api::issue::issue_credential)
        .service(vc_api::status::update_status)
        .service(vc_api::verify_credential::verify_credential)
        .service(vc_api::verify_presentation::verify_presentation)
        .service(webhooks::endpoints::create_webhook)
        .service(webhooks::endpoints::list_webhooks)
        .service(webhooks::endpoints::get_webhook)
        .service(webhooks::endpoints::delete_webhook)
        .service(webhooks::deliveries::list_deliveries)
        .service(webhooks::deliveries::redeliver);
}
