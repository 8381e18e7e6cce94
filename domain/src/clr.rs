//! CLR 2.0: a learner's whole record as one `ClrCredential` whose subject
//! holds the Open Badges credentials and the associations between their
//! achievements (a constituent `isPartOf` the award it stacks into).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::ob3::{IssuerProfile, OB_CONTEXT, OB_EXTENSIONS_CONTEXT, VC_CONTEXT, profile_json, timestamp};

pub const CLR_CONTEXT: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
pub const CLR_SCHEMA: &str = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json";

/// One association: the achievement `source` is part of `target`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartOf {
    pub source: String,
    pub target: String,
}

#[derive(Debug, Clone)]
pub struct ClrDoc {
    pub id: String,
    pub name: String,
    pub issuer: IssuerProfile,
    pub subject_id: String,
    /// OB 3.0 credential documents.
    pub credentials: Vec<Value>,
    pub associations: Vec<PartOf>,
    /// Achievements that are not credentials (employment records), listed
    /// in the subject's `achievement`.
    pub achievements: Vec<Value>,
    pub valid_from: DateTime<Utc>,
}

pub fn clr_json(doc: &ClrDoc) -> Value {
    let associations: Vec<Value> = doc
        .associations
        .iter()
        .map(|a| json!({ "type": "Association", "associationType": "isPartOf", "sourceId": a.source, "targetId": a.target }))
        .collect();
    let mut subject = json!({
        "id": doc.subject_id,
        "type": ["ClrSubject"],
        "verifiableCredential": doc.credentials,
    });
    if let Some(object) = subject.as_object_mut() {
        if !associations.is_empty() {
            object.insert("association".into(), Value::Array(associations));
        }
        if !doc.achievements.is_empty() {
            object.insert("achievement".into(), Value::Array(doc.achievements.clone()));
        }
    }
    json!({
        "@context": [VC_CONTEXT, CLR_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT],
        "id": doc.id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": doc.name,
        "issuer": profile_json(&doc.issuer),
        "validFrom": timestamp(doc.valid_from),
        "awardedDate": timestamp(doc.valid_from),
        // The record is complete, which an absent `partial` says (CLR 2.0:
        // "False or omitted"). `partial: false` is left out because the CLR
        // context types it `xsd:boolean` with no `xsd` prefix defined, and
        // JSON-LD processors disagree on that literal: jsonld.js keeps it
        // (datatype <xsd:boolean>), oxjsonld drops it, so a proof over it
        // would not verify in the JavaScript verifiers (tests/interop).
        "credentialSubject": subject,
        "credentialSchema": [{ "id": CLR_SCHEMA, "type": "1EdTechJsonSchemaValidator2019" }],
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_record_lists_credentials_and_associations() {
        let doc = ClrDoc {
            id: "urn:uuid:1".into(),
            name: "Record".into(),
            issuer: IssuerProfile { id: "https://cairn.example".into(), name: "Cairn".into(), url: None, description: None },
            subject_id: "urn:uuid:2".into(),
            credentials: vec![json!({ "id": "urn:uuid:3" })],
            associations: vec![PartOf { source: "https://a.example/1".into(), target: "https://a.example/2".into() }],
            achievements: Vec::new(),
            valid_from: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        };
        let json = clr_json(&doc);
        assert_eq!(json["type"], json!(["VerifiableCredential", "ClrCredential"]));
        assert_eq!(json["@context"][1], CLR_CONTEXT);
        assert_eq!(json["credentialSubject"]["association"][0]["associationType"], "isPartOf");
        assert_eq!(json["credentialSubject"]["verifiableCredential"].as_array().unwrap().len(), 1);
    }
}
