//! `/institution/credentials`: the institution's issued list with its
//! search form (the filters of `GET /v1/orgs/{org}/credentials`, dates as
//! days), a checkbox per credential, a bulk form (action and reason) for
//! the selection and a button per row; after a change, a results page that
//! says per credential what happened, the awards its cascade moved
//! included. The same use cases as the API (`services::issued`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use cairn_domain::{CredentialId, OrgId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

use crate::http::credentials::bulk_status::{BulkAction, checked_reason, distinct};
use crate::http::credentials::list::IssuedQuery;
use crate::http::extract::parse_query;
use crate::http::problem::ApiError;
use crate::services::Context;
use crate::services::issued::{self, Listed, Outcome};
use crate::state::AppState;
use crate::store::achievements;
use crate::store::credentials::CredentialStatus;
use crate::store::issued::Filter;
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::IssuerPage;
use crate::web::words;

/// Rows per page.
const PAGE: i64 = 50;
/// More achievements than a select shows.
const CATALOG_LIMIT: i64 = 500;

/// The search form's fields, as the page's query carries them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    achievement: String,
    /// Issued on or after this day.
    #[serde(default)]
    from: String,
    /// Issued on or before this day.
    #[serde(default)]
    to: String,
    cursor: Option<String>,
}

/// A day of the form as an instant: its start, or (`next`) the next day's.
fn day(field: &'static str, raw: &str, next: bool) -> Result<Option<DateTime<Utc>>, ApiError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| ApiError::invalid_query(field, crate::http::extract::DATE_EXPECTED))?;
    let date = if next { date + Duration::days(1) } else { date };
    Ok(Some(date.and_time(chrono::NaiveTime::MIN).and_utc()))
}

impl Search {
    /// The API's filter for these fields (its parsing, so the same values are refused).
    fn filter(&self) -> Result<Filter, ApiError> {
        let as_api = IssuedQuery {
            achievement: Some(self.achievement.clone()),
            status: Some(self.status.clone()),
            q: Some(self.q.clone()),
            issued_after: day("from", &self.from, false)?,
            issued_before: day("to", &self.to, true)?,
            ..IssuedQuery::default()
        };
        as_api.filter()
    }

    /// The query of this search, for the next page's link.
    fn query_with(&self, cursor: &str) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("status", &self.status)
            .append_pair("achievement", &self.achievement)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .append_pair("cursor", cursor)
            .finish()
    }
}

struct Row {
    id: String,
    achievement: String,
    recipient: String,
    /// The address under the name, or "waiting for its owner to claim it".
    recipient_note: String,
    award: bool,
    state_class: &'static str,
    state: &'static str,
    awarded: String,
    issued: String,
    latest: String,
    can_suspend: bool,
    can_reinstate: bool,
    can_revoke: bool,
}

impl Row {
    fn new(listed: &Listed) -> Self {
        let row = &listed.row;
        let (recipient, recipient_note) = match (&row.learner_name, &row.learner_email, &row.recipient_email) {
            (Some(name), email, _) => (name.clone(), email.clone().unwrap_or_default()),
            (None, _, Some(waiting)) => (waiting.clone(), "Not claimed yet".to_owned()),
            (None, _, None) => ("Unknown recipient".to_owned(), String::new()),
        };
        let (state_class, state) = words::credential_state(row.status, false);
        Row {
            id: row.id.to_string(),
            achievement: row.achievement_name.clone(),
            recipient,
            recipient_note,
            award: row.award_of.is_some(),
            state_class,
            state,
            awarded: words::date(row.awarded_at),
            issued: words::date(row.created_at),
            latest: listed.history.last().map(words::history_entry).unwrap_or_default(),
            can_suspend: row.status == CredentialStatus::Active,
            can_reinstate: row.status == CredentialStatus::Suspended,
            can_revoke: row.status != CredentialStatus::Revoked,
        }
    }
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "issued.html")]
struct IssuedListPage {
    chrome: Chrome,
    q: String,
    from: String,
    to: String,
    statuses: Vec<Choice>,
    achievements: Vec<Choice>,
    rows: Vec<Row>,
    next: Option<String>,
    /// What to fix in the bulk form.
    error: Option<String>,
    reason: String,
}

async fn catalog(state: &AppState, org: OrgId) -> Result<Vec<(String, String)>, PageError> {
    let found = state.store.read(move |conn| achievements::list(conn, org, None, CATALOG_LIMIT)).await?;
    Ok(found.into_iter().map(|a| (a.id.to_string(), a.definition.name.as_str().to_owned())).collect())
}

async fn show(
    state: &AppState,
    page: &IssuerPage,
    search: Search,
    status: StatusCode,
    error: Option<String>,
    reason: String,
) -> Result<HttpResponse, PageError> {
    let filter = search.filter()?;
    let after = match search.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(cursor) => Some(cursor.parse::<CredentialId>().map_err(|_| ApiError::invalid_query("cursor", "expected the link of a previous page"))?),
        None => None,
    };
    let mut listed = issued::list(&state.store, page.org, filter, after, PAGE + 1).await?;
    let next = if listed.len() > PAGE as usize {
        listed.truncate(PAGE as usize);
        listed.last().map(|last| search.query_with(&last.row.id.to_string()))
    } else {
        None
    };
    let catalog = catalog(state, page.org).await?;
    let statuses = [("", "Any status"), ("active", "Active"), ("suspended", "Suspended"), ("revoked", "Revoked")]
        .into_iter()
        .map(|(value, label)| Choice { value: value.to_owned(), label: label.to_owned(), selected: search.status.trim() == value })
        .collect();
    let mut achievements = vec![Choice { value: String::new(), label: "Any achievement".to_owned(), selected: search.achievement.trim().is_empty() }];
    achievements.extend(catalog.into_iter().map(|(value, label)| Choice { selected: search.achievement.trim() == value, value, label }));
    let shown = IssuedListPage {
        chrome: page.visitor.chrome("Issued credentials"),
        q: search.q,
        from: search.from,
        to: search.to,
        statuses,
        achievements,
        rows: listed.iter().map(Row::new).collect(),
        next,
        error,
        reason,
    };
    page.visitor.render_with(status, &shown)
}

#[get("/institution/credentials")]
pub async fn issued_page(state: web::Data<AppState>, page: IssuerPage, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let search: Search = parse_query(req.query_string())?;
    show(&state, &page, search, StatusCode::OK, None, String::new()).await
}

/// One line of the results page.
struct ResultLine {
    id: String,
    what: String,
    state_class: &'static str,
    outcome: String,
    awards: Vec<AwardLine>,
}

struct AwardLine {
    id: String,
    text: String,
}

#[derive(Template)]
#[template(path = "issued_results.html")]
struct ResultsPage {
    chrome: Chrome,
    action: &'static str,
    reason: String,
    lines: Vec<ResultLine>,
}

/// The bulk form, or one row's button (`row` = `action:id`, which then
/// acts on that credential alone).
struct Chosen {
    ids: Vec<String>,
    action: String,
    row: Option<String>,
    reason: String,
}

impl Chosen {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut chosen = Chosen { ids: Vec::new(), action: String::new(), row: None, reason: String::new() };
        for (name, value) in pairs {
            match name.as_str() {
                "credential" => chosen.ids.push(value.trim().to_owned()),
                "action" => chosen.action = value.trim().to_owned(),
                "row" => chosen.row = Some(value.trim().to_owned()),
                "reason" => chosen.reason = value.clone(),
                _ => {}
            }
        }
        chosen
    }

    /// The action and the credentials it applies to, or what to tell the person.
    fn checked(&self) -> Result<(BulkAction, Vec<CredentialId>, String), String> {
        let (action, ids) = match &self.row {
            Some(row) => {
                let (action, id) = row.split_once(':').ok_or("Choose an action.")?;
                (action.to_owned(), vec![id.to_owned()])
            }
            None => (self.action.clone(), self.ids.clone()),
        };
        let action = match action.as_str() {
            "revoke" => BulkAction::Revoke,
            "suspend" => BulkAction::Suspend,
            "reinstate" => BulkAction::Reinstate,
            _ => return Err("Choose what to do: revoke, suspend or reinstate.".to_owned()),
        };
        let ids = ids.iter().map(|id| id.parse::<CredentialId>()).collect::<Result<Vec<_>, _>>();
        let ids = ids.map_err(|_| "A chosen credential is not in this list.".to_owned())?;
        let ids = distinct(ids).map_err(|_| format!("Choose 1 to {} credentials.", issued::MAX_BULK))?;
        let reason = checked_reason(&self.reason).map_err(words::sentence)?;
        Ok((action, ids, reason))
    }
}

/// Changes the chosen credentials with the API's use case; the results
/// page says what happened to each. Bad input shows the list again with
/// what to fix, and changes nothing.
#[post("/institution/credentials/status")]
pub async fn change_status(state: web::Data<AppState>, page: IssuerPage, form: Form<Vec<(String, String)>>) -> Result<HttpResponse, PageError> {
    let chosen = Chosen::from_pairs(&form.fields);
    let (action, ids, reason) = match chosen.checked() {
        Ok(checked) => checked,
        Err(error) => return show(&state, &page, Search::default(), StatusCode::UNPROCESSABLE_ENTITY, Some(error), chosen.reason).await,
    };
    let ctx = Context::new(&state, page.caller.id);
    let results = issued::change_many(&state.store, ctx, page.org, ids, action.target(), reason.clone()).await;

    // Names for what was changed and the awards that followed: one query.
    let mut named: Vec<CredentialId> = results.iter().map(|r| r.credential).collect();
    for result in &results {
        if let Outcome::Changed { cascade, awards_issued, .. } = &result.outcome {
            named.extend(cascade.iter().map(|c| c.credential));
            named.extend(awards_issued.iter().copied());
        }
    }
    let filter = Filter { ids: Some(named.clone()), ..Filter::default() };
    let found = issued::list(&state.store, page.org, filter, None, named.len() as i64).await?;
    let names: HashMap<CredentialId, &Listed> = found.iter().map(|l| (l.row.id, l)).collect();
    let describe = |id: &CredentialId| match names.get(id) {
        Some(listed) => format!("{} for {}", listed.row.achievement_name, Row::new(listed).recipient),
        None => id.to_string(),
    };
    let lines = results
        .iter()
        .map(|result| {
            let (state_class, outcome) = words::bulk_outcome(&result.outcome);
            let mut awards = Vec::new();
            if let Outcome::Changed { cascade, awards_issued, .. } = &result.outcome {
                for moved in cascade {
                    let name = names.get(&moved.credential).map(|l| l.row.achievement_name.as_str());
                    awards.push(AwardLine { id: moved.credential.to_string(), text: words::cascaded(name, moved.status) });
                }
                for issued in awards_issued {
                    let name = names.get(issued).map(|l| l.row.achievement_name.as_str());
                    awards.push(AwardLine { id: issued.to_string(), text: words::cascaded(name, CredentialStatus::Active) });
                }
            }
            ResultLine { id: result.credential.to_string(), what: describe(&result.credential), state_class, outcome, awards }
        })
        .collect();
    let action = match action {
        BulkAction::Revoke => "Revoke",
        BulkAction::Suspend => "Suspend",
        BulkAction::Reinstate => "Reinstate",
    };
    form.visitor.render(&ResultsPage { chrome: page.visitor.chrome("Status changes"), action, reason, lines })
}
