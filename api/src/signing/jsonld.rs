//! JSON-LD to canonical N-Quads (RDF Dataset Canonicalization, RDFC-1.0)
//! with the contexts bundled into the binary: what Data Integrity proofs
//! hash. A document naming any other context cannot be canonicalized here
//! (contexts are never fetched at run time).

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum JsonLdError {
    #[error("the document names a JSON-LD context this service does not bundle: {0}")]
    UnknownContext(String),
    #[error("the document is not valid JSON-LD: {0}")]
    Invalid(String),
    #[error("RDF canonicalization failed: {0}")]
    Canonicalize(String),
}

/// The bundled contexts by URL.
fn bundled(url: &str) -> Option<&'static str> {
    Some(match url {
        "https://www.w3.org/ns/credentials/v2" => ssi_contexts::CREDENTIALS_V2,
        "https://www.w3.org/2018/credentials/v1" => ssi_contexts::CREDENTIALS_V1,
        "https://w3id.org/security/data-integrity/v1" => ssi_contexts::W3ID_DATA_INTEGRITY_V1,
        "https://w3id.org/security/data-integrity/v2" => ssi_contexts::W3ID_DATA_INTEGRITY_V2,
        "https://w3id.org/security/suites/ed25519-2020/v1" => ssi_contexts::W3ID_ED2020_V1,
        "https://w3id.org/security/multikey/v1" => ssi_contexts::W3ID_MULTIKEY_V1,
        "https://w3id.org/vc/status-list/2021/v1" => ssi_contexts::STATUS_LIST_2021_V1,
        "https://www.w3.org/ns/did/v1" => ssi_contexts::DID_V1,
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" => include_str!("../../contexts/ob-v3p0-context-3.0.3.json"),
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json" => include_str!("../../contexts/ob-v3p0-context-3.0.1.json"),
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json" => include_str!("../../contexts/ob-v3p0-extensions.json"),
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json" => include_str!("../../contexts/clr-v2p0-context-2.0.1.json"),
        _ => return None,
    })
}

/// Whether every context `doc` names (by URL) is bundled; the first one
/// that is not otherwise.
pub fn missing_context(doc: &Value) -> Option<String> {
    let urls: Vec<&str> = match doc.get("@context") {
        Some(Value::String(url)) => vec![url.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    urls.into_iter().find(|url| bundled(url).is_none()).map(str::to_owned)
}

/// The canonical N-Quads of `doc` (RDFC-1.0 over its JSON-LD expansion).
pub fn canonicalize(doc: &Value) -> Result<String, JsonLdError> {
    if let Some(url) = missing_context(doc) {
        return Err(JsonLdError::UnknownContext(url));
    }
    let bytes = serde_json::to_vec(doc).map_err(|e| JsonLdError::Invalid(e.to_string()))?;
    let parser = JsonLdParser::new().for_slice(&bytes).with_load_document_callback(|url, _| match bundled(url) {
        Some(context) => Ok(JsonLdRemoteDocument { document: context.as_bytes().to_vec(), document_url: url.to_owned() }),
        None => Err(Box::new(JsonLdError::UnknownContext(url.to_owned()))),
    });
    let mut quads = Vec::new();
    for quad in parser {
        let quad = quad.map_err(|e| JsonLdError::Invalid(e.to_string()))?;
        quads.push(to_canon_quad(quad));
    }
    rdf_canon::canonicalize_quads(&quads).map_err(|e| JsonLdError::Canonicalize(e.to_string()))
}

// The JSON-LD parser and the canonicalizer use two versions of the oxrdf
// term types; the terms are rebuilt from their (already validated) parts.
fn to_canon_quad(quad: oxrdf::Quad) -> oxrdf02::Quad {
    let subject: oxrdf02::Subject = match quad.subject {
        oxrdf::NamedOrBlankNode::NamedNode(n) => oxrdf02::NamedNode::new_unchecked(n.into_string()).into(),
        oxrdf::NamedOrBlankNode::BlankNode(b) => oxrdf02::BlankNode::new_unchecked(b.into_string()).into(),
    };
    let predicate = oxrdf02::NamedNode::new_unchecked(quad.predicate.into_string());
    let object: oxrdf02::Term = match quad.object {
        oxrdf::Term::NamedNode(n) => oxrdf02::NamedNode::new_unchecked(n.into_string()).into(),
        oxrdf::Term::BlankNode(b) => oxrdf02::BlankNode::new_unchecked(b.into_string()).into(),
        oxrdf::Term::Literal(literal) => {
            let (value, datatype, language) = literal.destruct();
            match (datatype, language) {
                (_, Some(language)) => oxrdf02::Literal::new_language_tagged_literal_unchecked(value, language).into(),
                (Some(datatype), None) => {
                    oxrdf02::Literal::new_typed_literal(value, oxrdf02::NamedNode::new_unchecked(datatype.into_string())).into()
                }
                (None, None) => oxrdf02::Literal::new_simple_literal(value).into(),
            }
        }
    };
    let graph: oxrdf02::GraphName = match quad.graph_name {
        oxrdf::GraphName::NamedNode(n) => oxrdf02::NamedNode::new_unchecked(n.into_string()).into(),
        oxrdf::GraphName::BlankNode(b) => oxrdf02::BlankNode::new_unchecked(b.into_string()).into(),
        oxrdf::GraphName::DefaultGraph => oxrdf02::GraphName::DefaultGraph,
    };
    oxrdf02::Quad::new(subject, predicate, object, graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_nodes_are_relabelled_canonically_whatever_the_order() {
        let a = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:1",
            "credentialSubject": { "name": "Ada" },
        });
        let b = serde_json::json!({
            "credentialSubject": { "name": "Ada" },
            "issuer": "did:example:1",
            "type": ["VerifiableCredential"],
            "@context": ["https://www.w3.org/ns/credentials/v2"],
        });
        let canonical = canonicalize(&a).unwrap();
        assert_eq!(canonical, canonicalize(&b).unwrap());
        assert!(canonical.contains("_:c14n"), "{canonical}");
        assert!(canonical.contains("<https://www.w3.org/2018/credentials#issuer> <did:example:1>"), "{canonical}");
    }

    #[test]
    fn a_context_that_is_not_bundled_is_refused_without_fetching() {
        let doc = serde_json::json!({ "@context": ["https://www.w3.org/ns/credentials/v2", "https://example.com/ctx.json"], "type": "VerifiableCredential" });
        assert!(matches!(canonicalize(&doc), Err(JsonLdError::UnknownContext(url)) if url == "https://example.com/ctx.json"));
    }
}
