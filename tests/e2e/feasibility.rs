//! Registration refuses rules that can never be satisfied because of their
//! dates (issue 13, section 2): `earned_after` / `earned_before` that cannot
//! lie in one `within` window, directly or through a nested pathway, and the
//! update of a nested pathway that would make its parent impossible. And the
//! credits decision of section 3: the catalog amounts are no upper bound.

use cairn_tests::{AchievementBuilder, Institution, IssueRequest, Learner, Pathway, Rule, TestApp};
use serde_json::{Value, json};

struct School {
    northbrook: Institution,
    learner: Learner,
}

fn school(app: &TestApp) -> School {
    let northbrook = app.institution("Northbrook Schools Association");
    let learner = app.learner("teacher@northbrook.example");
    School { learner, northbrook }
}

/// An automatic pathway `key` with a new award of its own.
fn rule(s: &School, key: &str, requirement: Value) -> Value {
    let award = s.northbrook.achievement(&AchievementBuilder::award(&format!("{key} award")));
    Pathway::new(key, key, &award, requirement).issuance("automatic").into()
}

/// One credential of `achievement` earned within the dates given.
fn dated(achievement: &str, after: Option<&str>, before: Option<&str>) -> Value {
    let mut rule = Rule::count(1).achievement(achievement);
    if let Some(a) = after {
        rule = rule.earned_after(a);
    }
    if let Some(b) = before {
        rule = rule.earned_before(b);
    }
    rule.into()
}

fn detail(response: &cairn_tests::Response) -> String {
    response.assert_problem(422);
    response.body["detail"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn dates_that_no_window_can_hold_are_refused_with_the_contradiction_named() {
    let app = TestApp::spawn();
    let s = school(&app);
    let x = s.northbrook.achievement(&AchievementBuilder::course("X"));
    let y = s.northbrook.achievement(&AchievementBuilder::course("Y"));
    let impossible = rule(
        &s,
        "impossible",
        json!({ "type": "all", "within": "P1Y", "of": [
        dated(&x, None, Some("2021-12-02T00:00:00Z")), dated(&y, Some("2024-12-01T00:00:00Z"), None)] }),
    );
    let response = s.northbrook.try_pathway(&impossible);
    let text = detail(&response);
    assert!(text.contains("requirement: can never be satisfied"), "{text}");
    assert!(text.contains("requirement.of[1] needs a credential earned on or after 2024-12-01T00:00:00Z"), "{text}");
    assert!(text.contains("requirement.of[0] one earned before 2021-12-02T00:00:00Z"), "{text}");
    assert!(text.contains("one window of P1Y"), "{text}");
    // The dry run judges it the same way; nothing is registered.
    let dry = s.northbrook.issuer.post(&s.northbrook.path("pathways/dry-run"), &impossible);
    assert!(detail(&dry).contains("one window of P1Y"), "{}", dry.text);
    assert_eq!(app.get(&s.northbrook.path("pathways"), None).body["items"], json!([]));

    // A near miss is still accepted: the same dates in a P3Y window.
    let mut wide = impossible.clone();
    wide["requirement"]["within"] = json!("P3Y");
    let registered = s.northbrook.try_pathway(&wide);
    assert_eq!(registered.status, 201, "{}", registered.text);
    s.northbrook.issue_at(&s.learner.id, &x, "2021-12-01T00:00:00Z");
    s.northbrook.issue_at(&s.learner.id, &y, "2024-12-01T00:00:00Z");
    assert!(!s.learner.held(wide["award"].as_str().unwrap()).is_empty(), "the wider window completes and awards it");
}

#[test]
fn a_window_above_a_nested_pathway_covers_its_dates() {
    let app = TestApp::spawn();
    let s = school(&app);
    let x = s.northbrook.achievement(&AchievementBuilder::course("X"));
    let y = s.northbrook.achievement(&AchievementBuilder::course("Y"));
    let early_rule = rule(&s, "early", dated(&x, None, Some("2022-01-01T00:00:00Z")));
    let early = s.northbrook.pathway(&early_rule);
    let parent = |within: &str| {
        rule(
            &s,
            &format!("parent-{}", within.to_lowercase()),
            json!({ "type": "all", "within": within, "of": [
            { "type": "pathway", "pathway": early }, dated(&y, Some("2024-12-01T00:00:00Z"), None)] }),
        )
    };
    let response = s.northbrook.try_pathway(&parent("P2Y"));
    let text = detail(&response);
    assert!(text.contains("requirement: can never be satisfied"), "{text}");
    assert!(text.contains("requirement.of[0] -> pathway `early` requirement one earned before 2022-01-01T00:00:00Z"), "{text}");
    assert!(text.contains("requirement.of[1] needs a credential earned on or after 2024-12-01T00:00:00Z"), "{text}");
    assert!(text.contains("one window of P2Y"), "{text}");

    // P4Y holds both: accepted, and completed by credentials three years apart.
    let wide = parent("P4Y");
    let registered = s.northbrook.try_pathway(&wide);
    assert_eq!(registered.status, 201, "{}", registered.text);
    s.northbrook.issue_at(&s.learner.id, &x, "2021-12-01T00:00:00Z");
    s.northbrook.issue_at(&s.learner.id, &y, "2024-12-01T00:00:00Z");
    assert!(!s.learner.held(wide["award"].as_str().unwrap()).is_empty());

    // Moving the nested pathway's dates earlier would make its parent impossible: refused.
    let mut earlier = early_rule.clone();
    earlier["requirement"] = dated(&x, None, Some("2020-06-01T00:00:00Z"));
    let update = s.northbrook.issuer.put(&format!("/v1/pathways/{early}"), &earlier);
    let text = detail(&update);
    assert!(text.contains("pathway `parent-p4y` (which nests this one) requirement: can never be satisfied"), "{text}");
    assert!(text.contains("one earned before 2020-06-01T00:00:00Z: they cannot lie in one window of P4Y"), "{text}");
    assert_eq!(app.get(&format!("/v1/pathways/{early}"), None).body["version"], 1, "a rejected update changes nothing");
}

#[test]
fn credits_above_the_catalog_amounts_are_accepted_and_a_selector_matching_nothing_is_not() {
    let app = TestApp::spawn();
    let s = school(&app);
    let x = s.northbrook.achievement(&AchievementBuilder::micro("X").credits("2", "ECTS"));
    let y = s.northbrook.achievement(&AchievementBuilder::micro("Y").credits("2", "ECTS"));
    // X and Y list 2 ECTS each, but a credential may carry more (credits_earned):
    // 6 ECTS is reachable, so the rule is accepted (it used to be refused with "at most 4 ECTS").
    let six = rule(&s, "six", json!({ "type": "credits", "min": "6", "unit": "ECTS", "where": { "achievements": [x, y] } }));
    let registered = s.northbrook.try_pathway(&six);
    assert_eq!(registered.status, 201, "{}", registered.text);
    let pathway = registered.id();
    s.northbrook.issue_with(&IssueRequest::new(&x).to(&s.learner.id).awarded_at("2024-01-10T00:00:00Z").credits_earned("6", "ECTS"));
    let progress = s.learner.get(&format!("/v1/me/progress/{pathway}"));
    assert_eq!(progress.body["status"], "complete", "{}", progress.text);
    assert!(!s.learner.held(six["award"].as_str().unwrap()).is_empty(), "one credential of 6 ECTS satisfies it");

    // No achievement matches at all: refused, naming the node.
    let nothing = rule(
        &s,
        "nothing",
        json!({ "type": "all", "of": [
        { "type": "count", "min": 1, "where": { "achievement": x } },
        { "type": "credits", "min": "1", "unit": "ECTS", "where": { "achievement_type": "Certificate" } }] }),
    );
    let response = s.northbrook.try_pathway(&nothing);
    let text = detail(&response);
    assert!(text.ends_with("requirement.of[1]: can never be satisfied: needs 1 ECTS but no achievement in the catalog matches"), "{text}");
}
