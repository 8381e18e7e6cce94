//! The institution console's catalog: `/institution/catalog` (the
//! institution's achievements with their version and retired state),
//! `/institution/catalog/new` (publish one) and `/institution/catalog/{id}`
//! (edit: a new version; retire, after a confirmation). The same use cases
//! as `POST /v1/orgs/{org}/achievements`, `PUT /v1/achievements/{id}` and
//! `POST /v1/achievements/{id}/retire`. The form's fields become the API's
//! JSON definition, read by the same strict parser, so its messages name
//! the same fields. The page's badge image form is `catalog_image`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use cairn_domain::catalog::AchievementDefinition;
use cairn_domain::{AchievementId, AchievementType, Level};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::services::{Context, catalog};
use crate::state::AppState;
use crate::store::achievement_images;
use crate::store::achievements::{self, Achievement, Version};
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::IssuerPage;
use crate::web::words;

/// More achievements than a catalog page lists.
const LIST_LIMIT: i64 = 500;

/// One row of the catalog.
struct Row {
    id: String,
    name: String,
    key: String,
    kind: String,
    version: i64,
    state: String,
    retired: bool,
}

#[derive(Template)]
#[template(path = "institution_catalog.html")]
struct CatalogPage {
    chrome: Chrome,
    rows: Vec<Row>,
}

/// What the form holds: the definition's fields as text.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AchievementFields {
    name: String,
    key: String,
    description: String,
    criteria: String,
    achievement_type: String,
    level: String,
    credits_amount: String,
    credits_unit: String,
    validity: String,
    issuing_message: String,
    tags: String,
    alignments: String,
    image: String,
}

/// An option of a select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "institution_achievement.html")]
pub(super) struct AchievementPage {
    chrome: Chrome,
    /// `None` for the form that publishes a new one.
    id: Option<String>,
    action: String,
    fields: AchievementFields,
    types: Vec<Choice>,
    levels: Vec<Choice>,
    /// The field the error is about (`form` when it is no single field's).
    error_field: String,
    error: Option<String>,
    saved: bool,
    version: i64,
    retired: Option<String>,
    retire_error: Option<String>,
    versions: Vec<VersionLine>,
    /// The uploaded image, with its digest as a query so a replaced one is
    /// not taken from the browser's cache.
    image_url: Option<String>,
    /// Why the uploaded image was refused.
    pub(super) image_error: Option<String>,
    pub(super) image_saved: bool,
}

struct VersionLine {
    version: i64,
    name: String,
    made: String,
}

impl AchievementFields {
    fn of(definition: &AchievementDefinition) -> Self {
        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
        AchievementFields {
            name: definition.name.as_str().to_owned(),
            key: text(definition.key.as_ref().map(|k| k.as_str())),
            description: definition.description.as_str().to_owned(),
            criteria: definition.criteria.narrative.as_str().to_owned(),
            achievement_type: definition.achievement_type.as_str().to_owned(),
            level: text(definition.level.map(Level::as_str)),
            credits_amount: definition.credits.as_ref().map(|c| c.amount().normalize().to_string()).unwrap_or_default(),
            credits_unit: definition.credits.as_ref().map(|c| c.unit().to_string()).unwrap_or_default(),
            validity: definition.validity.as_ref().map(ToString::to_string).unwrap_or_default(),
            issuing_message: text(definition.issuing_message.as_ref().map(|m| m.as_str())),
            tags: definition.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
            alignments: if definition.alignments.is_empty() {
                String::new()
            } else {
                serde_json::to_string_pretty(&definition.alignments).unwrap_or_default()
            },
            image: definition.image.as_ref().map(ToString::to_string).unwrap_or_default(),
        }
    }

    /// The definition these fields make, or the form field at fault and why.
    fn definition(&self) -> Result<AchievementDefinition, (String, String)> {
        let mut object = Map::new();
        let mut put = |name: &str, value: &str| {
            if !value.trim().is_empty() {
                object.insert(name.to_owned(), Value::String(value.trim().to_owned()));
            }
        };
        put("name", &self.name);
        put("key", &self.key);
        put("description", &self.description);
        put("achievementType", &self.achievement_type);
        put("level", &self.level);
        put("validity", &self.validity);
        put("issuingMessage", &self.issuing_message);
        put("image", &self.image);
        object.insert("criteria".into(), json!({ "narrative": self.criteria.trim() }));
        match (self.credits_amount.trim(), self.credits_unit.trim()) {
            ("", "") => {}
            (amount, unit) => {
                object.insert("credits".into(), json!({ "amount": amount, "unit": unit }));
            }
        }
        let tags: Vec<&str> = self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
        if !tags.is_empty() {
            object.insert("tags".into(), json!(tags));
        }
        if !self.alignments.trim().is_empty() {
            let alignments: Value = serde_json::from_str(&self.alignments).map_err(|e| ("alignments".to_owned(), format!("not JSON: {e}")))?;
            object.insert("alignments".into(), alignments);
        }
        serde_path_to_error::deserialize(Value::Object(object)).map_err(|e| {
            let field = match e.path().iter().next().map(ToString::to_string).as_deref() {
                Some("achievementType") => "achievement_type",
                Some("issuingMessage") => "issuing_message",
                Some("credits") => "credits_amount",
                Some("criteria") => "criteria",
                Some(other) if !other.is_empty() && other != "?" => return (other.to_owned(), e.inner().to_string()),
                _ => "form",
            };
            (field.to_owned(), e.inner().to_string())
        })
    }
}

pub(super) fn parse_id(path: &str) -> Result<AchievementId, PageError> {
    path.parse::<AchievementId>().map_err(|_| PageError::NotFound)
}

fn types(selected: &str) -> Vec<Choice> {
    let mut choices: Vec<Choice> = AchievementType::STANDARD
        .iter()
        .map(|t| Choice { value: t.as_str().to_owned(), label: words::achievement_type(t.as_str()), selected: t.as_str() == selected })
        .collect();
    // An `ext:` type set through the API stays selectable.
    if !selected.is_empty() && !choices.iter().any(|c| c.selected) {
        choices.push(Choice { value: selected.to_owned(), label: words::achievement_type(selected), selected: true });
    }
    choices
}

fn levels(selected: &str) -> Vec<Choice> {
    let mut choices = vec![Choice { value: String::new(), label: "No level".into(), selected: selected.is_empty() }];
    choices.extend(Level::ALL.iter().map(|l| Choice {
        value: l.as_str().to_owned(),
        label: words::capitalised(l.as_str()),
        selected: l.as_str() == selected,
    }));
    choices
}

#[get("/institution/catalog")]
pub async fn catalog_page(state: web::Data<AppState>, page: IssuerPage) -> Result<HttpResponse, PageError> {
    let org = page.org;
    let listed = state.store.read(move |conn| achievements::list(conn, org, None, LIST_LIMIT)).await?;
    let rows = listed
        .into_iter()
        .map(|a| Row {
            id: a.id.to_string(),
            name: a.definition.name.as_str().to_owned(),
            key: a.definition.key.as_ref().map(|k| k.as_str().to_owned()).unwrap_or_default(),
            kind: words::achievement_type(a.definition.achievement_type.as_str()),
            version: a.version,
            state: words::catalog_state(a.retired_at),
            retired: a.retired_at.is_some(),
        })
        .collect();
    page.visitor.render(&CatalogPage { chrome: page.visitor.chrome("Catalog"), rows })
}

fn new_page(page: &IssuerPage, fields: AchievementFields, error: Option<(String, String)>) -> AchievementPage {
    let (error_field, error) = match error {
        Some((field, message)) => (field, Some(message)),
        None => (String::new(), None),
    };
    AchievementPage {
        chrome: page.visitor.chrome("New achievement"),
        id: None,
        action: "/institution/catalog/new".into(),
        types: types(&fields.achievement_type),
        levels: levels(&fields.level),
        fields,
        error_field,
        error,
        saved: false,
        version: 0,
        retired: None,
        retire_error: None,
        versions: Vec::new(),
        image_url: None,
        image_error: None,
        image_saved: false,
    }
}

#[get("/institution/catalog/new")]
pub async fn new_achievement_page(page: IssuerPage) -> Result<HttpResponse, PageError> {
    let fields = AchievementFields { achievement_type: "MicroCredential".into(), ..AchievementFields::default() };
    page.visitor.render(&new_page(&page, fields, None))
}

#[post("/institution/catalog/new")]
pub async fn create_achievement(state: web::Data<AppState>, page: IssuerPage, form: Form<AchievementFields>) -> Result<HttpResponse, PageError> {
    let fields = form.fields;
    let definition = match fields.definition() {
        Ok(definition) => definition,
        Err(error) => return page.visitor.render_with(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&page, fields, Some(error))),
    };
    let ctx = Context::new(&state, page.caller.id);
    let org = page.org;
    match state.store.write_as(move |conn| catalog::publish(conn, &ctx, org, definition)).await {
        Ok(created) => Ok(page.visitor.redirect(&format!("/institution/catalog/{}?saved=1", created.id))),
        Err(error) => {
            let error = PageError::from(error);
            let status = actix_web::ResponseError::status_code(&error);
            if status.is_client_error() {
                return page.visitor.render_with(status, &new_page(&page, fields, Some(("key".into(), error.to_string()))));
            }
            Err(error)
        }
    }
}

/// The edit page of the achievement with `fields` (its own, or what was sent).
fn edit_page(page: &IssuerPage, state: &AppState, loaded: &Loaded, fields: AchievementFields) -> AchievementPage {
    let Loaded { achievement, versions, image_digest } = loaded;
    let id = achievement.id.to_string();
    let image_url = catalog::image_url(&state.public_url, achievement.id);
    let has_image = achievement.definition.image.as_ref().is_some_and(|i| i.to_string() == image_url);
    AchievementPage {
        chrome: page.visitor.chrome(achievement.definition.name.as_str().to_owned()),
        action: format!("/institution/catalog/{id}"),
        id: Some(id),
        types: types(&fields.achievement_type),
        levels: levels(&fields.level),
        fields,
        error_field: String::new(),
        error: None,
        saved: false,
        version: achievement.version,
        retired: achievement.retired_at.map(words::date),
        retire_error: None,
        versions: versions
            .iter()
            .rev()
            .map(|v| VersionLine { version: v.version, name: v.definition.name.as_str().to_owned(), made: words::date(v.created_at) })
            .collect(),
        image_url: image_digest
            .as_ref()
            .filter(|_| has_image)
            .map(|digest| format!("/v1/achievements/{}/image?v={}", achievement.id, digest.get(..16).unwrap_or(digest))),
        image_error: None,
        image_saved: false,
    }
}

/// An achievement of the issuer's institution, with what its page shows.
pub(super) struct Loaded {
    achievement: Achievement,
    versions: Vec<Version>,
    image_digest: Option<String>,
}

/// The achievement of the issuer's institution, with its versions.
pub(super) async fn load(state: &AppState, page: &IssuerPage, id: AchievementId) -> Result<Loaded, PageError> {
    let org = page.org;
    Ok(state
        .store
        .read_as(move |conn| {
            let achievement = catalog::of_org(conn, org, id)?;
            let versions = achievements::versions(conn, id)?;
            let image_digest = achievement_images::digest(conn, id)?;
            Ok::<_, catalog::CatalogError>(Loaded { achievement, versions, image_digest })
        })
        .await?)
}

/// The achievement's page as it is stored.
pub(super) fn stored_page(page: &IssuerPage, state: &AppState, loaded: &Loaded) -> AchievementPage {
    edit_page(page, state, loaded, AchievementFields::of(&loaded.achievement.definition))
}

#[derive(Deserialize)]
pub struct Saved {
    #[serde(default)]
    saved: Option<String>,
    /// After an image upload.
    #[serde(default)]
    image: Option<String>,
}

#[get("/institution/catalog/{id}")]
pub async fn achievement_page(
    state: web::Data<AppState>,
    page: IssuerPage,
    path: web::Path<String>,
    query: web::Query<Saved>,
) -> Result<HttpResponse, PageError> {
    let loaded = load(&state, &page, parse_id(&path)?).await?;
    let mut view = stored_page(&page, &state, &loaded);
    view.saved = query.saved.is_some();
    view.image_saved = query.image.is_some();
    page.visitor.render(&view)
}

/// Saves the form as a new version (nothing new when nothing changed).
#[post("/institution/catalog/{id}")]
pub async fn update_achievement(
    state: web::Data<AppState>,
    page: IssuerPage,
    path: web::Path<String>,
    form: Form<AchievementFields>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path)?;
    let loaded = load(&state, &page, id).await?;
    let fields = form.fields;
    let definition = match fields.definition() {
        Ok(definition) => definition,
        Err((field, message)) => {
            let mut view = edit_page(&page, &state, &loaded, fields);
            (view.error_field, view.error) = (field, Some(message));
            return page.visitor.render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let ctx = Context::new(&state, page.caller.id);
    let org = page.org;
    match state.store.write_as(move |conn| catalog::update(conn, &ctx, org, id, definition)).await {
        Ok(_) => Ok(page.visitor.redirect(&format!("/institution/catalog/{id}?saved=1"))),
        Err(error) => {
            let error = PageError::from(error);
            let status = actix_web::ResponseError::status_code(&error);
            if status == StatusCode::CONFLICT {
                let mut view = edit_page(&page, &state, &loaded, fields);
                (view.error_field, view.error) = ("form".into(), Some(error.to_string()));
                return page.visitor.render_with(status, &view);
            }
            Err(error)
        }
    }
}

#[derive(Deserialize)]
pub struct RetireFields {
    /// The confirmation box: retiring cannot be undone.
    #[serde(default)]
    confirm: Option<String>,
}

/// Retires the achievement once the confirmation box is ticked.
#[post("/institution/catalog/{id}/retire")]
pub async fn retire_achievement(
    state: web::Data<AppState>,
    page: IssuerPage,
    path: web::Path<String>,
    form: Form<RetireFields>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path)?;
    let loaded = load(&state, &page, id).await?;
    if form.fields.confirm.as_deref() != Some("yes") {
        let mut view = stored_page(&page, &state, &loaded);
        view.retire_error = Some("Tick the box to confirm: retiring cannot be undone.".into());
        return page.visitor.render_with(StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    let ctx = Context::new(&state, page.caller.id);
    let org = page.org;
    state.store.write_as(move |conn| catalog::retire(conn, &ctx, org, id)).await?;
    Ok(page.visitor.redirect(&format!("/institution/catalog/{id}")))
}
