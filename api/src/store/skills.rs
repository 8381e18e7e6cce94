//! The skills index (which achievements are aligned to which skill, at what
//! level), talent-search opt-ins, and the search itself.

use cairn_domain::catalog::AchievementDefinition;
use cairn_domain::skill::Skill;
use cairn_domain::{AchievementId, CredentialId, Level, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::{achievement_skills, credentials, discoverability, discoverable_skills};
use super::time;

/// Records the skills of a new achievement (its alignments' URLs and codes).
pub fn index_achievement(conn: &mut DbConn, id: AchievementId, definition: &AchievementDefinition) -> StoreResult<()> {
    let mut skills = definition.skills();
    skills.sort();
    skills.dedup();
    let rank = definition.level.map_or(0, Level::rank);
    for skill in skills {
        diesel::insert_into(achievement_skills::table)
            .values((
                achievement_skills::skill.eq(skill),
                achievement_skills::achievement_id.eq(id.to_string()),
                achievement_skills::level_rank.eq(rank),
            ))
            .execute(conn)
            .map_err(StoreError::from_query)?;
    }
    Ok(())
}

/// A learner's talent-search opt-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discoverability {
    Hidden,
    EverySkill,
    Skills(Vec<Skill>),
}

pub fn discoverability(conn: &mut DbConn, learner: UserId) -> StoreResult<Discoverability> {
    let every: Option<bool> = discoverability::table
        .find(learner.to_string())
        .select(discoverability::every_skill)
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    match every {
        None => Ok(Discoverability::Hidden),
        Some(true) => Ok(Discoverability::EverySkill),
        Some(false) => {
            let skills: Vec<String> = discoverable_skills::table
                .filter(discoverable_skills::learner_id.eq(learner.to_string()))
                .select(discoverable_skills::skill)
                .order(discoverable_skills::skill.asc())
                .load(conn)
                .map_err(StoreError::from_query)?;
            let skills = skills.iter().map(|s| Skill::parse(s).map_err(StoreError::Corrupt)).collect::<StoreResult<_>>()?;
            Ok(Discoverability::Skills(skills))
        }
    }
}

/// Replaces the learner's opt-in. Concurrent replacements of one learner's
/// opt-in run one after the other (the last one wins): each deletes and
/// re-inserts, which two at once would interleave into duplicate keys.
pub fn set_discoverability(conn: &mut DbConn, learner: UserId, setting: &Discoverability) -> StoreResult<()> {
    let id = learner.to_string();
    super::connection::lock_account(conn, &id)?;
    diesel::delete(discoverable_skills::table.filter(discoverable_skills::learner_id.eq(&id))).execute(conn).map_err(StoreError::from_query)?;
    diesel::delete(discoverability::table.find(&id)).execute(conn).map_err(StoreError::from_query)?;
    let every = match setting {
        Discoverability::Hidden => return Ok(()),
        Discoverability::EverySkill => true,
        Discoverability::Skills(_) => false,
    };
    diesel::insert_into(discoverability::table)
        .values((
            discoverability::learner_id.eq(&id),
            discoverability::every_skill.eq(every),
            discoverability::updated_at.eq(time::to_db(time::now())),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    if let Discoverability::Skills(skills) = setting {
        for skill in skills {
            diesel::insert_into(discoverable_skills::table)
                .values((discoverable_skills::learner_id.eq(&id), discoverable_skills::skill.eq(skill.as_str())))
                .execute(conn)
                .map_err(StoreError::from_query)?;
        }
    }
    Ok(())
}

/// One page of talent search: learners (ascending id, after `after`) who
/// opted in for `skill` and hold an active, unexpired credential issued
/// here whose achievement is aligned to it at `min_rank` or above; each with
/// those credentials.
pub fn talent(
    conn: &mut DbConn,
    skill: &Skill,
    min_rank: i64,
    now: DateTime<Utc>,
    after: Option<UserId>,
    limit: i64,
) -> StoreResult<Vec<(UserId, Vec<CredentialId>)>> {
    let now = time::to_db(now);
    let aligned: Vec<String> = achievement_skills::table
        .filter(achievement_skills::skill.eq(skill.as_str()))
        .filter(achievement_skills::level_rank.ge(min_rank))
        .select(achievement_skills::achievement_id)
        .load(conn)
        .map_err(StoreError::from_query)?;
    let everything = discoverability::table.filter(discoverability::every_skill.eq(true)).select(discoverability::learner_id);
    let this_skill = discoverable_skills::table.filter(discoverable_skills::skill.eq(skill.as_str())).select(discoverable_skills::learner_id);
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    // The page of learners first (the limit counts learners), then their
    // matching credentials in one query.
    let learners: Vec<String> = credentials::table
        .filter(credentials::achievement_id.eq_any(&aligned))
        .filter(credentials::status.eq("active"))
        .filter(credentials::awarded_at.le(now))
        .filter(credentials::valid_until.is_null().or(credentials::valid_until.gt(now)))
        .filter(credentials::learner_id.assume_not_null().eq_any(everything).or(credentials::learner_id.assume_not_null().eq_any(this_skill)))
        .filter(credentials::learner_id.assume_not_null().gt(&after))
        .select(credentials::learner_id.assume_not_null())
        .distinct()
        .order(credentials::learner_id.assume_not_null().asc())
        .limit(limit)
        .load(conn)
        .map_err(StoreError::from_query)?;
    let rows: Vec<(String, String)> = credentials::table
        .filter(credentials::learner_id.assume_not_null().eq_any(&learners))
        .filter(credentials::achievement_id.eq_any(&aligned))
        .filter(credentials::status.eq("active"))
        .filter(credentials::awarded_at.le(now))
        .filter(credentials::valid_until.is_null().or(credentials::valid_until.gt(now)))
        .select((credentials::learner_id.assume_not_null(), credentials::id))
        .order((credentials::learner_id.assume_not_null().asc(), credentials::id.asc()))
        .load(conn)
        .map_err(StoreError::from_query)?;
    let corrupt = |e: cairn_domain::ids::InvalidId| StoreError::Corrupt(format!("talent id: {e:?}"));
    let mut page: Vec<(UserId, Vec<CredentialId>)> = Vec::with_capacity(learners.len());
    for (learner, id) in rows {
        let learner: UserId = learner.parse().map_err(corrupt)?;
        let id: CredentialId = id.parse().map_err(corrupt)?;
        match page.last_mut() {
            Some((last, ids)) if *last == learner => ids.push(id),
            _ => page.push((learner, vec![id])),
        }
    }
    Ok(page)
}

/// The learner's credentials issued here whose achievement is aligned to
/// any of `skills` (whatever their status: a share shows current status).
pub fn credentials_with_skills(conn: &mut DbConn, learner: UserId, skills: &[Skill]) -> StoreResult<Vec<CredentialId>> {
    let keys: Vec<&str> = skills.iter().map(Skill::as_str).collect();
    let aligned = achievement_skills::table.filter(achievement_skills::skill.eq_any(keys)).select(achievement_skills::achievement_id);
    let ids: Vec<String> = credentials::table
        .filter(credentials::learner_id.eq(learner.to_string()))
        .filter(credentials::achievement_id.eq_any(aligned))
        .select(credentials::id)
        .order(credentials::id.asc())
        .load(conn)
        .map_err(StoreError::from_query)?;
    ids.iter().map(|id| id.parse().map_err(|e| StoreError::Corrupt(format!("credential id: {e:?}")))).collect()
}

/// The achievements aligned to at least one skill.
pub fn aligned_achievements(conn: &mut DbConn) -> StoreResult<Vec<AchievementId>> {
    let ids: Vec<String> =
        achievement_skills::table.select(achievement_skills::achievement_id).distinct().load(conn).map_err(StoreError::from_query)?;
    ids.iter().map(|id| id.parse().map_err(|e| StoreError::Corrupt(format!("achievement id: {e:?}")))).collect()
}
