//! `/institution/audit`: the institution's audit log, newest first, 50 a
//! page; the same log as `GET /v1/orgs/{org}/audit` (which lists it oldest
//! first for programs that follow it), in words, with who did it by name.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use cairn_domain::AuditEntryId;
use serde::Deserialize;

use crate::state::AppState;
use crate::store::audit::{self, Scope};
use crate::web::activity::Names;
use crate::web::page::{Chrome, PageError};
use crate::web::session::IssuerPage;
use crate::web::words;

/// Entries on one page.
const PAGE_SIZE: i64 = 50;

struct Line {
    action: String,
    who: String,
    when: String,
    /// What it was about, and where to see it when there is a page.
    subject: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "console_audit.html")]
struct AuditPage {
    chrome: Chrome,
    lines: Vec<Line>,
    /// The cursor of the next (older) page.
    older: Option<String>,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<String>,
}

/// The page of the entry's subject, when the console or the public face has one.
fn subject_page(kind: &str, id: &str) -> Option<String> {
    match kind {
        "pathway" => Some(format!("/institution/pathways/{id}")),
        "achievement" => Some(format!("/achievements/{id}")),
        _ => None,
    }
}

#[get("/institution/audit")]
pub async fn audit_page(state: web::Data<AppState>, page: IssuerPage, query: web::Query<AuditQuery>) -> Result<HttpResponse, PageError> {
    let before = match query.before.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<AuditEntryId>().map_err(|_| PageError::NotFound)?),
    };
    let org = page.org;
    let now = crate::store::time::now();
    let (lines, older) = state
        .store
        .read(move |conn| {
            let mut entries = audit::newest(conn, Scope::Org(org), before, PAGE_SIZE + 1)?;
            let older = if entries.len() as i64 > PAGE_SIZE {
                entries.truncate(PAGE_SIZE as usize);
                entries.last().map(|e| e.id.to_string())
            } else {
                None
            };
            let mut names = Names::default();
            let mut lines = Vec::with_capacity(entries.len());
            for entry in &entries {
                let person = match entry.actor.as_deref() {
                    Some(actor) => names.person(conn, actor)?,
                    None => None,
                };
                lines.push(Line {
                    action: words::org_audit_action(&entry.action),
                    who: person.unwrap_or_else(|| "Cairn".to_owned()),
                    when: words::when(now, entry.at),
                    subject: format!("{} {}", entry.subject_type.replace('_', " "), entry.subject_id),
                    href: subject_page(&entry.subject_type, &entry.subject_id),
                });
            }
            Ok((lines, older))
        })
        .await?;
    page.visitor.render(&AuditPage { chrome: page.visitor.chrome("Audit log"), lines, older })
}
