//! `/activity`: what was done with the learner's data, newest first, from
//! the same audit log as `GET /v1/me/audit` (which lists it oldest first
//! for programs that follow it). Who did it is said by name.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use askama::Template;
use cairn_domain::{AuditEntryId, OrgId, UserId};
use serde::Deserialize;

use crate::state::AppState;
use crate::store::{DbConn, StoreResult, audit, orgs, users};
use crate::web::page::{Chrome, PageError};
use crate::web::session::LearnerPage;
use crate::web::words;

/// Entries on one page.
const PAGE_SIZE: i64 = 50;

struct Line {
    action: String,
    who: String,
    when: String,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    chrome: Chrome,
    lines: Vec<Line>,
    /// The cursor of the next (older) page.
    older: Option<String>,
}

#[derive(Deserialize)]
pub struct ActivityQuery {
    before: Option<String>,
}

/// Names of the people and organisations in `entries`, looked up once each.
#[derive(Default)]
pub(crate) struct Names {
    people: HashMap<String, Option<String>>,
    orgs: HashMap<String, Option<String>>,
}

impl Names {
    pub(crate) fn person(&mut self, conn: &mut DbConn, id: &str) -> StoreResult<Option<String>> {
        if let Some(name) = self.people.get(id) {
            return Ok(name.clone());
        }
        let name = match id.parse::<UserId>() {
            Ok(user) => users::find(conn, user)?.map(|u| u.name),
            Err(_) => None,
        };
        self.people.insert(id.to_owned(), name.clone());
        Ok(name)
    }

    pub(crate) fn org(&mut self, conn: &mut DbConn, id: &str) -> StoreResult<Option<String>> {
        if let Some(name) = self.orgs.get(id) {
            return Ok(name.clone());
        }
        let name = match id.parse::<OrgId>() {
            Ok(org) => orgs::find(conn, org)?.map(|o| o.name),
            Err(_) => None,
        };
        self.orgs.insert(id.to_owned(), name.clone());
        Ok(name)
    }
}

#[get("/activity")]
pub async fn activity_page(state: web::Data<AppState>, page: LearnerPage, query: web::Query<ActivityQuery>) -> Result<HttpResponse, PageError> {
    let before = match query.before.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<AuditEntryId>().map_err(|_| PageError::NotFound)?),
    };
    let learner = page.caller.id;
    let now = crate::store::time::now();
    let (lines, older) = state
        .store
        .read(move |conn| {
            let mut entries = audit::newest_of_learner(conn, learner, before, PAGE_SIZE + 1)?;
            let older = if entries.len() > PAGE_SIZE as usize {
                entries.truncate(PAGE_SIZE as usize);
                entries.last().map(|e| e.id.to_string())
            } else {
                None
            };
            let mut names = Names { people: HashMap::new(), orgs: HashMap::new() };
            let mut lines = Vec::with_capacity(entries.len());
            for entry in &entries {
                let you = entry.actor.as_deref() == Some(learner.to_string().as_str());
                let person = match entry.actor.as_deref() {
                    Some(actor) if !you => names.person(conn, actor)?,
                    _ => None,
                };
                let org = match entry.org.as_deref() {
                    Some(org) if !you => names.org(conn, org)?,
                    _ => None,
                };
                lines.push(Line {
                    action: words::audit_action(&entry.action).to_owned(),
                    who: words::audit_actor(&entry.action, you, person.as_deref(), org.as_deref()),
                    when: words::when(now, entry.at),
                });
            }
            Ok((lines, older))
        })
        .await?;
    page.visitor.render(&ActivityPage { chrome: page.visitor.chrome("Activity"), lines, older })
}
