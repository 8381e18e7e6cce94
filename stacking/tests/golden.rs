//! Golden cases: every `tests/golden/*.json` file is a scenario. Ids are
//! written as short names ("m1", "c2", "p1", "org"); the harness turns each
//! declared name into a fixed UUID and back, so the files stay readable.
//!
//! File shape:
//! ```json
//! { "about": "...",
//!   "catalog": [ {"id": "m1", "achievement_type": "MicroCredential", ...} ],   // issuer defaults to "org"
//!   "pathways": [ {"id": "p1", "rule": {"requirement": {...}}} ],             // key/name/award filled in
//!   "credentials": [ {"id": "c1", "achievement": "m1", "awarded_at": "..."} ],// verified defaults to true
//!   "unknown": ["ghost"],                    // names that get an id but are declared nowhere
//!   "evaluate": "p1", "at": "2024-01-01T00:00:00Z",
//!   "what_if": ["m3"],                       // optional
//!   "expect": {"status": "...", "progress": 0.66, "completed_at": null, "used": ["c1"],
//!              "nodes": [{"at": [0], "satisfied": true, "have": 1, "need": 1, "used": ["c1"]}],
//!              "next": [{"achievements": ["m3"], "completes": true}]},
//!   "expect_error": "substring of the registration error",
//!   "check_award": {"revoked": "c1", "holds": false, "action": "revoke"},
//!   "award_standing": {"status": "active | suspended | revoked", "used": ["c2"]} }  // statuses as given
//! ```
//!
//! A file may instead hold several scenarios that share a set-up: the keys
//! above at the top level and `"cases": [{...}, ...]`, each case's keys
//! replacing the top-level ones (a case usually gives `about`, `credentials`,
//! `at` and `expect`). One file then pins one decision of
//! `docs/rule-language.md` from every side.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use cairn_domain::AchievementId;
use cairn_stacking::{
    AwardAction, AwardStanding, CatalogEntry, CredentialFact, EvalOptions, Pathway, PathwayGraph, PathwayRule, award_standing,
    check_award, evaluate, what_if,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

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

    fn decode(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => self.to_name.get(s).map(|n| Value::String(n.clone())).unwrap_or_else(|| v.clone()),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.decode(x)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), self.decode(x))).collect()),
            other => other.clone(),
        }
    }
}

fn arr<'a>(case: &'a Value, key: &str) -> Vec<&'a Value> {
    case.get(key).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

fn run_file(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file: Value = serde_json::from_str(&text).map_err(|e| format!("bad JSON: {e}"))?;
    let Some(cases) = file.get("cases").and_then(Value::as_array) else { return run_case(&file) };
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
        if let Err(e) = run_case(&case) {
            failures.push(format!("case {i} ({}): {e}", case["about"].as_str().unwrap_or("?")));
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

fn run_case(case: &Value) -> Result<(), String> {
    let case = case.clone();
    let mut names = Names { to_id: BTreeMap::new(), to_name: BTreeMap::new() };
    names.declare("org");
    for key in ["catalog", "credentials", "pathways"] {
        for item in arr(&case, key) {
            names.declare(item["id"].as_str().ok_or("item without id")?);
            if let Some(issuer) = item.get("issuer").and_then(Value::as_str) {
                names.declare(issuer);
            }
        }
    }
    for p in arr(&case, "pathways") {
        names.declare(&format!("{}-award", p["id"].as_str().unwrap_or("?")));
    }
    for u in arr(&case, "unknown") {
        names.declare(u.as_str().unwrap_or("?"));
    }

    let mut catalog: Vec<CatalogEntry> = Vec::new();
    for item in arr(&case, "catalog") {
        let mut item = item.clone();
        item.as_object_mut().ok_or("catalog entry")?.entry("issuer").or_insert(json!("org"));
        catalog.push(serde_json::from_value(names.encode(&item)).map_err(|e| format!("catalog: {e}"))?);
    }
    let mut pathways = Vec::new();
    for p in arr(&case, "pathways") {
        let pid = p["id"].as_str().unwrap_or("?").to_owned();
        let issuer = p.get("issuer").and_then(Value::as_str).unwrap_or("org");
        let award = format!("{pid}-award");
        catalog.push(
            serde_json::from_value(names.encode(&json!({
                "id": award, "issuer": issuer, "achievement_type": "Award"
            })))
            .map_err(|e| e.to_string())?,
        );
        let mut rule = p["rule"].clone();
        let obj = rule.as_object_mut().ok_or("rule")?;
        obj.entry("key").or_insert(json!(pid));
        obj.entry("name").or_insert(json!(pid));
        obj.entry("award").or_insert(json!(award));
        let rule = match PathwayRule::from_value(names.encode(&rule)) {
            Ok(r) => r,
            Err(e) => return expect_error(&case, &e.to_string()),
        };
        pathways.push(Pathway {
            id: names.to_id[&pid].parse().unwrap(),
            issuer: names.to_id[issuer].parse().unwrap(),
            rule,
        });
    }
    let graph = match PathwayGraph::build(catalog, pathways) {
        Ok(g) => g,
        Err(e) => {
            let mut msg = e.to_string();
            for (id, name) in &names.to_name {
                msg = msg.replace(id, name);
            }
            return expect_error(&case, &msg);
        }
    };
    if case.get("expect_error").is_some() {
        return Err("expected a registration error, got none".into());
    }
    let mut credentials: Vec<CredentialFact> = Vec::new();
    for c in arr(&case, "credentials") {
        let mut c = c.clone();
        c.as_object_mut().ok_or("credential")?.entry("verified").or_insert(json!(true));
        credentials.push(serde_json::from_value(names.encode(&c)).map_err(|e| format!("credential: {e}"))?);
    }
    let pathway = names.to_id[case["evaluate"].as_str().ok_or("evaluate")?].parse().unwrap();
    let at: DateTime<Utc> = case["at"].as_str().ok_or("at")?.parse().map_err(|e| format!("at: {e}"))?;

    if let Some(check) = case.get("check_award") {
        let revoked = names.to_id[check["revoked"].as_str().ok_or("revoked")?].parse().unwrap();
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
        if json!(result.holds) != check["holds"] || json!(action) != check["action"] {
            return Err(format!("check_award: holds {} action {action}, expected {check}", result.holds));
        }
    }

    if let Some(want) = case.get("award_standing") {
        let standing = award_standing(&graph, pathway, &credentials, at).map_err(|e| e.to_string())?;
        let (status, used) = match &standing {
            AwardStanding::Holds { used, .. } => ("active", used.iter().map(|id| names.decode(&json!(id.to_string()))).collect()),
            AwardStanding::HeldIfReinstated => ("suspended", Vec::new()),
            AwardStanding::Lost => ("revoked", Vec::new()),
        };
        if json!(status) != want["status"] {
            return Err(format!("award_standing: {status}, expected {want}"));
        }
        if let Some(want_used) = want.get("used")
            && json!(used) != *want_used
        {
            return Err(format!("award_standing used {used:?}, expected {want_used}"));
        }
    }

    let outcome = match case.get("what_if") {
        Some(add) => {
            let add: Vec<AchievementId> = add
                .as_array()
                .ok_or("what_if")?
                .iter()
                .map(|n| names.to_id[n.as_str().unwrap_or("?")].parse().unwrap())
                .collect();
            what_if(&graph, pathway, &credentials, &add, at, &EvalOptions::default())
        }
        None => evaluate(&graph, pathway, &credentials, at),
    }
    .map_err(|e| e.to_string())?;
    let got = names.decode(&serde_json::to_value(&outcome).map_err(|e| e.to_string())?);

    // Determinism: same inputs, same JSON; reversed credential order, same JSON.
    let mut reversed = credentials.clone();
    reversed.reverse();
    if case.get("what_if").is_none() {
        let again = serde_json::to_value(evaluate(&graph, pathway, &reversed, at).map_err(|e| e.to_string())?).unwrap();
        if names.decode(&again) != got {
            return Err("outcome changed when the credentials were reordered".into());
        }
    }

    let expect = case.get("expect").ok_or("no expect")?;
    let mut problems = Vec::new();
    for field in ["status", "completed_at"] {
        if let Some(want) = expect.get(field) {
            let have = &got[field];
            let same = match (want.as_str(), have.as_str()) {
                (Some(w), Some(h)) if field == "completed_at" => {
                    w.parse::<DateTime<Utc>>().ok() == h.parse::<DateTime<Utc>>().ok()
                }
                _ => want == have,
            };
            if !same {
                problems.push(format!("{field}: got {have}, want {want}"));
            }
        }
    }
    if let Some(want) = expect.get("progress").and_then(Value::as_f64) {
        let have = got["progress"].as_f64().unwrap_or(-1.0);
        if (have - want).abs() > 1e-9 {
            problems.push(format!("progress: got {have}, want {want}"));
        }
    }
    if let Some(want) = expect.get("used") {
        let have = &got["requirement"]["used"];
        if sorted(want) != sorted(have) {
            problems.push(format!("used: got {have}, want {want}"));
        }
    }
    if let Some(want) = expect.get("next")
        && *want != got["next"] {
            problems.push(format!("next: got {}, want {want}", got["next"]));
        }
    for node in arr(expect, "nodes") {
        let mut here = &got["requirement"];
        for i in arr(node, "at") {
            here = &here["of"][i.as_u64().unwrap_or(0) as usize];
        }
        for field in ["satisfied", "have", "need", "type"] {
            if let Some(want) = node.get(field)
                && want != &here[field] {
                    problems.push(format!("node {}: {field} got {}, want {want}", node["at"], here[field]));
                }
        }
        if let Some(want) = node.get("used")
            && sorted(want) != sorted(&here["used"]) {
                problems.push(format!("node {}: used got {}, want {want}", node["at"], here["used"]));
            }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\nfull outcome: {got}", problems.join("\n")))
    }
}

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v.as_array().into_iter().flatten().map(|x| x.to_string()).collect();
    out.sort();
    out
}

fn expect_error(case: &Value, message: &str) -> Result<(), String> {
    match case.get("expect_error").and_then(Value::as_str) {
        Some(want) if message.contains(want) => Ok(()),
        Some(want) => Err(format!("error `{message}` does not contain `{want}`")),
        None => Err(format!("unexpected error: {message}")),
    }
}

#[test]
fn golden_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "expected the golden cases, found {}", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| run_file(f).err().map(|e| format!("{}: {e}", f.file_name().unwrap().to_string_lossy())))
        .collect();
    assert!(failures.is_empty(), "{} of {} golden cases failed:\n\n{}", failures.len(), files.len(), failures.join("\n\n"));
}
