use std::collections::BTreeSet;

use actix_web::{HttpResponse, get, web};
use cairn_domain::CredentialId;
use cairn_domain::clr::{self, ClrDoc, PartOf};
use cairn_domain::ob3::IssuerProfile;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::state::AppState;
use crate::http::caller::Learner;
use crate::http::problem::{ApiResult, ProblemDocument};
use crate::signing;
use crate::store::credentials::{self, CredentialStatus};
use crate::store::{StoreError, employment, pathways, users};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClrQuery {
    /// `jwt` for the signed compact VC-JWT; default the ClrCredential JSON.
    format: Option<String>,
}

/// The caller's whole record as a CLR 2.0 `ClrCredential`.
///
/// Learners only. Holds every active credential issued to the learner here
/// (suspended and revoked ones are left out), with an `isPartOf`
/// association from each constituent achievement to the award it stacked
/// into. Signed by the service's own key (published in
/// `/.well-known/jwks.json`); `?format=jwt` returns the VC-JWT.
#[utoipa::path(
    tag = "wallet",
    security(("bearer" = [])),
    params(ClrQuery),
    responses(
        (status = 200, description = "The ClrCredential (JSON), or its VC-JWT", content((Object = "application/json"), (String = "application/vc+jwt"))),
        (status = 401, description = "Missing or invalid token", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "The caller is not a learner", body = ProblemDocument, content_type = "application/problem+json"),
    )
)]
#[get("/v1/me/clr")]
pub async fn export_clr(state: web::Data<AppState>, Learner(caller): Learner, query: crate::http::extract::Query<ClrQuery>) -> ApiResult<HttpResponse> {
    let public_url = state.public_url.clone();
    let doc = state
        .store
        .read(move |conn| {
            let account = users::find(conn, caller.id)?.ok_or(StoreError::NotFound("account"))?;
            let held: Vec<_> = credentials::for_learner(conn, caller.id)?.into_iter().filter(|c| c.status == CredentialStatus::Active).collect();
            let by_id: std::collections::HashMap<CredentialId, &credentials::Credential> = held.iter().map(|c| (c.id, c)).collect();
            let achievement_url = |c: &credentials::Credential| format!("{public_url}/v1/achievements/{}", c.achievement);
            let mut associations = BTreeSet::new();
            for award in pathways::awards_of(conn, caller.id)? {
                let Some(award_credential) = by_id.get(&award.credential) else { continue };
                // The constituents that hold the award now.
                for constituent in crate::store::award_constituents::of_award(conn, award_credential)? {
                    if let Some(constituent) = by_id.get(&constituent) {
                        associations.insert(PartOf { source: achievement_url(constituent), target: achievement_url(award_credential) });
                    }
                }
            }
            let doc = ClrDoc {
                id: format!("urn:uuid:{}", uuid::Uuid::now_v7()),
                name: format!("Comprehensive Learner Record of {}", account.name),
                issuer: IssuerProfile { id: public_url.clone(), name: "Cairn".into(), url: Some(public_url.clone()), description: None },
                subject_id: format!("urn:uuid:{}", caller.id),
                credentials: held.iter().map(|c| c.ob3.clone()).collect(),
                associations: associations.into_iter().collect(),
                achievements: employment::for_learner(conn, caller.id)?
                    .into_iter()
                    .map(|record| {
                        let attested_by = record.attestation.as_ref().map(|_| record.employment.employer_name.as_str());
                        record.employment.as_achievement(&format!("urn:uuid:{}", record.id), attested_by)
                    })
                    .collect(),
                valid_from: chrono::Utc::now(),
            };
            Ok(doc)
        })
        .await?;
    let json = clr::clr_json(&doc);
    if query.format.as_deref() == Some("jwt") {
        let claims = signing::vc_jwt_claims(&json, &doc.issuer.id, Some(&doc.subject_id), doc.valid_from, None);
        let jwt = state.platform.sign(&claims).map_err(crate::http::problem::ApiError::internal)?;
        return Ok(HttpResponse::Ok().content_type("application/vc+jwt").body(jwt));
    }
    Ok(HttpResponse::Ok().json(json))
}
