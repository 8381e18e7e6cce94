//! Golden cases: every `tests/golden/*.json` file is a scenario. Ids are
//! written as short names ("m1", "c2", "p1", "org"); the harness turns each
//! declared name into a fixed UUID and back, so the files stay readable.
//!
//! File shape:
//! ```json
//! { "about": "...",
//!   "catalog": [ {"id": "m1", "achievement_type": "MicroCredential", ...} ],   // issuer "org", name the id by default
//!   "pathways": [ {"id": "p1", "rule": {"requirement": {...}}} ],             // key/name/award filled in
//!   "credentials": [ {"id": "c1", "achievement": "m1", "awarded_at": "..."} ],// verified defaults to true
//!   "unknown": ["ghost"],                    // names that get an id but are declared nowhere
//!   "evaluate": "p1", "at": "2024-01-01T00:00:00Z",
//!   "what_if": ["m3"],                       // optional
//!   "expect": {"status": "...", "progress": 0.66, "completed_at": null, "used": ["c1"], "name": "p1", "key": "p1",
//!              "nodes": [{"at": [0], "satisfied": true, "have": 1, "need": 1, "used": ["c1"], "type": "count",
//!                         "label": "...", "candidate_names": ["m1"]}],
//!              "next": [{"achievements": ["m3"], "completes": true, "names": ["m3"]}]},
//!   "expect_error": "substring of the registration error",
//!   "check_award": {"revoked": "c1", "holds": false, "action": "revoke"},
//!   "award_standing": {"status": "active | suspended | revoked", "used": ["c2"]} }  // statuses as given
//! ```
//!
//! A file may instead hold several scenarios that share a set-up: the keys
//! above at the top level and `"cases": [{...}, ...]`, each case's keys
//! replacing the top-level ones (a case usually gives `about`, `credentials`,
//! `at` and `expect`). One file then pins one decision of
//! `docs/rule-language.md` from every side. Every object is read into a
//! typed struct that refuses unknown fields, so a misspelt expectation fails
//! instead of checking nothing.

#![expect(clippy::unwrap_used, reason = "tests fail loudly on a broken fixture")]

use std::collections::BTreeMap;
use std::path::Path;

use cairn_domain::{AchievementId, AchievementType, CredentialId, Credits, Level, PathwayId};
use cairn_stacking::{
    AwardAction, AwardStanding, CatalogEntry, CredentialFact, EvalOptions, Pathway, PathwayGraph, PathwayRule, Status, award_standing, check_award,
    evaluate, what_if,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

struct Names {
    to_id: BTreeMap<String, String>,
    to_name: BTreeMap<String, String>,
}

impl Names {
    fn declare(&mut self, name: &str) {
        if self.to_id.contains_key(name) {
            return;
        }
        let id = format!("0190a000-0000-7000-8000-{:012x}", self.to_id.len() + 1);
        self.to_id.insert(name.to_owned(), id.clone());
        self.to_name.insert(id, name.to_owned());
    }

    /// Replaces declared names by their ids everywhere in a JSON value.
    fn encode(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => self.to_id.get(s).map(|id| Value::String(id.clone())).unwrap_or_else(|| v.clone()),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.encode(x)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), self.encode(x))).collect()),
            other => other.clone(),
        }
    }

    /// The short name of an id (the id itself when undeclared).
    fn name(&self, id: &str) -> String {
        self.to_name.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    fn decode(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => self.to_name.get(s).map(|n| Value::String(n.clone())).unwrap_or_else(|| v.clone()),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.decode(x)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), self.decode(x))).collect()),
            other => other.clone(),
        }
    }
}

/// One scenario, after a multi-case file's case is laid over its set-up.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    #[serde(default)]
    catalog: Vec<CatalogItem>,
    #[serde(default)]
    pathways: Vec<PathwayItem>,
    #[serde(default)]
    credentials: Vec<CredentialItem>,
    /// Names that get an id but are declared nowhere.
    #[serde(default)]
    unknown: Vec<String>,
    evaluate: Option<String>,
    at: Option<DateTime<Utc>>,
    what_if: Option<Vec<String>>,
    expect: Option<Expect>,
    expect_error: Option<String>,
    check_award: Option<CheckAwardExpect>,
    award_standing: Option<StandingExpect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogItem {
    id: String,
    /// Defaults to the short id, so labels and names read like the file.
    name: Option<String>,
    issuer: Option<String>,
    achievement_type: AchievementType,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    skills: Vec<String>,
    level: Option<Level>,
    credits: Option<Credits>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathwayItem {
    id: String,
    issuer: Option<String>,
    /// Read strictly by `PathwayRule::from_value` (key, name, award filled in).
    rule: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialItem {
    id: String,
    achievement: String,
    awarded_at: DateTime<Utc>,
    valid_until: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    suspensions: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    verified: Option<bool>,
    credits: Option<Credits>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: Option<Status>,
    /// `null` pins "not complete"; absent checks nothing.
    #[serde(default, deserialize_with = "some")]
    completed_at: Option<Option<DateTime<Utc>>>,
    progress: Option<f64>,
    used: Option<Vec<String>>,
    name: Option<String>,
    key: Option<String>,
    next: Option<Vec<NextExpect>>,
    #[serde(default)]
    nodes: Vec<NodeExpect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NextExpect {
    achievements: Vec<String>,
    completes: bool,
    names: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeExpect {
    /// Child indices from the root.
    at: Vec<usize>,
    satisfied: Option<bool>,
    /// A number, or a decimal string for credits.
    have: Option<Value>,
    need: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<String>,
    label: Option<String>,
    used: Option<Vec<String>>,
    candidate_names: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckAwardExpect {
    revoked: String,
    holds: bool,
    action: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StandingExpect {
    status: String,
    used: Option<Vec<String>>,
}

fn some<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

fn run_file(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file: Value = serde_json::from_str(&text).map_err(|e| format!("bad JSON: {e}"))?;
    let parse = |v: Value| serde_json::from_value::<Case>(v).map_err(|e| format!("bad case: {e}"));
    let Some(cases) = file.get("cases").and_then(Value::as_array) else { return run_case(&parse(file)?) };
    if cases.is_empty() {
        return Err("`cases` is empty".into());
    }
    let mut failures = Vec::new();
    for (i, overrides) in cases.iter().enumerate() {
        let mut case = file.clone();
        let obj = case.as_object_mut().ok_or("not an object")?;
        obj.remove("cases");
        for (k, v) in overrides.as_object().ok_or("a case is not an object")? {
            obj.insert(k.clone(), v.clone());
        }
        let about = case["about"].as_str().unwrap_or("?").to_owned();
        if let Err(e) = parse(case).and_then(|c| run_case(&c)) {
            failures.push(format!("case {i} ({about}): {e}"));
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

fn run_case(case: &Case) -> Result<(), String> {
    if case.about.trim().is_empty() {
        return Err("`about` must say what the case pins".into());
    }
    let mut names = Names { to_id: BTreeMap::new(), to_name: BTreeMap::new() };
    names.declare("org");
    for item in &case.catalog {
        names.declare(&item.id);
        item.issuer.iter().for_each(|i| names.declare(i));
    }
    for item in &case.credentials {
        names.declare(&item.id);
    }
    for p in &case.pathways {
        names.declare(&p.id);
        p.issuer.iter().for_each(|i| names.declare(i));
    }
    for p in &case.pathways {
        names.declare(&format!("{}-award", p.id));
    }
    for u in &case.unknown {
        names.declare(u);
    }
    let id = |name: &str| -> Result<Uuid, String> {
        names.to_id.get(name).ok_or_else(|| format!("`{name}` is declared nowhere"))?.parse().map_err(|e| format!("{e}"))
    };

    let mut catalog: Vec<CatalogEntry> = Vec::new();
    for item in &case.catalog {
        catalog.push(CatalogEntry {
            id: id(&item.id)?.into(),
            name: item.name.clone().unwrap_or_else(|| item.id.clone()),
            issuer: id(item.issuer.as_deref().unwrap_or("org"))?.into(),
            achievement_type: item.achievement_type.clone(),
            tags: item.tags.clone(),
            skills: item.skills.clone(),
            level: item.level,
            credits: item.credits.clone(),
        });
    }
    let mut pathways = Vec::new();
    for p in &case.pathways {
        let issuer = p.issuer.as_deref().unwrap_or("org");
        let award = format!("{}-award", p.id);
        catalog.push(CatalogEntry {
            id: id(&award)?.into(),
            name: award.clone(),
            issuer: id(issuer)?.into(),
            achievement_type: AchievementType::Award,
            tags: vec![],
            skills: vec![],
            level: None,
            credits: None,
        });
        // Key and name are texts, not names to encode: added after.
        let mut rule = names.encode(&p.rule);
        let obj = rule.as_object_mut().ok_or("rule")?;
        obj.entry("key").or_insert(json!(p.id));
        obj.entry("name").or_insert(json!(p.id));
        obj.entry("award").or_insert(json!(names.to_id[&award]));
        let rule = match PathwayRule::from_value(rule) {
            Ok(r) => r,
            Err(e) => return expect_error(case, &e.to_string()),
        };
        pathways.push(Pathway { id: id(&p.id)?.into(), issuer: id(issuer)?.into(), rule });
    }
    let graph = match PathwayGraph::build(catalog, pathways) {
        Ok(g) => g,
        Err(e) => {
            let mut msg = e.to_string();
            for (id, name) in &names.to_name {
                msg = msg.replace(id, name);
            }
            return expect_error(case, &msg);
        }
    };
    if case.expect_error.is_some() {
        return Err("expected a registration error, got none".into());
    }
    let mut credentials: Vec<CredentialFact> = Vec::new();
    for c in &case.credentials {
        credentials.push(CredentialFact {
            id: id(&c.id)?.into(),
            achievement: id(&c.achievement)?.into(),
            awarded_at: c.awarded_at,
            valid_until: c.valid_until,
            revoked_at: c.revoked_at,
            suspensions: c.suspensions.clone(),
            verified: c.verified.unwrap_or(true),
            credits: c.credits.clone(),
        });
    }
    let pathway: PathwayId = id(case.evaluate.as_deref().ok_or("no `evaluate`")?)?.into();
    let at = case.at.ok_or("no `at`")?;

    if let Some(check) = &case.check_award {
        let revoked = id(&check.revoked)?.into();
        let result = check_award(&graph, pathway, &credentials, revoked, at).map_err(|e| e.to_string())?;
        let action = match result.action {
            AwardAction::Keep => "keep",
            AwardAction::Revoke { ref reason } => {
                if !reason.contains(&revoked.to_string()) {
                    return Err(format!("reason does not name the constituent: {reason}"));
                }
                "revoke"
            }
        };
        if result.holds != check.holds || action != check.action {
            return Err(format!("check_award: holds {} action {action}, expected {check:?}", result.holds));
        }
    }

    if let Some(want) = &case.award_standing {
        let standing = award_standing(&graph, pathway, &credentials, at).map_err(|e| e.to_string())?;
        let (status, used) = match &standing {
            AwardStanding::Holds { used, .. } => ("active", used.iter().map(|id| names.name(&id.to_string())).collect()),
            AwardStanding::HeldIfReinstated => ("suspended", Vec::new()),
            AwardStanding::Lost => ("revoked", Vec::new()),
        };
        if status != want.status {
            return Err(format!("award_standing: {status}, expected {want:?}"));
        }
        if let Some(want_used) = &want.used
            && used != *want_used
        {
            return Err(format!("award_standing used {used:?}, expected {want_used:?}"));
        }
    }

    let outcome = match &case.what_if {
        Some(add) => {
            let add: Vec<AchievementId> = add.iter().map(|n| id(n).map(AchievementId::from)).collect::<Result<_, _>>()?;
            what_if(&graph, pathway, &credentials, &add, at, &EvalOptions::default())
        }
        None => evaluate(&graph, pathway, &credentials, at),
    }
    .map_err(|e| e.to_string())?;
    let got = names.decode(&serde_json::to_value(&outcome).map_err(|e| e.to_string())?);

    // Determinism: same inputs, same JSON; reversed credential order, same JSON.
    let mut reversed = credentials.clone();
    reversed.reverse();
    if case.what_if.is_none() {
        let again = serde_json::to_value(evaluate(&graph, pathway, &reversed, at).map_err(|e| e.to_string())?).unwrap();
        if names.decode(&again) != got {
            return Err("outcome changed when the credentials were reordered".into());
        }
    }

    let expect = case.expect.as_ref().ok_or("no expect")?;
    let mut problems = Vec::new();
    if let Some(want) = expect.status
        && want != outcome.status
    {
        problems.push(format!("status: got {:?}, want {want:?}", outcome.status));
    }
    if let Some(want) = expect.completed_at
        && want != outcome.completed_at
    {
        problems.push(format!("completed_at: got {:?}, want {want:?}", outcome.completed_at));
    }
    if let Some(want) = expect.progress
        && (outcome.progress - want).abs() > 1e-9
    {
        problems.push(format!("progress: got {}, want {want}", outcome.progress));
    }
    for (field, want, have) in [("name", &expect.name, &outcome.name), ("key", &expect.key, &outcome.key)] {
        if let Some(want) = want
            && want != have
        {
            problems.push(format!("{field}: got {have}, want {want}"));
        }
    }
    if let Some(want) = &expect.used
        && sorted(want) != sorted_ids(&names, &outcome.requirement.used)
    {
        problems.push(format!("used: got {}, want {want:?}", got["requirement"]["used"]));
    }
    if let Some(want) = &expect.next {
        let have: Vec<(Vec<String>, bool)> =
            outcome.next.iter().map(|n| (n.achievements.iter().map(|a| names.name(&a.to_string())).collect(), n.completes)).collect();
        let wanted: Vec<(Vec<String>, bool)> = want.iter().map(|n| (n.achievements.clone(), n.completes)).collect();
        if have != wanted {
            problems.push(format!("next: got {}, want {want:?}", got["next"]));
        }
        for (n, w) in outcome.next.iter().zip(want) {
            if let Some(names_wanted) = &w.names
                && *names_wanted != n.names
            {
                problems.push(format!("next names: got {:?}, want {names_wanted:?}", n.names));
            }
        }
    }
    for node in &expect.nodes {
        let mut here = &got["requirement"];
        for &i in &node.at {
            here = &here["of"][i];
        }
        let wanted = [
            ("satisfied", node.satisfied.map(Value::Bool)),
            ("have", node.have.clone()),
            ("need", node.need.clone()),
            ("type", node.kind.clone().map(Value::String)),
            ("label", node.label.clone().map(Value::String)),
            ("candidate_names", node.candidate_names.as_ref().map(|n| json!(n))),
        ];
        for (field, want) in wanted {
            if let Some(want) = want
                && want != here[field]
            {
                problems.push(format!("node {:?}: {field} got {}, want {want}", node.at, here[field]));
            }
        }
        if let Some(want) = &node.used
            && sorted(want) != sorted_strings(&here["used"])
        {
            problems.push(format!("node {:?}: used got {}, want {want:?}", node.at, here["used"]));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(format!("{}\nfull outcome: {got}", problems.join("\n"))) }
}

fn sorted_ids(names: &Names, ids: &[CredentialId]) -> Vec<String> {
    sorted(&ids.iter().map(|id| names.name(&id.to_string())).collect::<Vec<_>>())
}

fn sorted_strings(v: &Value) -> Vec<String> {
    sorted(&v.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_owned)).collect::<Vec<_>>())
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut out = v.to_vec();
    out.sort();
    out
}

fn expect_error(case: &Case, message: &str) -> Result<(), String> {
    match case.expect_error.as_deref() {
        Some(want) if message.contains(want) => Ok(()),
        Some(want) => Err(format!("error `{message}` does not contain `{want}`")),
        None => Err(format!("unexpected error: {message}")),
    }
}

#[test]
fn golden_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    files.sort();
    assert!(files.len() >= 20, "expected the golden cases, found {}", files.len());
    let failures: Vec<String> =
        files.iter().filter_map(|f| run_file(f).err().map(|e| format!("{}: {e}", f.file_name().unwrap().to_string_lossy()))).collect();
    assert!(failures.is_empty(), "{} of {} golden cases failed:\n\n{}", failures.len(), files.len(), failures.join("\n\n"));
}
