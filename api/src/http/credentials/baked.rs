//! A credential baked into its badge image (Open Badges 3.0 baking).

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use cairn_domain::CredentialId;

use crate::http::caller::AnyAccount;
use crate::http::extract::path_id;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::services::baked::ImageKind;
use crate::services::{PublicContext, baking};
use crate::state::AppState;

/// A baked badge image, served as the raw body.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct BakedBadge(#[expect(dead_code, reason = "documents the body's schema only")] Vec<u8>);

async fn baked(state: web::Data<AppState>, caller: crate::auth::Caller, path: &str, kind: ImageKind) -> ApiResult<HttpResponse> {
    let id: CredentialId = path_id(path, "credential")?;
    let ctx = PublicContext::new(&state);
    let bytes = state.store.read_as(move |conn| baking::baked_credential(conn, &ctx, &caller, id, kind)).await?;
    let (media_type, extension) = match kind {
        ImageKind::Png => ("image/png", "png"),
        ImageKind::Svg => ("image/svg+xml", "svg"),
    };
    Ok(HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"credential-{id}.{extension}\"")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

/// The credential baked into a PNG.
///
/// Its holder, and issuers of the issuing institution, as
/// `GET /v1/credentials/{id}`; anyone else gets 404. The PNG is the
/// achievement's uploaded PNG when the credential's version names it,
/// else a generated default; its `iTXt` chunk `openbadgecredential` holds
/// the credential's VC-JWT (Open Badges 3.0 §5.3), so importing the image
/// elsewhere verifies it.
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id")),
    responses(
        (status = 200, description = "The baked PNG", content((BakedBadge = "image/png"))),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such credential, or not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/credentials/{id}/baked.png")]
pub async fn baked_png(state: web::Data<AppState>, AnyAccount(caller): AnyAccount, path: web::Path<String>) -> ApiResult<HttpResponse> {
    baked(state, caller, &path, ImageKind::Png).await
}

/// The credential baked into an SVG.
///
/// Who may: as for the PNG. The SVG is the achievement's uploaded image
/// when the credential's version names it (an uploaded PNG is embedded in
/// a generated SVG), else a generated default; an
/// `<openbadges:credential>` element right inside its root holds the
/// credential's VC-JWT (Open Badges 3.0 §5.3).
#[utoipa::path(
    tag = "credentials",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Credential id")),
    responses(
        (status = 200, description = "The baked SVG", content((BakedBadge = "image/svg+xml"))),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such credential, or not visible to the caller", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/credentials/{id}/baked.svg")]
pub async fn baked_svg(state: web::Data<AppState>, AnyAccount(caller): AnyAccount, path: web::Path<String>) -> ApiResult<HttpResponse> {
    baked(state, caller, &path, ImageKind::Svg).await
}
