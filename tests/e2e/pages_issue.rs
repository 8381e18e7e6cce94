//! The console's Issue page: issue one credential, and upload a CSV that
//! is previewed (a dry run, errors at their row and column) before it is
//! issued; a second click on "Issue" replays instead of issuing twice.

use cairn_tests::{AchievementBuilder, PASSWORD, PageClient, TestApp, csrf_token};

/// The value of the hidden `key` field of the confirm form.
fn confirm_key(html: &str) -> String {
    let marker = "name=\"key\" value=\"";
    let start = html.find(marker).unwrap_or_else(|| panic!("no confirm form in the page: {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[test]
fn an_issuer_issues_one_and_uploads_a_csv_after_a_preview() {
    let app = TestApp::spawn();
    let uni = app.institution("Page University");
    let learner = app.learner("page-learner");
    let achievement = uni.achievement(&AchievementBuilder::micro("Page Statistics"));
    let browser = PageClient::signed_in(&app, &uni.issuer.email, PASSWORD);

    let page = browser.get("/institution/issue");
    page.assert_page(200).assert_contains("Page Statistics").assert_contains("Upload a CSV");

    // Issue one: to an address (a claim code), and a refused date shown on the page.
    let one = browser.submit("/institution/issue", "/institution/issue", &[("achievement", &achievement), ("recipient", "new@example.org")]);
    one.assert_page(200).assert_contains("Issued to new@example.org").assert_contains("claim it with the code");
    let bad = browser.submit(
        "/institution/issue",
        "/institution/issue",
        &[("achievement", &achievement), ("recipient", &learner.id), ("awarded_at", "2999-01-01")],
    );
    bad.assert_page(422).assert_contains("lies in the future");
    assert!(learner.credentials().is_empty());

    // Upload: the preview issues nothing and names the bad row and column.
    let csv = format!("learner;name;achievement\n{};Ada;{achievement}\n{};Bo;not-an-id\n", learner.id, learner.id);
    let token = csrf_token(&page.text);
    let preview = browser.post_multipart("/institution/issue/csv", &[("csrf", &token)], Some(("file", "grades.csv", "text/csv", csv.as_bytes())));
    preview.assert_page(200).assert_contains("1 row ready to issue, 1 row with errors.").assert_contains("Ready to issue");
    assert!(preview.text.contains("<tr data-row=\"3\" class=\"failed\">"), "{}", preview.text);
    assert!(preview.text.contains("<td data-column>achievement</td>"), "{}", preview.text);
    assert!(learner.credentials().is_empty(), "a preview issues nothing");

    // Issue it; a second click shows the same result and issues nothing more.
    let key = confirm_key(&preview.text);
    let fields = [("csrf", token.as_str()), ("key", key.as_str()), ("csv", csv.as_str())];
    let issued = browser.post_multipart("/institution/issue/csv/confirm", &fields, None);
    issued.assert_page(200).assert_contains("1 row issued, 1 row not issued.");
    assert_eq!(learner.credentials().len(), 1);
    browser.post_multipart("/institution/issue/csv/confirm", &fields, None).assert_page(200).assert_contains("1 row issued, 1 row not issued.");
    assert_eq!(learner.credentials().len(), 1);

    // A file that is not a sheet of ours is refused on the page.
    let wrong =
        browser.post_multipart("/institution/issue/csv", &[("csrf", &token)], Some(("file", "x.csv", "text/csv", b"email,grade\na@b.org,A\n")));
    wrong.assert_page(422).assert_contains("unknown column `grade`");
}

#[test]
fn an_upload_needs_the_issuer_and_the_forms_token() {
    let app = TestApp::spawn();
    let uni = app.institution("Upload University");
    let learner = app.learner("upload-learner");
    let achievement = uni.achievement(&AchievementBuilder::micro("Upload Statistics"));
    let csv = format!("learner,achievement\n{},{achievement}\n", learner.id);
    let file = Some(("file", "grades.csv", "text/csv", csv.as_bytes()));

    let issuer = PageClient::signed_in(&app, &uni.issuer.email, PASSWORD);
    issuer.post_multipart("/institution/issue/csv", &[("csrf", "forged")], file).assert_page(403);
    issuer.post_multipart("/institution/issue/csv", &[], file).assert_page(403);
    let token = csrf_token(&issuer.get("/institution/issue").text);
    // Past the cap: 413, on the page.
    let huge = vec![b'a'; 5 * 1024 * 1024];
    issuer.post_multipart("/institution/issue/csv", &[("csrf", &token)], Some(("file", "big.csv", "text/csv", &huge))).assert_page(413);
    // No file chosen.
    issuer.post_multipart("/institution/issue/csv", &[("csrf", &token)], Some(("file", "", "application/octet-stream", b""))).assert_page(422);

    let someone = PageClient::signed_in(&app, &learner.email, PASSWORD);
    let token = csrf_token(&someone.get("/verify").text);
    someone.post_multipart("/institution/issue/csv", &[("csrf", &token)], file).assert_page(403);
    let signed_out = PageClient::new(&app);
    assert_eq!(signed_out.post_multipart("/institution/issue/csv", &[], file).status, 303);
    assert!(learner.credentials().is_empty());
}
