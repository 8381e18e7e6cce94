//! Per-credential cost of the two proofs Cairn puts on every credential,
//! on one core: the embedded Data Integrity proof (eddsa-rdfc-2022, JSON-LD
//! expansion and RDFC-1.0 canonicalization included) and the ES256 VC-JWT,
//! each signed and verified. `cargo bench -p cairn-api --bench signing`.
#![expect(clippy::expect_used, reason = "a benchmark fails loudly on a broken fixture")]

use cairn_api::signing::OrgSigner;
use cairn_api::signing::data_integrity::{self, Ed25519Signer};
use cairn_api::signing::keys::SigningKey;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Value, json};

/// A credential shaped like the ones Cairn issues (OB 3.0, two status
/// entries, an alignment, credits, evidence).
fn credential() -> Value {
    let issuer =
        json!({ "id": "did:web:cairn.example:v1:issuers:0190a5d2-7a4f-7cc0-8000-000000000001", "type": ["Profile"], "name": "Lakeside University" });
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:0190a5d2-7a4f-7cc0-8000-0000000000aa",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data Visualisation Fundamentals",
        "issuer": issuer,
        "validFrom": "2025-03-01T10:00:00Z",
        "validUntil": "2028-03-01T10:00:00Z",
        "credentialSubject": {
            "id": "urn:uuid:0190a5d2-7a4f-7cc0-8000-0000000000bb",
            "type": ["AchievementSubject"],
            "activityEndDate": "2025-03-01T10:00:00Z",
            "creditsEarned": 2.0,
            "achievement": {
                "id": "https://cairn.example/v1/achievements/0190a5d2-7a4f-7cc0-8000-0000000000cc",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Data Visualisation Fundamentals",
                "description": "Design clear charts for analytical audiences.",
                "criteria": { "narrative": "Complete four assignments and a capstone." },
                "creator": issuer,
                "alignment": [{ "type": ["Alignment"], "targetName": "Data visualisation", "targetUrl": "https://skills.example/dv", "targetCode": "DV-1" }]
            }
        },
        "evidence": [{ "type": ["Evidence"], "id": "https://portfolio.example/ada/capstone", "name": "Capstone" }],
        "credentialStatus": [
            { "id": "https://cairn.example/v1/status-lists/r1#4711", "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "4711", "statusListCredential": "https://cairn.example/v1/status-lists/r1" },
            { "id": "https://cairn.example/v1/status-lists/s1#4711", "type": "BitstringStatusListEntry", "statusPurpose": "suspension", "statusListIndex": "4711", "statusListCredential": "https://cairn.example/v1/status-lists/s1" }
        ]
    })
}

fn signers() -> OrgSigner {
    let pkcs8 = Ed25519Signer::generate_pkcs8().expect("key");
    let data_integrity = Ed25519Signer::from_pkcs8(&pkcs8, "did:web:cairn.example:v1:issuers:x#z6Mk".into()).expect("key");
    OrgSigner { kid: "https://cairn.example/v1/issuers/x/jwks#k".into(), key: SigningKey::generate().expect("key"), data_integrity }
}

fn proofs(c: &mut Criterion) {
    let signer = signers();
    let doc = credential();
    let now = chrono::Utc::now();
    let secured = signer.prove(&doc, now).expect("sign");
    let jwt = signer.sign(&doc).expect("sign");
    let public = signer.data_integrity.public_key();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;

    let mut group = c.benchmark_group("credential_proof");
    group.bench_function("data_integrity_sign", |b| b.iter(|| signer.prove(&doc, now).expect("sign")));
    group.bench_function("data_integrity_verify", |b| b.iter(|| data_integrity::verify(&secured, &public).expect("verify")));
    group.bench_function("vc_jwt_sign", |b| b.iter(|| signer.sign(&doc).expect("sign")));
    group
        .bench_function("vc_jwt_verify", |b| b.iter(|| jsonwebtoken::decode::<Value>(&jwt, signer.key.decoding_key(), &validation).expect("verify")));
    group.finish();
}

criterion_group!(benches, proofs);
criterion_main!(benches);
