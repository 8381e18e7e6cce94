//! Rendering a page, and what a page fails with. `PageError` wraps the
//! API's `ApiError`, so a use case's error means the same status on both
//! faces; only its rendering differs (an HTML page instead of a problem
//! document, and a redirect to sign-in instead of a 401).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use askama::Template;

use crate::http::problem::ApiError;

/// The layout's data: the title, who is signed in, the navigation for their
/// role and the CSRF token of the sign-out form.
pub struct Chrome {
    pub title: String,
    /// The signed-in person's name, `None` when signed out.
    pub person: Option<String>,
    pub nav: Vec<NavLink>,
    pub csrf: String,
}

/// One entry of the navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    /// Whether the page being shown is this entry's (`aria-current`).
    pub current: bool,
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The page needs an account: 303 to the sign-in page, back here after.
    #[error("sign in to see this page")]
    SignInFirst { next: String },
    #[error("page not found")]
    NotFound,
    /// A form whose CSRF token is missing or not this session's.
    #[error("this form has expired; go back, reload the page and try again")]
    StaleForm,
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// Every use case error converts as it does for the API.
macro_rules! through_api {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for PageError {
            fn from(error: $error) -> Self {
                PageError::Api(ApiError::from(error))
            }
        })*
    };
}

through_api!(
    crate::store::StoreError,
    crate::services::issuer::IssueError,
    crate::services::issuing::IssuingError,
    crate::services::csv_batch::CsvError,
    crate::services::csv_batch::RowError,
    crate::services::awards::AwardError,
    crate::services::credential_status::StatusError,
    crate::services::issued::IssuedError,
    crate::services::claims::ClaimError,
    crate::services::reviews::ReviewError,
    crate::services::pathways::PathwayError,
    crate::services::jobs::JobError,
    crate::services::credentials::ReadError,
    crate::services::catalog::CatalogError,
    crate::services::baking::BakeError,
    crate::services::sharing::ShareError,
    crate::services::webhooks::WebhookError,
    crate::services::employment::EmploymentError,
    crate::services::imports::ImportError,
    crate::services::talent::TalentError,
    crate::services::rate_limits::LimitError,
    crate::services::accounts::AccountError,
    crate::services::email_verification::EmailVerificationError,
    crate::services::wallet::WalletError,
    crate::services::sessions::SessionError,
);

/// The error page: the same words the API would send, for a person.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    detail: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignInFirst { .. } => StatusCode::SEE_OTHER,
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::StaleForm => StatusCode::FORBIDDEN,
            PageError::Api(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let PageError::SignInFirst { next } = self {
            let location = format!("/sign-in?next={}", form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
            return HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish();
        }
        if let PageError::Api(ApiError::Internal(source)) = self {
            tracing::error!(error = ?source, "internal error on a page");
        }
        let (heading, detail) = match self {
            PageError::NotFound | PageError::Api(ApiError::NotFound(_)) => {
                ("Not found".to_owned(), "There is nothing here, or it is not yours to see.".to_owned())
            }
            PageError::Api(error @ ApiError::Internal(_)) => (error.problem().title, "Something went wrong on our side. Try again later.".to_owned()),
            PageError::Api(error) => (error.problem().title, error.to_string()),
            other => ("Not allowed".to_owned(), other.to_string()),
        };
        // The error page knows nothing of the visitor: its navigation is the
        // signed-out one, which works for everyone.
        let page = ErrorPage { chrome: Chrome::anonymous(&heading), heading, detail };
        html(HttpResponse::build(self.status_code()), &page)
    }
}

impl Chrome {
    fn anonymous(title: &str) -> Self {
        Self { title: title.to_owned(), person: None, nav: Vec::new(), csrf: String::new() }
    }
}

/// A rendered template with the headers every page carries.
pub(super) fn html(mut builder: HttpResponseBuilder, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => security_headers(&mut builder).content_type("text/html; charset=utf-8").body(body),
        Err(error) => {
            tracing::error!(%error, "rendering a page");
            HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body("internal error")
        }
    }
}

/// Pages are not framed, load scripts and styles only from here, and are
/// not cached (they show a person's own data).
fn security_headers(builder: &mut HttpResponseBuilder) -> &mut HttpResponseBuilder {
    builder
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .insert_header((header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}
