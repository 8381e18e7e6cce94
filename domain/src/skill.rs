//! A skill as Cairn matches it: an alignment's `targetUrl` or `targetCode`,
//! compared exactly.

use serde::{Deserialize, Deserializer, Serialize};

use crate::catalog::BoundedText;

/// Most skills one request may name (opt-ins, share scopes, employment).
pub const MAX_SKILLS: usize = 50;

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
