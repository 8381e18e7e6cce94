//! One file per endpoint. Each handler states who may call it through its
//! caller extractor (`auth::caller`), parses its input at the edge, calls the
//! store and renders a view from `views`.

mod achievement_get;
mod audit_list;
mod award_reviews;
mod achievements_create;
mod achievements_list;
mod auth_register;
pub(crate) mod claims;
mod clr;
mod credential_get;
mod credential_status;
pub mod credentials_batch;
mod credentials_issue;
mod discoverable;
mod email_verification;
pub mod employment;
mod following;
pub mod import;
mod issuer_jwks;
mod issuer_profile;
mod status_list_get;
mod trusted_issuers;
pub mod verify;
mod wallet;
mod auth_token;
mod health;
mod me;
mod org_get;
mod pathway_dry_run;
mod pathway_get;
mod pathway_update;
pub mod pathways_create;
mod progress;
mod share_open;
mod share_requests;
mod shares;
mod talent;
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
        .service(email_verification::verify_email)
        .service(email_verification::resend_verification)
        .service(me::me)
        .service(orgs_create::create_org)
        .service(orgs_list::list_orgs)
        .service(org_get::get_org)
        .service(org_members_create::create_member)
        .service(org_members_list::list_members)
        .service(achievements_create::create_achievement)
        .service(achievements_list::list_achievements)
        .service(achievement_get::get_achievement)
        .service(credentials_issue::issue_credential)
        .service(credentials_batch::issue_batch)
        .service(credential_get::get_credential)
        .service(credential_status::revoke)
        .service(credential_status::suspend)
        .service(credential_status::reinstate)
        .service(issuer_profile::get_issuer)
        .service(issuer_jwks::issuer_jwks)
        .service(issuer_jwks::all_jwks)
        .service(status_list_get::get_status_list)
        .service(verify::verify_credential)
        .service(import::import_credential)
        .service(wallet::wallet)
        .service(claims::claim)
        .service(trusted_issuers::add_trusted_issuer)
        .service(trusted_issuers::list_trusted_issuers)
        .service(audit_list::org_audit)
        .service(audit_list::all_audit)
        .service(pathways_create::create_pathway)
        .service(pathway_get::list_pathways)
        .service(pathway_get::get_pathway)
        .service(pathway_update::update_pathway)
        .service(pathway_get::pathway_graph)
        .service(progress::my_progress)
        .service(progress::my_progress_one)
        .service(progress::what_if)
        .service(clr::export_clr)
        .service(audit_list::my_audit)
        .service(employment::add_employment)
        .service(employment::delete_employment)
        .service(employment::employer_records)
        .service(employment::attest_employment)
        .service(shares::create_share)
        .service(shares::list_shares)
        .service(shares::revoke_share)
        .service(share_open::open_share)
        .service(discoverable::get_discoverable)
        .service(discoverable::set_discoverable)
        .service(talent::search_talent)
        .service(share_requests::request_share)
        .service(share_requests::org_requests)
        .service(share_requests::requested_record)
        .service(share_requests::my_requests)
        .service(share_requests::decline_request)
        .service(pathway_dry_run::dry_run_new)
        .service(pathway_dry_run::dry_run_change)
        .service(award_reviews::list_reviews)
        .service(award_reviews::approve_review)
        .service(award_reviews::reject_review)
        .service(following::follow)
        .service(following::unfollow);
}
