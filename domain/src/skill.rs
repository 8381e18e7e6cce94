//! A skill as Cairn matches it: an alignment's `targetUrl` or `targetCode`,
//! compared exactly.

use serde::{Deserialize, Deserializer, Serialize};

use crate::catalog::BoundedText;

/// Most skills one request may name (opt-ins, share scopes, employment).
pub const MAX_SKILLS: usize = 50;

/// More than [`MAX_SKILLS`] skills in one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at most {MAX_SKILLS} entries")]
pub struct TooManySkills;

/// A list of skills as stored: at most [`MAX_SKILLS`] given, sorted, each once.
pub fn skill_set(mut skills: Vec<Skill>) -> Result<Vec<Skill>, TooManySkills> {
    if skills.len() > MAX_SKILLS {
        return Err(TooManySkills);
    }
    skills.sort();
    skills.dedup();
    Ok(skills)
}

/// A skill key: trimmed, non-empty, at most 2,048 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Skill(String);

impl Skill {
    pub fn parse(raw: &str) -> Result<Self, String> {
        BoundedText::<2048>::parse(raw).map(|text| Skill(text.as_str().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Skill {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Skill::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Skill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
