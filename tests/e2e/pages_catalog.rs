//! The badge image form of an achievement's console page: a file upload
//! through the same use case as `PUT /v1/achievements/{id}/image`, the
//! image shown once uploaded, and each refusal a message beside the form
//! that changes nothing.

use cairn_tests::{AchievementBuilder, PASSWORD, PageClient, Response, TestApp, csrf_token};

use crate::catalog::{SVG, fetch, png};

/// The `src` of the page's badge image, if it shows one.
fn shown_image(page: &Response) -> Option<String> {
    let marker = "id=\"badge-image\" src=\"";
    let start = page.text.find(marker)? + marker.len();
    page.text[start..].split('"').next().map(str::to_owned)
}

#[test]
fn an_issuer_uploads_and_replaces_the_badge_image_on_the_achievements_page() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let achievement = lakeside.achievement(&AchievementBuilder::micro("Data Visualisation"));
    let browser = PageClient::signed_in(&app, &lakeside.issuer.email, PASSWORD);
    let page = format!("/institution/catalog/{achievement}");
    let action = format!("{page}/image");
    let image_path = format!("/v1/achievements/{achievement}/image");

    let before = browser.get(&page);
    before.assert_page(200).assert_contains("No image uploaded").assert_contains(&format!("action=\"{action}\""));
    assert_eq!(shown_image(&before), None);
    let token = csrf_token(&before.text);

    // A PNG: the achievement's new version names its stable URL, and the page shows it.
    let badge = png(64, 64);
    let uploaded = browser.post_multipart(&action, &[("csrf", &token)], Some(("file", "badge.png", "image/png", &badge)));
    uploaded.assert_redirect(&format!("{page}?image=1"));
    let published = app.get(&format!("/v1/achievements/{achievement}"), None).body;
    assert_eq!((published["version"].as_i64(), published["image"].as_str()), (Some(2), Some(app.url(&image_path).as_str())));
    assert_eq!(fetch(&app, &image_path, None, &[]).2, badge);
    let after = browser.get(&format!("{page}?image=1"));
    after.assert_page(200).assert_contains("The image is uploaded.").assert_not_contains("No image uploaded").assert_contains("Replace the image");
    let png_src = shown_image(&after).unwrap();
    assert!(png_src.starts_with(&format!("{image_path}?v=")), "{png_src}");

    // An SVG replaces it at the same URL (no new version); the page's src changes, so no cache shows the old one.
    // The browser's type for the file is not trusted: the bytes say what it is.
    let replaced = browser.post_multipart(&action, &[("csrf", &token)], Some(("file", "badge.svg", "application/octet-stream", SVG.as_bytes())));
    replaced.assert_redirect(&format!("{page}?image=1"));
    assert_eq!(fetch(&app, &image_path, None, &[]).2, SVG.as_bytes());
    assert_eq!(app.get(&format!("/v1/achievements/{achievement}"), None).body["version"], 2);
    let svg_src = shown_image(&browser.get(&page)).unwrap();
    assert_ne!(svg_src, png_src);

    // Refusals: the page again with the reason at the form, and nothing changed.
    let script = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let mut just_too_big = b"\x89PNG\r\n\x1a\n".to_vec();
    just_too_big.resize(1024 * 1024 + 1, 0);
    let far_too_big = vec![b'<'; 3 * 1024 * 1024];
    let truncated = &badge[..40];
    for (file, bytes, status, message) in [
        ("anim.gif", b"GIF89a....".as_slice(), 422, "anim.gif is neither a PNG nor an SVG image."),
        ("badge.svg", script.as_slice(), 422, "This image cannot be used: the SVG is refused: a &#60;script&#62; element."),
        ("page.html", b"<html><body>hi</body></html>".as_slice(), 422, "This image cannot be used: not an SVG image"),
        ("broken.png", truncated, 422, "This image cannot be used: not a PNG image"),
        ("huge.png", just_too_big.as_slice(), 413, "The image is too large: at most 1 MiB."),
        ("huger.svg", far_too_big.as_slice(), 413, "The image is too large: at most 1 MiB."),
    ] {
        let refused = browser.post_multipart(&action, &[("csrf", &token)], Some(("file", file, "image/png", bytes)));
        refused.assert_page(status).assert_contains(message).assert_contains("id=\"image-error\"").assert_contains("aria-invalid=\"true\"");
        assert_eq!(shown_image(&refused).as_deref(), Some(svg_src.as_str()), "{file}: the current image is still shown");
    }
    browser.post_multipart(&action, &[("csrf", &token)], None).assert_page(422).assert_contains("Choose a PNG or SVG file to upload.");
    assert_eq!(fetch(&app, &image_path, None, &[]).2, SVG.as_bytes());
    assert_eq!(app.get(&format!("/v1/achievements/{achievement}"), None).body["version"], 2);

    // A retired achievement's page has no form, and an upload is refused on the page.
    browser.submit(&page, &format!("{page}/retire"), &[("confirm", "yes")]).assert_redirect(&page);
    browser.get(&page).assert_page(200).assert_not_contains(&format!("action=\"{action}\""));
    let retired = browser.post_multipart(&action, &[("csrf", &token)], Some(("file", "badge.png", "image/png", &badge)));
    retired.assert_page(409).assert_contains("This achievement is retired");
    assert_eq!(fetch(&app, &image_path, None, &[]).2, SVG.as_bytes());
}
