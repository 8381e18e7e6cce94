//! The rule-language decisions of docs/rule-language.md that live in the
//! service rather than the engine: a nested award kept under `keep` does not
//! make its parent hold, satisfiability is judged against the catalog at
//! registration (and dates are not compared with the clock), and `?at=`
//! reads each credential's status history.

use cairn_tests::{AchievementBuilder, Institution, Learner, TestApp};
use serde_json::json;

struct Org {
    college: Institution,
    learner: Learner,
}

fn org(app: &TestApp) -> Org {
    let college = app.institution("Rule Language College");
    let learner = app.learner("learner@rules.example");
    Org { college, learner }
}

#[test]
fn a_nested_award_kept_under_keep_does_not_make_the_parent_hold() {
    let app = TestApp::spawn();
    let o = org(&app);
    let micro: Vec<String> = (0..3).map(|i| o.college.achievement(&AchievementBuilder::new(&format!("Micro {i}"), "MicroCredential"))).collect();
    let course = o.college.achievement(&AchievementBuilder::course("Capstone"));
    let inner_award = o.college.achievement(&AchievementBuilder::award("Inner award"));
    let outer_award = o.college.achievement(&AchievementBuilder::new("Outer award", "Certificate"));
    let inner = o.college.pathway(&json!({
        "key": "inner", "name": "Inner", "award": inner_award, "on_constituent_revoked": "keep",
        "requirement": { "type": "count", "min": 3, "where": { "achievement_type": "MicroCredential" } }
    }));
    let outer = o.college.pathway(&json!({
        "key": "outer", "name": "Outer", "award": outer_award, "on_constituent_revoked": "revoke",
        "requirement": { "type": "all", "of": [
            { "type": "pathway", "pathway": inner },
            { "type": "count", "min": 1, "where": { "achievement": course } }
        ] }
    }));
    o.college.issue_at(&o.learner.id, &course, "2024-01-01T00:00:00Z");
    let first = o.college.issue_at(&o.learner.id, &micro[0], "2024-02-01T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let second = o.college.issue_at(&o.learner.id, &micro[1], "2024-03-01T00:00:00Z")["id"].as_str().unwrap().to_owned();
    o.college.issue_at(&o.learner.id, &micro[2], "2024-04-01T00:00:00Z");
    assert_eq!(o.learner.statuses(&inner_award), ["active"]);
    assert_eq!(o.learner.statuses(&outer_award), ["active"]);

    // Suspension under `keep`: the inner award stays as it is; the outer
    // pathway (`revoke`) no longer holds, so its award is suspended.
    o.college.change(&second, "suspend");
    assert_eq!(o.learner.statuses(&inner_award), ["active"], "keep: a suspension leaves the award alone");
    assert_eq!(o.learner.statuses(&outer_award), ["suspended"]);
    o.college.change(&second, "reinstate");
    assert_eq!(o.learner.statuses(&outer_award), ["active"]);

    // Revocation: the inner award is kept, but the parent evaluates the
    // nested rule on credentials, not the kept award, so it no longer holds.
    o.college.change(&first, "revoke");
    assert_eq!(o.learner.statuses(&inner_award), ["active"], "keep: the award stays");
    assert_eq!(o.learner.statuses(&outer_award), ["revoked"], "the kept nested award does not hold the parent");
    let progress = o.learner.get(&format!("/v1/me/progress/{outer}")).body;
    assert_eq!(progress["status"], "in_progress", "{progress}");
    assert_eq!(progress["requirement"]["of"][0]["type"], "pathway");
    assert_eq!(progress["requirement"]["of"][0]["satisfied"], false, "{progress}");
    let inner_progress = o.learner.get(&format!("/v1/me/progress/{inner}")).body;
    assert_eq!(inner_progress["status"], "in_progress", "the kept award's own pathway does not hold either");
}

#[test]
fn satisfiability_is_judged_against_the_catalog_at_registration() {
    let app = TestApp::spawn();
    let o = org(&app);
    let award = o.college.achievement(&AchievementBuilder::award("Award"));
    let tagged = |tag: &str| {
        json!({
            "key": "tagged", "name": "Tagged", "award": award,
            "requirement": { "type": "count", "min": 1, "where": { "tags": [tag] } }
        })
    };
    // No achievement has the tag yet: nothing could ever match.
    let refused = o.college.try_pathway(&tagged("robotics"));
    refused.assert_problem(422);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("can never be satisfied"), "{detail}");
    assert!(detail.contains("requirement"), "the 422 names the node: {detail}");
    // Once the catalog has one, the same rule is accepted.
    o.college.achievement(&AchievementBuilder::micro("Robot building").tags(&["robotics"]));
    o.college.pathway(&tagged("robotics"));

    // Dates are not compared with the clock: an earned_after in the future is
    // accepted, and nothing counts before it.
    let micro = o.college.achievement(&AchievementBuilder::micro("Micro"));
    let later_award = o.college.achievement(&AchievementBuilder::award("Later award"));
    let later = o.college.pathway(&json!({
        "key": "later", "name": "Later", "award": later_award,
        "requirement": { "type": "count", "min": 1, "where": { "achievement": micro, "earned_after": "2999-01-01T00:00:00Z" } }
    }));
    o.college.issue_at(&o.learner.id, &micro, "2024-01-01T00:00:00Z");
    let progress = o.learner.get(&format!("/v1/me/progress/{later}")).body;
    assert_eq!(progress["status"], "not_started", "{progress}");
}

#[test]
fn a_credential_revoked_today_still_counts_at_an_earlier_at() {
    let app = TestApp::spawn();
    let o = org(&app);
    let micro: Vec<String> = (0..2).map(|i| o.college.achievement(&AchievementBuilder::new(&format!("Micro {i}"), "MicroCredential"))).collect();
    let award = o.college.achievement(&AchievementBuilder::award("Pair"));
    let pathway = o.college.pathway(&json!({
        "key": "pair", "name": "Pair", "award": award,
        "requirement": { "type": "count", "min": 2, "where": { "achievement_type": "MicroCredential" } }
    }));
    o.college.issue_at(&o.learner.id, &micro[0], "2024-01-01T00:00:00Z");
    let second = o.college.issue_at(&o.learner.id, &micro[1], "2024-03-01T00:00:00Z")["id"].as_str().unwrap().to_owned();
    o.college.change(&second, "revoke");
    assert_eq!(o.learner.statuses(&award), ["revoked"]);

    let now = o.learner.get(&format!("/v1/me/progress/{pathway}")).body;
    assert_eq!(now["status"], "in_progress", "{now}");
    let then = o.learner.get(&format!("/v1/me/progress/{pathway}?at=2025-01-01T00:00:00Z")).body;
    assert_eq!(then["status"], "complete", "revoked only today: it counted then: {then}");
    assert_eq!(then["completed_at"], "2024-03-01T00:00:00Z");
    assert_eq!(then["requirement"]["used"].as_array().unwrap().len(), 2, "{then}");
}
