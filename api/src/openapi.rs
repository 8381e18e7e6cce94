//! The OpenAPI 3.1 description, collected from the handlers' annotations by
//! utoipa-actix-web. Served at `/openapi.json`, committed at
//! `openapi/openapi.json`; a test fails when the two drift, and
//! `cairn openapi --write openapi/openapi.json` rewrites the file.

use std::sync::OnceLock;

use actix_web::{HttpResponse, get};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa::{Modify, OpenApi as _};
use utoipa_actix_web::AppExt;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Cairn",
        description = "Learner and employment record wallet with a stacking engine. \
            Errors are RFC 9457 problem documents (`application/problem+json`).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::problem::ProblemDocument, crate::problem::FieldError)),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
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
        .configure(crate::routes::configure)
        .service(openapi_json)
        .service(docs_redirect)
        .split_for_parts();
    api
}

/// The spec as the committed file holds it: pretty JSON and a final newline.
pub fn pretty() -> String {
    let mut text = spec().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

fn cached() -> &'static str {
    static SPEC: OnceLock<String> = OnceLock::new();
    SPEC.get_or_init(pretty)
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
        assert!(
            committed == generated,
            "openapi/openapi.json is out of date: run `cargo run -- openapi --write openapi/openapi.json`"
        );
    }
}
