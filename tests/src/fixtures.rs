//! Builders for the JSON bodies tests send: catalog entries, issue
//! requests, rules and pathways. Each is a thin layer over the JSON, so a
//! test can still set any field with `set`.

use serde_json::{Map, Value, json};

use crate::service::{Ed25519Signer, did_key};

/// Anything that is sent as a JSON body.
pub trait Body {
    fn body(&self) -> Value;
}

impl Body for Value {
    fn body(&self) -> Value {
        self.clone()
    }
}

macro_rules! json_body {
    ($($builder:ty),*) => {$(
        impl Body for $builder {
            fn body(&self) -> Value {
                Value::Object(self.0.clone())
            }
        }

        impl From<$builder> for Value {
            fn from(builder: $builder) -> Value {
                Value::Object(builder.0)
            }
        }

        impl $builder {
            /// Sets any field.
            pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
                self.0.insert(key.to_owned(), value.into());
                self
            }
        }
    )*};
}

json_body!(AchievementBuilder, IssueRequest, Rule, Pathway);

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// An RFC 3339 time `days` from now.
pub fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

/// A catalog entry: `AchievementBuilder::micro("Coaching Basics")
/// .credits("2", "ECTS").skill("Coaching", "https://skills.example/coaching")
/// .validity("P2Y")`. The description is the name and the criteria "Earn
/// it." unless set.
#[derive(Debug, Clone)]
#[must_use]
pub struct AchievementBuilder(Map<String, Value>);

impl AchievementBuilder {
    pub fn new(name: &str, kind: &str) -> Self {
        AchievementBuilder(object(json!({
            "name": name, "description": name, "criteria": { "narrative": "Earn it." }, "achievementType": kind
        })))
    }

    pub fn micro(name: &str) -> Self {
        Self::new(name, "MicroCredential")
    }

    pub fn award(name: &str) -> Self {
        Self::new(name, "Award")
    }

    pub fn course(name: &str) -> Self {
        Self::new(name, "Course")
    }

    pub fn badge(name: &str) -> Self {
        Self::new(name, "Badge")
    }

    pub fn description(self, description: &str) -> Self {
        self.set("description", description)
    }

    pub fn criteria(self, narrative: &str) -> Self {
        self.set("criteria", json!({ "narrative": narrative }))
    }

    pub fn credits(self, amount: &str, unit: &str) -> Self {
        self.set("credits", json!({ "amount": amount, "unit": unit }))
    }

    pub fn level(self, level: &str) -> Self {
        self.set("level", level)
    }

    /// The default validity of credentials of it (an ISO 8601 duration).
    pub fn validity(self, duration: &str) -> Self {
        self.set("validity", duration)
    }

    pub fn issuing_message(self, message: &str) -> Self {
        self.set("issuingMessage", message)
    }

    pub fn tags(self, tags: &[&str]) -> Self {
        self.set("tags", json!(tags))
    }

    /// An alignment to a skill (by name and URL).
    pub fn skill(self, name: &str, url: &str) -> Self {
        self.alignment(json!({ "targetName": name, "targetUrl": url }))
    }

    /// An alignment to a skill with its code.
    pub fn skill_with_code(self, name: &str, url: &str, code: &str) -> Self {
        self.alignment(json!({ "targetName": name, "targetUrl": url, "targetCode": code }))
    }

    fn alignment(mut self, alignment: Value) -> Self {
        let alignments = self.0.entry("alignments").or_insert_with(|| json!([]));
        if let Some(list) = alignments.as_array_mut() {
            list.push(alignment);
        }
        self
    }
}

/// An issue request: `IssueRequest::new(achievement).to(learner)
/// .awarded_at("2025-03-01T10:00:00Z")`.
#[derive(Debug, Clone)]
#[must_use]
pub struct IssueRequest(Map<String, Value>);

impl IssueRequest {
    pub fn new(achievement: &str) -> Self {
        IssueRequest(object(json!({ "achievement": achievement })))
    }

    /// To a learner account, by id.
    pub fn to(self, learner: &str) -> Self {
        self.set("recipient", json!({ "learner": learner }))
    }

    /// To an e-mail address.
    pub fn to_email(self, email: &str) -> Self {
        self.set("recipient", json!({ "email": email }))
    }

    pub fn awarded_at(self, at: &str) -> Self {
        self.set("awarded_at", at)
    }

    pub fn valid_until(self, until: &str) -> Self {
        self.set("valid_until", until)
    }

    pub fn credits_earned(self, amount: &str, unit: &str) -> Self {
        self.set("credits_earned", json!({ "amount": amount, "unit": unit }))
    }
}

/// A requirement of the rule language: `Rule::count(3)
/// .of_type("MicroCredential").within("P3Y")`, `Rule::all([..])`.
#[derive(Debug, Clone)]
#[must_use]
pub struct Rule(Map<String, Value>);

impl Rule {
    fn of_kind(kind: &str) -> Self {
        Rule(object(json!({ "type": kind })))
    }

    /// `min` credentials that match the selector.
    pub fn count(min: u32) -> Self {
        Self::of_kind("count").set("min", min)
    }

    /// `min` credits (a decimal) in `unit` from credentials that match the selector.
    pub fn credits(min: &str, unit: &str) -> Self {
        Self::of_kind("credits").set("min", min).set("unit", unit)
    }

    pub fn all(of: impl IntoIterator<Item = Rule>) -> Self {
        Self::of_kind("all").children(of)
    }

    pub fn any(of: impl IntoIterator<Item = Rule>) -> Self {
        Self::of_kind("any").children(of)
    }

    pub fn at_least(min: u32, of: impl IntoIterator<Item = Rule>) -> Self {
        Self::of_kind("at_least").set("min", min).children(of)
    }

    /// The award of another pathway.
    pub fn pathway(pathway: &str) -> Self {
        Self::of_kind("pathway").set("pathway", pathway)
    }

    fn children(self, of: impl IntoIterator<Item = Rule>) -> Self {
        let of: Vec<Value> = of.into_iter().map(Value::from).collect();
        self.set("of", of)
    }

    /// All of it within one window of this length (an ISO 8601 duration).
    pub fn within(self, duration: &str) -> Self {
        self.set("within", duration)
    }

    pub fn label(self, label: &str) -> Self {
        self.set("label", label)
    }

    /// Adds a field to the selector (`where`).
    pub fn matching(mut self, key: &str, value: impl Into<Value>) -> Self {
        let selector = self.0.entry("where").or_insert_with(|| json!({}));
        if let Some(selector) = selector.as_object_mut() {
            selector.insert(key.to_owned(), value.into());
        }
        self
    }

    pub fn of_type(self, achievement_type: &str) -> Self {
        self.matching("achievement_type", achievement_type)
    }

    pub fn achievement(self, achievement: &str) -> Self {
        self.matching("achievement", achievement)
    }

    pub fn achievements(self, achievements: &[&str]) -> Self {
        self.matching("achievements", json!(achievements))
    }

    pub fn skill(self, skill: &str) -> Self {
        self.matching("skill", skill)
    }

    pub fn earned_after(self, date: &str) -> Self {
        self.matching("earned_after", date)
    }

    pub fn earned_before(self, date: &str) -> Self {
        self.matching("earned_before", date)
    }
}

/// A pathway as an institution registers it: `Pathway::new("pla",
/// "Professional Learning Award", award, Rule::count(3)..)`.
#[derive(Debug, Clone)]
#[must_use]
pub struct Pathway(Map<String, Value>);

impl Pathway {
    pub fn new(key: &str, name: &str, award: &str, requirement: impl Into<Value>) -> Self {
        Pathway(object(json!({ "key": key, "name": name, "award": award, "requirement": requirement.into() })))
    }

    pub fn description(self, description: &str) -> Self {
        self.set("description", description)
    }

    /// `automatic` or `review`.
    pub fn issuance(self, issuance: &str) -> Self {
        self.set("issuance", issuance)
    }

    /// `revoke` or `keep`.
    pub fn on_constituent_revoked(self, policy: &str) -> Self {
        self.set("on_constituent_revoked", policy)
    }

    /// Unit conversions: `json!({ "hours": { "ECTS": "0.04" } })`.
    pub fn conversions(self, conversions: Value) -> Self {
        self.set("conversions", conversions)
    }
}

/// An Open Badges 3.0 credential issued elsewhere to `subject`, signed
/// (eddsa-rdfc-2022) by a new did:key: the credential, its signer, its DID.
pub fn did_key_credential(subject: &str) -> (Value, Ed25519Signer, String) {
    let pkcs8 = Ed25519Signer::generate_pkcs8().unwrap();
    let public = Ed25519Signer::from_pkcs8(&pkcs8, String::new()).unwrap().public_key();
    let (did, method) = did_key(&public);
    let signer = Ed25519Signer::from_pkcs8(&pkcs8, method).unwrap();
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:7a4b0a9e-3f64-4c4e-9d7b-8b1c2c3d4e5f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": { "id": did, "type": ["Profile"], "name": "Harbour Academy" },
        "validFrom": "2025-01-09T15:06:31Z",
        "name": "Teamwork Badge",
        "credentialSubject": {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://harbour.example/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Collaborates within a group.",
                "criteria": { "narrative": "Nominated by peers." }
            }
        }
    });
    let signed = signer.sign(&credential, chrono::Utc::now()).unwrap();
    (signed, signer, did)
}
