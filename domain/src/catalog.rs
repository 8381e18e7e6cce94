//! An achievement as an institution defines it in its catalog: the Open
//! Badges 3.0 Achievement fields plus credits, level, validity policy and
//! the issuing message. Parsed strictly; a value of `AchievementDefinition`
//! is valid by construction.
//!
//! JSON field names follow OB 3.0 (camelCase: `achievementType`,
//! `targetUrl`); the snake_case spellings used in pathway selectors
//! (`achievement_type`, `issuing_message`) are accepted as aliases.

use serde::{Deserialize, Deserializer, Serialize};

use crate::achievement::{AchievementType, Level};
use crate::credits::Credits;
use crate::duration::IsoDuration;
use crate::web_url::HttpUrl;

#[cfg(feature = "openapi")]
pub use crate::openapi::AchievementFields;

/// Text of bounded length: trimmed, non-empty, at most `MAX` characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BoundedText<const MAX: usize>(String);

impl<const MAX: usize> BoundedText<MAX> {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if text.chars().count() > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for BoundedText<MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An achievement's short key, unique in its institution's catalog (CSV
/// rows name achievements by it): 1 to 64 characters of `a-z`, `0-9`, `-`
/// and `_`, as pathway keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AchievementKey(String);

impl AchievementKey {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let key = raw.trim();
        let ok = !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok {
            return Err("must be 1 to 64 characters of a-z, 0-9, - and _".into());
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for AchievementKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

pub type Name = BoundedText<200>;
pub type LongText = BoundedText<10_000>;
pub type Tag = BoundedText<64>;

/// How the learner earns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    pub narrative: LongText,
    /// A page describing the criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<HttpUrl>,
}

/// An alignment to a skill or competency framework (OB 3.0 `Alignment`).
/// `skill` selectors in pathways match its `targetUrl` or `targetCode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Alignment {
    pub target_name: Name,
    pub target_url: HttpUrl,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_code: Option<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_description: Option<LongText>,
    /// OB 3.0 alignment target type, e.g. `ceasn:Competency`, `CFItem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<Tag>,
}

/// Limits that keep one catalog entry a reasonable size.
pub const MAX_TAGS: usize = 32;
pub const MAX_ALIGNMENTS: usize = 32;

/// An achievement definition as institutions send it (OB 3.0 Achievement
/// fields, camelCase, plus Cairn's `credits`, `level`, `validity` and
/// `issuingMessage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = AchievementInput, example = json!({
    "name": "Data Visualisation Fundamentals",
    "description": "Design clear charts for analytical audiences.",
    "criteria": { "narrative": "Complete four assignments and a capstone (about 50 hours of work)." },
    "achievementType": "MicroCredential",
    "level": "intermediate",
    "credits": { "amount": "2", "unit": "ECTS" },
    "validity": "P3Y",
    "issuingMessage": "Congratulations on your new micro-credential!",
    "tags": ["data", "visualisation"],
    "alignments": [{ "targetName": "Data visualisation", "targetUrl": "https://skills.example/dv", "targetCode": "DV-1", "targetFramework": "Example Skills" }]
})))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AchievementDefinition {
    /// A short key, unique in the institution's catalog, e.g. `data-viz-101`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<AchievementKey>,
    pub name: Name,
    pub description: LongText,
    pub criteria: Criteria,
    #[serde(alias = "achievement_type")]
    pub achievement_type: AchievementType,
    /// An image (badge artwork) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<HttpUrl>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "bounded_vec::<_, _, MAX_TAGS>")]
    #[cfg_attr(feature = "openapi", schema(max_items = 32))]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "bounded_vec::<_, _, MAX_ALIGNMENTS>")]
    #[cfg_attr(feature = "openapi", schema(max_items = 32))]
    pub alignments: Vec<Alignment>,
    /// Credits a learner earns with it, e.g. `{"amount": "1.5", "unit": "ECTS"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<Credits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Credentials expire this long after their award date, e.g. `"P2Y"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<IsoDuration>,
    /// The message sent with each credential ("Congratulations on …").
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "issuing_message")]
    pub issuing_message: Option<LongText>,
    /// BCP 47 language of the texts, e.g. `en` or `en-GB`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "in_language")]
    pub in_language: Option<Tag>,
}

impl AchievementDefinition {
    /// What `skill` selectors match: every alignment's URL and code.
    pub fn skills(&self) -> Vec<String> {
        let mut skills = Vec::new();
        for alignment in &self.alignments {
            skills.push(alignment.target_url.to_string());
            if let Some(code) = &alignment.target_code {
                skills.push(code.as_str().to_owned());
            }
        }
        skills
    }
}

fn bounded_vec<'de, D, T, const MAX: usize>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = Vec::<T>::deserialize(deserializer)?;
    if items.len() > MAX {
        return Err(serde::de::Error::custom(format!("at most {MAX} entries")));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: serde_json::Value) -> Result<AchievementDefinition, serde_json::Error> {
        serde_json::from_value(json)
    }

    #[test]
    fn a_university_badge_template_fits() {
        let definition = parse(serde_json::json!({
            "name": "Data Visualisation Fundamentals",
            "description": "Design clear charts for analytical audiences.",
            "criteria": { "narrative": "Complete four assignments and a capstone (about 50 hours)." },
            "achievementType": "MicroCredential",
            "level": "intermediate",
            "credits": { "amount": "2", "unit": "ECTS" },
            "validity": "P3Y",
            "issuingMessage": "Congratulations!",
            "tags": ["data", "visualisation"],
            "alignments": [{ "targetName": "Data visualisation", "targetUrl": "https://skills.example/dv", "targetCode": "DV-1" }]
        }))
        .unwrap();
        assert_eq!(definition.achievement_type, AchievementType::MicroCredential);
        assert_eq!(definition.level, Some(Level::Intermediate));
        assert_eq!(definition.skills(), vec!["https://skills.example/dv".to_owned(), "DV-1".to_owned()]);
        let round_trip: AchievementDefinition = serde_json::from_value(serde_json::to_value(&definition).unwrap()).unwrap();
        assert_eq!(round_trip, definition);
    }

    #[test]
    fn snake_case_aliases_are_accepted() {
        let definition = parse(serde_json::json!({
            "name": "X", "description": "Y", "criteria": { "narrative": "Z" }, "achievement_type": "Badge"
        }))
        .unwrap();
        assert_eq!(definition.achievement_type, AchievementType::Badge);
    }

    #[test]
    fn a_key_is_a_slug() {
        let definition = parse(serde_json::json!({
            "key": " data-viz_101 ", "name": "X", "description": "Y", "criteria": { "narrative": "Z" }, "achievementType": "Badge"
        }))
        .unwrap();
        assert_eq!(definition.key.map(|k| k.as_str().to_owned()).as_deref(), Some("data-viz_101"));
    }

    #[test]
    fn bad_definitions_are_rejected() {
        let base = serde_json::json!({ "name": "X", "description": "Y", "criteria": { "narrative": "Z" }, "achievementType": "Badge" });
        assert!(parse(base.clone()).is_ok());
        for (field, value) in [
            ("name", serde_json::json!("  ")),
            ("achievementType", serde_json::json!("Sticker")),
            ("level", serde_json::json!("godlike")),
            ("validity", serde_json::json!("three years")),
            ("image", serde_json::json!("ftp://x.example/a.png")),
            ("credits", serde_json::json!({ "amount": "-1", "unit": "ECTS" })),
            ("tags", serde_json::json!(vec!["t"; 40])),
            ("unknown", serde_json::json!(1)),
            ("key", serde_json::json!("Not A Key")),
            ("key", serde_json::json!("")),
        ] {
            let mut json = base.clone();
            json[field] = value;
            assert!(parse(json).is_err(), "{field} was accepted");
        }
    }
}
