//! The one error type at the HTTP edge, rendered as an RFC 9457
//! `application/problem+json` document with a stable `type` per kind.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::awards::AwardError;
use crate::services::badge_image::ImageError;
use crate::services::baking::BakeError;
use crate::services::catalog::CatalogError;
use crate::services::claims::ClaimError;
use crate::services::credential_status::StatusError;
use crate::services::csv_batch::{Column, CsvError, RowError};
use crate::services::issued::IssuedError;
use crate::services::issuer::IssueError;
use crate::services::issuing::IssuingError;
use crate::services::jobs::JobError;
use crate::services::pathways::PathwayError;
use crate::services::reviews::ReviewError;
use crate::services::webhooks::WebhookError;
use crate::store::StoreError;

/// One invalid input field: where it is (a JSON path such as
/// `recipient.email`, or a query parameter name) and what is wrong with it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// The RFC 9457 problem document every error response carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDocument {
    /// A stable URI naming the kind of problem; clients switch on it.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Present when input was invalid: one entry per offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything a handler can fail with. Each variant maps to one status and
/// one stable problem type.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{detail}")]
    Invalid { detail: String, errors: Vec<FieldError> },
    /// A query parameter that is unknown, missing or malformed: 400, with
    /// `errors` naming the parameter (the body's counterpart is `Invalid`).
    #[error("{detail}")]
    InvalidQuery { detail: String, errors: Vec<FieldError> },
    /// The path exists but not with this method: 405 with `Allow`.
    #[error("{method} is not supported here; use {}", allow.join(", "))]
    MethodNotAllowed { method: String, allow: Vec<String> },
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// Also what a caller gets for a resource they may not see, so that ids
    /// do not leak.
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A 409 of its own type: the achievement is retired, so nothing new is
    /// issued of it (what was issued stays valid).
    #[error("{0}")]
    AchievementRetired(String),
    #[error("request body too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the database is busy; try again")]
    Unavailable,
    #[error("too many requests; try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// Details are logged, never sent: they may hold internals.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A single invalid field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        ApiError::Invalid { detail: format!("`{}`: {}", error.field, error.message), errors: vec![error] }
    }

    /// A single invalid query parameter (400).
    pub fn invalid_query(field: impl Into<String>, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        ApiError::InvalidQuery { detail: format!("query parameter `{}`: {}", error.field, error.message), errors: vec![error] }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(error.into())
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Invalid { .. } => ("validation", "Invalid input"),
            ApiError::InvalidQuery { .. } => ("invalid-query", "Invalid query parameter"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::Unauthenticated(_) => ("unauthenticated", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::AchievementRetired(_) => ("achievement-retired", "Achievement retired"),
            ApiError::PayloadTooLarge { .. } => ("payload-too-large", "Request body too large"),
            ApiError::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            ApiError::Unavailable => ("unavailable", "Service unavailable"),
            ApiError::RateLimited { .. } => ("rate-limited", "Too many requests"),
            ApiError::Internal(_) => ("internal", "Internal error"),
        }
    }

    pub fn problem(&self) -> ProblemDocument {
        let (slug, title) = self.kind();
        let errors = match self {
            ApiError::Invalid { errors, .. } | ApiError::InvalidQuery { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        ProblemDocument {
            kind: format!("https://cairn.dev/problems/{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.to_string(),
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::InvalidQuery { .. } => StatusCode::BAD_REQUEST,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::AchievementRetired(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(source) = self {
            tracing::error!(error = ?source, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        if matches!(self, ApiError::Unauthenticated(_)) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let ApiError::MethodNotAllowed { allow, .. } = self {
            response.insert_header(("Allow", allow.join(", ")));
        }
        if let ApiError::RateLimited { retry_after } = self {
            response.insert_header(("Retry-After", retry_after.to_string()));
        }
        response.json(self.problem())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => ApiError::NotFound(what.to_owned()),
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::Busy => ApiError::Unavailable,
            StoreError::Invalid { field, message } => ApiError::invalid_field(field, message),
            other => ApiError::internal(other),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

// Use-case errors, each mapped once. Credentials, awards, claims, pathways, reviews:

impl From<IssueError> for ApiError {
    fn from(error: IssueError) -> Self {
        if let Some(field) = issue_field(&error) {
            return ApiError::invalid_field(field, error.to_string());
        }
        match error {
            IssueError::UnknownIssuer => ApiError::NotFound("organisation".into()),
            IssueError::AchievementRetired => ApiError::AchievementRetired(error.to_string()),
            IssueError::Store(error) => error.into(),
            other => ApiError::internal(other),
        }
    }
}

impl From<IssuingError> for ApiError {
    fn from(error: IssuingError) -> Self {
        match error {
            IssuingError::Refused(error) => error.into(),
            IssuingError::Awards(error) => error.into(),
            IssuingError::IdempotencyKeyReused => ApiError::invalid_field("Idempotency-Key", error.to_string()),
        }
    }
}

// CSV issuing: a refused file names what to fix (the column, or `file`);
// a row's error names its column, as the spreadsheet calls it.
impl From<CsvError> for ApiError {
    fn from(error: CsvError) -> Self {
        let field = match &error {
            CsvError::UnknownColumn(column) | CsvError::DuplicateColumn(column) => column.clone(),
            CsvError::NoRecipientColumn => "email".to_owned(),
            CsvError::NoAchievementColumn => "achievement".to_owned(),
            CsvError::NotUtf8 { .. } | CsvError::Empty | CsvError::NoRows | CsvError::TooManyRows | CsvError::Unreadable { .. } => "file".to_owned(),
        };
        ApiError::invalid_field(field, error.to_string())
    }
}

impl From<RowError> for ApiError {
    fn from(error: RowError) -> Self {
        match error {
            RowError::Cell(cell) => ApiError::invalid_field(cell.column.map_or("row", Column::header), cell.message),
            RowError::Refused(error) => match ApiError::from(error) {
                ApiError::Invalid { errors, .. } => {
                    let errors: Vec<FieldError> = errors
                        .into_iter()
                        .map(|e| FieldError { field: Column::of_field(&e.field).map_or(e.field, |c| c.header().to_owned()), message: e.message })
                        .collect();
                    let detail = errors.iter().map(|e| format!("`{}`: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
                    ApiError::Invalid { detail, errors }
                }
                other => other,
            },
        }
    }
}

/// The request field an issuing error is about, when the caller can fix it.
fn issue_field(error: &IssueError) -> Option<String> {
    Some(match error {
        IssueError::UnknownAchievement => "achievement".to_owned(),
        IssueError::RecipientAmbiguous => "recipient".to_owned(),
        IssueError::RecipientNotLearner => "recipient.learner".to_owned(),
        IssueError::RecipientIsStaff => "recipient.email".to_owned(),
        IssueError::AwardedInFuture | IssueError::AwardedBefore1900 | IssueError::ValidityOverflows => "awarded_at".to_owned(),
        IssueError::ValidUntilNotAfterAward => "valid_until".to_owned(),
        IssueError::TooMuchEvidence => "evidence".to_owned(),
        IssueError::EvidenceTooLong { index } | IssueError::EvidenceEmpty { index } => format!("evidence[{index}]"),
        IssueError::UnknownIssuer
        | IssueError::AchievementRetired
        | IssueError::Signing(_)
        | IssueError::ClaimCode(_)
        | IssueError::Json(_)
        | IssueError::Store(_) => return None,
    })
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        match error {
            WebhookError::NotFound(what) => ApiError::NotFound(what.into()),
            WebhookError::Invalid { field, message } => ApiError::invalid_field(field, message),
            WebhookError::TooMany => ApiError::Conflict(error.to_string()),
            WebhookError::Store(error) => error.into(),
            WebhookError::Secret(_) => ApiError::internal(error),
        }
    }
}

impl From<AwardError> for ApiError {
    fn from(error: AwardError) -> Self {
        match error {
            AwardError::PathwayNotFound => ApiError::NotFound("pathway".into()),
            AwardError::Contended(_) => ApiError::Conflict(error.to_string()),
            AwardError::Issue(error) => error.into(),
            AwardError::Store(error) => error.into(),
        }
    }
}

impl From<StatusError> for ApiError {
    fn from(error: StatusError) -> Self {
        match error {
            StatusError::NotFound => ApiError::NotFound("credential".into()),
            StatusError::NotAllowed { .. } => ApiError::Conflict(error.to_string()),
            StatusError::Awards(error) => error.into(),
            StatusError::Store(error) => error.into(),
        }
    }
}

impl From<IssuedError> for ApiError {
    fn from(error: IssuedError) -> Self {
        match error {
            IssuedError::Store(error) => error.into(),
        }
    }
}

impl From<ClaimError> for ApiError {
    fn from(error: ClaimError) -> Self {
        match error {
            ClaimError::UnknownCode => ApiError::NotFound("claim code".into()),
            ClaimError::AchievementNotFound => ApiError::NotFound("achievement".into()),
            ClaimError::Issue(error) => error.into(),
            ClaimError::Awards(error) => error.into(),
            ClaimError::Store(error) => error.into(),
        }
    }
}

impl From<ReviewError> for ApiError {
    fn from(error: ReviewError) -> Self {
        match error {
            ReviewError::NotFound => ApiError::NotFound("award review".into()),
            ReviewError::AlreadyDecided(_) | ReviewError::DecidedConcurrently | ReviewError::NoLongerComplete | ReviewError::AlreadyAwarded => {
                ApiError::Conflict(error.to_string())
            }
            ReviewError::Awards(error) => error.into(),
            ReviewError::Store(error) => error.into(),
        }
    }
}

impl From<PathwayError> for ApiError {
    fn from(error: PathwayError) -> Self {
        match error {
            PathwayError::NotFound => ApiError::NotFound("pathway".into()),
            // A rule that does not fit the graph is a 422 naming the problem.
            PathwayError::Graph(_) | PathwayError::Evaluation(_) => ApiError::invalid_field("requirement", error.to_string()),
            PathwayError::AwardRetired => ApiError::AchievementRetired(error.to_string()),
            PathwayError::Awards(error) => error.into(),
            PathwayError::Jobs(error) => error.into(),
            PathwayError::Store(error) => error.into(),
        }
    }
}

impl From<JobError> for ApiError {
    fn from(error: JobError) -> Self {
        match error {
            JobError::NotFound => ApiError::NotFound("job".into()),
            JobError::Awards(error) => error.into(),
            JobError::Store(error) => error.into(),
            // Stored work this process cannot read, or a rule the graph no
            // longer takes: the service's problem, not the caller's.
            JobError::Params(_) | JobError::Graph(_) => ApiError::internal(error),
        }
    }
}

impl From<crate::services::credentials::ReadError> for ApiError {
    fn from(error: crate::services::credentials::ReadError) -> Self {
        use crate::services::credentials::ReadError as E;
        match error {
            E::NotFound => ApiError::NotFound("credential".into()),
            E::Store(error) => error.into(),
        }
    }
}

// Records and people: verification, imports, sharing, employment, talent, accounts, e-mail:

impl From<crate::services::sharing::ShareError> for ApiError {
    fn from(error: crate::services::sharing::ShareError) -> Self {
        use crate::services::sharing::{MAX_AUDIENCE, MAX_REQUEST_MESSAGE, MAX_SHARE_DAYS, ShareError as E};
        match error {
            E::ExpiryInPast => ApiError::invalid_field("expires_at", "must be in the future"),
            E::ExpiryTooFar => ApiError::invalid_field("expires_at", format!("must be at most {MAX_SHARE_DAYS} days ahead")),
            E::AudienceTooLong => ApiError::invalid_field("audience", format!("must be at most {MAX_AUDIENCE} characters")),
            error @ (E::NotTheHolder { index, .. } | E::NotInWallet { index, .. }) => {
                ApiError::invalid_field(format!("credentials[{index}]"), error.to_string())
            }
            E::UnknownRequest => ApiError::NotFound("share request".into()),
            E::RequestAnswered => ApiError::Conflict(error.to_string()),
            E::UnknownShare => ApiError::NotFound("share".into()),
            E::NotGranted(_) => ApiError::Conflict(error.to_string().to_lowercase()),
            E::UnknownLearner => ApiError::NotFound("learner".into()),
            E::MessageTooLong => ApiError::invalid_field("message", format!("must be at most {MAX_REQUEST_MESSAGE} characters")),
            E::Token(_) | E::Signing(_) => ApiError::internal(error),
            E::Store(error) => error.into(),
        }
    }
}

impl From<crate::services::employment::EmploymentError> for ApiError {
    fn from(error: crate::services::employment::EmploymentError) -> Self {
        use crate::services::employment::EmploymentError as E;
        match error {
            E::NotAnEmployer => ApiError::invalid_field("employer_org", error.to_string()),
            E::UnknownRecord => ApiError::NotFound("employment record".into()),
            E::AlreadyAttested => ApiError::Conflict(error.to_string()),
            E::Signing(_) => ApiError::internal(error),
            E::Store(error) => error.into(),
        }
    }
}

impl From<crate::services::imports::ImportError> for ApiError {
    fn from(error: crate::services::imports::ImportError) -> Self {
        use crate::services::imports::ImportError as E;
        match error {
            E::UnknownAccount => ApiError::NotFound("account".into()),
            E::Baked(crate::services::baked::BakedError::TooLarge { limit }) => ApiError::PayloadTooLarge { limit },
            E::Baked(_) | E::NotACredential(_) => ApiError::invalid_field("body", error.to_string()),
            E::Json(_) => ApiError::internal(error),
            E::Store(error) => error.into(),
        }
    }
}

impl From<crate::services::talent::TalentError> for ApiError {
    fn from(error: crate::services::talent::TalentError) -> Self {
        use crate::services::talent::TalentError as E;
        match error {
            E::Vanished(what) => ApiError::NotFound(what.to_owned()),
            E::Store(error) => error.into(),
        }
    }
}

impl From<crate::services::rate_limits::LimitError> for ApiError {
    fn from(error: crate::services::rate_limits::LimitError) -> Self {
        use crate::services::rate_limits::LimitError as E;
        match error {
            E::Exceeded { retry_after } => ApiError::RateLimited { retry_after },
            E::Store(error) => error.into(),
        }
    }
}

impl From<crate::services::accounts::AccountError> for ApiError {
    fn from(error: crate::services::accounts::AccountError) -> Self {
        use crate::services::accounts::AccountError as E;
        match error {
            E::UnknownOrganisation => ApiError::NotFound("organisation".into()),
            E::RoleMismatch { .. } => ApiError::invalid_field("role", error.to_string()),
            E::Key(_) | E::Hashing(_) => ApiError::internal(error),
            E::Verification(error) => error.into(),
            E::Store(error) => error.into(),
        }
    }
}

impl From<crate::services::email_verification::EmailVerificationError> for ApiError {
    fn from(error: crate::services::email_verification::EmailVerificationError) -> Self {
        use crate::services::email_verification::EmailVerificationError as E;
        match error {
            E::UnknownCode | E::ExpiredCode => ApiError::invalid_field("code", error.to_string()),
            E::AlreadyConfirmed(_) => ApiError::Conflict(error.to_string()),
            E::UnknownAccount => ApiError::NotFound("account".into()),
            E::Secret(_) | E::Mail(_) => ApiError::internal(error),
            E::Claim(error) => error.into(),
            E::Store(error) => error.into(),
        }
    }
}

impl From<crate::services::wallet::WalletError> for ApiError {
    fn from(error: crate::services::wallet::WalletError) -> Self {
        use crate::services::wallet::WalletError as E;
        match error {
            E::UnknownAccount => ApiError::NotFound("account".into()),
            E::Signing(_) => ApiError::internal(error),
            E::Store(error) => error.into(),
        }
    }
}

impl From<crate::services::sessions::SessionError> for ApiError {
    fn from(error: crate::services::sessions::SessionError) -> Self {
        use crate::services::sessions::SessionError as E;
        match error {
            E::WrongCredentials => ApiError::Unauthenticated(error.to_string()),
            E::Secret(_) | E::Hashing(_) => ApiError::internal(error),
            E::Store(error) => error.into(),
        }
    }
}

// The catalog: versions, retiring, images; baked credentials.

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::NotFound => ApiError::NotFound("achievement".into()),
            CatalogError::Retired => ApiError::AchievementRetired(error.to_string()),
            CatalogError::Image(error) => error.into(),
            CatalogError::Store(error) => error.into(),
        }
    }
}

impl From<ImageError> for ApiError {
    fn from(error: ImageError) -> Self {
        match error {
            ImageError::TooLarge { limit } => ApiError::PayloadTooLarge { limit },
            ImageError::NotPng(_) | ImageError::NotSvg(_) | ImageError::UnsafeSvg(_) => ApiError::invalid_field("body", error.to_string()),
        }
    }
}

impl From<BakeError> for ApiError {
    fn from(error: BakeError) -> Self {
        match error {
            BakeError::NotFound => ApiError::NotFound("credential".into()),
            BakeError::Store(error) => error.into(),
            other => ApiError::internal(other),
        }
    }
}
