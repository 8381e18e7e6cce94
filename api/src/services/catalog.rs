//! An institution's catalog: publishing an achievement, new versions of
//! it, retiring it, and its badge image.

use cairn_domain::catalog::AchievementDefinition;
use cairn_domain::{AchievementId, HttpUrl, OrgId};

use crate::services::Context;
use crate::services::badge_image::{self, ImageError};
use crate::services::baked::ImageKind;
use crate::store::achievement_images::{self, StoredImage};
use crate::store::achievements::{self, Achievement, Version};
use crate::store::{DbConn, StoreError, audit};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// No such achievement in the caller's institution (the same answer
    /// for one of another institution, so ids do not leak).
    #[error("achievement not found")]
    NotFound,
    /// A retired achievement is frozen: no new version, no new image.
    #[error("this achievement is retired; it cannot be changed")]
    Retired,
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Publishes `definition` (already valid by construction) in `org`'s
/// catalog, audited as the context's actor at its instant.
pub fn publish(conn: &mut DbConn, ctx: &Context, org: OrgId, definition: AchievementDefinition) -> Result<Achievement, CatalogError> {
    Ok(achievements::insert(conn, org, definition, ctx.actor, ctx.now)?)
}

/// The achievement `id` of `org`'s catalog.
pub fn of_org(conn: &mut DbConn, org: OrgId, id: AchievementId) -> Result<Achievement, CatalogError> {
    achievements::find(conn, id)?.filter(|a| a.org == org).ok_or(CatalogError::NotFound)
}

/// Makes `definition` the achievement's new version. Credentials already
/// issued keep theirs: their signed documents are never rendered again
/// from the new one. The same definition again changes nothing (no new
/// version), so a repeated PUT is harmless.
pub fn update(
    conn: &mut DbConn,
    ctx: &Context,
    org: OrgId,
    id: AchievementId,
    definition: AchievementDefinition,
) -> Result<Achievement, CatalogError> {
    let current = of_org(conn, org, id)?;
    if current.retired_at.is_some() {
        return Err(CatalogError::Retired);
    }
    if current.definition == definition {
        return Ok(current);
    }
    Ok(achievements::update(conn, &current, definition, ctx.actor, ctx.now)?)
}

/// Retires the achievement: nothing new is issued of it by hand, while
/// everything issued stays valid. Idempotent: retiring it again answers
/// the achievement as it is, with its first `retired_at`.
pub fn retire(conn: &mut DbConn, ctx: &Context, org: OrgId, id: AchievementId) -> Result<Achievement, CatalogError> {
    let current = of_org(conn, org, id)?;
    Ok(achievements::retire(conn, &current, ctx.actor, ctx.now)?)
}

/// Every version of a (public) achievement, oldest first.
pub fn versions(conn: &mut DbConn, id: AchievementId) -> Result<Vec<Version>, CatalogError> {
    if achievements::find(conn, id)?.is_none() {
        return Err(CatalogError::NotFound);
    }
    Ok(achievements::versions(conn, id)?)
}

/// The stable public URL of an achievement's uploaded image.
pub fn image_url(public_url: &str, id: AchievementId) -> String {
    format!("{public_url}/v1/achievements/{id}/image")
}

/// Stores an uploaded badge image (checked by its content) and makes the
/// achievement's `image` its stable URL: a new version, unless the
/// current one already names that URL (the URL then serves the new image).
pub fn set_image(
    conn: &mut DbConn,
    ctx: &Context,
    org: OrgId,
    id: AchievementId,
    kind: ImageKind,
    bytes: Vec<u8>,
) -> Result<Achievement, CatalogError> {
    let current = of_org(conn, org, id)?;
    if current.retired_at.is_some() {
        return Err(CatalogError::Retired);
    }
    badge_image::check(kind, &bytes)?;
    let image =
        StoredImage { media_type: badge_image::media_type(kind).to_owned(), digest: badge_image::digest(&bytes), bytes, uploaded_at: ctx.now };
    achievement_images::put(conn, id, &image)?;
    audit::record(
        conn,
        audit::Entry::new(audit::Action::AchievementImage, "achievement", id.to_string())
            .at(ctx.now)
            .actor(ctx.actor)
            .org(org)
            .detail(serde_json::json!({ "media_type": image.media_type, "bytes": image.bytes.len(), "digest": image.digest })),
    )?;
    let url = HttpUrl::parse(&image_url(&ctx.public_url, id)).map_err(|e| StoreError::Corrupt(format!("image URL: {e}")))?;
    if current.definition.image.as_ref() == Some(&url) {
        return Ok(current);
    }
    let definition = AchievementDefinition { image: Some(url), ..current.definition.clone() };
    Ok(achievements::update(conn, &current, definition, ctx.actor, ctx.now)?)
}
