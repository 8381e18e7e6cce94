//! The badge image form of an achievement's console page:
//! `POST /institution/catalog/{id}/image`, a file input sent as
//! `multipart/form-data`. The same use case as
//! `PUT /v1/achievements/{id}/image`; the kind of image is read from the
//! file's first bytes (a browser's type for a file is a guess from its
//! name), and the use case checks all of it. A refusal (not a PNG or SVG,
//! too large, an SVG that could run or reach out) is the page again with
//! the reason beside the form.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;

use crate::http::problem::ApiError;
use crate::services::Context;
use crate::services::badge_image::{self, ImageError, MAX_IMAGE_BYTES};
use crate::services::catalog::{self, CatalogError};
use crate::state::AppState;
use crate::web::console::catalog::{load, parse_id, stored_page};
use crate::web::page::PageError;
use crate::web::session::IssuerPage;
use crate::web::upload::Upload;

/// The body's cap: the image's own cap and room for the form's other
/// parts, so an image just past its cap gets the use case's answer.
const MAX_IMAGE_UPLOAD: usize = MAX_IMAGE_BYTES + 64 * 1024;

#[derive(Deserialize)]
pub struct ImageFields {}

/// A refusal in the page's words, and its status.
fn refusal(error: &ImageError) -> (StatusCode, String) {
    match error {
        ImageError::TooLarge { limit } => {
            (StatusCode::PAYLOAD_TOO_LARGE, format!("The image is too large: at most {} MiB. Choose a smaller file.", limit / (1024 * 1024)))
        }
        other => (StatusCode::UNPROCESSABLE_ENTITY, format!("This image cannot be used: {other}.")),
    }
}

/// Uploads (or replaces) the achievement's badge image.
#[post("/institution/catalog/{id}/image")]
pub async fn upload_image(
    state: web::Data<AppState>,
    page: IssuerPage,
    path: web::Path<String>,
    upload: Result<Upload<ImageFields, MAX_IMAGE_UPLOAD>, PageError>,
) -> Result<HttpResponse, PageError> {
    let id = parse_id(&path)?;
    let loaded = load(&state, &page, id).await?;
    let refused = |status: StatusCode, message: String| {
        let mut view = stored_page(&page, &state, &loaded);
        view.image_error = Some(message);
        page.visitor.render_with(status, &view)
    };
    let file = match upload {
        Ok(upload) => upload.file,
        // Past the body's cap, the form's token was never read: the page
        // again with the reason changes nothing.
        Err(PageError::Api(ApiError::PayloadTooLarge { .. })) => {
            let (status, message) = refusal(&ImageError::TooLarge { limit: MAX_IMAGE_BYTES });
            return refused(status, message);
        }
        Err(other) => return Err(other),
    };
    let Some(file) = file else {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, "Choose a PNG or SVG file to upload.".into());
    };
    let Some(kind) = badge_image::kind_of(&file.bytes) else {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, format!("{} is neither a PNG nor an SVG image.", file.filename));
    };
    let ctx = Context::new(&state, page.caller.id);
    let org = page.org;
    let bytes = file.bytes.to_vec();
    match state.store.write_as(move |conn| catalog::set_image(conn, &ctx, org, id, kind, bytes)).await {
        Ok(_) => Ok(page.visitor.redirect(&format!("/institution/catalog/{id}?image=1"))),
        Err(CatalogError::Image(error)) => {
            let (status, message) = refusal(&error);
            refused(status, message)
        }
        Err(CatalogError::Retired) => refused(StatusCode::CONFLICT, "This achievement is retired: its image cannot change.".into()),
        Err(other) => Err(other.into()),
    }
}
