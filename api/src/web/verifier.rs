//! `/verify`: anyone pastes a credential (a VC-JWT, OB 3.0 / VC JSON with
//! its proof, an Open Badges 2.0 assertion, or a badge image's text) and
//! reads the verdict in words. The same use case as `POST /v1/verify`; the
//! page only reads the input and words the result. Also the words of a
//! verification for other pages (a granted record).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::http::problem::ApiError;
use crate::http::verify::check::CredentialInput;
use crate::services::PublicContext;
use crate::services::baked::{self, Baked, ImageKind};
use crate::services::verification::{Outcome, Presented, Verdict, Verifiable, Verification};
use crate::state::AppState;
use crate::web::form::Form;
use crate::web::page::{Chrome, PageError};
use crate::web::session::Visitor;
use crate::web::words;

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    /// What was pasted, shown again in the form.
    credential: String,
    error: Option<String>,
    result: Option<VerdictView>,
}

/// A verification in words.
pub struct VerdictView {
    pub verified: bool,
    pub checks: Vec<CheckLine>,
    /// What the credential says, when it could be read.
    pub about: Option<About>,
}

/// One check: its name (`data-check`), its label, whether it passed, the
/// reason in words and the verifier's own detail.
pub struct CheckLine {
    pub name: &'static str,
    pub label: &'static str,
    pub state: &'static str,
    /// The state as a CSS class (`passed`, `failed`, `skipped`).
    pub class: &'static str,
    pub summary: String,
    pub detail: String,
}

/// What a credential says about itself.
pub struct About {
    pub name: Option<String>,
    pub issuer: Option<String>,
    pub learner: Option<String>,
    pub issued: Option<String>,
    pub valid_until: Option<String>,
}

impl VerdictView {
    /// The words of `verification`.
    pub fn of(verification: &Verification) -> Self {
        let doc = verification.credential.as_ref();
        let issuer_known = verification.checks.iter().any(|c| c.check == "issuer" && c.result == Outcome::Pass);
        let checks = verification
            .checks
            .iter()
            .map(|c| {
                let failed = c.result == Outcome::Fail;
                CheckLine {
                    name: c.check,
                    label: words::check_label(c.check),
                    state: match c.result {
                        Outcome::Pass => "passed",
                        Outcome::Fail => "failed",
                        Outcome::Skipped => "not checked",
                    },
                    class: match c.result {
                        Outcome::Pass => "passed",
                        Outcome::Fail => "failed",
                        Outcome::Skipped => "skipped",
                    },
                    summary: words::check_summary(c.check, c.result, failed && issuer_known, &c.detail, doc.map(dates_of).unwrap_or_default()),
                    detail: c.detail.clone(),
                }
            })
            .collect();
        VerdictView { verified: verification.verified, checks, about: doc.map(about) }
    }
}

/// The validity window a document states (OB 3.0 or 2.0 names).
fn dates_of(doc: &Value) -> words::Window {
    let at = |fields: &[&str]| fields.iter().find_map(|f| doc.get(*f).and_then(Value::as_str)).and_then(parse_time);
    words::Window { from: at(&["validFrom", "issuanceDate", "issuedOn"]), until: at(&["validUntil", "expirationDate", "expires"]) }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

fn text_at(doc: &Value, path: &[&str]) -> Option<String> {
    path.iter().try_fold(doc, |value, key| value.get(*key)).and_then(Value::as_str).map(str::to_owned)
}

fn about(doc: &Value) -> About {
    let window = dates_of(doc);
    About {
        name: text_at(doc, &["name"])
            .or_else(|| text_at(doc, &["credentialSubject", "achievement", "name"]))
            .or_else(|| text_at(doc, &["badge", "name"])),
        issuer: text_at(doc, &["issuer", "name"])
            .or_else(|| text_at(doc, &["badge", "issuer", "name"]))
            .or_else(|| text_at(doc, &["issuer"]))
            .or_else(|| text_at(doc, &["issuer", "id"])),
        learner: text_at(doc, &["credentialSubject", "name"]),
        issued: window.from.map(words::date),
        valid_until: window.until.map(words::date),
    }
}

#[get("/verify")]
pub async fn verify_page(visitor: Visitor) -> Result<HttpResponse, PageError> {
    visitor.render(&VerifyPage { chrome: visitor.chrome("Verify a credential"), credential: String::new(), error: None, result: None })
}

#[derive(Deserialize)]
pub struct VerifyFields {
    #[serde(default)]
    credential: String,
}

/// Why pasted text is no credential: shown with the form (422).
#[derive(Debug, thiserror::Error)]
enum Unreadable {
    #[error("Paste a credential first, or choose its file.")]
    Empty,
    #[error("This is not valid JSON: {0}.")]
    Json(serde_json::Error),
    #[error("This is neither credential JSON nor a VC-JWT (three parts separated by dots).")]
    NoCredential,
    #[error("The image data could not be read.")]
    Image,
    #[error("{0}")]
    Baked(baked::BakedError),
    #[error("The image holds the address of a hosted Open Badges 2.0 assertion; open that address and paste the assertion's JSON.")]
    HostedUrl,
    #[error("{0}")]
    Refused(String),
}

/// The pasted text as the API's input: JSON, a compact JWS, or a badge
/// image (an SVG's markup, or a PNG as a data URL the page's script wrote).
fn input_of(text: &str) -> Result<CredentialInput, Unreadable> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Unreadable::Empty);
    }
    let presented = if let Some(png) = text.strip_prefix("data:image/png;base64,") {
        let bytes = STANDARD.decode(png.trim()).map_err(|_| Unreadable::Image)?;
        from_image(ImageKind::Png, &bytes)?
    } else if text.starts_with('<') {
        from_image(ImageKind::Svg, text.as_bytes())?
    } else if text.starts_with('{') {
        Presented::Json(serde_json::from_str(text).map_err(Unreadable::Json)?)
    } else if looks_like_jws(text) {
        Presented::Jwt(text.to_owned())
    } else {
        return Err(Unreadable::NoCredential);
    };
    Ok(match presented {
        Presented::Jwt(jwt) => CredentialInput { credential: None, jwt: Some(jwt) },
        Presented::Json(doc) => CredentialInput { credential: Some(doc), jwt: None },
    })
}

fn from_image(kind: ImageKind, bytes: &[u8]) -> Result<Presented, Unreadable> {
    match baked::extract(kind, bytes).map_err(Unreadable::Baked)? {
        Baked::Presented(presented) => Ok(presented),
        Baked::Url(_) => Err(Unreadable::HostedUrl),
    }
}

fn looks_like_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

#[post("/verify")]
pub async fn verify(state: web::Data<AppState>, form: Form<VerifyFields>) -> Result<HttpResponse, PageError> {
    let Form { visitor, fields } = form;
    let presented = input_of(&fields.credential).and_then(|input| {
        input.presented().map_err(|error| match error {
            ApiError::Invalid { errors, detail } => Unreadable::Refused(errors.into_iter().next().map_or(detail, |e| words::sentence(&e.message))),
            other => Unreadable::Refused(other.to_string()),
        })
    });
    let presented = match presented {
        Ok(presented) => presented,
        Err(error) => {
            let page = VerifyPage {
                chrome: visitor.chrome("Verify a credential"),
                credential: fields.credential,
                error: Some(error.to_string()),
                result: None,
            };
            return visitor.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let ctx = PublicContext::new(&state);
    let result = match crate::services::ob2::verify_any(state.into_inner(), ctx, Verifiable::Credential(presented)).await? {
        Verdict::Credential(verification) => VerdictView::of(&verification),
        // A credential is verified as a credential; a presentation is refused above.
        Verdict::Presentation(_) => return Err(ApiError::internal(anyhow::anyhow!("a credential verified as a presentation")).into()),
    };
    let title = if result.verified { "Verified" } else { "Not verified" };
    visitor.render(&VerifyPage { chrome: visitor.chrome(title), credential: fields.credential, error: None, result: Some(result) })
}
