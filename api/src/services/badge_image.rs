//! Checking an uploaded badge image by its content: a PNG must decode
//! (header and pixels, within a size bound), an SVG must be XML with an
//! `<svg>` root and nothing that runs or reaches out: no scripts, no event
//! handler attributes, no external references (`href`s other than a
//! `#fragment` or an embedded raster image, `url(...)` other than
//! `url(#...)`, stylesheet processing instructions, DTDs). Pure.

use std::io::Cursor;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::services::baked::ImageKind;

/// The largest image accepted (413 beyond it).
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;

/// The largest PNG side, in pixels: a badge is a small picture, and the
/// pixels are decoded (uploading and baking).
pub const MAX_SIDE: u32 = 2048;

/// Elements that run code or embed other documents.
const FORBIDDEN_ELEMENTS: [&str; 8] = ["script", "foreignobject", "iframe", "object", "embed", "handler", "listener", "audio"];

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("the image is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("not a PNG image: {0}")]
    NotPng(String),
    #[error("not an SVG image: {0}")]
    NotSvg(String),
    #[error("the SVG is refused: {0}")]
    UnsafeSvg(String),
}

pub fn media_type(kind: ImageKind) -> &'static str {
    match kind {
        ImageKind::Png => "image/png",
        ImageKind::Svg => "image/svg+xml",
    }
}

/// SHA-256 of the bytes, hex (the image's ETag).
pub fn digest(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// What kind of image `bytes` claim to be by their first bytes: the PNG
/// signature, or XML text (an SVG). For a file whose sender named no
/// usable type (a browser's upload); `check` then looks at all of it.
pub fn kind_of(bytes: &[u8]) -> Option<ImageKind> {
    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(PNG_SIGNATURE) {
        return Some(ImageKind::Png);
    }
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    text.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'<').then_some(ImageKind::Svg)
}

/// Whether `bytes` are a badge image of `kind` this service serves.
pub fn check(kind: ImageKind, bytes: &[u8]) -> Result<(), ImageError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge { limit: MAX_IMAGE_BYTES });
    }
    match kind {
        ImageKind::Png => decode_png(bytes).map(|_| ()),
        ImageKind::Svg => check_svg(bytes),
    }
}

/// A decoded PNG, normalised to 8 bits per channel without a palette.
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub color: png::ColorType,
    pub data: Vec<u8>,
}

/// Decodes the first frame of a PNG of at most `MAX_SIDE` pixels a side.
pub fn decode_png(bytes: &[u8]) -> Result<Pixels, ImageError> {
    let not_png = |e: &dyn std::fmt::Display| ImageError::NotPng(e.to_string());
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_limits(png::Limits { bytes: 4 * (MAX_SIDE as usize) * (MAX_SIDE as usize) + 1024 * 1024 });
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| not_png(&e))?;
    let (width, height) = reader.info().size();
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::NotPng(format!("at most {MAX_SIDE}×{MAX_SIDE} pixels")));
    }
    let size = reader.output_buffer_size().ok_or_else(|| ImageError::NotPng("the image is too large".into()))?;
    let mut data = vec![0; size];
    let frame = reader.next_frame(&mut data).map_err(|e| not_png(&e))?;
    data.truncate(frame.buffer_size());
    Ok(Pixels { width: frame.width, height: frame.height, color: frame.color_type, data })
}

fn check_svg(bytes: &[u8]) -> Result<(), ImageError> {
    let xml = std::str::from_utf8(bytes).map_err(|_| ImageError::NotSvg("not UTF-8 text".into()))?;
    let mut reader = Reader::from_str(xml);
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut in_style = false;
    loop {
        let event = reader.read_event().map_err(|e| ImageError::NotSvg(e.to_string()))?;
        match &event {
            Event::Start(start) | Event::Empty(start) => {
                if depth == 0 {
                    roots += 1;
                    if roots > 1 || start.local_name().as_ref() != "svg" {
                        return Err(ImageError::NotSvg("the root element is not <svg>".into()));
                    }
                }
                check_element(start)?;
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                    in_style = start.local_name().as_ref().eq_ignore_ascii_case("style");
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                in_style = false;
            }
            Event::Text(text) => {
                if depth == 0 && !text.as_ref().trim().is_empty() {
                    return Err(ImageError::NotSvg("text outside the <svg> element".into()));
                }
                if in_style {
                    check_css(text.as_ref())?;
                }
            }
            Event::CData(data) if in_style => check_css(data.as_ref())?,
            // `&#117;rl(` would spell `url(` past the check: no references in CSS.
            Event::GeneralRef(_) if in_style => return Err(ImageError::UnsafeSvg("a character reference in a stylesheet".into())),
            Event::DocType(_) => return Err(ImageError::UnsafeSvg("a DOCTYPE (entities could reach out)".into())),
            Event::PI(_) => return Err(ImageError::UnsafeSvg("a processing instruction (a stylesheet could reach out)".into())),
            Event::Eof if roots == 0 => return Err(ImageError::NotSvg("no <svg> element".into())),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn check_element(start: &BytesStart) -> Result<(), ImageError> {
    let name = start.local_name().as_ref().to_ascii_lowercase();
    if FORBIDDEN_ELEMENTS.contains(&name.as_str()) {
        return Err(ImageError::UnsafeSvg(format!("a <{name}> element")));
    }
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| ImageError::NotSvg(e.to_string()))?;
        let key = attribute.key.local_name().as_ref().to_ascii_lowercase();
        let value = attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| ImageError::NotSvg(e.to_string()))?;
        if key.starts_with("on") {
            return Err(ImageError::UnsafeSvg(format!("an event handler attribute `{key}`")));
        }
        if (key == "href" || key == "src") && !local_reference(&value) {
            return Err(ImageError::UnsafeSvg(format!("an external reference `{key}=\"{value}\"`")));
        }
        // Animations could set an `href` to a script URL.
        if key == "attributename" && value.to_ascii_lowercase().contains("href") {
            return Err(ImageError::UnsafeSvg("an animation of an href".into()));
        }
        check_css(&value)?;
    }
    Ok(())
}

/// A fragment of this document, or an embedded raster image.
fn local_reference(value: &str) -> bool {
    let value = value.trim();
    value.starts_with('#') || ["data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp"].iter().any(|p| value.starts_with(p))
}

/// `url(...)` other than `url(#...)`, and `@import`, reach out; CSS
/// escapes (`\75 rl(`) could spell them past this check, so none at all.
fn check_css(text: &str) -> Result<(), ImageError> {
    let lower = text.to_ascii_lowercase();
    if lower.contains('\\') && (lower.contains('(') || lower.contains('@') || lower.contains(':')) {
        return Err(ImageError::UnsafeSvg("a CSS escape".into()));
    }
    if lower.contains("@import") {
        return Err(ImageError::UnsafeSvg("a stylesheet @import".into()));
    }
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let target = rest.trim_start().trim_start_matches(['\'', '"']);
        if !target.starts_with('#') {
            return Err(ImageError::UnsafeSvg("an external url(...) reference".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::services::badge_image::{ImageError, MAX_IMAGE_BYTES, check, kind_of};
    use crate::services::baked::ImageKind;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&vec![200; (width * height * 3) as usize]).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_png_is_checked_by_its_content() {
        assert!(check(ImageKind::Png, &png(4, 4)).is_ok());
        assert!(matches!(check(ImageKind::Png, b"<svg/>"), Err(ImageError::NotPng(_))));
        assert!(matches!(check(ImageKind::Png, &png(4, 4)[..40]), Err(ImageError::NotPng(_))));
        assert!(matches!(check(ImageKind::Png, &png(2049, 1)), Err(ImageError::NotPng(_))));
        assert!(matches!(check(ImageKind::Png, &vec![0; MAX_IMAGE_BYTES + 1]), Err(ImageError::TooLarge { .. })));
    }

    #[test]
    fn an_uploads_kind_is_read_from_its_first_bytes() {
        assert_eq!(kind_of(&png(4, 4)), Some(ImageKind::Png));
        assert_eq!(kind_of(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), Some(ImageKind::Svg));
        assert_eq!(kind_of(b"\xef\xbb\xbf\n  <?xml version=\"1.0\"?><svg/>"), Some(ImageKind::Svg));
        assert_eq!(kind_of(b"GIF89a"), None);
        assert_eq!(kind_of(b"\x89PNX"), None);
        assert_eq!(kind_of(b""), None);
    }

    #[test]
    fn a_plain_svg_is_accepted() {
        let svg = r##"<?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">
            <defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>
            <style>circle { fill: url(#g) }</style>
            <circle r="5" fill="url(#g)"/><use xlink:href="#g"/></svg>"##;
        assert!(check(ImageKind::Svg, svg.as_bytes()).is_ok(), "{:?}", check(ImageKind::Svg, svg.as_bytes()));
    }

    #[test]
    fn svgs_that_run_or_reach_out_are_refused() {
        for svg in [
            r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><circle r="1"/></a></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><image x:href="https://tracker.example/p.png"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);</style></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://x.example/f)"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="href" to="javascript:alert(1)"/></svg>"#,
            r#"<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>"#,
            r#"<?xml-stylesheet href="https://x.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><style>rect { fill: &#117;rl(https://x.example/f) }</style></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><style>rect { fill: \75 rl(https://x.example/f) }</style></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: &#117;rl(https://x.example/f)"/></svg>"#,
        ] {
            assert!(matches!(check(ImageKind::Svg, svg.as_bytes()), Err(ImageError::UnsafeSvg(_))), "accepted: {svg}");
        }
        for svg in ["<html/>", "not xml <", "", "<svg/><svg/>"] {
            assert!(matches!(check(ImageKind::Svg, svg.as_bytes()), Err(ImageError::NotSvg(_))), "accepted: {svg}");
        }
    }
}
