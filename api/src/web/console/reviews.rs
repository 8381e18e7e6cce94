//! `/institution/reviews`: awards of pathways with `"issuance": "review"`
//! waiting for a decision, oldest first, with the approve and reject forms;
//! the same reads and use cases as `GET /v1/orgs/{org}/award-reviews` and
//! `POST /v1/award-reviews/{id}/approve|reject` (`services::reviews`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use cairn_domain::{OrgId, ReviewId};
use serde::Deserialize;

use crate::http::problem::ApiError;
use crate::services::{Context, reviews};
use crate::state::AppState;
use crate::store::award_reviews::{self, ReviewStatus};
use crate::store::{DbConn, StoreResult, pathways, users};
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::{IssuerPage, Visitor};
use crate::web::words;

/// Reviews on one page.
const PAGE_SIZE: i64 = 50;
/// The longest reason (as the API).
const MAX_REASON: usize = 1000;

struct Item {
    id: String,
    learner: String,
    pathway: String,
    pathway_id: String,
    version: i64,
    completed: String,
    constituents: usize,
    /// The reject form's error, when it was this review's.
    error: Option<String>,
    reason: String,
}

#[derive(Template)]
#[template(path = "console_reviews.html")]
struct ReviewsPage {
    chrome: Chrome,
    items: Vec<Item>,
    more: Option<String>,
    decided: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct ReviewsQuery {
    after: Option<String>,
    /// `approved` or `rejected`, after a decision.
    decided: Option<String>,
}

/// The form's error and text, for the review it was about.
struct Refused {
    review: ReviewId,
    message: String,
    reason: String,
}

fn queue(conn: &mut DbConn, org: OrgId, after: Option<ReviewId>) -> StoreResult<(Vec<Item>, Option<String>)> {
    let mut rows = award_reviews::list(conn, org, Some(ReviewStatus::Pending), after, PAGE_SIZE + 1)?;
    let more = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    let mut names: HashMap<String, String> = HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let pathway_key = r.pathway.to_string();
        if !names.contains_key(&pathway_key) {
            let name = pathways::find(conn, r.pathway)?.map_or_else(|| pathway_key.clone(), |p| p.pathway.rule.name);
            names.insert(pathway_key.clone(), name);
        }
        let learner = users::find(conn, r.learner)?.map_or_else(|| r.learner.to_string(), |a| format!("{} ({})", a.name, a.email));
        items.push(Item {
            id: r.id.to_string(),
            learner,
            pathway: names.get(&pathway_key).cloned().unwrap_or_default(),
            pathway_id: pathway_key,
            version: r.version,
            completed: words::date(r.completed_at),
            constituents: r.constituents.len(),
            error: None,
            reason: String::new(),
        });
    }
    Ok((items, more))
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    org: OrgId,
    after: Option<ReviewId>,
    decided: Option<&'static str>,
    refused: Option<Refused>,
) -> Result<HttpResponse, PageError> {
    let (mut items, more) = state.store.read(move |conn| queue(conn, org, after)).await?;
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    if let Some(refused) = refused {
        let id = refused.review.to_string();
        for item in items.iter_mut().filter(|i| i.id == id) {
            item.error = Some(refused.message.clone());
            item.reason = refused.reason.clone();
        }
    }
    visitor.render_with(status, &ReviewsPage { chrome: visitor.chrome("Reviews"), items, more, decided })
}

#[get("/institution/reviews")]
pub async fn reviews_page(state: web::Data<AppState>, page: IssuerPage, query: web::Query<ReviewsQuery>) -> Result<HttpResponse, PageError> {
    let after = match query.after.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<ReviewId>().map_err(|_| PageError::NotFound)?),
    };
    let decided = match query.decided.as_deref() {
        Some("approved") => Some("Approved: the award was issued."),
        Some("rejected") => Some("Rejected: the learner will not be queued again for this pathway."),
        _ => None,
    };
    show(&state, &page.visitor, page.org, after, decided, None).await
}

#[derive(Deserialize)]
pub struct NoFields {}

#[post("/institution/reviews/{id}/approve")]
pub async fn approve_review(
    state: web::Data<AppState>,
    page: IssuerPage,
    path: web::Path<String>,
    form: Form<NoFields>,
) -> Result<HttpResponse, PageError> {
    let id: ReviewId = path.parse().map_err(|_| PageError::NotFound)?;
    let ctx = Context::new(&state, page.caller.id);
    let org = page.org;
    state.store.write_as(move |conn| Ok::<_, ApiError>(reviews::approve(conn, &ctx, org, id)?)).await?;
    Ok(form.visitor.redirect("/institution/reviews?decided=approved"))
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
}

#[post("/institution/reviews/{id}/reject")]
pub async fn reject_review(
    state: web::Data<AppState>,
    page: IssuerPage,
    path: web::Path<String>,
    form: Form<RejectForm>,
) -> Result<HttpResponse, PageError> {
    let id: ReviewId = path.parse().map_err(|_| PageError::NotFound)?;
    let org = page.org;
    let reason = form.fields.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        // Another institution's review is not found, even with a bad reason.
        let found = state.store.read(move |conn| award_reviews::find(conn, id)).await?.filter(|r| r.org == org);
        if found.is_none() {
            return Err(PageError::NotFound);
        }
        let refused = Refused { review: id, message: format!("Give a reason of 1 to {MAX_REASON} characters."), reason: form.fields.reason };
        return show(&state, &page.visitor, org, None, None, Some(refused)).await;
    }
    let ctx = Context::new(&state, page.caller.id);
    state.store.write_as(move |conn| Ok::<_, ApiError>(reviews::reject(conn, &ctx, org, id, &reason)?)).await?;
    Ok(form.visitor.redirect("/institution/reviews?decided=rejected"))
}
