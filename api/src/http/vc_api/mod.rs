//! The W3C VC API (VCALM) edge: `POST /credentials/issue`,
//! `/credentials/status`, `/credentials/verify`, `/presentations/verify`,
//! one file each, over `services::vc_api`. Errors are the service's
//! problem documents; fields are named as the VC API request names them.

pub mod issue;
pub mod status;
pub mod verify_credential;
pub mod verify_presentation;

use crate::http::problem::{ApiError, FieldError};
use crate::services::issuing::IssuingError;
use crate::services::vc_api::{self, VcApiError};

impl From<VcApiError> for ApiError {
    fn from(error: VcApiError) -> Self {
        match error {
            VcApiError::Invalid { field, message } => ApiError::invalid_field(field, message),
            VcApiError::UnknownCredential => ApiError::NotFound("credential".into()),
            VcApiError::Issuing(error) => issuing_problem(error),
            VcApiError::Status(error) => error.into(),
            VcApiError::Store(error) => error.into(),
        }
    }
}

/// An issuing error as the JSON issue endpoint renders it, with its fields
/// renamed to the VC API request's (`achievement` is
/// `credential.credentialSubject.achievement.id`, and so on).
pub fn issuing_problem(error: IssuingError) -> ApiError {
    match ApiError::from(error) {
        ApiError::Invalid { errors, .. } => {
            let errors: Vec<FieldError> = errors.into_iter().map(|e| FieldError::new(vc_api::issue_field(&e.field), e.message)).collect();
            let detail = errors.iter().map(|e| format!("`{}`: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
            ApiError::Invalid { detail, errors }
        }
        other => other,
    }
}
