//! The OpenAPI 3.1 description, collected from the handlers' annotations by
//! utoipa-actix-web. Served at `/openapi.json`, committed at
//! `openapi/openapi.json`; a test fails when the two drift, and
//! `cairn openapi --write openapi/openapi.json` rewrites the file.

use std::sync::OnceLock;

use actix_web::{HttpResponse, get};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi as _};
use utoipa_actix_web::AppExt;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Cairn",
        description = "Learner and employment record wallet with a stacking engine. \
            Errors are RFC 9457 problem documents (`application/problem+json`). \
            A method a path does not list is answered 405 with an `Allow` header.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::http::problem::ProblemDocument, crate::http::problem::FieldError, Tag, Skill, Name, LongText)),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()));
    }
}

// The text types' schemas are the domain's own (feature `openapi`); these
// names are what the annotations of request bodies refer to.
pub use cairn_domain::catalog::{LongText, Name, Tag};
pub use cairn_domain::skill::Skill;

/// A string schema limited to `values`, for query parameters parsed by hand.
pub fn string_enum(values: &[&str]) -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).enum_values(Some(values.iter().copied())).build()
}

/// A query parameter of `format` that may also be sent empty (as a search
/// form sends an unused field): empty means no filter.
pub fn format_or_empty(format: utoipa::openapi::KnownFormat) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(format))))
        .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)))
        .build()
        .into()
}

/// The document the routes are added to.
pub fn base() -> OpenApi {
    let mut doc = ApiDoc::openapi();
    // Keep the committed file stable across releases: the version is the API's, not the crate's.
    doc.info.version = "1".to_owned();
    doc
}

/// The complete description: `base()` plus every route in `routes::configure`
/// and the service routes registered beside it.
pub fn spec() -> OpenApi {
    let (_, api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(base())
        .configure(crate::http::configure)
        .service(openapi_json)
        .service(docs_redirect)
        .split_for_parts();
    api
}

/// `spec()` with the responses the edge gives every operation of a kind
/// stated once here rather than in 64 annotations: what `JsonBody`, `Query`,
/// the path-id parsing and the bearer-token extractors really answer.
pub fn document() -> OpenApi {
    let mut doc = spec();
    for item in doc.paths.paths.values_mut() {
        for operation in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
            add_edge_responses(operation);
        }
    }
    add_cross_field_rules(&mut doc);
    doc
}

/// Rules across fields that the derives cannot state.
fn add_cross_field_rules(doc: &mut OpenApi) {
    use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Type};
    let Some(components) = doc.components.as_mut() else { return };
    // `PUT /v1/me/discoverable`: `skills` only with `discoverable: true`.
    if let Some(setting) = components.schemas.remove("DiscoverableSetting") {
        let opted_in = ObjectBuilder::new().property("discoverable", ObjectBuilder::new().schema_type(Type::Boolean).enum_values(Some([true])));
        let no_skills = ObjectBuilder::new().property("skills", ObjectBuilder::new().schema_type(Type::Null));
        let refined = AllOfBuilder::new()
            .item(setting)
            .item(AnyOfBuilder::new().item(opted_in).item(no_skills))
            .description(Some("`skills` only with `discoverable: true`."));
        components.schemas.insert("DiscoverableSetting".to_owned(), refined.into());
    }
}

fn add_edge_responses(operation: &mut Operation) {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let located = |place: ParameterIn| parameters.iter().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place));
    let json_body = matches!(&operation.request_body, Some(RefOr::T(body)) if body.content.contains_key("application/json"));
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut add = Vec::new();
    if json_body {
        add.push(("400", "Malformed JSON body"));
        add.push(("413", "Request body too large"));
        add.push(("415", "The body is not `application/json`"));
        add.push(("422", "Invalid input: `errors` names each offending field"));
    }
    if located(ParameterIn::Query) {
        add.push(("400", "Unknown or malformed query parameter: `errors` names it and the expected format"));
    }
    if located(ParameterIn::Path) {
        add.push(("404", "No such resource (a malformed id included)"));
    }
    if secured {
        add.push(("401", "Missing or invalid token"));
    }
    for (status, description) in add {
        operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content("application/problem+json", Content::new(Some(Ref::from_schema_name("ProblemDocument"))))
                    .build(),
            )
        });
    }
}

/// The spec as the committed file holds it: pretty JSON and a final newline.
pub fn pretty() -> String {
    let mut text = document().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

fn cached() -> &'static str {
    static SPEC: OnceLock<String> = OnceLock::new();
    SPEC.get_or_init(pretty)
}

/// The methods the spec lists for `path`, when some route template matches
/// it (`{param}` matches one non-empty segment); `None` for unknown paths.
/// Unmatched requests use this to tell 405 from 404.
pub fn allowed_methods(path: &str) -> Option<Vec<String>> {
    static ROUTES: OnceLock<Vec<(Vec<String>, Vec<String>)>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        let mut routes = Vec::new();
        for (template, item) in spec().paths.paths {
            let methods = [("GET", &item.get), ("PUT", &item.put), ("POST", &item.post), ("DELETE", &item.delete), ("PATCH", &item.patch)]
                .into_iter()
                .filter(|(_, operation)| operation.is_some())
                .map(|(method, _)| method.to_owned())
                .collect();
            routes.push((template.split('/').map(str::to_owned).collect(), methods));
        }
        // The Swagger UI's assets, served beside the documented routes.
        routes.push((vec![String::new(), "docs".into(), "{asset}".into()], vec!["GET".into()]));
        routes
    });
    let segments: Vec<&str> = path.split('/').collect();
    let mut allowed: Vec<String> = Vec::new();
    for (template, methods) in routes {
        let matches =
            template.len() == segments.len() && template.iter().zip(&segments).all(|(t, s)| if t.starts_with('{') { !s.is_empty() } else { t == s });
        if matches {
            allowed.extend(methods.iter().filter(|m| !allowed.contains(m)).cloned().collect::<Vec<_>>());
        }
    }
    if allowed.is_empty() {
        return None;
    }
    allowed.sort_by_key(|m| ["GET", "PUT", "POST", "DELETE", "PATCH"].iter().position(|x| x == m));
    Some(allowed)
}

/// This OpenAPI description.
///
/// Public.
#[utoipa::path(tag = "service", responses((status = 200, description = "The OpenAPI 3.1 description", content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(cached())
}

/// Interactive API documentation (Swagger UI, served offline).
///
/// Public. Redirects to `/docs/`.
#[utoipa::path(tag = "service", responses((status = 308, description = "Redirect to the Swagger UI at /docs/")))]
#[get("/docs")]
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// The committed spec must equal the generated one. To accept a change:
    /// `cargo run -- openapi --write openapi/openapi.json` (or run this test
    /// with `CAIRN_BLESS=1`).
    #[test]
    fn committed_openapi_matches_the_code() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
        let generated = super::pretty();
        if std::env::var("CAIRN_BLESS").is_ok() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == generated, "openapi/openapi.json is out of date: run `cargo run -- openapi --write openapi/openapi.json`");
    }
}
