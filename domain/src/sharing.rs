//! What a share link exposes. A learner chooses one scope: named
//! credentials, the credentials aligned to chosen skills, or everything.

use serde::{Deserialize, Serialize};

use crate::skill::{MAX_SKILLS, Skill, skill_set};

/// Most credentials one share may name.
pub const MAX_SHARED_CREDENTIALS: usize = 200;

/// The scope of a share, as stored and as shown: `{"credentials": [..]}`,
/// `{"skills": [..]}` or `{"all": true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareScope {
    /// Credentials by id: issued here or imported into the wallet.
    Credentials(Vec<uuid::Uuid>),
    /// The learner's credentials aligned to any of these skills.
    Skills(Vec<Skill>),
    /// Every credential and employment record.
    All(bool),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("give exactly one of `credentials`, `skills` or `all: true`")]
    NotExactlyOne,
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
    #[error("`{field}`: at most {max} entries")]
    TooMany { field: &'static str, max: usize },
}

impl ShareScope {
    /// Builds the scope from the request's three optional fields.
    pub fn from_parts(credentials: Option<Vec<uuid::Uuid>>, skills: Option<Vec<Skill>>, all: Option<bool>) -> Result<Self, ScopeError> {
        match (credentials, skills, all) {
            (Some(mut ids), None, None | Some(false)) => {
                if ids.is_empty() {
                    return Err(ScopeError::Empty("credentials"));
                }
                if ids.len() > MAX_SHARED_CREDENTIALS {
                    return Err(ScopeError::TooMany { field: "credentials", max: MAX_SHARED_CREDENTIALS });
                }
                ids.sort();
                ids.dedup();
                Ok(ShareScope::Credentials(ids))
            }
            (None, Some(skills), None | Some(false)) => {
                if skills.is_empty() {
                    return Err(ScopeError::Empty("skills"));
                }
                let skills = skill_set(skills).map_err(|_| ScopeError::TooMany { field: "skills", max: MAX_SKILLS })?;
                Ok(ShareScope::Skills(skills))
            }
            (None, None, Some(true)) => Ok(ShareScope::All(true)),
            _ => Err(ScopeError::NotExactlyOne),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_scope_is_accepted() {
        let id = uuid::Uuid::now_v7();
        assert_eq!(ShareScope::from_parts(Some(vec![id, id]), None, None), Ok(ShareScope::Credentials(vec![id])));
        assert_eq!(ShareScope::from_parts(None, None, Some(true)), Ok(ShareScope::All(true)));
        assert_eq!(ShareScope::from_parts(None, None, None), Err(ScopeError::NotExactlyOne));
        assert_eq!(ShareScope::from_parts(None, None, Some(false)), Err(ScopeError::NotExactlyOne));
        assert_eq!(ShareScope::from_parts(Some(vec![id]), None, Some(true)), Err(ScopeError::NotExactlyOne));
        assert_eq!(ShareScope::from_parts(Some(vec![]), None, None), Err(ScopeError::Empty("credentials")));
        let skill = Skill::parse("DV-1").unwrap();
        assert_eq!(ShareScope::from_parts(None, Some(vec![skill.clone()]), None), Ok(ShareScope::Skills(vec![skill])));
    }

    #[test]
    fn the_stored_form_round_trips() {
        let scope = ShareScope::Skills(vec![Skill::parse("https://skills.example/dv").unwrap()]);
        let json = serde_json::to_value(&scope).unwrap();
        assert_eq!(json, serde_json::json!({ "skills": ["https://skills.example/dv"] }));
        assert_eq!(serde_json::from_value::<ShareScope>(json).unwrap(), scope);
        assert_eq!(serde_json::to_value(ShareScope::All(true)).unwrap(), serde_json::json!({ "all": true }));
    }
}
