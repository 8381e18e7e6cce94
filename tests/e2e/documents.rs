//! Snapshots of the main documents the service hands out: a credential as
//! issued (with its OB 3.0 document), a pathway outcome, the CLR and an
//! opened share. Ids, times, tokens, signatures and the random port are
//! redacted (`cairn_tests::snapshot`); the snapshots are in `snapshots/`.
//! After a deliberate change: `INSTA_UPDATE=always cargo test -p
//! cairn-tests --test e2e documents::`, then review and commit the diff.

use cairn_tests::{AchievementBuilder, Institution, Learner, Pathway, Rule, TestApp, assert_document};
use serde_json::json;

/// An institution with three micro-credentials and a pathway of two of
/// them within three years; a learner who holds `held` of them.
struct Scene {
    app: TestApp,
    lakeside: Institution,
    ada: Learner,
    micro: Vec<String>,
    pathway: String,
}

fn scene(held: usize) -> Scene {
    let app = TestApp::spawn();
    let lakeside = app.institution("Lakeside University");
    let ada = app.learner("ada");
    let micro: Vec<String> = ["Coaching Basics", "Feedback Conversations", "Team Facilitation"]
        .iter()
        .map(|name| {
            lakeside.achievement(
                &AchievementBuilder::micro(name).credits("2", "ECTS").skill("Coaching", "https://skills.example/coaching").validity("P2Y"),
            )
        })
        .collect();
    let award = lakeside.achievement(&AchievementBuilder::award("Coaching Award"));
    let pathway = lakeside.pathway(
        &Pathway::new("coaching-award", "Coaching Award", &award, Rule::count(2).of_type("MicroCredential").within("P3Y"))
            .description("Two coaching micro-credentials within three years."),
    );
    for (i, achievement) in micro.iter().take(held).enumerate() {
        lakeside.issue_at(&ada.id, achievement, &format!("2025-0{}-01T09:00:00Z", i + 1));
    }
    Scene { app, lakeside, ada, micro, pathway }
}

#[test]
fn a_credential_as_issued() {
    let s = scene(0);
    let credential = s.lakeside.issue_at(&s.ada.id, &s.micro[0], "2025-03-01T10:00:00Z");
    assert_document!(s.app, "credential", &credential);
}

#[test]
fn an_outcome_in_progress() {
    let s = scene(1);
    let outcome = s.ada.get(&format!("/v1/me/progress/{}?at=2025-06-01T00:00:00Z", s.pathway));
    assert_eq!(outcome.status, 200, "{}", outcome.text);
    assert_document!(s.app, "outcome", &outcome.body);
}

#[test]
fn the_clr_of_a_completed_pathway() {
    let s = scene(2);
    let clr = s.ada.get("/v1/me/clr");
    assert_eq!(clr.status, 200, "{}", clr.text);
    assert_document!(s.app, "clr", &clr.body);
}

#[test]
fn an_opened_share() {
    let s = scene(2);
    let share = s.ada.share(&json!({ "all": true, "expires_at": cairn_tests::in_days(7), "audience": "Acme recruiting" }));
    let opened = s.ada.open_share(&share);
    assert_eq!(opened.status, 200, "{}", opened.text);
    assert_document!(s.app, "share", &opened.body);
}
