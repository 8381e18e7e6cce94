//! Public pages, for anyone: a pathway, an achievement, an issuer. The same
//! reads as `GET /v1/pathways/{id}`, `GET /v1/achievements/{id}`,
//! `GET /v1/issuers/{org}`, `/v1/orgs/{org}/achievements` and
//! `/v1/orgs/{org}/pathways`; maps are drawn without a learner's states.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use cairn_domain::{AchievementId, OrgId, OrgKind, PathwayId};
use cairn_stacking::{EvalOptions, PathwayGraph};

use crate::services::issuing::issuer_profile;
use crate::state::AppState;
use crate::store::{StoreError, achievements, orgs, pathways};
use crate::web::page::{Chrome, PageError};
use crate::web::pathway_map;
use crate::web::progress::{Link, TreeStep, tree_steps};
use crate::web::session::Visitor;
use crate::web::words;

/// The rule tree and map of a pathway, from the current graph (the
/// explanation of an empty record: requirements with their candidates).
fn rule_and_map(graph: &PathwayGraph, id: PathwayId, svg_id: &str) -> Option<(Vec<TreeStep>, String, String)> {
    let p = graph.pathway(id)?;
    let outcome = cairn_stacking::evaluate_with(graph, id, &[], crate::store::time::now(), &EvalOptions::without_plan()).ok()?;
    let tree = tree_steps(&outcome.requirement, &words::rule);
    let map = pathway_map::render(svg_id, id, &p.rule.name, &outcome.requirement, None, &format!("Map of {}", p.rule.name));
    Some((tree, map, p.rule.name.clone()))
}

#[derive(Template)]
#[template(path = "pathway_public.html")]
struct PathwayPage {
    chrome: Chrome,
    id: String,
    name: String,
    description: Option<String>,
    issuer: Link,
    tree: Vec<TreeStep>,
    map: String,
    learner: bool,
}

#[get("/pathways/{id}")]
pub async fn pathway(state: web::Data<AppState>, visitor: Visitor, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let id: PathwayId = path.parse().map_err(|_| PageError::NotFound)?;
    let graphs = state.graphs.clone();
    let (stored, org, graph) = state
        .store
        .read(move |conn| {
            let stored = pathways::find(conn, id)?.ok_or(StoreError::NotFound("pathway"))?;
            let org = orgs::find(conn, stored.pathway.issuer)?.ok_or(StoreError::NotFound("organisation"))?;
            Ok((stored, org, graphs.current(conn)?.1))
        })
        .await?;
    let (tree, map, _) = rule_and_map(&graph, id, "map").unwrap_or_default();
    let rule = &stored.pathway.rule;
    let page = PathwayPage {
        chrome: visitor.chrome(rule.name.clone()),
        id: id.to_string(),
        name: rule.name.clone(),
        description: rule.description.clone(),
        issuer: Link { href: format!("/issuers/{}", org.id), name: org.name },
        tree,
        map,
        learner: visitor.signed_in.as_ref().is_some_and(|s| s.caller.role == cairn_domain::Role::Learner),
    };
    visitor.render(&page)
}

pub struct CountsToward {
    pub link: Link,
    pub map: String,
}

#[derive(Template)]
#[template(path = "achievement_public.html")]
struct AchievementPage {
    chrome: Chrome,
    name: String,
    description: String,
    criteria: String,
    kind: String,
    level: Option<String>,
    credits: Option<String>,
    skills: Vec<Link>,
    issuer: Link,
    toward: Vec<CountsToward>,
}

#[get("/achievements/{id}")]
pub async fn achievement(state: web::Data<AppState>, visitor: Visitor, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let id: AchievementId = path.parse().map_err(|_| PageError::NotFound)?;
    let graphs = state.graphs.clone();
    let (found, org, graph) = state
        .store
        .read(move |conn| {
            let found = achievements::find(conn, id)?.ok_or(StoreError::NotFound("achievement"))?;
            let org = orgs::find(conn, found.org)?.ok_or(StoreError::NotFound("organisation"))?;
            Ok((found, org, graphs.current(conn)?.1))
        })
        .await?;
    let toward = graph
        .affected_by_achievement(id)
        .into_iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let (_, map, name) = rule_and_map(&graph, p, &format!("map-{i}"))?;
            Some(CountsToward { link: Link { href: format!("/pathways/{p}"), name }, map })
        })
        .collect();
    let d = &found.definition;
    let page = AchievementPage {
        chrome: visitor.chrome(d.name.as_str().to_owned()),
        name: d.name.as_str().to_owned(),
        description: d.description.as_str().to_owned(),
        criteria: d.criteria.narrative.as_str().to_owned(),
        kind: words::achievement_type(d.achievement_type.as_str()),
        level: d.level.map(|l| l.to_string()),
        credits: d.credits.as_ref().map(ToString::to_string),
        skills: d.alignments.iter().map(|a| Link { href: a.target_url.to_string(), name: a.target_name.as_str().to_owned() }).collect(),
        issuer: Link { href: format!("/issuers/{}", org.id), name: org.name },
        toward,
    };
    visitor.render(&page)
}

#[derive(Template)]
#[template(path = "issuer_public.html")]
struct IssuerPage {
    chrome: Chrome,
    name: String,
    url: Option<String>,
    description: Option<String>,
    catalog: Vec<Link>,
    pathways: Vec<Link>,
    more: bool,
}

/// The most items a public list shows (the API's largest page).
const LIST_LIMIT: i64 = 200;

#[get("/issuers/{org}")]
pub async fn issuer(state: web::Data<AppState>, visitor: Visitor, path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let id: OrgId = path.parse().map_err(|_| PageError::NotFound)?;
    let (org, catalog, listed) = state
        .store
        .read(move |conn| {
            let org = orgs::find(conn, id)?.ok_or(StoreError::NotFound("issuer"))?;
            let (catalog, listed) = if org.kind == OrgKind::Institution {
                (achievements::list(conn, id, None, LIST_LIMIT + 1)?, pathways::list(conn, id, None, LIST_LIMIT + 1)?)
            } else {
                (Vec::new(), Vec::new())
            };
            Ok((org, catalog, listed))
        })
        .await?;
    let profile = issuer_profile(&state.public_url, &org);
    let more = catalog.len() as i64 > LIST_LIMIT || listed.len() as i64 > LIST_LIMIT;
    let page = IssuerPage {
        chrome: visitor.chrome(profile.name.clone()),
        name: profile.name,
        url: profile.url,
        description: profile.description,
        catalog: catalog
            .iter()
            .take(LIST_LIMIT as usize)
            .map(|a| Link { href: format!("/achievements/{}", a.id), name: a.definition.name.as_str().to_owned() })
            .collect(),
        pathways: listed
            .iter()
            .take(LIST_LIMIT as usize)
            .map(|p| Link { href: format!("/pathways/{}", p.pathway.id), name: p.pathway.rule.name.clone() })
            .collect(),
        more,
    };
    visitor.render(&page)
}
