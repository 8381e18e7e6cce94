//! The institution's pathways: the list, and the rule editor for a new or
//! an existing pathway. The rule is JSON in a textarea; saving calls the
//! use case of `POST /v1/orgs/{org}/pathways` or `PUT /v1/pathways/{id}`
//! (`services::pathways::register` / `update`), "Dry run" the one of the
//! API's dry-run endpoints, whose job page shows the figures. A rule the
//! engine refuses comes back with the user's text kept and each of the
//! problem's `errors` (a JSON path and a message) listed under the textarea;
//! a JSON syntax error names its line and column.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use cairn_domain::{JobId, OrgId, PathwayId};
use cairn_stacking::{EvalOptions, PathwayRule};
use serde::Deserialize;

use crate::http::problem::{ApiError, FieldError};
use crate::services::jobs::JobSignal;
use crate::services::{Context, pathways as use_case};
use crate::state::AppState;
use crate::store::jobs::Job;
use crate::store::pathways::{self, StoredPathway};
use crate::store::{DbConn, StoreError, StoreResult, achievements};
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::pathway_map;
use crate::web::session::{IssuerPage, Visitor};
use crate::web::words;

/// Pathways on one page of the list.
const PAGE_SIZE: i64 = 50;
/// Catalog entries listed beside the editor (the public page's cap).
const CATALOG_LIMIT: i64 = 200;

struct Row {
    id: String,
    name: String,
    key: String,
    version: i64,
    issuance: &'static str,
}

#[derive(Template)]
#[template(path = "console_pathways.html")]
struct PathwaysPage {
    chrome: Chrome,
    rows: Vec<Row>,
    /// The cursor of the next page.
    more: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    after: Option<String>,
}

#[get("/institution/pathways")]
pub async fn pathways_page(state: web::Data<AppState>, page: IssuerPage, query: web::Query<ListQuery>) -> Result<HttpResponse, PageError> {
    let after = match query.after.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<PathwayId>().map_err(|_| PageError::NotFound)?),
    };
    let org = page.org;
    let mut listed = state.store.read(move |conn| pathways::list(conn, org, after, PAGE_SIZE + 1)).await?;
    let more = if listed.len() as i64 > PAGE_SIZE {
        listed.truncate(PAGE_SIZE as usize);
        listed.last().map(|p| p.pathway.id.to_string())
    } else {
        None
    };
    let rows = listed
        .iter()
        .map(|p| Row {
            id: p.pathway.id.to_string(),
            name: p.pathway.rule.name.clone(),
            key: p.pathway.rule.key.clone(),
            version: p.version,
            issuance: words::issuance(p.pathway.rule.issuance),
        })
        .collect();
    page.visitor.render(&PathwaysPage { chrome: page.visitor.chrome("Pathways"), rows, more })
}

/// The textarea and what the engine said about it.
pub struct RuleEditor {
    /// Where the form posts.
    pub action: String,
    pub text: String,
    /// A JSON path (empty for the document) and a message each.
    pub errors: Vec<FieldError>,
}

/// One achievement of the catalog, for the author to copy its id.
pub struct CatalogEntry {
    pub id: String,
    pub name: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "console_pathway.html")]
struct PathwayPage {
    chrome: Chrome,
    heading: String,
    /// The pathway being edited; None for a new one.
    existing: Option<Existing>,
    editor: RuleEditor,
    catalog: Vec<CatalogEntry>,
}

struct Existing {
    id: String,
    version: i64,
    issuance: &'static str,
    map: String,
    /// Set after a save: the job that awards learners who complete it.
    saved_job: Option<String>,
}

fn catalog(conn: &mut DbConn, org: OrgId) -> StoreResult<Vec<CatalogEntry>> {
    Ok(achievements::list(conn, org, None, CATALOG_LIMIT)?
        .into_iter()
        .map(|a| CatalogEntry {
            id: a.id.to_string(),
            name: a.definition.name.as_str().to_owned(),
            kind: words::achievement_type(a.definition.achievement_type.as_str()),
        })
        .collect())
}

/// A starting rule for a new pathway: an award from the catalog when it
/// has one, and the rule language's first example.
fn example_rule(catalog: &[CatalogEntry]) -> String {
    let award = catalog.iter().find(|a| a.kind != words::achievement_type("MicroCredential")).or(catalog.first());
    let rule = serde_json::json!({
        "key": "new-pathway",
        "name": "New pathway",
        "description": "Earn 3 micro-credentials within 3 years.",
        "award": award.map_or("the id of the award's achievement", |a| a.id.as_str()),
        "issuance": "automatic",
        "on_constituent_revoked": "revoke",
        "requirement": { "type": "count", "min": 3, "where": { "achievement_type": "MicroCredential" }, "within": "P3Y" }
    });
    pretty(&rule)
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[get("/institution/pathways/new")]
pub async fn new_pathway_page(state: web::Data<AppState>, page: IssuerPage) -> Result<HttpResponse, PageError> {
    let org = page.org;
    let catalog = state.store.read(move |conn| catalog(conn, org)).await?;
    let editor = RuleEditor { action: "/institution/pathways/new".into(), text: example_rule(&catalog), errors: Vec::new() };
    let page_data = PathwayPage { chrome: page.visitor.chrome("New pathway"), heading: "New pathway".into(), existing: None, editor, catalog };
    page.visitor.render(&page_data)
}

#[derive(Deserialize)]
pub struct RuleForm {
    rule: String,
    /// `dry_run` for the dry-run button; otherwise the rule is saved.
    action: Option<String>,
}

impl RuleForm {
    fn dry_run(&self) -> bool {
        self.action.as_deref() == Some("dry_run")
    }
}

/// The rule in `text`: a JSON syntax error names its line and column, and
/// the engine's own errors name their JSON path (as the API's 422 does).
pub fn read_rule(text: &str) -> Result<PathwayRule, Vec<FieldError>> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| vec![FieldError::new("", words::json_syntax(e.line(), e.column(), &e.to_string()))])?;
    crate::http::pathways::parse_rule(value).map_err(|e| refused(e).unwrap_or_default())
}

/// The errors to show beside the textarea for an error the form can be
/// shown again with (invalid input, a conflict); None for anything else.
fn refused(error: ApiError) -> Result<Vec<FieldError>, ApiError> {
    match error {
        ApiError::Invalid { errors, .. } => Ok(errors),
        ApiError::Conflict(message) => Ok(vec![FieldError::new("", message)]),
        ApiError::AchievementRetired(message) => Ok(vec![FieldError::new("award", message)]),
        other => Err(other),
    }
}

/// The form again, with the text as sent and the errors under it.
async fn shown_again(
    state: &AppState,
    visitor: &Visitor,
    org: OrgId,
    existing: Option<StoredPathway>,
    text: String,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let graphs = state.graphs.clone();
    let (catalog, graph) = state.store.read(move |conn| Ok((catalog(conn, org)?, graphs.current(conn)?.1))).await?;
    let (heading, action, existing) = match existing {
        Some(stored) => {
            (stored.pathway.rule.name.clone(), format!("/institution/pathways/{}", stored.pathway.id), Some(existing_view(&graph, &stored, None)))
        }
        None => ("New pathway".to_owned(), "/institution/pathways/new".to_owned(), None),
    };
    let page = PathwayPage { chrome: visitor.chrome(heading.clone()), heading, existing, editor: RuleEditor { action, text, errors }, catalog };
    visitor.render_with(status, &page)
}

#[post("/institution/pathways/new")]
pub async fn create_pathway(
    state: web::Data<AppState>,
    signal: web::Data<JobSignal>,
    page: IssuerPage,
    form: Form<RuleForm>,
) -> Result<HttpResponse, PageError> {
    let (org, actor) = (page.org, page.caller.id);
    let dry_run = form.fields.dry_run();
    let text = form.fields.rule;
    let rule = match read_rule(&text) {
        Ok(rule) => rule,
        Err(errors) => return shown_again(&state, &page.visitor, org, None, text, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let ctx = Context::new(&state, actor);
    let done = if dry_run {
        state.store.write_as(move |conn| Ok::<_, ApiError>(use_case::dry_run_new(conn, &ctx, org, rule)?)).await.map(Saved::DryRun)
    } else {
        state
            .store
            .write_as(move |conn| Ok::<_, ApiError>(use_case::register(conn, &ctx, org, rule)?))
            .await
            .map(|(stored, job)| Saved::Pathway(stored.pathway.id, job))
    };
    finish(&state, &signal, &page.visitor, org, None, text, done).await
}

enum Saved {
    Pathway(PathwayId, Job),
    DryRun(Job),
}

/// Where a handled form goes: the saved pathway, the dry run's job page, or
/// the form again with what the engine said.
async fn finish(
    state: &AppState,
    signal: &JobSignal,
    visitor: &Visitor,
    org: OrgId,
    existing: Option<StoredPathway>,
    text: String,
    done: Result<Saved, ApiError>,
) -> Result<HttpResponse, PageError> {
    match done {
        Ok(Saved::Pathway(id, job)) => {
            signal.wake();
            Ok(visitor.redirect(&format!("/institution/pathways/{id}?job={}", job.id)))
        }
        Ok(Saved::DryRun(job)) => {
            signal.wake();
            Ok(visitor.redirect(&format!("/institution/jobs/{}", job.id)))
        }
        Err(error) => {
            let conflict = matches!(error, ApiError::Conflict(_) | ApiError::AchievementRetired(_));
            let errors = refused(error)?;
            let status = if conflict { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            shown_again(state, visitor, org, existing, text, errors, status).await
        }
    }
}

/// The pathway's map, drawn from the current graph without a learner.
fn existing_view(graph: &cairn_stacking::PathwayGraph, stored: &StoredPathway, saved_job: Option<String>) -> Existing {
    let id = stored.pathway.id;
    let name = &stored.pathway.rule.name;
    let map = cairn_stacking::evaluate_with(graph, id, &[], crate::store::time::now(), &EvalOptions::without_plan())
        .map(|outcome| pathway_map::render("map", id, name, &outcome.requirement, None, &format!("Map of {name}")))
        .unwrap_or_default();
    Existing { id: id.to_string(), version: stored.version, issuance: words::issuance(stored.pathway.rule.issuance), map, saved_job }
}

/// Pathway `id` when it is institution `org`'s; anyone else's is not found.
fn own(conn: &mut DbConn, org: OrgId, id: PathwayId) -> StoreResult<StoredPathway> {
    pathways::find(conn, id)?.filter(|p| p.pathway.issuer == org).ok_or(StoreError::NotFound("pathway"))
}

#[derive(Deserialize)]
pub struct EditQuery {
    /// The job a save started (its page shows the back-fill).
    job: Option<String>,
}

#[get("/institution/pathways/{id}")]
pub async fn pathway_page(
    state: web::Data<AppState>,
    page: IssuerPage,
    path: web::Path<String>,
    query: web::Query<EditQuery>,
) -> Result<HttpResponse, PageError> {
    let id: PathwayId = path.parse().map_err(|_| PageError::NotFound)?;
    let org = page.org;
    let graphs = state.graphs.clone();
    let (stored, catalog, graph) = state.store.read(move |conn| Ok((own(conn, org, id)?, catalog(conn, org)?, graphs.current(conn)?.1))).await?;
    let saved_job = query.job.as_deref().and_then(|j| j.parse::<JobId>().ok()).map(|j| j.to_string());
    let editor = RuleEditor { action: format!("/institution/pathways/{id}"), text: pretty(&stored.pathway.rule.to_value()), errors: Vec::new() };
    let heading = stored.pathway.rule.name.clone();
    let existing = Some(existing_view(&graph, &stored, saved_job));
    page.visitor.render(&PathwayPage { chrome: page.visitor.chrome(heading.clone()), heading, existing, editor, catalog })
}

#[post("/institution/pathways/{id}")]
pub async fn update_pathway(
    state: web::Data<AppState>,
    signal: web::Data<JobSignal>,
    page: IssuerPage,
    path: web::Path<String>,
    form: Form<RuleForm>,
) -> Result<HttpResponse, PageError> {
    let id: PathwayId = path.parse().map_err(|_| PageError::NotFound)?;
    let (org, actor) = (page.org, page.caller.id);
    let stored = state.store.read(move |conn| own(conn, org, id)).await?;
    let dry_run = form.fields.dry_run();
    let text = form.fields.rule;
    let rule = match read_rule(&text) {
        Ok(rule) => rule,
        Err(errors) => return shown_again(&state, &page.visitor, org, Some(stored), text, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let ctx = Context::new(&state, actor);
    let done = if dry_run {
        state.store.write_as(move |conn| Ok::<_, ApiError>(use_case::dry_run_change(conn, &ctx, org, id, rule)?)).await.map(Saved::DryRun)
    } else {
        state
            .store
            .write_as(move |conn| Ok::<_, ApiError>(use_case::update(conn, &ctx, org, id, rule)?))
            .await
            .map(|(stored, job)| Saved::Pathway(stored.pathway.id, job))
    };
    finish(&state, &signal, &page.visitor, org, Some(stored), text, done).await
}
