//! `/progress` and `/progress/{pathway}`: a learner's pathways, the
//! explanation in words, what to earn next, the pathway map and a what-if.
//! The same calls as `GET /v1/me/progress`, `GET /v1/me/progress/{pathway}`
//! and `POST /v1/me/what-if` (a GET form here: it changes nothing, so it
//! needs no CSRF token).

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use cairn_domain::{AchievementId, CredentialId, PathwayId};
use cairn_stacking::{EvalOptions, Explanation, Measure, Outcome, PathwayGraph, Status};
use chrono::Datelike;
use serde::Deserialize;

use crate::http::problem::ApiError;
use crate::services::{awards, progress};
use crate::state::AppState;
use crate::store::StoreError;
use crate::web::page::{Chrome, PageError};
use crate::web::pathway_map::{self, NodeState};
use crate::web::session::LearnerPage;
use crate::web::words;

/// One line of a nested list, flattened (askama has no recursion).
pub enum TreeStep {
    Open,
    Item(String),
    EndItem,
    Close,
}

/// The explanation tree as nested list steps; `sentence` words a node.
pub fn tree_steps(root: &Explanation, sentence: &dyn Fn(&Explanation) -> String) -> Vec<TreeStep> {
    let mut out = vec![TreeStep::Open];
    walk(root, sentence, &mut out);
    out.push(TreeStep::Close);
    out
}

fn walk(e: &Explanation, sentence: &dyn Fn(&Explanation) -> String, out: &mut Vec<TreeStep>) {
    out.push(TreeStep::Item(sentence(e)));
    if !e.of.is_empty() {
        out.push(TreeStep::Open);
        for child in &e.of {
            walk(child, sentence, out);
        }
        out.push(TreeStep::Close);
    }
    out.push(TreeStep::EndItem);
}

/// The `<progress>` of an outcome. Chosen: the top requirement's `have` of
/// `need` (what the learner can count: "2 of 3"), capped at `need`; the
/// outcome's `progress` fraction weighs partial children and is shown as a
/// percentage beside it.
pub struct Bar {
    pub value: String,
    pub max: String,
    pub text: String,
    pub percent: String,
}

fn bar(outcome: &Outcome) -> Bar {
    let (have, need) = match (&outcome.requirement.have, &outcome.requirement.need) {
        (Measure::Count(h), Measure::Count(n)) => (Measure::Count((*h).min(*n)), Measure::Count(*n)),
        (Measure::Credits(h), Measure::Credits(n)) => (Measure::Credits((*h).min(*n)), Measure::Credits(*n)),
        (h, n) => (*h, *n),
    };
    let (value, max) = (words::measure(&have), words::measure(&need));
    Bar { text: words::of(&value, &max), value, max, percent: format!("{:.0}", (outcome.progress * 100.0).floor()) }
}

pub struct Row {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub bar: Bar,
    pub completed: Option<String>,
}

#[derive(Template)]
#[template(path = "progress_list.html")]
struct ProgressList {
    chrome: Chrome,
    rows: Vec<Row>,
}

#[derive(Deserialize)]
struct Stored {
    items: Vec<Outcome>,
}

#[get("/progress")]
pub async fn progress_page(state: web::Data<AppState>, page: LearnerPage) -> Result<HttpResponse, PageError> {
    let now = crate::store::time::now();
    let learner = page.caller.id;
    let graphs = state.graphs.clone();
    let body = match state.store.read(move |conn| progress::current(conn, &graphs, learner, now)).await? {
        Some(body) => body,
        None => {
            let graphs = state.graphs.clone();
            state.store.write(move |conn| progress::settle_now(conn, &graphs, learner, now)).await?
        }
    };
    let stored: Stored = serde_json::from_str(&body).map_err(ApiError::internal)?;
    let rows = stored
        .items
        .iter()
        .map(|o| Row {
            id: o.pathway.to_string(),
            name: o.name.clone(),
            status: words::pathway_status(o.status),
            bar: bar(o),
            completed: o.completed_at.map(words::date),
        })
        .collect();
    page.visitor.render(&ProgressList { chrome: page.visitor.chrome("Your progress"), rows })
}

pub struct Link {
    pub href: String,
    pub name: String,
}

pub struct Choice {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

pub struct WhatIf {
    pub names: String,
    pub status: &'static str,
    pub bar: Bar,
}

#[derive(Template)]
#[template(path = "progress_pathway.html")]
struct ProgressPathway {
    chrome: Chrome,
    id: String,
    name: String,
    status: &'static str,
    bar: Bar,
    completed: Option<String>,
    tree: Vec<TreeStep>,
    next: Vec<Vec<Link>>,
    map: String,
    choices: Vec<Choice>,
    what_if: Option<WhatIf>,
}

/// `?what_if=<id>&what_if=<id>` (repeated keys, which `web::Query` cannot read).
fn what_if_ids(req: &HttpRequest) -> Result<Vec<AchievementId>, PageError> {
    let ids: Result<Vec<AchievementId>, _> =
        form_urlencoded::parse(req.query_string().as_bytes()).filter(|(k, _)| k == "what_if").map(|(_, v)| v.parse()).collect();
    let ids = ids.map_err(|_| ApiError::invalid_field("what_if", "unknown achievement"))?;
    if ids.len() > 100 {
        return Err(ApiError::invalid_field("what_if", "at most 100 achievements").into());
    }
    Ok(ids)
}

#[get("/progress/{pathway}")]
pub async fn pathway_progress(
    state: web::Data<AppState>,
    page: LearnerPage,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id: PathwayId = path.parse().map_err(|_| PageError::NotFound)?;
    let add = what_if_ids(&req)?;
    let now = crate::store::time::now();
    let learner = page.caller.id;
    let graphs = state.graphs.clone();
    let (graph, facts) = state
        .store
        .read(move |conn| {
            let (_, graph) = graphs.current(conn)?;
            if graph.pathway(id).is_none() {
                return Err(StoreError::NotFound("pathway"));
            }
            Ok((graph, awards::learner_facts(conn, learner)?))
        })
        .await?;
    // As `GET /v1/me/progress/{pathway}`: the stored outcome when there is one.
    let graphs = state.graphs.clone();
    let stored = match state.store.read(move |conn| progress::current_one(conn, &graphs, learner, id, now)).await? {
        Some(stored) => stored,
        None => {
            let graphs = state.graphs.clone();
            state.store.write(move |conn| progress::settle_one(conn, &graphs, learner, id, now)).await?
        }
    };
    let outcome: Outcome = match stored {
        Some(json) => serde_json::from_str(&json).map_err(ApiError::internal)?,
        None => {
            cairn_stacking::evaluate(&graph, id, &facts, now).map_err(|e| StoreError::Invalid { field: "pathway".into(), message: e.to_string() })?
        }
    };
    let what_if = if add.is_empty() { None } else { Some(what_if(&graph, id, &facts, &add, now)?) };
    let states = pathway_map::states(&outcome.requirement, &facts, now);
    let used: BTreeMap<CredentialId, (String, i32)> = facts.iter().map(|f| (f.id, (name_of(&graph, f.achievement), f.awarded_at.year()))).collect();
    let tree = tree_steps(&outcome.requirement, &|e| {
        let names: Vec<(String, i32)> = e.used.iter().filter(|_| e.of.is_empty()).filter_map(|c| used.get(c).cloned()).collect();
        words::requirement(e, &names)
    });
    let next = outcome
        .next
        .iter()
        .map(|step| step.achievements.iter().zip(&step.names).map(|(a, n)| Link { href: format!("/achievements/{a}"), name: n.clone() }).collect())
        .collect();
    let mut choices: Vec<Choice> = states
        .iter()
        .filter(|(_, s)| !matches!(s, NodeState::Used | NodeState::Held))
        .map(|(a, _)| Choice { id: a.to_string(), name: name_of(&graph, *a), checked: add.contains(a) })
        .collect();
    choices.sort_by(|a, b| a.name.cmp(&b.name));
    choices.dedup_by(|a, b| a.id == b.id);
    let title = format!("Map of {}", outcome.name);
    let map = pathway_map::render("map", id, &outcome.name, &outcome.requirement, Some(&states), &title);
    let view = ProgressPathway {
        chrome: page.visitor.chrome(outcome.name.clone()),
        id: id.to_string(),
        name: outcome.name.clone(),
        status: words::pathway_status(outcome.status),
        bar: bar(&outcome),
        completed: outcome.completed_at.map(words::date),
        tree,
        next,
        map,
        choices,
        what_if,
    };
    page.visitor.render(&view)
}

fn name_of(graph: &PathwayGraph, a: AchievementId) -> String {
    graph.catalog().get(&a).map_or_else(|| a.to_string(), |e| e.name.clone())
}

/// As `POST /v1/me/what-if`, for this pathway.
fn what_if(
    graph: &PathwayGraph,
    id: PathwayId,
    facts: &[cairn_stacking::CredentialFact],
    add: &[AchievementId],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<WhatIf, PageError> {
    if let Some(unknown) = add.iter().find(|a| !graph.catalog().contains_key(a)) {
        return Err(ApiError::from(StoreError::Invalid { field: "what_if".into(), message: format!("unknown achievement {unknown}") }).into());
    }
    let outcome = cairn_stacking::what_if_all(graph, facts, add, now, &EvalOptions::default())
        .map_err(|e| ApiError::from(StoreError::Invalid { field: "what_if".into(), message: e.to_string() }))?
        .into_iter()
        .find(|(p, _)| *p == id)
        .and_then(|(_, r)| r.ok());
    let names = add.iter().map(|a| name_of(graph, *a)).collect::<Vec<_>>().join(", ");
    Ok(match outcome {
        Some(o) => WhatIf { names, status: words::pathway_status(o.status), bar: bar(&o) },
        None => WhatIf {
            names,
            status: words::pathway_status(Status::NotStarted),
            bar: Bar { value: "0".into(), max: "1".into(), text: words::of("0", "1"), percent: "0".into() },
        },
    })
}
