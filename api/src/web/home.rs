//! `/`: signed out, what Cairn is and where to begin; signed in, the
//! person's own start page.

use actix_web::{HttpResponse, get};
use askama::Template;
use cairn_domain::Role;

use crate::web::page::{Chrome, PageError};
use crate::web::session::Visitor;

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    chrome: Chrome,
    admin: bool,
}

/// Where each role starts.
pub fn start_page(role: Role) -> &'static str {
    match role {
        Role::Learner => "/wallet",
        Role::Employer => "/talent",
        Role::Issuer => "/institution",
        Role::Admin => "/",
    }
}

#[get("/")]
pub async fn home(visitor: Visitor) -> Result<HttpResponse, PageError> {
    let role = visitor.signed_in.as_ref().map(|s| s.caller.role);
    match role {
        Some(role) if role != Role::Admin => Ok(visitor.redirect(start_page(role))),
        _ => visitor.render(&Home { chrome: visitor.chrome("Cairn"), admin: role == Some(Role::Admin) }),
    }
}
