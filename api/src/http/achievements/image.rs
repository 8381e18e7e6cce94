//! An achievement's badge image: uploaded raw (PNG or SVG, checked by its
//! content) and served at a stable public URL.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, put, web};
use cairn_domain::AchievementId;

use crate::http::caller::Issuer;
use crate::http::extract::path_id;
use crate::http::me::import::read_body;
use crate::http::problem::{ApiError, ApiResult, ProblemDocument};
use crate::http::views::AchievementView;
use crate::services::badge_image::MAX_IMAGE_BYTES;
use crate::services::baked::ImageKind;
use crate::services::{Context, catalog};
use crate::state::AppState;
use crate::store::achievement_images;

/// A badge image, sent or served as the raw body.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct BadgeImage(#[expect(dead_code, reason = "documents the body's schema only")] Vec<u8>);

/// What an SVG served here may do: draw itself, nothing else (no scripts,
/// no fetches, no forms), even opened on its own.
const SVG_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/// Upload the achievement's badge image.
///
/// Issuers of the achievement's institution only (others get 404). The
/// body is the image itself, `image/png` or `image/svg+xml`, at most 1 MiB
/// (413). It is checked by its content: a PNG must decode (at most
/// 2048×2048 pixels); an SVG must be XML with an `<svg>` root and no
/// script, event handler attribute, external reference (`href` other than
/// `#…` or an embedded raster `data:image/…`, `url(…)` other than
/// `url(#…)`, `@import`), DTD or processing instruction (422; a body that
/// is not what its `Content-Type` says is 422 too). The image is served at
/// `GET /v1/achievements/{id}/image`, and the achievement's `image`
/// becomes that URL: a new version, so credentials issued from now on
/// carry it and bake it; those issued before keep theirs. A retired
/// achievement cannot be changed (409).
#[utoipa::path(
    tag = "catalog",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Achievement id")),
    request_body(
        description = "The badge image",
        content((BadgeImage = "image/png"), (BadgeImage = "image/svg+xml")),
    ),
    responses(
        (status = 200, description = "The achievement, its `image` the image's URL", body = AchievementView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not an issuer", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such achievement in the caller's institution", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The achievement is retired", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 1 MiB", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 415, description = "Neither image/png nor image/svg+xml", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Not the image its type says, or an SVG that runs or reaches out", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[put("/v1/achievements/{id}/image")]
pub async fn put_image(
    state: web::Data<AppState>,
    issuer: Issuer,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let id: AchievementId = path_id(&path, "achievement")?;
    let mime = req.mime_type().ok().flatten();
    let kind = mime
        .as_ref()
        .and_then(|m| ImageKind::from_media_type(m.essence_str()))
        .ok_or_else(|| ApiError::UnsupportedMediaType("send the image as `image/png` or `image/svg+xml`".into()))?;
    let bytes = read_body(&req, payload, MAX_IMAGE_BYTES).await?;
    let ctx = Context::new(&state, issuer.caller.id);
    let org = issuer.org;
    let achievement = state.store.write_as(move |conn| catalog::set_image(conn, &ctx, org, id, kind, bytes)).await?;
    Ok(HttpResponse::Ok().json(AchievementView::new(achievement, &state.public_url)))
}

/// The achievement's badge image.
///
/// Public: the URL is the achievement's `image` in every credential issued
/// since the upload. The latest upload is served, with its `ETag` (the
/// SHA-256 of its bytes; `If-None-Match` answers 304), a short public
/// cache lifetime, `X-Content-Type-Options: nosniff`, and for an SVG a
/// `Content-Security-Policy` that lets it do nothing but draw.
#[utoipa::path(
    tag = "catalog",
    params(("id" = String, Path, description = "Achievement id")),
    responses(
        (status = 200, description = "The image", content((BadgeImage = "image/png"), (BadgeImage = "image/svg+xml"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        (status = 404, description = "No such achievement, or no image uploaded", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/achievements/{id}/image")]
pub async fn get_image(state: web::Data<AppState>, path: web::Path<String>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let id: AchievementId = path_id(&path, "achievement")?;
    let image = state.store.read(move |conn| achievement_images::find(conn, id)).await?.ok_or_else(|| ApiError::NotFound("image".into()))?;
    let etag = format!("\"{}\"", image.digest);
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let mut response = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if image.media_type == "image/svg+xml" {
        response.insert_header((header::CONTENT_SECURITY_POLICY, SVG_POLICY));
    }
    if matches {
        return Ok(response.finish());
    }
    Ok(response.content_type(image.media_type).body(image.bytes))
}
