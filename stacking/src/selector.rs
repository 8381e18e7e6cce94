//! Selector matching: the static part against catalog entries (resolved once,
//! when a rule is compiled) and the time part against each credential.

use std::sync::Arc;

use cairn_domain::AchievementId;
use chrono::{DateTime, Utc};

use crate::input::CatalogEntry;
use crate::rule::Selector;

/// Does the catalog entry satisfy every non-time field of the selector?
pub fn matches_entry(selector: &Selector, entry: &CatalogEntry) -> bool {
    selector.achievement.is_none_or(|a| a == entry.id)
        && selector.achievements.as_ref().is_none_or(|list| list.contains(&entry.id))
        && selector.issuer.is_none_or(|i| i == entry.issuer)
        && selector.achievement_type.as_ref().is_none_or(|t| *t == entry.achievement_type)
        && selector.tags.as_ref().is_none_or(|tags| tags.iter().any(|t| entry.tags.contains(t)))
        && selector.skill.as_ref().is_none_or(|s| entry.skills.contains(s))
        && selector.min_level.is_none_or(|min| entry.level.is_some_and(|l| l >= min))
}

/// A selector resolved against the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    /// Matching catalog achievements, sorted (shared with explanations).
    pub achievements: Arc<[AchievementId]>,
    /// Their names, in the same order (shared with explanations).
    pub names: Arc<[String]>,
    pub earned_after: Option<DateTime<Utc>>,
    pub earned_before: Option<DateTime<Utc>>,
}

impl Matcher {
    pub fn resolve<'a>(selector: &Selector, catalog: impl Iterator<Item = &'a CatalogEntry>, exclude: AchievementId) -> Self {
        let mut found: Vec<(AchievementId, String)> = catalog
            .filter(|e| e.id != exclude && matches_entry(selector, e))
            .map(|e| (e.id, if e.name.trim().is_empty() { e.id.to_string() } else { e.name.clone() }))
            .collect();
        found.sort_unstable();
        found.dedup_by(|a, b| a.0 == b.0);
        let (achievements, names): (Vec<AchievementId>, Vec<String>) = found.into_iter().unzip();
        Matcher { achievements: achievements.into(), names: names.into(), earned_after: selector.earned_after, earned_before: selector.earned_before }
    }

    /// Whether the selector looks at award dates at all.
    pub fn is_timed(&self) -> bool {
        self.earned_after.is_some() || self.earned_before.is_some()
    }

    pub fn matches_time(&self, awarded_at: DateTime<Utc>) -> bool {
        self.earned_after.is_none_or(|a| awarded_at >= a) && self.earned_before.is_none_or(|b| awarded_at < b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_domain::{AchievementType, Level, OrgId};

    #[test]
    fn every_given_field_must_match() {
        let entry = CatalogEntry {
            id: AchievementId::new(),
            name: String::new(),
            issuer: OrgId::new(),
            achievement_type: AchievementType::MicroCredential,
            tags: vec!["data".into()],
            skills: vec!["https://skills.example/sql".into()],
            level: Some(Level::Advanced),
            credits: None,
        };
        let mut s = Selector { achievement_type: Some(AchievementType::MicroCredential), ..Default::default() };
        assert!(matches_entry(&s, &entry));
        s.tags = Some(vec!["x".into(), "data".into()]);
        assert!(matches_entry(&s, &entry));
        s.min_level = Some(Level::Expert);
        assert!(!matches_entry(&s, &entry));
        s.min_level = Some(Level::Intermediate);
        s.skill = Some("https://skills.example/sql".into());
        assert!(matches_entry(&s, &entry));
        s.issuer = Some(OrgId::new());
        assert!(!matches_entry(&s, &entry));
    }
}
