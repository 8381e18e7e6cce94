//! Claims: credentials issued to an e-mail address move into the wallet of
//! the learner who proves the address (a redeemed claim code, or a
//! confirmed address).

use cairn_domain::UserId;

use crate::services::{awards, issuing};
use crate::signing::MasterKey;
use crate::store::credentials::Credential;
use crate::store::{DbConn, StoreError, StoreResult, achievements, audit, credentials};

/// Moves credentials that wait for an e-mail address into `learner`'s
/// wallet: each is re-signed with the learner as its subject, its claim code
/// spent and the claim audited; then the pathways they complete are
/// awarded. The one path for a redeemed claim code and for a confirmed
/// address (`POST /v1/auth/verify-email`). Returns the moved credentials.
pub fn move_into_wallet(
    conn: &mut DbConn,
    master: &MasterKey,
    public_url: &str,
    learner: UserId,
    waiting: Vec<Credential>,
) -> StoreResult<Vec<Credential>> {
    let mut moved = Vec::with_capacity(waiting.len());
    for mut credential in waiting {
        let achievement = achievements::find(conn, credential.achievement)?.ok_or(StoreError::NotFound("achievement"))?;
        let issuer = issuing::Issuer::load(conn, master, public_url, credential.org)?;
        credential.learner = Some(learner);
        issuer.sign(&achievement, &mut credential)?;
        credentials::claim(conn, credential.id, learner, &credential.ob3, &credential.jwt)?;
        audit::record(
            conn,
            audit::Entry::new(audit::Action::CredentialClaim, "credential", credential.id.to_string())
                .actor(learner)
                .org(credential.org)
                .learner(learner),
        )?;
        moved.push(credential);
    }
    if !moved.is_empty() {
        let graph = awards::load_graph(conn)?;
        // A claimed credential may restore an award the cascade suspended.
        for credential in &moved {
            let affected = graph.affected_by_achievement(credential.achievement).into_iter().collect();
            let change = awards::Change::Issued;
            awards::recheck_awards(conn, &graph, learner, &affected, credential.id, change, learner)?;
        }
        let affected = moved.iter().flat_map(|c| graph.affected_by_achievement(c.achievement)).collect();
        awards::award_completed(conn, &graph, master, public_url, learner, affected, learner)?;
    }
    Ok(moved)
}
