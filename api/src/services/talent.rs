//! Talent search over learners who opted in, and the learner's opt-in.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use cairn_domain::skill::Skill;
use cairn_domain::{AchievementId, CredentialId, Level, OrgId, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::Context;
use crate::store::skills::{self, Discoverability};
use crate::store::{Store, StoreError, achievements, audit, credentials, orgs, users};

/// Why a talent use case failed.
#[derive(Debug, thiserror::Error)]
pub enum TalentError {
    /// Something a match names vanished between queries (the learner's
    /// account, a credential, its achievement).
    #[error("{0} not found")]
    Vanished(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A credential that matched, as talent search shows it (no document: ask
/// for a share to see and verify the credential itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedCredential {
    #[schema(value_type = String, format = Uuid)]
    pub id: CredentialId,
    #[schema(value_type = String, format = Uuid)]
    pub achievement: AchievementId,
    pub achievement_name: String,
    #[schema(value_type = Option<String>)]
    pub level: Option<Level>,
    /// The issuing institution.
    #[schema(value_type = String, format = Uuid)]
    pub issuer: OrgId,
    pub issuer_name: String,
    pub awarded_at: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// How to ask this learner for a share.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestShare {
    method: &'static str,
    href: String,
    #[schema(value_type = Object)]
    body: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TalentItem {
    #[schema(value_type = String, format = Uuid)]
    pub learner: UserId,
    pub name: String,
    /// The learner's active, unexpired credentials aligned to the skill.
    pub credentials: Vec<MatchedCredential>,
    request_share: RequestShare,
}

/// A search: the skill, the lowest level rank, and the page.
pub struct Search {
    pub skill: Skill,
    pub min_rank: i64,
    pub after: Option<UserId>,
    /// Rows to fetch (the page plus one, to know whether another follows).
    pub fetch: i64,
    /// Rows shown: only these are logged in the learners' audit logs.
    pub page_size: usize,
}

/// Learners who opted in for `search.skill` and hold an active, unexpired
/// credential aligned to it, found by the actor (employer staff of `org`);
/// every learner shown gets a `talent.match` audit entry.
pub async fn search(store: &Store, ctx: Context, org: OrgId, search: Search) -> Result<Vec<TalentItem>, TalentError> {
    store
        .write_as(move |conn| {
            let Search { skill, min_rank, after, fetch, page_size } = search;
            let mut items = Vec::new();
            // Learners on a page mostly hold the same few achievements.
            let mut achievements_seen: HashMap<AchievementId, achievements::Achievement> = HashMap::new();
            let mut issuer_names: HashMap<OrgId, String> = HashMap::new();
            for (learner, ids) in skills::talent(conn, &skill, min_rank, ctx.now, after, fetch)? {
                let account = users::find(conn, learner)?.ok_or(TalentError::Vanished("learner"))?;
                let mut matched = Vec::with_capacity(ids.len());
                for id in ids {
                    let credential = credentials::find(conn, id)?.ok_or(TalentError::Vanished("credential"))?;
                    let achievement = match achievements_seen.entry(credential.achievement) {
                        Entry::Occupied(seen) => seen.into_mut(),
                        Entry::Vacant(slot) => {
                            slot.insert(achievements::find(conn, credential.achievement)?.ok_or(TalentError::Vanished("achievement"))?)
                        }
                    };
                    let issuer_name = match issuer_names.entry(credential.org) {
                        Entry::Occupied(seen) => seen.get().clone(),
                        Entry::Vacant(slot) => slot.insert(orgs::find(conn, credential.org)?.map(|o| o.name).unwrap_or_default()).clone(),
                    };
                    matched.push(MatchedCredential {
                        id,
                        achievement: achievement.id,
                        achievement_name: achievement.definition.name.as_str().to_owned(),
                        level: achievement.definition.level,
                        issuer: credential.org,
                        issuer_name,
                        awarded_at: credential.awarded_at,
                        valid_until: credential.valid_until,
                    });
                }
                // The extra row fetched to detect a next page is not shown,
                // so it is not logged either.
                if items.len() < page_size {
                    audit::record(
                        conn,
                        audit::Entry::new(audit::Action::TalentMatch, "account", learner.to_string())
                            .at(ctx.now)
                            .actor(ctx.actor)
                            .org(org)
                            .learner(learner)
                            .detail(serde_json::json!({ "skill": skill, "credentials": matched.iter().map(|c| c.id).collect::<Vec<_>>() })),
                    )?;
                }
                items.push(TalentItem {
                    learner,
                    name: account.name,
                    credentials: matched,
                    request_share: RequestShare {
                        method: "POST",
                        href: format!("{}/v1/talent/requests", ctx.public_url),
                        body: serde_json::json!({ "learner": learner, "message": "" }),
                    },
                });
            }
            Ok(items)
        })
        .await
}

/// A skill that achievements of this service are aligned to, by the name
/// its alignments give it: what an employer can search talent by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillInUse {
    pub name: String,
    /// The alignment's `targetUrl`, the key talent search matches.
    pub skill: String,
}

/// The skills achievements are aligned to, by name then URL (read only).
pub async fn skills_in_use(store: &Store) -> Result<Vec<SkillInUse>, TalentError> {
    let aligned = store.read(skills::aligned_achievements).await?;
    let achievements = store.read(move |conn| achievements::find_many(conn, &aligned)).await?;
    let mut found: Vec<SkillInUse> = achievements
        .iter()
        .flat_map(|a| &a.definition.alignments)
        .map(|alignment| SkillInUse { name: alignment.target_name.as_str().to_owned(), skill: alignment.target_url.to_string() })
        .collect();
    found.sort_by(|a, b| (a.name.to_lowercase(), &a.skill).cmp(&(b.name.to_lowercase(), &b.skill)));
    found.dedup_by(|a, b| a.skill == b.skill);
    Ok(found)
}

/// The actor's (a learner's) talent-search opt-in.
pub async fn discoverability(store: &Store, ctx: Context) -> Result<Discoverability, TalentError> {
    Ok(store.read(move |conn| skills::discoverability(conn, ctx.actor)).await?)
}

/// Replaces the actor's opt-in with `setting`; `shown` (the setting as the
/// learner sees it) goes into the audit entry.
pub async fn set_discoverability(
    store: &Store,
    ctx: Context,
    setting: Discoverability,
    shown: serde_json::Value,
) -> Result<Discoverability, TalentError> {
    let learner = ctx.actor;
    store
        .write_as(move |conn| {
            skills::set_discoverability(conn, learner, &setting)?;
            audit::record(
                conn,
                audit::Entry::new(audit::Action::DiscoverabilitySet, "account", learner.to_string())
                    .at(ctx.now)
                    .actor(learner)
                    .learner(learner)
                    .detail(shown),
            )?;
            Ok(setting)
        })
        .await
}
