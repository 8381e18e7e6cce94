use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};

use crate::state::AppState;
use crate::http::caller::Learner;
use crate::http::extract::JsonBody;
use crate::http::problem::{ApiResult, ProblemDocument};
pub use crate::services::records::ImportedView;
use crate::services::holder::{self, HolderMatch};
use crate::http::verify::verify::CredentialInput;
use crate::store::imports::{self, Imported};
use crate::store::{StoreError, audit, time, users};
use crate::services::verification::{self, Check, Outcome, Presented};

fn text_at(doc: &serde_json::Value, pointer: &str) -> Option<String> {
    doc.pointer(pointer).and_then(serde_json::Value::as_str).map(|s| s.chars().take(500).collect())
}

fn time_at(doc: &serde_json::Value, field: &str) -> Option<DateTime<Utc>> {
    doc.get(field).and_then(serde_json::Value::as_str).and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc))
}

/// Import an external credential into the caller's wallet.
///
/// Learners only. The credential (OB 3.0 JSON, a compact VC-JWT, or both)
/// is verified against the issuers this service knows and stored with the
/// result, whatever it is. It is the learner's only when its subject is the
/// learner (`credentialSubject.id` is their subject id, or an `identifier`
/// is one of their verified e-mail addresses); someone else's credential is
/// kept and marked (`holder: false`, a failing `holder` check) and never
/// appears in shares. Importing the same credential again returns the first
/// import (200), upgraded when the new presentation verifies and the old did
/// not.
#[utoipa::path(
    tag = "wallet",
    security(("bearer" = [])),
    request_body = CredentialInput,
    responses(
        (status = 201, description = "Stored, with its verification result", body = ImportedView),
        (status = 200, description = "Imported before: the existing record", body = ImportedView),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "Not a credential", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[post("/v1/me/credentials/import")]
pub async fn import_credential(state: web::Data<AppState>, Learner(caller): Learner, body: JsonBody<CredentialInput>) -> ApiResult<HttpResponse> {
    let presented = body.0.presented()?;
    let public_url = state.public_url.clone();
    let (imported, created) = state
        .store
        .write(move |conn| {
            let mut verification = verification::verify(conn, &public_url, &presented, chrono::Utc::now())?;
            let doc = verification.credential.clone().unwrap_or(serde_json::Value::Null);
            let account = users::find(conn, caller.id)?.ok_or(StoreError::NotFound("account"))?;
            let holder = holder::Holder { subject_ids: vec![format!("urn:uuid:{}", caller.id)], verified_emails: users::verified_emails(&account) };
            let verdict = if verification::is_ob2(&doc) { holder.check_ob2(&doc) } else { holder.check(&doc) };
            let is_holder = !matches!(verdict, HolderMatch::NotTheHolder(_));
            verification.checks.push(match verdict {
                HolderMatch::Subject(id) => Check { check: "holder", result: Outcome::Pass, detail: format!("issued to you ({id})") },
                HolderMatch::Email => Check { check: "holder", result: Outcome::Pass, detail: "issued to your verified e-mail address".into() },
                HolderMatch::NotTheHolder(why) => Check { check: "holder", result: Outcome::Fail, detail: why },
            });
            verification.verified &= is_holder;
            let fingerprint = fingerprint(&presented, &doc, verification.issuer.as_deref(), verification.verified);
            let imported = Imported {
                id: uuid::Uuid::now_v7().to_string(),
                learner: caller.id,
                issuer_id: verification.issuer.clone(),
                issuer_name: text_at(&doc, "/issuer/name"),
                achievement_name: text_at(&doc, "/credentialSubject/achievement/name").or_else(|| text_at(&doc, "/name")),
                jwt: match &presented {
                    Presented::Jwt(jwt) => Some(jwt.clone()),
                    Presented::Json(_) => None,
                },
                verified: verification.verified,
                verification: serde_json::to_value(&verification).unwrap_or_default(),
                awarded_at: time_at(&doc, "awardedDate").or_else(|| time_at(&doc, "validFrom")).or_else(|| time_at(&doc, "issuanceDate")),
                valid_until: time_at(&doc, "validUntil").or_else(|| time_at(&doc, "expirationDate")),
                credential: doc,
                imported_at: time::now(),
                holder: is_holder,
                fingerprint,
            };
            if let Some(existing) = imports::find_by_fingerprint(conn, caller.id, &imported.fingerprint)? {
                return Ok((existing, false));
            }
            imports::insert(conn, &imported)?;
            audit::record(
                conn,
                audit::Entry::new(audit::Action::CredentialImport, "imported_credential", imported.id.clone())
                    .actor(caller.id)
                    .learner(caller.id)
                    .detail(serde_json::json!({ "issuer": imported.issuer_id, "verified": imported.verified, "holder": imported.holder })),
            )?;
            Ok((imported, true))
        })
        .await?;
    let view = ImportedView::new(imported);
    Ok(if created { HttpResponse::Created().json(view) } else { HttpResponse::Ok().json(view) })
}

/// A verified credential is fingerprinted by its issuer and id, so it is the
/// same import however it is presented (VC-JWT or its JSON). What does not
/// verify proves nothing about its id: it is fingerprinted by its bytes, so
/// a forged copy never stands in for (or hides behind) the genuine one.
fn fingerprint(presented: &Presented, doc: &serde_json::Value, issuer: Option<&str>, verified: bool) -> String {
    let id = doc.get("id").and_then(serde_json::Value::as_str).filter(|_| verified);
    let basis = match id {
        Some(id) => format!("id\n{}\n{id}", issuer.unwrap_or_default()),
        None => match presented {
            Presented::Jwt(jwt) => format!("jwt\n{}", jwt.trim()),
            Presented::Json(presented) => format!("json\n{presented}"),
        },
    };
    crate::signing::hash_secret(&basis)
}
