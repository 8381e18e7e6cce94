//! Maintained outcomes (issue 14 §2): after any sequence of events, the
//! outcomes stored for a learner equal a fresh evaluation, and the ones the
//! events themselves settle are current without a read. Random sequences
//! from fixed seeds (issues, status changes, follows, pathway registrations
//! and updates, catalog additions, reads), checked after every event, on
//! whichever backend the suite runs.

use cairn_domain::UserId;
use cairn_tests::service::{GraphCache, Store, graph, progress};
use cairn_tests::{AchievementBuilder, Institution, IssueRequest, Learner, Pathway, Rule, TestApp, in_days};
use serde_json::Value;

/// A small deterministic generator (no dependency, same sequence everywhere).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

struct World {
    college: Institution,
    learners: Vec<Learner>,
    micro: Vec<String>,
    /// Registered pathways: (id, key, award).
    pathways: Vec<(String, String, String)>,
    /// Issued credentials: (id, the learner's index).
    credentials: Vec<(String, usize)>,
    /// Learners whose progress was read once (their outcomes are stored).
    tracked: Vec<bool>,
    /// Learners whose stored outcomes may be out of date: the graph changed
    /// since an event of theirs settled them (their next read settles them).
    stale_ok: Vec<bool>,
}

impl World {
    fn rule(&self, rng: &mut Rng) -> Rule {
        let pick = |rng: &mut Rng| self.micro[rng.below(self.micro.len())].clone();
        match rng.below(5) {
            0 => Rule::count(2).of_type("MicroCredential").within("P1Y"),
            1 => Rule::credits("4", "ECTS").matching("tags", serde_json::json!(["t1"])),
            2 if !self.pathways.is_empty() => Rule::all([
                Rule::pathway(&self.pathways[rng.below(self.pathways.len())].0),
                Rule::count(1).matching("tags", serde_json::json!(["t2"])),
            ]),
            3 => Rule::count(1).achievement(&pick(rng)).earned_after(&in_days(-700)),
            _ => Rule::at_least(
                2,
                [Rule::count(1).achievement(&pick(rng)), Rule::count(1).achievement(&pick(rng)), Rule::count(1).achievement(&pick(rng))],
            ),
        }
    }
}

/// Each tracked learner's stored outcomes, when current, equal a fresh
/// evaluation; those an event of theirs settled since the last graph change
/// must be current.
fn check(app: &TestApp, world: &World, step: &str) {
    let store = Store::open(app.database_url()).unwrap();
    for (i, learner) in world.learners.iter().enumerate() {
        if !world.tracked[i] {
            continue;
        }
        let id: UserId = learner.id.parse().unwrap();
        let now = chrono::Utc::now();
        let (stored, fresh) = store
            .write_blocking_as(|conn| {
                let stored = progress::current(conn, &GraphCache::default(), id, now)?;
                let graph = graph::load(conn)?;
                let fresh = progress::evaluate_at(conn, &graph, id, now)?;
                Ok::<_, cairn_api::store::StoreError>((stored, fresh))
            })
            .unwrap();
        let fresh: Vec<Value> = fresh.iter().map(|o| serde_json::to_value(o).unwrap()).collect();
        match stored {
            Some(stored) => {
                let stored: Value = serde_json::from_str(&stored).unwrap();
                let stored = stored["items"].as_array().unwrap().clone();
                assert_eq!(stored, fresh, "learner {i}'s stored outcomes differ from a fresh evaluation after {step}");
            }
            None => assert!(world.stale_ok[i], "learner {i}'s outcomes were left out of date by {step}"),
        }
    }
}

fn read_progress(world: &mut World, i: usize) {
    let learner = &world.learners[i];
    let stored = learner.get("/v1/me/progress");
    assert_eq!(stored.status, 200, "{}", stored.text);
    let live = learner.get(&format!("/v1/me/progress?at={}", urlencode(&chrono::Utc::now().to_rfc3339())));
    assert_eq!(live.status, 200, "{}", live.text);
    assert_eq!(stored.body, live.body, "the stored progress of learner {i} is what a live evaluation gives");
    world.tracked[i] = true;
    world.stale_ok[i] = false;
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

fn run(seed: u64, steps: usize) {
    let app = TestApp::spawn();
    let college = app.institution("Outcome College");
    let mut rng = Rng(seed);
    let micro: Vec<String> = (0..5)
        .map(|i| {
            college.achievement(
                &AchievementBuilder::micro(&format!("Micro {i}")).credits(&format!("{}", i % 3 + 1), "ECTS").tags(&[["t1", "t2"][i % 2]]),
            )
        })
        .collect();
    let learners: Vec<Learner> = (0..3).map(|i| app.learner(&format!("outcomes-{seed}-{i}@example.org"))).collect();
    let mut world =
        World { college, learners, micro, pathways: Vec::new(), credentials: Vec::new(), tracked: vec![false; 3], stale_ok: vec![false; 3] };
    for step in 0..steps {
        let learner = rng.below(world.learners.len());
        // The learner whose record the event changes, if any.
        let (event, touched) = match rng.below(10) {
            0..=3 => {
                let achievement = world.micro[rng.below(world.micro.len())].clone();
                let awarded = in_days(-(rng.below(1500) as i64) - 1);
                let mut request = IssueRequest::new(&achievement).to(&world.learners[learner].id).awarded_at(&awarded);
                if rng.below(4) == 0 {
                    request = request.valid_until(&in_days(rng.below(400) as i64 + 30));
                }
                let issued = world.college.issue_with(&request);
                world.credentials.push((issued["id"].as_str().unwrap().to_owned(), learner));
                ("an issue", Some(learner))
            }
            4 if !world.credentials.is_empty() => {
                let (credential, holder) = world.credentials[rng.below(world.credentials.len())].clone();
                let action = ["suspend", "reinstate", "revoke"][rng.below(3)];
                // A change its status does not allow is refused (409) and changes nothing.
                let response = world.college.try_change(&credential, action, "checking outcomes");
                assert!(matches!(response.status, 200 | 409), "{}", response.text);
                ("a status change", Some(holder))
            }
            5 if !world.pathways.is_empty() => {
                let pathway = world.pathways[rng.below(world.pathways.len())].0.clone();
                let path = format!("/v1/me/following/{pathway}");
                let response = if rng.below(2) == 0 { world.learners[learner].put_empty(&path) } else { world.learners[learner].delete(&path) };
                assert_eq!(response.status, 204, "{}", response.text);
                ("a follow", Some(learner))
            }
            6 if world.pathways.len() < 6 => {
                let award = world.college.achievement(&AchievementBuilder::award(&format!("Award {step}")));
                let rule = world.rule(&mut rng);
                let key = format!("p{step}");
                let pathway = Pathway::new(&key, &key, &award, rule).issuance("automatic").on_constituent_revoked("revoke");
                let response = world.college.try_pathway(&pathway);
                if response.status == 201 {
                    world.pathways.push((response.id(), key, award));
                }
                ("a pathway registration", None)
            }
            7 if !world.pathways.is_empty() => {
                let (pathway, key, award) = world.pathways[rng.below(world.pathways.len())].clone();
                let rule = Pathway::new(&key, &key, &award, world.rule(&mut rng)).issuance("automatic").on_constituent_revoked("revoke");
                let response = world.college.issuer.put(&format!("/v1/pathways/{pathway}"), &rule);
                assert!(matches!(response.status, 200 | 422), "{}", response.text);
                ("a pathway update", None)
            }
            8 => {
                let i = world.micro.len();
                let tag = ["t1", "t2"][i % 2];
                world.micro.push(world.college.achievement(&AchievementBuilder::micro(&format!("Micro {i}")).credits("1", "ECTS").tags(&[tag])));
                ("a catalog addition", None)
            }
            _ => {
                read_progress(&mut world, learner);
                ("a read", Some(learner))
            }
        };
        match touched {
            Some(i) => world.stale_ok[i] = false,
            None => world.stale_ok.iter_mut().for_each(|stale| *stale = true),
        }
        check(&app, &world, &format!("step {step}, {event} (seed {seed})"));
    }
    for i in 0..world.learners.len() {
        read_progress(&mut world, i);
    }
    check(&app, &world, &format!("the final reads (seed {seed})"));
}

#[test]
fn stored_outcomes_equal_a_fresh_evaluation_after_any_sequence_of_events() {
    for seed in [1, 7, 42] {
        run(seed, 40);
    }
}
