//! The web face: server-rendered HTML pages for people, beside the JSON API
//! (`http/`) in the edge layer. A page does what a handler does: parse,
//! authorise (its page extractor in `session` names who may open it), call
//! the same use cases as the API, render a template from `api/templates`.
//! Errors become pages through the API's one mapping (`page::PageError`
//! wraps `ApiError`), so a status means the same on both faces. Forms carry
//! the session's CSRF token (`form`, and `upload` for files); static assets
//! are compiled in (`assets`); phrases built in code live in `words`.

pub mod account;
pub mod activity;
pub mod assets;
pub mod console;
pub mod credential;
pub mod credential_links;
pub mod form;
pub mod home;
pub mod page;
pub mod pathway_map;
pub mod progress;
pub mod public;
pub mod session;
pub mod share_page;
pub mod shares;
pub mod talent;
pub mod upload;
pub mod verifier;
pub mod wallet;
pub mod webhooks;
pub mod words;

use actix_web::web::ServiceConfig;

/// Registers every page. Routes here are not in the OpenAPI document: they
/// answer HTML to people, not JSON to programs.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(assets::asset)
        .service(home::home)
        .service(account::sign_in_page)
        .service(account::sign_in)
        .service(account::sign_out)
        .service(account::register_page)
        .service(account::register)
        .service(account::confirm_page)
        .service(account::confirm)
        .service(wallet::wallet_page)
        .service(wallet::clr_download)
        .service(wallet::claim)
        .service(credential::credential_page)
        .service(credential::jwt_download)
        .service(credential::json_download)
        .service(credential::baked_png)
        .service(credential::baked_svg)
        .service(credential::create_public_link)
        .service(verifier::verify_page)
        .service(verifier::verify)
        .service(talent::talent_page)
        .service(talent::send_request)
        .service(talent::requests_page)
        .service(talent::record_page)
        .service(progress::progress_page)
        .service(progress::pathway_progress)
        .service(public::pathway)
        .service(public::achievement)
        .service(public::issuer)
        .service(shares::shares_page)
        .service(shares::create_share)
        .service(shares::revoke_share)
        .service(shares::decline_request)
        .service(shares::settings_page)
        .service(shares::set_discoverable)
        .service(shares::set_notifications)
        .service(share_page::presentation_download)
        .service(activity::activity_page)
        .configure(console::configure)
        .service(webhooks::webhooks_page)
        .service(webhooks::register)
        .service(webhooks::disable)
        .service(webhooks::deliveries_page)
        .service(webhooks::redeliver);
}

/// Pages that share a path with the JSON API and answer browsers only
/// (content negotiation). Registered before the API, whose handler answers
/// everyone else.
pub fn configure_negotiated(cfg: &mut ServiceConfig) {
    cfg.service(
        actix_web::web::resource("/v1/shares/{token}")
            .guard(actix_web::guard::Get())
            .guard(actix_web::guard::fn_guard(share_page::prefers_html))
            .to(share_page::shared_record),
    );
}
