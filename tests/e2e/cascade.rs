//! The award cascade (semantic 9, issue 13 §1): after any status change of
//! a learner's credential, each award of a pathway with
//! `"on_constituent_revoked": "revoke"` that depends on it is `active`
//! exactly when its pathway holds now (expiry aside), `suspended` when it
//! would hold if the suspended credentials were reinstated, and `revoked`
//! otherwise; revoked is final. The same rule takes away and restores.

use cairn_tests::service::{Store, award_constituents};
use cairn_tests::{AchievementBuilder, Institution, IssueRequest, Learner, Pathway, Rule, TestApp};
use serde_json::{Value, json};

struct School {
    college: Institution,
    learner: Learner,
}

fn school(app: &TestApp) -> School {
    let college = app.institution("Cascade College");
    let learner = app.learner("learner@cascade.example");
    School { college, learner }
}

/// A pathway as these tests register it: automatic, and its awards follow
/// their constituents (`revoke`).
fn cascading(key: &str, award: &str, requirement: impl Into<Value>) -> Pathway {
    Pathway::new(key, key, award, requirement).description(key).issuance("automatic").on_constituent_revoked("revoke")
}

/// One achievement held twice, `count 1`: a suspended credential is no
/// support for the award.
#[test]
fn an_award_held_by_one_of_two_credentials_of_the_same_achievement() {
    // Suspend the 2024 one, then revoke the 2023 one: the award is
    // suspended (the 2024 one may come back), and comes back with it.
    let app = TestApp::spawn();
    let s = school(&app);
    let x = s.college.achievement(&AchievementBuilder::micro("X"));
    let award = s.college.achievement(&AchievementBuilder::award("X award"));
    let x_once = s.college.pathway(&cascading("x-once", &award, Rule::count(1).achievement(&x)));
    let early = s.college.issue_at(&s.learner.id, &x, "2023-01-10T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let late = s.college.issue_at(&s.learner.id, &x, "2024-01-10T00:00:00Z")["id"].as_str().unwrap().to_owned();
    assert_eq!(s.learner.award_status(&award), "active");
    s.college.change(&late, "suspend");
    assert_eq!(s.learner.award_status(&award), "active", "the 2023 one holds it");
    s.college.change(&early, "revoke");
    let progress = s.learner.get(&format!("/v1/me/progress/{x_once}")).body;
    assert_eq!(progress["status"], "not_started", "{progress}");
    assert_eq!(s.learner.award_status(&award), "suspended", "nothing in force holds it; the suspended one may come back");
    let award_id = s.learner.held(&award)[0]["id"].as_str().unwrap().to_owned();
    s.college.change(&late, "reinstate");
    assert_eq!(s.learner.award_status(&award), "active", "the reinstated one holds it again");
    assert_eq!(s.learner.shared_constituents(&award_id), vec![late.clone()], "its constituent is now the 2024 one");
    s.college.change(&late, "revoke");
    assert_eq!(s.learner.award_status(&award), "revoked");
    let revocations = s.college.audit_reasons("award.revoke");
    assert_eq!(revocations.len(), 1, "{revocations:?}");
    assert!(revocations[0].contains(&late), "the reason names the constituent: {revocations:?}");

    // Suspend both: suspended; reinstating either restores it.
    let other = app.learner("second@cascade.example");
    let early = s.college.issue_at(&other.id, &x, "2023-01-10T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let late = s.college.issue_at(&other.id, &x, "2024-01-10T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let status = |learner: &Learner| learner.held(&award)[0]["status"].as_str().unwrap().to_owned();
    s.college.change(&late, "suspend");
    s.college.change(&early, "suspend");
    assert_eq!(status(&other), "suspended", "both constituents suspended");
    s.college.change(&early, "reinstate");
    assert_eq!(status(&other), "active");

    // Revoke the 2024 one, then suspend the 2023 one: suspended; revoking
    // that one too leaves nothing: revoked.
    let third = app.learner("third@cascade.example");
    let early = s.college.issue_at(&third.id, &x, "2023-01-10T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let late = s.college.issue_at(&third.id, &x, "2024-01-10T00:00:00Z")["id"].as_str().unwrap().to_owned();
    s.college.change(&late, "revoke");
    assert_eq!(status(&third), "active");
    s.college.change(&early, "suspend");
    assert_eq!(status(&third), "suspended");
    s.college.change(&early, "revoke");
    assert_eq!(status(&third), "revoked");
}

/// `count 1 where achievements [A, B]`: suspending the constituent the award
/// was issued with leaves it to the other, and the recorded constituents
/// follow; suspending both suspends it.
#[test]
fn an_award_moves_to_the_other_achievement_and_is_suspended_with_both() {
    let app = TestApp::spawn();
    let s = school(&app);
    let a = s.college.achievement(&AchievementBuilder::micro("A"));
    let b = s.college.achievement(&AchievementBuilder::micro("B"));
    let award = s.college.achievement(&AchievementBuilder::award("A or B award"));
    s.college.pathway(&cascading("a-or-b", &award, Rule::count(1).achievements(&[&a, &b])));
    let b_held = s.college.issue_at(&s.learner.id, &b, "2018-12-24T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let a_held = s.college.issue_at(&s.learner.id, &a, "2019-06-24T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let award_id = s.learner.held(&award)[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(s.learner.shared_constituents(&award_id), vec![b_held.clone()], "issued with B");
    s.college.change(&b_held, "suspend");
    assert_eq!(s.learner.award_status(&award), "active", "A holds it");
    assert_eq!(s.learner.shared_constituents(&award_id), vec![a_held.clone()], "the recorded constituent is A now");
    s.college.change(&a_held, "suspend");
    assert_eq!(s.learner.award_status(&award), "suspended", "nothing in force holds it");
    s.college.change(&a_held, "reinstate");
    assert_eq!(s.learner.award_status(&award), "active");
    assert_eq!(s.learner.shared_constituents(&award_id), vec![a_held.clone()]);
    s.college.change(&b_held, "reinstate");
    assert_eq!(s.learner.shared_constituents(&award_id), vec![a_held.clone()], "A still holds it: no churn");
    // The award credential's signed document is never changed.
    let document = s.learner.get(&format!("/v1/credentials/{award_id}")).body;
    assert!(document.to_string().contains(&b_held), "the signed evidence still names B");
}

/// C = `at_least 1 of [count 1 where skill S, credits 1.2 ECTS where
/// achievement A0]` (30 hours at 0.04 ECTS), P = `pathway C`.
#[test]
fn a_nested_award_follows_an_award_left_without_support() {
    let app = TestApp::spawn();
    let s = school(&app);
    let a0 = s.college.achievement(&AchievementBuilder::course("A0").credits("30", "hours"));
    let a6 = s.college.achievement(&AchievementBuilder::course("A6").skill_with_code("Skill S", "https://skills.example/s", "S"));
    let c_award = s.college.achievement(&AchievementBuilder::award("C award"));
    let p_award = s.college.achievement(&AchievementBuilder::award("P award"));
    let c = s.college.pathway(
        &cascading("c", &c_award, Rule::at_least(1, [Rule::count(1).skill("S"), Rule::credits("1.2", "ECTS").achievement(&a0)]))
            .conversions(json!({ "hours": { "ECTS": "0.04" } })),
    );
    s.college.pathway(&cascading("p", &p_award, Rule::pathway(&c)));
    let a0_held = s.college.issue_at(&s.learner.id, &a0, "2024-05-03T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let a6_held = s.college.issue_at(&s.learner.id, &a6, "2024-06-22T00:00:00Z")["id"].as_str().unwrap().to_owned();
    assert_eq!(s.learner.award_status(&c_award), "active");
    assert_eq!(s.learner.award_status(&p_award), "active");
    s.college.change(&a6_held, "suspend");
    assert_eq!(s.learner.award_status(&c_award), "active", "A0's credits hold it");
    s.college.change(&a0_held, "revoke");
    assert_eq!(s.learner.award_status(&c_award), "suspended", "only the suspended A6 could hold it");
    assert_eq!(s.learner.award_status(&p_award), "suspended", "the nested award follows");
    s.college.change(&a6_held, "reinstate");
    assert_eq!(s.learner.award_status(&c_award), "active");
    assert_eq!(s.learner.award_status(&p_award), "active");
    s.college.change(&a6_held, "revoke");
    assert_eq!(s.learner.award_status(&c_award), "revoked");
    assert_eq!(s.learner.award_status(&p_award), "revoked");
    let revocations = s.college.audit_reasons("award.revoke");
    assert_eq!(revocations.len(), 2, "{revocations:?}");
    assert!(revocations.iter().all(|r| r.contains(&a6_held)), "{revocations:?}");
}

/// Expiry never takes an award (semantic 9), in either direction: a
/// constituent reinstated after it expired restores its award.
#[test]
fn a_constituent_reinstated_after_it_expired_restores_its_award() {
    let app = TestApp::spawn();
    let s = school(&app);
    let e = s.college.achievement(&AchievementBuilder::micro("E"));
    let award = s.college.achievement(&AchievementBuilder::award("E award"));
    s.college.pathway(&cascading("e", &award, Rule::count(1).achievement(&e)));
    let expires = chrono::Utc::now() + chrono::Duration::seconds(3);
    let e_held = s.college.issue_with(&IssueRequest::new(&e).to(&s.learner.id).awarded_at("2024-01-01T00:00:00Z").valid_until(&expires.to_rfc3339()))
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.learner.award_status(&award), "active");
    s.college.change(&e_held, "suspend");
    assert_eq!(s.learner.award_status(&award), "suspended");
    while chrono::Utc::now() <= expires + chrono::Duration::milliseconds(200) {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    s.college.change(&e_held, "reinstate");
    assert_eq!(s.learner.award_status(&award), "active", "expired, but expiry never takes an issued award");
}

/// An award an issuer suspended directly is the issuer's to lift: the rule
/// does not reinstate it, though it still revokes it once its pathway is lost.
#[test]
fn an_award_suspended_by_an_issuer_stays_suspended_until_the_issuer_lifts_it() {
    let app = TestApp::spawn();
    let s = school(&app);
    let x = s.college.achievement(&AchievementBuilder::micro("X"));
    let award = s.college.achievement(&AchievementBuilder::award("X award"));
    s.college.pathway(&cascading("x-once", &award, Rule::count(1).achievement(&x)));
    let first = s.college.issue_at(&s.learner.id, &x, "2023-01-10T00:00:00Z")["id"].as_str().unwrap().to_owned();
    let award_id = s.learner.held(&award)[0]["id"].as_str().unwrap().to_owned();
    s.college.change(&award_id, "suspend");
    let second = s.college.issue_at(&s.learner.id, &x, "2024-01-10T00:00:00Z")["id"].as_str().unwrap().to_owned();
    s.college.change(&first, "suspend");
    s.college.change(&first, "reinstate");
    assert_eq!(s.learner.award_status(&award), "suspended", "the issuer's suspension stands");
    s.college.change(&award_id, "reinstate");
    assert_eq!(s.learner.award_status(&award), "active");
    // Once the cascade suspended it, the cascade restores it.
    s.college.change(&first, "suspend");
    s.college.change(&second, "suspend");
    assert_eq!(s.learner.award_status(&award), "suspended");
    s.college.change(&second, "reinstate");
    assert_eq!(s.learner.award_status(&award), "active");
    // Suspended by the issuer again, then every constituent revoked: lost.
    s.college.change(&award_id, "suspend");
    s.college.change(&first, "revoke");
    assert_eq!(s.learner.award_status(&award), "suspended");
    s.college.change(&second, "revoke");
    assert_eq!(s.learner.award_status(&award), "revoked");
}

/// Awards issued before `award_constituents` existed get their rows from
/// their signed evidence when the service starts.
#[test]
fn constituents_of_older_awards_are_filled_in_at_start_up() {
    let app = TestApp::spawn();
    let s = school(&app);
    let x = s.college.achievement(&AchievementBuilder::micro("X"));
    let award = s.college.achievement(&AchievementBuilder::award("X award"));
    s.college.pathway(&cascading("x-once", &award, Rule::count(1).achievement(&x)));
    let constituent: cairn_domain::CredentialId =
        s.college.issue_at(&s.learner.id, &x, "2023-01-10T00:00:00Z")["id"].as_str().unwrap().to_owned().parse().unwrap();
    let award_id: cairn_domain::CredentialId = s.learner.held(&award)[0]["id"].as_str().unwrap().parse().unwrap();
    let store = Store::open(app.database_url()).unwrap();
    let recorded = |store: &Store| store.write_blocking(|conn| award_constituents::recorded(conn, award_id)).unwrap();
    assert_eq!(recorded(&store), vec![constituent], "written when issued");
    // As before the table: no rows.
    store.write_blocking(|conn| award_constituents::set(conn, award_id, &[])).unwrap();
    assert!(recorded(&store).is_empty());
    assert_eq!(s.learner.shared_constituents(&award_id.to_string()), vec![constituent.to_string()], "readers fall back to the evidence");
    drop(store);
    let restarted = Store::open(app.database_url()).unwrap();
    assert_eq!(recorded(&restarted), vec![constituent], "filled in from the evidence at start-up");
}

/// A small deterministic PRNG (xorshift64*): the sequences are the same on
/// every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Active,
    Suspended,
    Revoked,
}

impl St {
    fn as_str(self) -> &'static str {
        match self {
            St::Active => "active",
            St::Suspended => "suspended",
            St::Revoked => "revoked",
        }
    }
}

/// The oracle, written from the rule alone: which pathways hold when the
/// credentials with a status in `counts` count. Pathways (by index):
/// 0: `count 2 where achievements [A, B, C]`;
/// 1: `all [pathway 0, count 1 where achievement D]` (D is none of A, B, C,
///    so the nested pathway's consumption never conflicts);
/// 2: `count 1 where achievement <award of 0>` (an award as constituent);
/// 3: `count 1 where achievement A` with `"keep"`.
struct Model {
    /// (credential id, achievement index 0..4 = A..D, status)
    credentials: Vec<(String, usize, St)>,
    awards: [Option<St>; 4],
}

impl Model {
    fn holds(&self, pathway: usize, counts: &[St]) -> bool {
        let has = |achievement: usize| self.credentials.iter().any(|(_, a, st)| *a == achievement && counts.contains(st));
        let first = (0..3).filter(|a| has(*a)).count() >= 2;
        match pathway {
            0 => first,
            1 => first && has(3),
            2 => self.awards[0].is_some_and(|st| counts.contains(&st)),
            _ => has(0),
        }
    }

    /// The rule after a status change, to a fixed point (pathway 2 follows
    /// the award of 0); `"keep"` (pathway 3) leaves its award alone.
    fn settle(&mut self) {
        loop {
            let mut changed = false;
            for p in 0..3 {
                let Some(current) = self.awards[p] else {
                    continue;
                };
                if current == St::Revoked {
                    continue;
                }
                let target = if self.holds(p, &[St::Active]) {
                    St::Active
                } else if self.holds(p, &[St::Active, St::Suspended]) {
                    St::Suspended
                } else {
                    St::Revoked
                };
                if target != current {
                    self.awards[p] = Some(target);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Automatic issuance: a pathway that holds now (strictly) and has no
    /// award yet gets one, once (in nesting order).
    fn award_new(&mut self) {
        for p in [0, 3, 1, 2] {
            if self.awards[p].is_none() && self.holds(p, &[St::Active]) {
                self.awards[p] = Some(St::Active);
            }
        }
    }
}

/// Random sequences of issue, suspend, reinstate and revoke: after each
/// event every award has the status the rule gives, computed here from the
/// known statuses; at the end an active award's recorded constituents are
/// all in force.
#[test]
fn award_statuses_follow_the_rule_over_random_event_sequences() {
    let app = TestApp::spawn();
    let s = school(&app);
    let micro: Vec<String> = ["A", "B", "C", "D"].iter().map(|n| s.college.achievement(&AchievementBuilder::micro(n))).collect();
    let awards: Vec<String> = (0..4).map(|i| s.college.achievement(&AchievementBuilder::award(&format!("Award {i}")))).collect();
    let p0 = s.college.pathway(&cascading("two-of-abc", &awards[0], Rule::count(2).achievements(&[&micro[0], &micro[1], &micro[2]])));
    s.college.pathway(&cascading("nested", &awards[1], Rule::all([Rule::pathway(&p0), Rule::count(1).achievement(&micro[3])])));
    s.college.pathway(&cascading("award-of-award", &awards[2], Rule::count(1).achievement(&awards[0])));
    s.college.pathway(&cascading("kept", &awards[3], Rule::count(1).achievement(&micro[0])).on_constituent_revoked("keep"));

    let mut rng = Rng(0x5eed_13c4_5cad_e001);
    let cases = 16;
    let events = 16;
    // Which (pathway, status) pairs the sequences reached: the test must
    // exercise every status of every rule-governed award.
    let mut seen = std::collections::BTreeSet::new();
    for case in 0..cases {
        let learner = app.learner(&format!("random{case}@cascade.example"));
        let mut model = Model { credentials: Vec::new(), awards: [None; 4] };
        let mut log = Vec::new();
        for _ in 0..events {
            let live: Vec<usize> = (0..model.credentials.len()).filter(|i| model.credentials[*i].2 != St::Revoked).collect();
            if live.is_empty() || rng.below(10) < 4 {
                let a = rng.below(4);
                let day = 1 + rng.below(28);
                let id = s.college.issue_at(&learner.id, &micro[a], &format!("2024-02-{day:02}T00:00:00Z"))["id"].as_str().unwrap().to_owned();
                log.push(format!("issue {}", ["A", "B", "C", "D"][a]));
                model.credentials.push((id, a, St::Active));
                model.settle();
                model.award_new();
            } else {
                let i = live[rng.below(live.len())];
                let (id, a, current) = model.credentials[i].clone();
                let revoke = rng.below(10) < 3;
                let (action, next) = match (current, revoke) {
                    (_, true) => ("revoke", St::Revoked),
                    (St::Active, false) => ("suspend", St::Suspended),
                    _ => ("reinstate", St::Active),
                };
                s.college.change(&id, action);
                log.push(format!("{action} #{i} ({})", ["A", "B", "C", "D"][a]));
                model.credentials[i].2 = next;
                model.settle();
                if action == "reinstate" {
                    model.award_new();
                }
            }
            let wallet = learner.get("/v1/me/wallet").body;
            for (p, award) in awards.iter().enumerate() {
                let found: Vec<&Value> = wallet["credentials"].as_array().unwrap().iter().filter(|c| c["achievement"] == *award).collect();
                let have = found.iter().map(|c| c["status"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
                let want = model.awards[p].map(|st| st.as_str().to_owned()).into_iter().collect::<Vec<_>>();
                assert_eq!(have, want, "case {case}, pathway {p}, after {log:?}");
                if let Some(st) = model.awards[p] {
                    seen.insert((p, st.as_str()));
                }
            }
        }
        // The recorded constituents of every active award (rule-governed
        // ones) are credentials in force.
        let wallet = learner.get("/v1/me/wallet").body;
        let statuses: std::collections::HashMap<String, String> = wallet["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap().to_owned(), c["status"].as_str().unwrap().to_owned()))
            .collect();
        for award in &awards[..3] {
            let Some(held) = wallet["credentials"].as_array().unwrap().iter().find(|c| c["achievement"] == *award && c["status"] == "active") else {
                continue;
            };
            let award_id = held["id"].as_str().unwrap();
            let constituents = learner.shared_constituents(award_id);
            assert!(!constituents.is_empty(), "case {case}: {award_id} has constituents");
            for constituent in constituents {
                assert_eq!(statuses[&constituent], "active", "case {case}: {award_id} is held by {constituent}, after {log:?}");
            }
        }
    }
    for p in 0..3 {
        for st in ["active", "suspended", "revoked"] {
            assert!(seen.contains(&(p, st)), "no sequence reached a {st} award of pathway {p}: {seen:?}");
        }
    }
    assert!(!seen.contains(&(3, "suspended")) && !seen.contains(&(3, "revoked")), "`keep` leaves its award alone");
    assert!(seen.contains(&(3, "active")));
}
