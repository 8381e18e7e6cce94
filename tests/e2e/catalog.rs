//! The catalog as institutions keep it: new versions of an achievement
//! (what was issued never changes), retiring one (nothing new is issued),
//! badge images (checked by content, served at a stable URL) and
//! credentials baked into them (OB 3.0 baking), round-tripping through the
//! wallet's import.

use std::io::Read;

use cairn_tests::{AchievementBuilder, Institution, IssueRequest, Learner, PASSWORD, PageClient, Pathway, Response, Rule, TestApp};
use serde_json::json;

const RETIRED: &str = "https://cairn.dev/problems/achievement-retired";

fn definition(name: &str) -> AchievementBuilder {
    AchievementBuilder::micro(name).description("Design clear charts.").criteria("Four charts and a capstone.").set("key", "data-viz")
}

pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&vec![90; (width * height * 3) as usize]).unwrap();
    writer.finish().unwrap();
    out
}

pub(crate) const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#1f6f78"/></svg>"##;

/// A GET whose body is kept as bytes (images).
pub(crate) fn fetch(app: &TestApp, path: &str, token: Option<&str>, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut request = ureq::get(&app.url(path));
    if let Some(token) = token {
        request = request.set("Authorization", &format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let response = match request.call() {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("transport error: {error}"),
    };
    let status = response.status();
    let headers = response.headers_names().into_iter().filter_map(|n| response.header(&n).map(|v| (n.to_ascii_lowercase(), v.to_owned()))).collect();
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).unwrap();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn upload(institution: &Institution, achievement: &str, content_type: &str, bytes: &[u8]) -> Response {
    institution.issuer.app.call_raw("PUT", &format!("/v1/achievements/{achievement}/image"), Some(&institution.issuer.token), content_type, bytes)
}

fn import_image(app: &TestApp, learner: &Learner, content_type: &str, bytes: &[u8]) -> Response {
    let token = app.token(&learner.email, PASSWORD);
    app.call_raw("POST", "/v1/me/credentials/import", Some(&token), content_type, bytes)
}

#[test]
fn a_new_version_leaves_issued_credentials_as_they_were_signed() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada");
    let achievement = lakeside.achievement(&definition("Data Visualisation"));
    let path = format!("/v1/achievements/{achievement}");
    assert_eq!(app.get(&path, None).body["version"], 1);
    assert_eq!(app.get(&path, None).body["key"], "data-viz");
    let before = lakeside.issue(&learner.id, &achievement);
    assert_eq!(before["achievement_version"], 1);
    // One waits for an address without an account: claimed after the change.
    let waiting = lakeside.try_issue(&IssueRequest::new(&achievement).to_email("bob@example.org"));
    waiting.assert_status(201);

    let changed = definition("Data Visualisation Fundamentals").set("key", "data-viz-101");
    let updated = lakeside.issuer.put(&path, &changed);
    updated.assert_status(200);
    assert_eq!((updated.body["version"].as_i64(), updated.body["name"].as_str()), (Some(2), Some("Data Visualisation Fundamentals")));
    assert_eq!(updated.body["key"], "data-viz-101");
    // The same definition again is no new version.
    assert_eq!(lakeside.issuer.put(&path, &changed).body["version"], 2);

    // The issued credential: the same signed bytes, verifying as before.
    let id = before["id"].as_str().unwrap();
    let read = learner.get(&format!("/v1/credentials/{id}"));
    assert_eq!(read.body["ob3"], before["ob3"]);
    assert_eq!(read.body["jwt"], before["jwt"]);
    assert_eq!(read.body["achievement_version"], 1);
    assert_eq!(read.body["ob3"]["credentialSubject"]["achievement"]["name"], "Data Visualisation");
    assert_eq!(app.verify(before["jwt"].as_str().unwrap())["verified"], true);

    // A claim signs the waiting one again, still under the version it was issued under.
    let bob = app.learner_unconfirmed("bob@example.org");
    let claimed = bob.post("/v1/me/claims", &json!({ "code": waiting.body["claim_code"] }));
    claimed.assert_status(200);
    assert_eq!(claimed.body["achievement_version"], 1, "{}", claimed.text);
    assert_eq!(claimed.body["ob3"]["credentialSubject"]["achievement"]["name"], "Data Visualisation");
    assert_eq!(claimed.body["verification"]["verified"], true);

    // A new credential carries the new version.
    let after = lakeside.issue(&learner.id, &achievement);
    assert_eq!(after["achievement_version"], 2);
    assert_eq!(after["ob3"]["credentialSubject"]["achievement"]["name"], "Data Visualisation Fundamentals");
    assert_eq!(after["verification"]["verified"], true);

    let versions = app.get(&format!("{path}/versions"), None);
    versions.assert_status(200);
    let names: Vec<(i64, &str)> =
        versions.body["items"].as_array().unwrap().iter().map(|v| (v["version"].as_i64().unwrap(), v["name"].as_str().unwrap())).collect();
    assert_eq!(names, vec![(1, "Data Visualisation"), (2, "Data Visualisation Fundamentals")]);
    let actions: Vec<String> = lakeside.audit().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert!(actions.contains(&"achievement.update".to_owned()), "{actions:?}");

    // Refused changes change nothing.
    app.institution("Other University").issuer.put(&path, &definition("Sneaky")).assert_problem(404);
    learner.put(&path, &definition("Sneaky")).assert_problem(403);
    let invalid = lakeside.issuer.put(&path, &definition("Bad").set("achievementType", "Sticker"));
    invalid.assert_problem(422);
    let other = lakeside.achievement(&definition("Other").set("key", "other"));
    lakeside.issuer.put(&format!("/v1/achievements/{other}"), &definition("Other").set("key", "data-viz-101")).assert_problem(409);
    lakeside.issuer.post(&lakeside.path("achievements"), &definition("Twin").set("key", "data-viz-101")).assert_problem(409);
    assert_eq!(app.get(&path, None).body["version"], 2);
    assert_eq!(app.get(&format!("/v1/achievements/{other}"), None).body["key"], "other");
}

#[test]
fn a_retired_achievement_issues_nothing_new_and_what_was_issued_stays_valid() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada");
    let achievement = lakeside.achievement(&definition("Data Visualisation"));
    let issued = lakeside.issue(&learner.id, &achievement);

    let path = format!("/v1/achievements/{achievement}/retire");
    app.institution("Other University").issuer.post(&path, &json!({})).assert_problem(404);
    learner.post(&path, &json!({})).assert_problem(403);
    let retired = lakeside.issuer.post(&path, &json!({}));
    retired.assert_status(200);
    let retired_at = retired.body["retired_at"].as_str().unwrap().to_owned();
    // Idempotent: the first instant stands, audited once.
    let again = lakeside.issuer.post(&path, &json!({}));
    assert_eq!((again.status, again.body["retired_at"].as_str()), (200, Some(retired_at.as_str())));
    assert_eq!(lakeside.audit().iter().filter(|e| e["action"] == "achievement.retire").count(), 1);
    let listed = app.get(&lakeside.path("achievements"), None);
    assert_eq!(listed.body["items"][0]["retired_at"], retired_at.as_str());

    let single = lakeside.try_issue(&IssueRequest::new(&achievement).to(&learner.id));
    single.assert_problem(409);
    assert_eq!(single.body["type"], RETIRED);
    let batch = lakeside.batch(&[IssueRequest::new(&achievement).to(&learner.id), IssueRequest::new(&achievement).to_email("bob@example.org")]);
    batch.assert_status(200);
    assert_eq!(batch.body["issued"], 0, "{}", batch.text);
    for result in batch.body["results"].as_array().unwrap() {
        assert_eq!((result["outcome"].as_str(), result["error"]["status"].as_u64()), (Some("failed"), Some(409)), "{result}");
        assert_eq!(result["error"]["type"], RETIRED);
    }
    let vc_api = lakeside.issuer.post(
        "/credentials/issue",
        &json!({ "credential": {
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "credentialSubject": { "id": format!("urn:uuid:{}", learner.id), "achievement": { "id": format!("{}/v1/achievements/{achievement}", app.base) } }
        }}),
    );
    vc_api.assert_problem(409);
    assert_eq!(vc_api.body["type"], RETIRED);
    assert_eq!(learner.credentials().len(), 1, "nothing new was issued");

    // What was issued stays valid and verifiable; the retired entry is frozen.
    assert_eq!(app.verify(issued["jwt"].as_str().unwrap())["verified"], true);
    assert_eq!(learner.get(&format!("/v1/credentials/{}", issued["id"].as_str().unwrap())).body["status"], "active");
    lakeside.issuer.put(&format!("/v1/achievements/{achievement}"), &definition("Renamed")).assert_problem(409);
    upload(&lakeside, &achievement, "image/png", &png(8, 8)).assert_problem(409);
}

#[test]
fn a_pathway_cannot_start_awarding_a_retired_achievement_but_one_that_did_keeps_it() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada");
    let micro = lakeside.achievement(&definition("Data Visualisation"));
    let kept = lakeside.achievement(&AchievementBuilder::award("Analytics Award"));
    let other = lakeside.achievement(&AchievementBuilder::award("Old Award"));
    let pathway = lakeside.pathway(&Pathway::new("analytics", "Analytics", &kept, Rule::count(1).achievement(&micro)));
    for award in [&kept, &other] {
        lakeside.issuer.post(&format!("/v1/achievements/{award}/retire"), &json!({})).assert_status(200);
    }

    // A new pathway awarding a retired achievement is refused, and nothing is registered.
    let refused = lakeside.try_pathway(&Pathway::new("old", "Old", &other, Rule::count(1).achievement(&micro)));
    refused.assert_problem(409);
    assert_eq!(refused.body["type"], RETIRED);
    assert_eq!(app.get(&lakeside.path("pathways"), None).body["items"].as_array().unwrap().len(), 1);
    // So is changing a pathway to award one.
    let path = format!("/v1/pathways/{pathway}");
    let changed = lakeside.issuer.put(&path, &Pathway::new("analytics", "Analytics", &other, Rule::count(1).achievement(&micro)));
    changed.assert_problem(409);
    assert_eq!(changed.body["type"], RETIRED);
    // A pathway that already awarded it may still change its rule, and keeps awarding it.
    let renamed = lakeside.issuer.put(&path, &Pathway::new("analytics", "Analytics (renamed)", &kept, Rule::count(1).achievement(&micro)));
    renamed.assert_status(200);
    lakeside.issuer.finish_job_of(&renamed);
    lakeside.issue(&learner.id, &micro);
    assert_eq!(learner.award_status(&kept), "active");
}

#[test]
fn badge_images_are_checked_by_their_content_and_served_at_a_stable_url() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let achievement = lakeside.achievement(&definition("Data Visualisation"));
    let image_path = format!("/v1/achievements/{achievement}/image");
    app.get(&image_path, None).assert_problem(404);

    let badge = png(64, 48);
    let uploaded = upload(&lakeside, &achievement, "image/png", &badge);
    uploaded.assert_status(200);
    assert_eq!(uploaded.body["image"], app.url(&image_path));
    assert_eq!(uploaded.body["version"], 2, "the image is a new version");
    let (status, headers, body) = fetch(&app, &image_path, None, &[]);
    assert_eq!((status, body.as_slice()), (200, badge.as_slice()));
    assert_eq!(header(&headers, "content-type"), Some("image/png"));
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    let etag = header(&headers, "etag").unwrap().to_owned();
    let (status, _, body) = fetch(&app, &image_path, None, &[("If-None-Match", &etag)]);
    assert_eq!((status, body.len()), (304, 0));

    // An SVG replaces it at the same URL, with a policy that lets it only draw.
    let replaced = upload(&lakeside, &achievement, "image/svg+xml", SVG.as_bytes());
    replaced.assert_status(200);
    assert_eq!(replaced.body["version"], 2, "the URL is the same: no new version");
    let (status, headers, body) = fetch(&app, &image_path, None, &[]);
    assert_eq!((status, body.as_slice()), (200, SVG.as_bytes()));
    assert_eq!(header(&headers, "content-type"), Some("image/svg+xml"));
    assert!(header(&headers, "content-security-policy").is_some_and(|p| p.contains("default-src 'none'") && p.contains("sandbox")));
    assert_ne!(header(&headers, "etag"), Some(etag.as_str()));

    // Refused: changes nothing.
    let script = r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let handler = r#"<svg xmlns="http://www.w3.org/2000/svg"><circle r="1" onclick="alert(1)"/></svg>"#;
    let external = r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/p.png"/></svg>"#;
    for (content_type, bytes, status) in [
        ("image/svg+xml", script.as_bytes().to_vec(), 422),
        ("image/svg+xml", handler.as_bytes().to_vec(), 422),
        ("image/svg+xml", external.as_bytes().to_vec(), 422),
        ("image/png", SVG.as_bytes().to_vec(), 422),
        ("image/svg+xml", badge.clone(), 422),
        ("image/gif", b"GIF89a".to_vec(), 415),
        ("application/json", b"{}".to_vec(), 415),
        ("image/png", vec![0; 1024 * 1024 + 1], 413),
    ] {
        let refused = upload(&lakeside, &achievement, content_type, &bytes);
        refused.assert_problem(status);
    }
    let (_, _, body) = fetch(&app, &image_path, None, &[]);
    assert_eq!(body.as_slice(), SVG.as_bytes());
    assert_eq!(app.get(&format!("/v1/achievements/{achievement}"), None).body["version"], 2);
}

#[test]
fn uploading_an_image_is_for_the_achievements_issuers() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let achievement = lakeside.achievement(&definition("Data Visualisation"));
    let learner = app.learner("ada");
    let employer = app.employer("Employer");
    let other = app.institution("Other University").issuer;
    let admin = app.admin();
    let path = format!("/v1/achievements/{achievement}/image");
    let badge = png(4, 4);
    for (token, expected) in [
        (None, 401),
        (Some(learner.token.as_str()), 403),
        (Some(lakeside.issuer.token.as_str()), 200),
        (Some(other.token.as_str()), 404),
        (Some(employer.token.as_str()), 403),
        (Some(admin.token.as_str()), 403),
    ] {
        let response = app.call_raw("PUT", &path, token, "image/png", &badge);
        assert_eq!(response.status, expected, "{token:?}: {}", response.text);
    }
    // Someone else's or a missing achievement look the same.
    let missing = app.call_raw("PUT", "/v1/achievements/01234567-89ab-7def-8123-456789abcdef/image", Some(&other.token), "image/png", &badge);
    missing.assert_problem(404);
}

#[test]
fn baked_badges_round_trip_through_the_wallets_import() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let learner = app.learner("ada");
    let with_image = lakeside.achievement(&definition("Data Visualisation"));
    upload(&lakeside, &with_image, "image/png", &png(64, 48)).assert_status(200);
    let plain = lakeside.achievement(&definition("Statistics").set("key", "stats"));
    let pictured = lakeside.issue(&learner.id, &with_image);
    let defaulted = lakeside.issue(&learner.id, &plain);

    // The PNG is the uploaded picture, with the VC-JWT baked in.
    let png_path = format!("/v1/credentials/{}/baked.png", pictured["id"].as_str().unwrap());
    let (status, headers, baked) = fetch(&app, &png_path, Some(&learner.token), &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("image/png"));
    assert!(header(&headers, "content-disposition").is_some_and(|d| d.starts_with("attachment")));
    let decoder = png::Decoder::new(std::io::Cursor::new(baked.clone()));
    let reader = decoder.read_info().unwrap();
    assert_eq!(reader.info().size(), (64, 48));
    let imported = import_image(&app, &learner, "image/png", &baked);
    assert_eq!(imported.status, 201, "{}", imported.text);
    assert_eq!(imported.body["verified"], true, "{}", imported.text);
    assert_eq!(imported.body["jwt"], pictured["jwt"]);

    // The SVG of one without an image: the generated default.
    let svg_path = format!("/v1/credentials/{}/baked.svg", defaulted["id"].as_str().unwrap());
    let (status, headers, baked) = fetch(&app, &svg_path, Some(&lakeside.issuer.token), &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("image/svg+xml"));
    let text = String::from_utf8(baked.clone()).unwrap();
    assert!(text.contains("openbadges:credential") && text.contains("Statistics"), "{text}");
    let imported = import_image(&app, &learner, "image/svg+xml", &baked);
    assert_eq!(imported.status, 201, "{}", imported.text);
    assert_eq!(imported.body["verified"], true, "{}", imported.text);
    assert_eq!(imported.body["jwt"], defaulted["jwt"]);

    // A default PNG bakes too; others see nothing.
    let default_png = format!("/v1/credentials/{}/baked.png", defaulted["id"].as_str().unwrap());
    let (status, _, baked) = fetch(&app, &default_png, Some(&learner.token), &[]);
    assert_eq!(status, 200);
    assert!(baked.starts_with(b"\x89PNG"));
    let eve = app.learner("eve");
    assert_eq!(fetch(&app, &png_path, Some(&eve.token), &[]).0, 404);
    assert_eq!(fetch(&app, &png_path, None, &[]).0, 401);
}

#[test]
fn the_console_publishes_edits_and_retires_achievements() {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let browser = PageClient::signed_in(&app, &lakeside.issuer.email, PASSWORD);
    browser.get("/institution/catalog").assert_page(200).assert_contains("Your catalog is empty");

    let fields = [
        ("name", "Data Visualisation"),
        ("key", "data-viz"),
        ("description", "Design clear charts."),
        ("criteria", "Four charts."),
        ("achievement_type", "MicroCredential"),
        ("level", "intermediate"),
        ("credits_amount", "2.5"),
        ("credits_unit", "ECTS"),
        ("validity", "P2Y"),
        ("tags", "data, charts"),
    ];
    // A bad field shows the form again, naming it, and publishes nothing.
    let mut bad = fields.to_vec();
    bad[8] = ("validity", "two years");
    browser.submit("/institution/catalog/new", "/institution/catalog/new", &bad).assert_page(422).assert_contains("validity");
    assert_eq!(app.get(&lakeside.path("achievements"), None).body["items"].as_array().unwrap().len(), 0);

    let created = browser.submit("/institution/catalog/new", "/institution/catalog/new", &fields);
    assert_eq!(created.status, 303, "{}", created.text);
    let location = created.header("location").unwrap().to_owned();
    let id = location.strip_prefix("/institution/catalog/").unwrap().split('?').next().unwrap().to_owned();
    let published = app.get(&format!("/v1/achievements/{id}"), None).body;
    assert_eq!(
        (published["name"].as_str(), published["key"].as_str(), published["version"].as_i64()),
        (Some("Data Visualisation"), Some("data-viz"), Some(1))
    );
    assert_eq!(published["credits"], json!({ "amount": "2.5", "unit": "ECTS" }));
    assert_eq!(published["tags"], json!(["data", "charts"]));

    // Editing makes a new version; the page lists both.
    let page = format!("/institution/catalog/{id}");
    let mut renamed = fields.to_vec();
    renamed[0] = ("name", "Data Visualisation Fundamentals");
    browser.submit(&page, &page, &renamed).assert_redirect(&format!("{page}?saved=1"));
    assert_eq!(app.get(&format!("/v1/achievements/{id}"), None).body["version"], 2);
    browser.get(&page).assert_page(200).assert_contains("Version 2").assert_contains("Version 1: Data Visualisation,");
    browser
        .get("/institution/catalog")
        .assert_page(200)
        .assert_contains(&format!("data-achievement=\"{id}\""))
        .assert_contains("<code>data-viz</code>");

    // Retiring asks for the confirmation first.
    let retire = format!("{page}/retire");
    browser.submit(&page, &retire, &[]).assert_page(422).assert_contains("Tick the box");
    assert!(app.get(&format!("/v1/achievements/{id}"), None).body["retired_at"].is_null());
    browser.submit(&page, &retire, &[("confirm", "yes")]).assert_redirect(&page);
    assert!(app.get(&format!("/v1/achievements/{id}"), None).body["retired_at"].is_string());
    browser.get("/institution/catalog").assert_page(200).assert_contains("Retired on");

    // Another institution's issuer finds nothing.
    let other = app.institution("Other University");
    let stranger = PageClient::signed_in(&app, &other.issuer.email, PASSWORD);
    stranger.get(&page).assert_page(404);
}
