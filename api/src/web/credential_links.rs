//! What a learner takes a credential elsewhere with: the "Add to LinkedIn
//! profile" link, a QR code of a share link, and the badge drawn when an
//! achievement has no image of its own.

use chrono::{DateTime, Datelike, Utc};

/// What LinkedIn's add-certification form is filled with.
pub struct Certification<'a> {
    pub name: &'a str,
    pub organisation: &'a str,
    pub issued: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
    /// Where anyone can check it (a public share link).
    pub url: &'a str,
    pub id: &'a str,
}

/// LinkedIn's "add to profile" address for `cert`, every value encoded.
pub fn linkedin_url(cert: &Certification<'_>) -> String {
    let (expiration_year, expiration_month) = cert.expires.map(|at| (at.year().to_string(), at.month().to_string())).unwrap_or_default();
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("startTask", "CERTIFICATION_NAME")
        .append_pair("name", cert.name)
        .append_pair("organizationName", cert.organisation)
        .append_pair("issueYear", &cert.issued.year().to_string())
        .append_pair("issueMonth", &cert.issued.month().to_string())
        .append_pair("expirationYear", &expiration_year)
        .append_pair("expirationMonth", &expiration_month)
        .append_pair("certUrl", cert.url)
        .append_pair("certId", cert.id)
        .finish();
    format!("https://www.linkedin.com/profile/add?{query}")
}

/// A QR code of `url` as an SVG element, to place inline in a page.
pub fn qr_svg(url: &str) -> Result<String, qrcode::types::QrError> {
    let code = qrcode::QrCode::new(url.as_bytes())?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build();
    // Inline in HTML, the XML declaration is out of place.
    Ok(svg.split_once("?>").map_or(svg.as_str(), |(_, rest)| rest).trim().to_owned())
}

/// Up to two initials of `name`: "Data Analysis Basics" → "DA".
pub fn initials(name: &str) -> String {
    let letters: String = name.split_whitespace().filter_map(|word| word.chars().find(|c| c.is_alphanumeric())).take(2).collect();
    if letters.is_empty() { "?".to_owned() } else { letters.to_uppercase() }
}

/// A round badge with the initials of `name`, labelled with the name, for
/// achievements without an image.
pub fn badge_svg(name: &str) -> String {
    format!(
        concat!(
            r#"<svg class="badge" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-label="Badge: {label}">"#,
            r#"<circle cx="32" cy="32" r="30" class="badge-ring"/>"#,
            r#"<text x="32" y="40" text-anchor="middle" font-size="22" font-weight="700" class="badge-initials">{initials}</text></svg>"#
        ),
        label = escape(name),
        initials = escape(&initials(name)),
    )
}

/// Text and attribute escaping for the SVG built here (quick-xml's, which
/// also escapes both quotes).
fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_linkedin_link_carries_every_field_encoded() {
        let issued = Utc.with_ymd_and_hms(2024, 3, 12, 9, 0, 0).single().expect("a date");
        let cert = Certification {
            name: "Data & Analysis",
            organisation: "Northfield University",
            issued,
            expires: None,
            url: "https://cairn.example/v1/shares/abc?x=1",
            id: "0190-id",
        };
        let url = linkedin_url(&cert);
        assert!(url.starts_with("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&"), "{url}");
        assert!(url.contains("name=Data+%26+Analysis"), "{url}");
        assert!(url.contains("organizationName=Northfield+University"), "{url}");
        assert!(url.contains("issueYear=2024&issueMonth=3"), "{url}");
        assert!(url.contains("expirationYear=&expirationMonth=&"), "{url}");
        assert!(url.contains("certUrl=https%3A%2F%2Fcairn.example%2Fv1%2Fshares%2Fabc%3Fx%3D1"), "{url}");
        assert!(url.ends_with("certId=0190-id"), "{url}");
        let expiring = linkedin_url(&Certification { expires: Some(issued + chrono::Duration::days(400)), ..cert });
        assert!(expiring.contains("expirationYear=2025&expirationMonth=4"), "{expiring}");
    }

    #[test]
    fn the_qr_code_is_an_inline_svg() {
        let svg = qr_svg("https://cairn.example/v1/shares/token").expect("a QR code");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
    }

    #[test]
    fn the_drawn_badge_shows_initials_and_names_itself() {
        assert_eq!(initials("Data analysis basics"), "DA");
        assert_eq!(initials("  (SQL) fundamentals"), "SF");
        assert_eq!(initials(""), "?");
        let svg = badge_svg("R&D <Lab>");
        assert!(svg.contains(r#"aria-label="Badge: R&amp;D &lt;Lab&gt;""#), "{svg}");
        assert!(svg.contains(">RL</text>"), "{svg}");
    }
}
