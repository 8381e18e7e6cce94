//! The institution console: the pages an institution's staff work in,
//! each calling the same use case as its API endpoint. The organisation is
//! always the issuer's own, from the session (`IssuerPage`), so no page
//! takes an org id; another institution's pathway, review or job is a 404.
//! Webhooks are in `web::webhooks`: employers' staff use that page too.

pub mod audit;
pub mod catalog;
pub mod catalog_image;
pub mod issue;
pub mod issued;
pub mod jobs;
pub mod overview;
pub mod pathways;
pub mod reviews;

use actix_web::web::ServiceConfig;

/// Registers the console pages of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(overview::overview_page)
        .service(catalog::catalog_page)
        .service(catalog::new_achievement_page)
        .service(catalog::create_achievement)
        .service(catalog::achievement_page)
        .service(catalog::update_achievement)
        .service(catalog::retire_achievement)
        .service(catalog_image::upload_image)
        .service(issue::issue_page)
        .service(issue::issue_one)
        .service(issue::preview_upload)
        .service(issue::confirm)
        .service(issued::issued_page)
        .service(issued::change_status)
        .service(pathways::pathways_page)
        .service(pathways::new_pathway_page)
        .service(pathways::create_pathway)
        .service(pathways::pathway_page)
        .service(pathways::update_pathway)
        .service(jobs::job_page)
        .service(reviews::reviews_page)
        .service(reviews::approve_review)
        .service(reviews::reject_review)
        .service(audit::audit_page);
}
