//! Badges baked into images: a PNG whose `iTXt` chunk has the keyword
//! `openbadgecredential` (OB 3.0 §5.3) or `openbadges` (Open Badges 2.0
//! Baking, and early OB 3.0 bakers), or an SVG with an
//! `<openbadges:assertion>` (OB 2.0) or `<openbadges:credential>` (OB 3.0)
//! element. What is baked in is a credential or assertion as JSON, a compact
//! JWS (an OB 3.0 VC-JWT or an OB 2.0 signed assertion), or the URL of a
//! hosted OB 2.0 assertion. Pure: bytes in, what was baked out.

use std::io::Cursor;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use serde_json::Value;

use crate::services::verification::Presented;

/// The largest image accepted; a badge is a small picture.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// The largest baked text, once decompressed: a compressed iTXt chunk
/// must not inflate into more than this.
const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// The PNG keywords: OB 2.0's (also used by early OB 3.0 bakers), OB 3.0's.
const KEYWORDS: [&str; 2] = ["openbadges", "openbadgecredential"];

/// The namespaces of the SVG element: OB 2.0's and OB 3.0's.
const NAMESPACES: [&str; 2] = ["http://openbadges.org", "https://purl.imsglobal.org/ob/v3p0"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Svg,
}

impl ImageKind {
    /// The kind a media type (without parameters) names.
    pub fn from_media_type(essence: &str) -> Option<Self> {
        match essence.to_ascii_lowercase().as_str() {
            "image/png" => Some(ImageKind::Png),
            "image/svg+xml" => Some(ImageKind::Svg),
            _ => None,
        }
    }
}

/// What was baked into an image.
#[derive(Debug, Clone)]
pub enum Baked {
    /// A credential or assertion as JSON, or a compact JWS.
    Presented(Presented),
    /// The URL of a hosted Open Badges 2.0 assertion.
    Url(String),
}

/// Why no badge could be taken out of an image.
#[derive(Debug, thiserror::Error)]
pub enum BakedError {
    #[error("the image is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("not a PNG image: {0}")]
    NotPng(String),
    #[error("not an SVG image: {0}")]
    NotSvg(String),
    #[error("the image carries no badge: {0}")]
    NoBadge(&'static str),
    #[error("the badge baked into the image cannot be read: {0}")]
    Unreadable(String),
}

/// Takes the badge out of an image of `kind`.
pub fn extract(kind: ImageKind, bytes: &[u8]) -> Result<Baked, BakedError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(BakedError::TooLarge { limit: MAX_IMAGE_BYTES });
    }
    let text = match kind {
        ImageKind::Png => png_text(bytes)?,
        ImageKind::Svg => return svg_badge(bytes),
    };
    interpret(&text)
}

/// The text of the `openbadges` (or `openbadgecredential`) chunk: `iTXt` as both specifications say,
/// or the Latin-1 `tEXt` some older bakers wrote.
fn png_text(bytes: &[u8]) -> Result<String, BakedError> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    // Chunks are read, pixels never decoded; this bounds what is allocated.
    decoder.set_limits(png::Limits { bytes: 4 * MAX_IMAGE_BYTES });
    decoder.set_ignore_text_chunk(false);
    let mut reader = decoder.read_info().map_err(|e| BakedError::NotPng(e.to_string()))?;
    // Text chunks may follow the image data: read to the end, skipping it.
    reader.finish().map_err(|e| BakedError::NotPng(e.to_string()))?;
    let info = reader.info();
    let mut found: Vec<String> = Vec::new();
    for chunk in info.utf8_text.iter().filter(|c| KEYWORDS.contains(&c.keyword.as_str())) {
        let mut chunk = chunk.clone();
        chunk.decompress_text_with_limit(MAX_TEXT_BYTES).map_err(|e| BakedError::Unreadable(e.to_string()))?;
        found.push(chunk.get_text().map_err(|e| BakedError::Unreadable(e.to_string()))?);
    }
    found.extend(info.uncompressed_latin1_text.iter().filter(|c| KEYWORDS.contains(&c.keyword.as_str())).map(|c| c.text.clone()));
    match found.len() {
        0 => Err(BakedError::NoBadge("the PNG has no iTXt chunk with the keyword `openbadges` or `openbadgecredential`")),
        1 => Ok(found.remove(0)),
        _ => Err(BakedError::Unreadable("the PNG has more than one badge chunk".into())),
    }
}

/// Which element of the SVG holds the badge.
enum Element {
    /// OB 2.0: `verify` holds the URL or the JWS, the content the JSON.
    Assertion { verify: Option<String> },
    /// OB 3.0: the content holds the JSON or the VC-JWT.
    Credential,
}

fn svg_badge(bytes: &[u8]) -> Result<Baked, BakedError> {
    let xml = std::str::from_utf8(bytes).map_err(|_| BakedError::NotSvg("not UTF-8 text".into()))?;
    let mut reader = NsReader::from_str(xml);
    let mut seen_root = false;
    // The badge element once found, its depth, and the text inside it.
    let mut open: Option<(Element, usize, String)> = None;
    let mut depth = 0usize;
    loop {
        let (namespace, event) = reader.read_resolved_event().map_err(|e| BakedError::NotSvg(e.to_string()))?;
        match event {
            Event::Start(start) if !seen_root => {
                is_svg_root(&start)?;
                seen_root = true;
                depth += 1;
            }
            Event::Empty(start) if !seen_root => {
                is_svg_root(&start)?;
                seen_root = true;
            }
            Event::Start(start) => {
                depth += 1;
                if open.is_none()
                    && let Some(element) = badge_element(&namespace, &start)?
                {
                    open = Some((element, depth, String::new()));
                }
            }
            Event::Empty(start) => {
                if open.is_none()
                    && let Some(element) = badge_element(&namespace, &start)?
                {
                    return finish_element(element, "");
                }
            }
            Event::End(_) => {
                if let Some((_, at, _)) = &open
                    && *at == depth
                    && let Some((element, _, text)) = open.take()
                {
                    return finish_element(element, &text);
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(text) => {
                if let Some((_, _, content)) = &mut open {
                    content.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some((_, _, content)) = &mut open {
                    content.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some((_, _, content)) = &mut open {
                    let resolved = match reference.resolve_char_ref().map_err(|e| BakedError::Unreadable(e.to_string()))? {
                        Some(c) => c.to_string(),
                        None => quick_xml::escape::resolve_predefined_entity(&reference)
                            .ok_or_else(|| BakedError::Unreadable(format!("unknown entity &{};", &*reference)))?
                            .to_owned(),
                    };
                    content.push_str(&resolved);
                }
            }
            Event::Eof if !seen_root => return Err(BakedError::NotSvg("no <svg> element".into())),
            Event::Eof => return Err(BakedError::NoBadge("the SVG has no <openbadges:assertion> or <openbadges:credential> element")),
            _ => {}
        }
    }
}

fn is_svg_root(start: &BytesStart) -> Result<(), BakedError> {
    if start.local_name().as_ref() == "svg" { Ok(()) } else { Err(BakedError::NotSvg("the root element is not <svg>".into())) }
}

/// The badge element `start` is, if it is one: an `assertion` or
/// `credential` element in an Open Badges namespace (or, unbound, under the
/// `openbadges` prefix the specifications use).
fn badge_element(namespace: &ResolveResult, start: &BytesStart) -> Result<Option<Element>, BakedError> {
    let ours = match namespace {
        ResolveResult::Bound(Namespace(uri)) => {
            let uri = uri.strip_suffix('/').unwrap_or(uri);
            NAMESPACES.iter().any(|known| known.eq_ignore_ascii_case(uri))
        }
        _ => start.name().prefix().is_some_and(|p| p.as_ref() == "openbadges"),
    };
    if !ours {
        return Ok(None);
    }
    match start.local_name().as_ref() {
        "assertion" => {
            let mut verify = None;
            for attribute in start.attributes() {
                let attribute = attribute.map_err(|e| BakedError::NotSvg(e.to_string()))?;
                if attribute.key.local_name().as_ref() == "verify" {
                    let value = attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| BakedError::NotSvg(e.to_string()))?;
                    verify = Some(value.trim().to_owned());
                }
            }
            Ok(Some(Element::Assertion { verify }))
        }
        "credential" => Ok(Some(Element::Credential)),
        _ => Ok(None),
    }
}

fn finish_element(element: Element, content: &str) -> Result<Baked, BakedError> {
    let content = content.trim();
    match element {
        Element::Credential if content.is_empty() => Err(BakedError::NoBadge("the <openbadges:credential> element is empty")),
        Element::Credential => interpret(content),
        Element::Assertion { verify } => {
            let verify = verify.filter(|v| !v.is_empty());
            match verify {
                // A signed assertion: the JWS is what verifies.
                Some(jws) if looks_like_jws(&jws) => Ok(Baked::Presented(Presented::Jwt(jws))),
                _ if !content.is_empty() => interpret(content),
                Some(url) => interpret(&url),
                None => Err(BakedError::NoBadge("the <openbadges:assertion> element has neither a `verify` attribute nor content")),
            }
        }
    }
}

/// JSON, a URL or a compact JWS.
fn interpret(text: &str) -> Result<Baked, BakedError> {
    let text = text.trim();
    if text.starts_with('{') {
        return match serde_json::from_str::<Value>(text) {
            Ok(doc @ Value::Object(_)) => Ok(Baked::Presented(Presented::Json(doc))),
            Ok(_) => Err(BakedError::Unreadable("the baked JSON is not an object".into())),
            Err(e) => Err(BakedError::Unreadable(format!("the baked JSON does not parse: {e}"))),
        };
    }
    if text.starts_with("https://") || text.starts_with("http://") {
        // Kept as written: it must equal the assertion's `id`.
        return match url::Url::parse(text) {
            Ok(_) => Ok(Baked::Url(text.to_owned())),
            Err(e) => Err(BakedError::Unreadable(format!("the baked URL does not parse: {e}"))),
        };
    }
    if looks_like_jws(text) {
        return Ok(Baked::Presented(Presented::Jwt(text.to_owned())));
    }
    Err(BakedError::Unreadable("expected JSON, a URL or a compact JWS".into()))
}

/// Three non-empty base64url segments (the signature is checked later).
fn looks_like_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1x1 PNG with these iTXt chunks before its image data, and one
    /// compressed chunk after it.
    fn png(chunks: &[(&str, &str)], after: Option<&str>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 1, 1);
        encoder.set_color(png::ColorType::Grayscale);
        for (keyword, text) in chunks {
            encoder.add_itxt_chunk((*keyword).to_owned(), (*text).to_owned()).unwrap();
        }
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[0]).unwrap();
        if let Some(text) = after {
            let mut chunk = png::text_metadata::ITXtChunk::new("openbadges", text);
            chunk.compress_text().unwrap();
            writer.write_text_chunk(&chunk).unwrap();
        }
        writer.finish().unwrap();
        out
    }

    const JWT: &str = "eyJhbGciOiJFUzI1NiJ9.eyJ0eXBlIjoiVmVyaWZpYWJsZUNyZWRlbnRpYWwifQ.c2ln";

    #[test]
    fn a_png_yields_what_its_openbadges_chunk_holds() {
        match extract(ImageKind::Png, &png(&[("Title", "x"), ("openbadges", JWT)], None)).unwrap() {
            Baked::Presented(Presented::Jwt(jwt)) => assert_eq!(jwt, JWT),
            other => panic!("{other:?}"),
        }
        match extract(ImageKind::Png, &png(&[("openbadges", "https://issuer.example/a/1")], None)).unwrap() {
            Baked::Url(url) => assert_eq!(url, "https://issuer.example/a/1"),
            other => panic!("{other:?}"),
        }
        match extract(ImageKind::Png, &png(&[("openbadges", r#"{"type": "Assertion"}"#)], None)).unwrap() {
            Baked::Presented(Presented::Json(doc)) => assert_eq!(doc["type"], "Assertion"),
            other => panic!("{other:?}"),
        }
        // Compressed, after the image data.
        match extract(ImageKind::Png, &png(&[], Some(JWT))).unwrap() {
            Baked::Presented(Presented::Jwt(jwt)) => assert_eq!(jwt, JWT),
            other => panic!("{other:?}"),
        }
        assert!(matches!(extract(ImageKind::Png, &png(&[("openbadges", JWT)], Some(JWT))), Err(BakedError::Unreadable(_))));
        // OB 3.0's keyword.
        match extract(ImageKind::Png, &png(&[("openbadgecredential", JWT)], None)).unwrap() {
            Baked::Presented(Presented::Jwt(jwt)) => assert_eq!(jwt, JWT),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn images_without_a_badge_or_not_images_are_refused() {
        assert!(matches!(extract(ImageKind::Png, &png(&[("Title", "x")], None)), Err(BakedError::NoBadge(_))));
        assert!(matches!(extract(ImageKind::Png, b"GIF89a not a png"), Err(BakedError::NotPng(_))));
        assert!(matches!(extract(ImageKind::Svg, b"<html></html>"), Err(BakedError::NotSvg(_))));
        assert!(matches!(extract(ImageKind::Svg, b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), Err(BakedError::NoBadge(_))));
        assert!(matches!(extract(ImageKind::Svg, b"not xml at all"), Err(BakedError::NotSvg(_))));
        assert!(matches!(extract(ImageKind::Png, &vec![0; MAX_IMAGE_BYTES + 1]), Err(BakedError::TooLarge { .. })));
        assert!(matches!(extract(ImageKind::Png, &png(&[("openbadges", "hello")], None)), Err(BakedError::Unreadable(_))));
    }

    #[test]
    fn an_svg_yields_its_assertion_or_credential() {
        let ob2 = r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
            <g><openbadges:assertion verify="https://issuer.example/a/1"><![CDATA[{"id": "https://issuer.example/a/1", "type": "Assertion"}]]></openbadges:assertion></g>
            <circle r="1"/></svg>"#;
        match extract(ImageKind::Svg, ob2.as_bytes()).unwrap() {
            Baked::Presented(Presented::Json(doc)) => assert_eq!(doc["id"], "https://issuer.example/a/1"),
            other => panic!("{other:?}"),
        }
        let url_only = r#"<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://issuer.example/a/1"/></svg>"#;
        assert!(matches!(extract(ImageKind::Svg, url_only.as_bytes()).unwrap(), Baked::Url(_)));
        let signed =
            format!(r#"<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="{JWT}">{{"a": 1}}</openbadges:assertion></svg>"#);
        assert!(matches!(extract(ImageKind::Svg, signed.as_bytes()).unwrap(), Baked::Presented(Presented::Jwt(_))));
        let ob3 = format!(
            r#"<svg xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><ob:credential>
            {JWT}
        </ob:credential></svg>"#
        );
        match extract(ImageKind::Svg, ob3.as_bytes()).unwrap() {
            Baked::Presented(Presented::Jwt(jwt)) => assert_eq!(jwt, JWT),
            other => panic!("{other:?}"),
        }
        // Escaped JSON text content is unescaped.
        let escaped = r#"<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential>{&quot;type&quot;: &#34;VerifiableCredential&#34;}</openbadges:credential></svg>"#;
        match extract(ImageKind::Svg, escaped.as_bytes()).unwrap() {
            Baked::Presented(Presented::Json(doc)) => assert_eq!(doc["type"], "VerifiableCredential"),
            other => panic!("{other:?}"),
        }
        // Another namespace's `assertion` element is not a badge.
        let other = r#"<svg xmlns:x="https://example.org/x"><x:assertion>{"a": 1}</x:assertion></svg>"#;
        assert!(matches!(extract(ImageKind::Svg, other.as_bytes()), Err(BakedError::NoBadge(_))));
    }
}
