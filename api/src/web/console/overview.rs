//! `/institution`: the institution's start page, its figures (counted by
//! `services::institution::overview`) and the way into each section.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::services::institution;
use crate::state::AppState;
use crate::store::org_counts::OrgCounts;
use crate::web::page::{Chrome, PageError};
use crate::web::session::IssuerPage;

#[derive(Template)]
#[template(path = "console_overview.html")]
struct OverviewPage {
    chrome: Chrome,
    name: String,
    org: String,
    counts: OrgCounts,
}

#[get("/institution")]
pub async fn overview_page(state: web::Data<AppState>, page: IssuerPage) -> Result<HttpResponse, PageError> {
    let org = page.org;
    let found = state.store.read(move |conn| institution::overview(conn, org)).await?;
    page.visitor.render(&OverviewPage {
        chrome: page.visitor.chrome(found.org.name.clone()),
        name: found.org.name,
        org: org.to_string(),
        counts: found.counts,
    })
}
