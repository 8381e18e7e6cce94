//! Open Badges 3.0 documents: the `OpenBadgeCredential` (W3C VC Data Model
//! 2.0), its `Achievement` and the issuer `Profile`, rendered from plain
//! inputs, and a structural check of received credentials.
//!
//! Decisions where OB 3.0 has no field of its own:
//! - Credits: `creditsAvailable` (achievement) and `creditsEarned` (subject)
//!   are JSON numbers, as the schema types them. Amounts have at most four
//!   decimal places and at most seven digits before the point, so the
//!   shortest round-trip rendering of the f64 is the exact decimal text. The
//!   unit is not part of OB 3.0; Cairn's API (`credits.unit`) carries it.
//! - Level: a tag `level:<level>` on the achievement.
//! - Status: every credential carries two `BitstringStatusListEntry`
//!   objects, revocation and suspension, as a `credentialStatus` array (VCDM
//!   2.0 admits several entries; the DCC status service issues the same
//!   pair). The 1EdTech OB 3.0 JSON Schema types `credentialStatus` as one
//!   object; CI validates each entry against its `CredentialStatus` and the
//!   rest of the document against the schema as published.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::achievement::{AchievementType, Level};
use crate::credits::Credits;

pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// Defines `1EdTechJsonSchemaValidator2019`, the type of `credentialSchema`:
/// without it that type is a relative IRI, which JSON-LD safe mode (the
/// JavaScript Data Integrity verifiers) refuses to canonicalize.
pub const OB_EXTENSIONS_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
pub const OB_SCHEMA: &str = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerProfile {
    /// A URL that resolves to this profile.
    pub id: String,
    pub name: String,
    pub url: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlignmentDoc {
    pub target_name: String,
    pub target_url: String,
    pub target_code: Option<String>,
    pub target_framework: Option<String>,
    pub target_description: Option<String>,
    pub target_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AchievementDoc {
    pub id: String,
    pub name: String,
    pub description: String,
    pub criteria_narrative: String,
    pub achievement_type: AchievementType,
    pub image: Option<String>,
    pub tags: Vec<String>,
    pub alignments: Vec<AlignmentDoc>,
    pub credits: Option<Credits>,
    pub level: Option<Level>,
    pub issuer: IssuerProfile,
    pub in_language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceDoc {
    pub id: Option<String>,
    pub name: Option<String>,
    pub narrative: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPurpose {
    Revocation,
    Suspension,
}

impl StatusPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusPurpose::Revocation => "revocation",
            StatusPurpose::Suspension => "suspension",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    pub id: String,
    pub list_url: String,
    pub index: u64,
    pub purpose: StatusPurpose,
}

/// An OB 3.0 IdentityObject for an e-mail recipient: salted SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailIdentity {
    /// `sha256$<hex>` of the address followed by the salt.
    pub identity_hash: String,
    pub salt: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialDoc {
    pub id: String,
    pub name: String,
    pub issuer: IssuerProfile,
    pub subject_id: Option<String>,
    pub subject_email_hash: Option<EmailIdentity>,
    pub achievement: AchievementDoc,
    pub awarded_at: DateTime<Utc>,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub evidence: Vec<EvidenceDoc>,
    pub credits_earned: Option<Credits>,
    /// Revocation first, then suspension; none for status list credentials.
    pub status: Vec<StatusEntry>,
}

/// RFC 3339 UTC with a `Z`, to the second.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn insert_some(object: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        object.insert(key.to_owned(), value.into());
    }
}

fn credits_number(credits: &Credits) -> Value {
    // See the module docs: exact for the amounts `Credits` admits.
    credits.amount().normalize().to_string().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
}

pub fn profile_json(profile: &IssuerProfile) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), profile.id.clone().into());
    object.insert("type".into(), json!(["Profile"]));
    object.insert("name".into(), profile.name.clone().into());
    insert_some(&mut object, "url", profile.url.clone());
    insert_some(&mut object, "description", profile.description.clone());
    Value::Object(object)
}

/// The profile as a standalone document, with the contexts.
pub fn profile_document(profile: &IssuerProfile) -> Value {
    let mut doc = profile_json(profile);
    if let Some(object) = doc.as_object_mut() {
        object.insert("@context".into(), json!([VC_CONTEXT, OB_CONTEXT]));
    }
    doc
}

pub fn achievement_json(achievement: &AchievementDoc) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), achievement.id.clone().into());
    object.insert("type".into(), json!(["Achievement"]));
    object.insert("achievementType".into(), achievement.achievement_type.as_str().into());
    object.insert("name".into(), achievement.name.clone().into());
    object.insert("description".into(), achievement.description.clone().into());
    object.insert("criteria".into(), json!({ "narrative": achievement.criteria_narrative }));
    if let Some(image) = &achievement.image {
        object.insert("image".into(), json!({ "id": image, "type": "Image" }));
    }
    let mut tags = achievement.tags.clone();
    if let Some(level) = achievement.level {
        tags.push(format!("level:{}", level.as_str()));
    }
    if !tags.is_empty() {
        object.insert("tag".into(), json!(tags));
    }
    if !achievement.alignments.is_empty() {
        let alignments: Vec<Value> = achievement
            .alignments
            .iter()
            .map(|a| {
                let mut alignment = Map::new();
                alignment.insert("type".into(), json!(["Alignment"]));
                alignment.insert("targetName".into(), a.target_name.clone().into());
                alignment.insert("targetUrl".into(), a.target_url.clone().into());
                insert_some(&mut alignment, "targetCode", a.target_code.clone());
                insert_some(&mut alignment, "targetFramework", a.target_framework.clone());
                insert_some(&mut alignment, "targetDescription", a.target_description.clone());
                insert_some(&mut alignment, "targetType", a.target_type.clone());
                Value::Object(alignment)
            })
            .collect();
        object.insert("alignment".into(), Value::Array(alignments));
    }
    if let Some(credits) = &achievement.credits {
        object.insert("creditsAvailable".into(), credits_number(credits));
    }
    insert_some(&mut object, "inLanguage", achievement.in_language.clone());
    object.insert("creator".into(), profile_json(&achievement.issuer));
    Value::Object(object)
}

pub fn credential_json(doc: &CredentialDoc) -> Value {
    let mut subject = Map::new();
    insert_some(&mut subject, "id", doc.subject_id.clone());
    subject.insert("type".into(), json!(["AchievementSubject"]));
    if let Some(identity) = &doc.subject_email_hash {
        subject.insert(
            "identifier".into(),
            json!([{
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": true,
                "identityHash": identity.identity_hash,
                "salt": identity.salt,
            }]),
        );
    }
    subject.insert("achievement".into(), achievement_json(&doc.achievement));
    if let Some(credits) = &doc.credits_earned {
        subject.insert("creditsEarned".into(), credits_number(credits));
    }

    let mut object = Map::new();
    object.insert("@context".into(), json!([VC_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT]));
    object.insert("id".into(), doc.id.clone().into());
    object.insert("type".into(), json!(["VerifiableCredential", "OpenBadgeCredential"]));
    object.insert("name".into(), doc.name.clone().into());
    object.insert("issuer".into(), profile_json(&doc.issuer));
    object.insert("validFrom".into(), timestamp(doc.valid_from).into());
    insert_some(&mut object, "validUntil", doc.valid_until.map(timestamp));
    object.insert("awardedDate".into(), timestamp(doc.awarded_at).into());
    object.insert("credentialSubject".into(), Value::Object(subject));
    if !doc.evidence.is_empty() {
        let evidence: Vec<Value> = doc
            .evidence
            .iter()
            .map(|e| {
                let mut item = Map::new();
                insert_some(&mut item, "id", e.id.clone());
                item.insert("type".into(), json!(["Evidence"]));
                insert_some(&mut item, "name", e.name.clone());
                insert_some(&mut item, "narrative", e.narrative.clone());
                insert_some(&mut item, "description", e.description.clone());
                Value::Object(item)
            })
            .collect();
        object.insert("evidence".into(), Value::Array(evidence));
    }
    let entries: Vec<Value> = doc
        .status
        .iter()
        .map(|status| {
            json!({
                "id": status.id,
                "type": "BitstringStatusListEntry",
                "statusPurpose": status.purpose.as_str(),
                "statusListIndex": status.index.to_string(),
                "statusListCredential": status.list_url,
            })
        })
        .collect();
    if !entries.is_empty() {
        object.insert("credentialStatus".into(), Value::Array(entries));
    }
    object.insert("credentialSchema".into(), json!([{ "id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019" }]));
    Value::Object(object)
}

fn has_type(value: Option<&Value>, wanted: &str) -> bool {
    match value {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(items)) => items.iter().any(|t| t == wanted),
        _ => false,
    }
}

fn time_field(doc: &Value, field: &str, problems: &mut Vec<String>) -> Option<DateTime<chrono::FixedOffset>> {
    match doc.get(field) {
        None => None,
        Some(Value::String(text)) => match DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at),
            Err(_) => {
                problems.push(format!("{field} is not an RFC 3339 date-time"));
                None
            }
        },
        Some(_) => {
            problems.push(format!("{field} must be a string"));
            None
        }
    }
}

/// Cairn's structural check of an OB 3.0 credential: the fields and types
/// the official schema requires. Returns the problems found (none: ok).
pub fn check_shape(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if !doc.is_object() {
        return vec!["a credential is a JSON object".into()];
    }
    match doc.get("@context") {
        Some(Value::Array(contexts)) if contexts.len() >= 2 => {
            if contexts[0] != VC_CONTEXT && contexts[0] != "https://www.w3.org/2018/credentials/v1" {
                problems.push("the first @context must be the W3C credentials context".into());
            }
            let ob = contexts.iter().any(|c| c.as_str().is_some_and(|c| c.starts_with("https://purl.imsglobal.org/spec/ob/v3p0/context")));
            if !ob {
                problems.push("@context must include the Open Badges 3.0 context".into());
            }
        }
        _ => problems.push("@context must list the W3C credentials and Open Badges 3.0 contexts".into()),
    }
    if !doc.get("id").is_some_and(Value::is_string) {
        problems.push("id is required".into());
    }
    if !has_type(doc.get("type"), "VerifiableCredential") {
        problems.push("type must include VerifiableCredential".into());
    }
    if !(has_type(doc.get("type"), "OpenBadgeCredential") || has_type(doc.get("type"), "AchievementCredential")) {
        problems.push("type must include OpenBadgeCredential or AchievementCredential".into());
    }
    match doc.get("issuer") {
        Some(Value::String(_)) => {}
        Some(Value::Object(profile)) if profile.get("id").is_some_and(Value::is_string) => {
            if !has_type(profile.get("type"), "Profile") {
                problems.push("issuer.type must include Profile".into());
            }
        }
        _ => problems.push("issuer (with an id) is required".into()),
    }
    let from = time_field(doc, "validFrom", &mut problems);
    if doc.get("validFrom").is_none() && doc.get("issuanceDate").is_none() {
        problems.push("validFrom is required".into());
    }
    let until = time_field(doc, "validUntil", &mut problems);
    if let (Some(from), Some(until)) = (from, until)
        && until <= from
    {
        problems.push("validUntil must be after validFrom".into());
    }
    match doc.get("credentialSubject") {
        Some(Value::Object(subject)) => {
            if !has_type(subject.get("type"), "AchievementSubject") {
                problems.push("credentialSubject.type must include AchievementSubject".into());
            }
            match subject.get("achievement") {
                Some(Value::Object(achievement)) => {
                    for field in ["id", "name", "description"] {
                        if !achievement.get(field).is_some_and(Value::is_string) {
                            problems.push(format!("credentialSubject.achievement.{field} is required"));
                        }
                    }
                    if !has_type(achievement.get("type"), "Achievement") {
                        problems.push("credentialSubject.achievement.type must include Achievement".into());
                    }
                    if !achievement.get("criteria").is_some_and(Value::is_object) {
                        problems.push("credentialSubject.achievement.criteria is required".into());
                    }
                }
                _ => problems.push("credentialSubject.achievement is required".into()),
            }
        }
        _ => problems.push("credentialSubject is required".into()),
    }
    match doc.get("credentialStatus") {
        None => {}
        Some(Value::Array(entries)) => {
            for (i, entry) in entries.iter().enumerate() {
                if !entry.get("type").is_some_and(Value::is_string) {
                    problems.push(format!("credentialStatus[{i}].type is required"));
                }
            }
        }
        Some(entry) if !entry.get("type").is_some_and(Value::is_string) => {
            problems.push("credentialStatus.type is required".into());
        }
        Some(_) => {}
    }
    problems
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn profile() -> IssuerProfile {
        IssuerProfile {
            id: "https://cairn.example/v1/issuers/1".into(),
            name: "Lakeside".into(),
            url: Some("https://lakeside.example/".into()),
            description: None,
        }
    }

    fn doc() -> CredentialDoc {
        CredentialDoc {
            id: "urn:uuid:0192e5a0-0000-7000-8000-000000000001".into(),
            name: "Data Visualisation".into(),
            issuer: profile(),
            subject_id: Some("urn:uuid:0192e5a0-0000-7000-8000-000000000002".into()),
            subject_email_hash: None,
            achievement: AchievementDoc {
                id: "https://cairn.example/v1/achievements/3".into(),
                name: "Data Visualisation".into(),
                description: "Charts.".into(),
                criteria_narrative: "Four assignments.".into(),
                achievement_type: AchievementType::MicroCredential,
                image: Some("https://lakeside.example/badge.png".into()),
                tags: vec!["data".into()],
                alignments: vec![AlignmentDoc {
                    target_name: "Data visualisation".into(),
                    target_url: "https://skills.example/dv".into(),
                    target_code: Some("DV-1".into()),
                    target_framework: None,
                    target_description: None,
                    target_type: None,
                }],
                credits: Some(Credits::parse("2.5", "ECTS").unwrap()),
                level: Some(Level::Advanced),
                issuer: profile(),
                in_language: Some("en".into()),
            },
            awarded_at: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
            valid_from: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap(),
            valid_until: Some(Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()),
            evidence: vec![EvidenceDoc { id: None, name: Some("Capstone".into()), narrative: None, description: None }],
            credits_earned: Some(Credits::parse("0.1", "ECTS").unwrap()),
            status: vec![
                StatusEntry {
                    id: "https://cairn.example/v1/status-lists/9#42".into(),
                    list_url: "https://cairn.example/v1/status-lists/9".into(),
                    index: 42,
                    purpose: StatusPurpose::Revocation,
                },
                StatusEntry {
                    id: "https://cairn.example/v1/status-lists/10#42".into(),
                    list_url: "https://cairn.example/v1/status-lists/10".into(),
                    index: 42,
                    purpose: StatusPurpose::Suspension,
                },
            ],
        }
    }

    #[test]
    fn a_full_credential_renders_and_passes_the_shape_check() {
        let json = credential_json(&doc());
        assert_eq!(json["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
        assert_eq!(json["validFrom"], "2024-05-01T12:00:00Z");
        assert_eq!(json["credentialSubject"]["achievement"]["creditsAvailable"], json!(2.5));
        assert_eq!(json["credentialSubject"]["creditsEarned"].to_string(), "0.1");
        assert_eq!(json["credentialSubject"]["achievement"]["tag"], json!(["data", "level:advanced"]));
        assert_eq!(json["credentialStatus"][0]["statusListIndex"], "42");
        assert_eq!(json["credentialStatus"][0]["statusPurpose"], "revocation");
        assert_eq!(json["credentialStatus"][1]["statusPurpose"], "suspension");
        assert_ne!(json["credentialStatus"][0]["id"], json["credentialStatus"][1]["id"]);
        assert_eq!(json["credentialSubject"]["achievement"]["alignment"][0]["targetCode"], "DV-1");
        assert_eq!(check_shape(&json), Vec::<String>::new());
    }

    #[test]
    fn an_email_recipient_gets_a_hashed_identifier() {
        let mut d = doc();
        d.subject_id = None;
        d.subject_email_hash = Some(EmailIdentity { identity_hash: "sha256$abc".into(), salt: "s".into() });
        let json = credential_json(&d);
        assert!(json["credentialSubject"].get("id").is_none());
        assert_eq!(json["credentialSubject"]["identifier"][0]["identityType"], "emailAddress");
        assert_eq!(json["credentialSubject"]["identifier"][0]["hashed"], true);
        assert!(check_shape(&json).is_empty());
    }

    #[test]
    fn broken_credentials_fail_the_shape_check() {
        let good = credential_json(&doc());
        type Mutation = Box<dyn Fn(&mut Value)>;
        let broken: Vec<(&str, Mutation)> = vec![
            ("no type", Box::new(|v: &mut Value| v["type"] = json!(["VerifiableCredential"]))),
            ("no context", Box::new(|v: &mut Value| v["@context"] = json!([]))),
            ("bad date", Box::new(|v: &mut Value| v["validFrom"] = json!("yesterday"))),
            ("until before from", Box::new(|v: &mut Value| v["validUntil"] = json!("2020-01-01T00:00:00Z"))),
            ("no achievement", Box::new(|v: &mut Value| v["credentialSubject"] = json!({ "type": ["AchievementSubject"] }))),
            ("no issuer", Box::new(|v: &mut Value| v["issuer"] = json!(42))),
        ];
        for (what, mutate) in broken {
            let mut doc = good.clone();
            mutate(&mut doc);
            assert!(!check_shape(&doc).is_empty(), "{what} passed");
        }
        assert!(!check_shape(&json!("x")).is_empty());
    }
}
