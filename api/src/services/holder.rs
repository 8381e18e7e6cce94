//! Whose credential is it? An imported credential is the learner's only when
//! its subject is the learner: `credentialSubject.id` is one of the learner's
//! subject ids, or one of its OB 3.0 `identifier`s (an e-mail IdentityObject,
//! plain or salted SHA-256) is one of the learner's verified addresses.
//! Anything else may be genuine, but it is someone else's.

use cairn_domain::Email;
use serde_json::Value;

/// Who the importing learner is, as a credential could name them.
pub struct Holder {
    /// `urn:uuid:<account id>`: the subject id of credentials issued here.
    pub subject_ids: Vec<String>,
    /// Only addresses the learner has proved are theirs.
    pub verified_emails: Vec<Email>,
}

/// The verdict, with a sentence for the learner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderMatch {
    Subject(String),
    Email,
    /// Names someone else, or nobody.
    NotTheHolder(String),
}

/// A document's `credentialSubject`s: one object, or each of an array.
pub fn subjects(doc: &Value) -> Vec<&Value> {
    match doc.get("credentialSubject") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(subject @ Value::Object(_)) => vec![subject],
        _ => Vec::new(),
    }
}

/// Whether every subject of `doc` has the id `holder` (and it has one).
pub fn subject_is(doc: &Value, holder: &str) -> bool {
    let subjects = subjects(doc);
    !subjects.is_empty() && subjects.iter().all(|s| s.get("id").and_then(Value::as_str) == Some(holder))
}

/// `sha256$<hex>` of the address followed by the salt, as OB 3.0 (and OB 2.0)
/// hash recipient identities.
pub fn email_identity_hash(email: &Email, salt: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, format!("{email}{salt}").as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256${hex}")
}

fn identity_matches(identity: &Value, emails: &[Email]) -> bool {
    let Some(hash) = identity.get("identityHash").and_then(Value::as_str) else {
        return false;
    };
    let kind = identity.get("identityType").and_then(Value::as_str).unwrap_or("emailAddress");
    if kind != "emailAddress" {
        return false;
    }
    let salt = identity.get("salt").and_then(Value::as_str).unwrap_or_default();
    if identity.get("hashed").and_then(Value::as_bool).unwrap_or(false) {
        emails.iter().any(|email| email_identity_hash(email, salt).eq_ignore_ascii_case(hash))
    } else {
        emails.iter().any(|email| email.as_str().eq_ignore_ascii_case(hash.trim()))
    }
}

impl Holder {
    /// Checks the subjects of an OB 3.0 / VC document (`credentialSubject`, an
    /// object or an array of them).
    pub fn check(&self, doc: &Value) -> HolderMatch {
        let mut named = Vec::new();
        for subject in subjects(doc) {
            if let Some(id) = subject.get("id").and_then(Value::as_str) {
                if self.subject_ids.iter().any(|mine| mine == id) {
                    return HolderMatch::Subject(id.to_owned());
                }
                named.push(id.to_owned());
            }
            let identifiers = match subject.get("identifier") {
                Some(Value::Array(items)) => items.iter().collect(),
                Some(one @ Value::Object(_)) => vec![one],
                _ => Vec::new(),
            };
            if identifiers.iter().any(|identity| identity_matches(identity, &self.verified_emails)) {
                return HolderMatch::Email;
            }
            if !identifiers.is_empty() {
                named.push("an e-mail address that is not one of your verified addresses".to_owned());
            }
        }
        HolderMatch::NotTheHolder(match named.as_slice() {
            [] => "the credential names no subject, so it cannot be shown to be yours".to_owned(),
            named => format!("issued to {}, not to you", named.join(" and ")),
        })
    }

    /// Checks an Open Badges 2.0 assertion's `recipient` (hashed or plain e-mail).
    pub fn check_ob2(&self, assertion: &Value) -> HolderMatch {
        let Some(recipient) = assertion.get("recipient") else {
            return HolderMatch::NotTheHolder("the assertion names no recipient".to_owned());
        };
        let identity = serde_json::json!({
            "identityType": if recipient.get("type").and_then(Value::as_str) == Some("email") { "emailAddress" } else { "other" },
            "identityHash": recipient.get("identity").cloned().unwrap_or(Value::Null),
            "hashed": recipient.get("hashed").cloned().unwrap_or(Value::Bool(false)),
            "salt": recipient.get("salt").cloned().unwrap_or(Value::Null),
        });
        if identity_matches(&identity, &self.verified_emails) {
            HolderMatch::Email
        } else {
            HolderMatch::NotTheHolder("awarded to a recipient who is not one of your verified addresses".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn holder() -> Holder {
        Holder { subject_ids: vec!["urn:uuid:me".into()], verified_emails: vec![Email::parse("ada@example.org").unwrap()] }
    }

    #[test]
    fn the_subject_id_or_a_verified_address_makes_it_mine() {
        assert_eq!(holder().check(&json!({ "credentialSubject": { "id": "urn:uuid:me" } })), HolderMatch::Subject("urn:uuid:me".into()));
        let salt = "pepper";
        let hashed = email_identity_hash(&Email::parse("ada@example.org").unwrap(), salt);
        let doc = json!({ "credentialSubject": { "identifier": [{ "identityType": "emailAddress", "hashed": true, "identityHash": hashed, "salt": salt }] } });
        assert_eq!(holder().check(&doc), HolderMatch::Email);
        let plain = json!({ "credentialSubject": [{ "id": "did:example:x", "identifier": { "identityHash": "ADA@example.org", "hashed": false } }] });
        assert_eq!(holder().check(&plain), HolderMatch::Email);
    }

    #[test]
    fn anyone_else_or_nobody_is_not_me() {
        let other = holder().check(&json!({ "credentialSubject": { "id": "urn:uuid:someone-else" } }));
        assert_eq!(other, HolderMatch::NotTheHolder("issued to urn:uuid:someone-else, not to you".into()));
        let wrong_salt = json!({ "credentialSubject": { "identifier": [{ "hashed": true, "salt": "a",
            "identityHash": email_identity_hash(&Email::parse("ada@example.org").unwrap(), "b") }] } });
        assert!(matches!(holder().check(&wrong_salt), HolderMatch::NotTheHolder(_)));
        assert!(matches!(holder().check(&json!({ "credentialSubject": {} })), HolderMatch::NotTheHolder(_)));
        let unverified = Holder { subject_ids: vec![], verified_emails: vec![] };
        assert!(matches!(
            unverified.check(&json!({ "credentialSubject": { "identifier": { "identityHash": "ada@example.org" } } })),
            HolderMatch::NotTheHolder(_)
        ));
    }

    #[test]
    fn open_badges_2_recipients_are_matched_by_address() {
        let hashed = email_identity_hash(&Email::parse("ada@example.org").unwrap(), "s");
        let assertion = json!({ "recipient": { "type": "email", "hashed": true, "salt": "s", "identity": hashed } });
        assert_eq!(holder().check_ob2(&assertion), HolderMatch::Email);
        assert!(matches!(
            holder().check_ob2(&json!({ "recipient": { "type": "email", "identity": "eve@example.org" } })),
            HolderMatch::NotTheHolder(_)
        ));
    }
}
