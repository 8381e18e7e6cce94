//! Uploaded badge images, one per achievement (the latest upload), stored
//! as base64 text (portable column types) with their SHA-256 as ETag.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cairn_domain::AchievementId;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::achievement_images;
use super::time;

#[derive(Debug, Clone)]
pub struct StoredImage {
    /// `image/png` or `image/svg+xml`.
    pub media_type: String,
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes, hex.
    pub digest: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Stores `image` as the achievement's (replacing an earlier upload).
pub fn put(conn: &mut DbConn, id: AchievementId, image: &StoredImage) -> StoreResult<()> {
    let data = STANDARD.encode(&image.bytes);
    let at = time::to_db(image.uploaded_at);
    diesel::delete(achievement_images::table.find(id.to_string())).execute(conn).map_err(StoreError::from_query)?;
    diesel::insert_into(achievement_images::table)
        .values((
            achievement_images::achievement_id.eq(id.to_string()),
            achievement_images::media_type.eq(&image.media_type),
            achievement_images::data.eq(data),
            achievement_images::digest.eq(&image.digest),
            achievement_images::uploaded_at.eq(at),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: AchievementId) -> StoreResult<Option<StoredImage>> {
    let row = achievement_images::table
        .find(id.to_string())
        .select((achievement_images::media_type, achievement_images::data, achievement_images::digest, achievement_images::uploaded_at))
        .first::<(String, String, String, NaiveDateTime)>(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    row.map(|(media_type, data, digest, at)| {
        let bytes = STANDARD.decode(data).map_err(|e| StoreError::Corrupt(format!("achievement image: {e}")))?;
        Ok(StoredImage { media_type, bytes, digest, uploaded_at: time::from_db(at) })
    })
    .transpose()
}

/// The digest of the achievement's image, if one was uploaded (a page's
/// cache-busting query, without loading the bytes).
pub fn digest(conn: &mut DbConn, id: AchievementId) -> StoreResult<Option<String>> {
    achievement_images::table.find(id.to_string()).select(achievement_images::digest).first::<String>(conn).optional().map_err(StoreError::from_query)
}
