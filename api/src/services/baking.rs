//! Baking (Open Badges 3.0 §5.3): a credential's VC-JWT put into its badge
//! image, so the picture itself carries the credential. A PNG gets an
//! `iTXt` chunk with the keyword `openbadgecredential` (written by the
//! `png` crate, CRC and all); an SVG gets an `<openbadges:credential>`
//! element right inside its root, with the VC-JWT as its content. The
//! image is the achievement's uploaded one when the credential's version
//! names it (an SVG upload cannot become a PNG: the PNG is then the
//! default), else a generated default. `baked::extract` takes the
//! credential out again.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cairn_domain::CredentialId;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::auth::Caller;
use crate::services::PublicContext;
use crate::services::badge_image::{self, ImageError};
use crate::services::baked::ImageKind;
use crate::services::catalog;
use crate::services::credentials::{self, ReadError};
use crate::store::achievement_images::{self, StoredImage};
use crate::store::{DbConn, StoreError, achievements};

/// The PNG keyword OB 3.0 bakes credentials under.
pub const PNG_KEYWORD: &str = "openbadgecredential";

/// The namespace of the SVG element.
pub const SVG_NAMESPACE: &str = "https://purl.imsglobal.org/ob/v3p0";

/// The side of the default PNG, in pixels.
const DEFAULT_SIDE: u32 = 256;

#[derive(Debug, thiserror::Error)]
pub enum BakeError {
    /// No such credential, or the reader may not see it.
    #[error("credential not found")]
    NotFound,
    #[error("the badge image cannot be baked: {0}")]
    Image(#[from] ImageError),
    #[error("encoding the image: {0}")]
    Encode(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ReadError> for BakeError {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::NotFound => BakeError::NotFound,
            ReadError::Store(error) => BakeError::Store(error),
        }
    }
}

/// A baked image of credential `id` for `reader` (who may read the
/// credential: its holder, staff of its institution): the image's bytes
/// and a file name.
pub fn baked_credential(conn: &mut DbConn, ctx: &PublicContext, reader: &Caller, id: CredentialId, kind: ImageKind) -> Result<Vec<u8>, BakeError> {
    let credential = credentials::find_visible(conn, reader, id)?;
    let achievement =
        achievements::find_version(conn, credential.achievement, credential.achievement_version)?.ok_or(StoreError::NotFound("achievement"))?;
    let url = catalog::image_url(&ctx.public_url, achievement.id);
    let image = match &achievement.definition.image {
        Some(named) if named.to_string() == url => achievement_images::find(conn, achievement.id)?,
        _ => None,
    };
    bake(kind, image.as_ref(), achievement.definition.name.as_str(), &credential.jwt)
}

/// Bakes `jwt` into `image` (or the default) as `kind`.
pub fn bake(kind: ImageKind, image: Option<&StoredImage>, name: &str, jwt: &str) -> Result<Vec<u8>, BakeError> {
    let media = image.map(|i| i.media_type.as_str());
    match kind {
        ImageKind::Png => {
            let pixels = match (image, media) {
                (Some(image), Some("image/png")) => badge_image::decode_png(&image.bytes)?,
                _ => default_pixels(),
            };
            bake_png(&pixels, jwt)
        }
        ImageKind::Svg => {
            let svg = match (image, media) {
                (Some(image), Some("image/svg+xml")) => String::from_utf8_lossy(&image.bytes).into_owned(),
                (Some(image), Some("image/png")) => default_svg(name, Some(&image.bytes)),
                _ => default_svg(name, None),
            };
            bake_svg(&svg, jwt)
        }
    }
}

fn bake_png(pixels: &badge_image::Pixels, jwt: &str) -> Result<Vec<u8>, BakeError> {
    let encode = |e: png::EncodingError| BakeError::Encode(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixels.width, pixels.height);
    encoder.set_color(pixels.color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.add_itxt_chunk(PNG_KEYWORD.to_owned(), jwt.to_owned()).map_err(encode)?;
    let mut writer = encoder.write_header().map_err(encode)?;
    writer.write_image_data(&pixels.data).map_err(encode)?;
    writer.finish().map_err(encode)?;
    Ok(out)
}

/// Puts the credential element right after the root's start tag (an empty
/// root is opened and closed around it). The SVG was checked at upload.
fn bake_svg(svg: &str, jwt: &str) -> Result<Vec<u8>, BakeError> {
    let element = format!("<openbadges:credential xmlns:openbadges=\"{SVG_NAMESPACE}\"><![CDATA[{jwt}]]></openbadges:credential>");
    let mut reader = Reader::from_str(svg);
    loop {
        let event = reader.read_event().map_err(|e| ImageError::NotSvg(e.to_string()))?;
        let end = usize::try_from(reader.buffer_position()).map_err(|e| BakeError::Encode(e.to_string()))?;
        match event {
            Event::Start(_) => {
                let (head, tail) = svg.split_at(end);
                return Ok(format!("{head}{element}{tail}").into_bytes());
            }
            Event::Empty(start) => {
                let name = start.name().as_ref().to_owned();
                let (head, tail) = svg.split_at(end);
                let head = head.strip_suffix("/>").ok_or_else(|| BakeError::Encode("an empty root without `/>`".into()))?;
                return Ok(format!("{head}>{element}</{name}>{tail}").into_bytes());
            }
            Event::Eof => return Err(ImageError::NotSvg("no <svg> element".into()).into()),
            _ => {}
        }
    }
}

/// A plain disc on a transparent square, RGBA.
fn default_pixels() -> badge_image::Pixels {
    let side = DEFAULT_SIDE;
    let centre = f64::from(side) / 2.0;
    let radius = centre - 8.0;
    let mut data = Vec::with_capacity((side * side * 4) as usize);
    for y in 0..side {
        for x in 0..side {
            let (dx, dy) = (f64::from(x) + 0.5 - centre, f64::from(y) + 0.5 - centre);
            let d = (dx * dx + dy * dy).sqrt();
            if d <= radius - 12.0 {
                data.extend_from_slice(&[31, 111, 120, 255]);
            } else if d <= radius {
                data.extend_from_slice(&[222, 170, 60, 255]);
            } else {
                data.extend_from_slice(&[0, 0, 0, 0]);
            }
        }
    }
    badge_image::Pixels { width: side, height: side, color: png::ColorType::Rgba, data }
}

/// A disc with the achievement's name, around an uploaded PNG when there
/// is one (embedded as a data URL: the SVG stays self-contained).
fn default_svg(name: &str, png: Option<&[u8]>) -> String {
    let name = quick_xml::escape::escape(name);
    let picture = match png {
        Some(bytes) => format!("<image x=\"0\" y=\"0\" width=\"256\" height=\"256\" href=\"data:image/png;base64,{}\"/>", STANDARD.encode(bytes)),
        None => format!(
            "<circle cx=\"128\" cy=\"128\" r=\"120\" fill=\"#deaa3c\"/><circle cx=\"128\" cy=\"128\" r=\"108\" fill=\"#1f6f78\"/>\
             <text x=\"128\" y=\"136\" font-family=\"sans-serif\" font-size=\"16\" fill=\"#ffffff\" text-anchor=\"middle\">{name}</text>"
        ),
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 256 256\" width=\"256\" height=\"256\" role=\"img\" aria-label=\"{name}\">{picture}</svg>"
    )
}

#[cfg(test)]
mod tests {
    use crate::services::baked::{self, Baked, ImageKind};
    use crate::services::baking::bake;
    use crate::services::verification::Presented;
    use crate::store::achievement_images::StoredImage;

    const JWT: &str = "eyJhbGciOiJFUzI1NiJ9.eyJ0eXBlIjoiVmVyaWZpYWJsZUNyZWRlbnRpYWwifQ.c2ln";

    fn taken_out(kind: ImageKind, bytes: &[u8]) -> String {
        match baked::extract(kind, bytes).unwrap() {
            Baked::Presented(Presented::Jwt(jwt)) => jwt,
            other => panic!("{other:?}"),
        }
    }

    fn stored(media_type: &str, bytes: Vec<u8>) -> StoredImage {
        StoredImage { media_type: media_type.into(), digest: String::new(), bytes, uploaded_at: chrono::Utc::now() }
    }

    #[test]
    fn default_images_round_trip() {
        assert_eq!(taken_out(ImageKind::Png, &bake(ImageKind::Png, None, "A & B", JWT).unwrap()), JWT);
        let svg = bake(ImageKind::Svg, None, "A & B <C>", JWT).unwrap();
        assert_eq!(taken_out(ImageKind::Svg, &svg), JWT);
        assert!(String::from_utf8(svg).unwrap().contains("A &amp; B &lt;C&gt;"));
    }

    #[test]
    fn uploaded_images_round_trip() {
        let png = bake(ImageKind::Png, None, "x", "eyJh.eyJi.c2ln").unwrap();
        // An already baked PNG loses its old chunk: one credential per image.
        assert_eq!(taken_out(ImageKind::Png, &bake(ImageKind::Png, Some(&stored("image/png", png.clone())), "x", JWT).unwrap()), JWT);
        assert_eq!(taken_out(ImageKind::Svg, &bake(ImageKind::Svg, Some(&stored("image/png", png)), "x", JWT).unwrap()), JWT);
        for svg in [r#"<svg xmlns="http://www.w3.org/2000/svg"><circle r="2"/></svg>"#, r#"<svg xmlns="http://www.w3.org/2000/svg" />"#] {
            let baked = bake(ImageKind::Svg, Some(&stored("image/svg+xml", svg.as_bytes().to_vec())), "x", JWT).unwrap();
            assert_eq!(taken_out(ImageKind::Svg, &baked), JWT);
        }
    }
}
