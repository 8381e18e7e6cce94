//! The web face's foundation: signing in and out, registering, CSRF on every
//! form, and who may open a page (signed out: to sign-in; wrong role: 403).

use cairn_tests::{PASSWORD, PageClient, TestApp};

#[test]
fn a_person_signs_in_lands_on_their_start_page_and_signs_out() {
    let app = TestApp::spawn();
    let learner = app.learner("page-learner");
    let browser = PageClient::signed_in(&app, &learner.email, PASSWORD);
    let session = browser.cookie("cairn_session").expect("a session cookie");
    assert!(session.len() >= 40, "the session secret is long: {session}");
    browser.get("/").assert_redirect("/wallet");
    // Signing out needs the form's token, then ends the session on the server.
    browser.post_form("/sign-out", &[]).assert_page(403);
    browser.get("/").assert_redirect("/wallet");
    let out = browser.submit("/confirm-email", "/sign-out", &[]);
    out.assert_redirect("/");
    assert!(browser.cookie("cairn_session").is_none(), "the cookie is removed");
    browser.get("/").assert_page(200).assert_contains("Sign in");
    // The old secret no longer opens anything, even if someone kept it.
    let thief = PageClient::new(&app);
    thief.set_cookie("cairn_session", &session);
    let replay = thief.get("/institution");
    replay.assert_redirect("/sign-in?next=%2Finstitution");
}

#[test]
fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn();
    let learner = app.learner("cookie-learner");
    let browser = PageClient::new(&app);
    let page = browser.get("/sign-in");
    let token = cairn_tests::csrf_token(&page.text);
    let response = browser.post_form("/sign-in", &[("csrf", &token), ("email", &learner.email), ("password", PASSWORD)]);
    let cookie =
        response.headers.iter().find(|(n, v)| n.eq_ignore_ascii_case("set-cookie") && v.starts_with("cairn_session=")).expect("set-cookie").1.clone();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    // The test app's public URL is http, so the cookie cannot be Secure.
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[test]
fn a_wrong_password_shows_the_form_again_and_opens_no_session() {
    let app = TestApp::spawn();
    let learner = app.learner("wrong-password");
    let browser = PageClient::new(&app);
    let wrong = browser.submit("/sign-in", "/sign-in", &[("email", &learner.email), ("password", "not-the-password")]);
    wrong.assert_page(401).assert_contains("Wrong e-mail or password.");
    let unknown = browser.submit("/sign-in", "/sign-in", &[("email", "nobody@example.test"), ("password", PASSWORD)]);
    unknown.assert_page(401).assert_contains("Wrong e-mail or password.");
    assert!(browser.cookie("cairn_session").is_none());
    browser.submit("/sign-in", "/sign-in", &[("email", "not an address"), ("password", PASSWORD)]).assert_page(422);
}

#[test]
fn forms_without_this_visitors_token_are_refused() {
    let app = TestApp::spawn();
    let learner = app.learner("csrf-learner");
    let browser = PageClient::new(&app);
    // No token at all, and a token made up by another site.
    browser.post_form("/sign-in", &[("email", &learner.email), ("password", PASSWORD)]).assert_page(403).assert_contains("expired");
    browser.get("/sign-in");
    let forged = "A".repeat(43);
    browser.post_form("/sign-in", &[("csrf", &forged), ("email", &learner.email), ("password", PASSWORD)]).assert_page(403);
    assert!(browser.cookie("cairn_session").is_none());
    // Another visitor's token does not work in this browser.
    let other = PageClient::new(&app);
    let their_token = cairn_tests::csrf_token(&other.get("/sign-in").text);
    browser.post_form("/sign-in", &[("csrf", &their_token), ("email", &learner.email), ("password", PASSWORD)]).assert_page(403);
    // A form sent as something else is not a form.
    let raw = app.call_raw("POST", "/sign-in", None, "application/json", b"{}");
    assert_eq!(raw.status, 415, "{}", raw.text);
}

#[test]
fn sign_in_returns_only_to_pages_of_this_site() {
    let app = TestApp::spawn();
    let institution = app.institution("Redirect University");
    let browser = PageClient::new(&app);
    let response = browser.submit(
        "/sign-in?next=/institution",
        "/sign-in",
        &[("email", &institution.issuer.email), ("password", PASSWORD), ("next", "/institution")],
    );
    response.assert_redirect("/institution");
    for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
        let elsewhere = PageClient::new(&app);
        let response = elsewhere.submit("/sign-in", "/sign-in", &[("email", &institution.issuer.email), ("password", PASSWORD), ("next", next)]);
        response.assert_redirect("/institution");
    }
}

#[test]
fn pages_for_a_role_send_the_signed_out_to_sign_in_and_refuse_other_roles() {
    let app = TestApp::spawn();
    let institution = app.institution("Role University");
    let learner = app.learner("role-learner");
    let anonymous = PageClient::new(&app);
    anonymous.get("/institution").assert_redirect("/sign-in?next=%2Finstitution");
    let as_learner = PageClient::signed_in(&app, &learner.email, PASSWORD);
    as_learner.get("/institution").assert_page(403).assert_contains("issuer accounts");
    let as_issuer = PageClient::signed_in(&app, &institution.issuer.email, PASSWORD);
    as_issuer.get("/institution").assert_page(200).assert_contains("Role University");
    // Every page is HTML, including the 404 of a path that is no page.
    anonymous.get("/static/nothing.css").assert_page(404);
    let css = anonymous.get("/static/cairn.css");
    assert_eq!(css.status, 200);
    assert!(css.content_type.starts_with("text/css"), "{}", css.content_type);
}

#[test]
fn registering_opens_a_session_and_the_mailed_code_confirms_the_address() {
    let app = TestApp::builder().with_mail_sink().spawn();
    let browser = PageClient::new(&app);
    let email = "new.person@example.test";
    let response = browser.submit("/register", "/register", &[("name", "New Person"), ("email", email), ("password", "a-long-enough-password")]);
    response.assert_redirect("/confirm-email");
    assert!(browser.cookie("cairn_session").is_some());
    let me = app.get("/v1/me", Some(&app.token(email, "a-long-enough-password")));
    assert_eq!(me.body["email_verified"], false, "{}", me.text);
    browser.submit("/confirm-email", "/confirm-email", &[("code", "WRONG-CODE")]).assert_page(422);
    let code = app.verification_code(email);
    browser.submit("/confirm-email", "/confirm-email", &[("code", &code)]).assert_page(200).assert_contains("Your address is confirmed.");
    // The same address cannot register twice; the form says so.
    let again = PageClient::new(&app);
    again.submit("/register", "/register", &[("name", "Copy"), ("email", email), ("password", "a-long-enough-password")]).assert_page(409);
    again.submit("/register", "/register", &[("name", "Short"), ("email", "short@example.test"), ("password", "short")]).assert_page(422);
}
