//! The rule language of DESIGN.md as typed values, with strict parsing.
//!
//! JSON is first read into "raw" structs (`deny_unknown_fields`, every field
//! optional) so serde reports unknown fields and wrong types with their path;
//! the raw tree is then checked node by node, so every semantic error names
//! its path too (`requirement.of[2].min: must be at least 1`).

use std::collections::BTreeMap;

use cairn_domain::credits::{check_amount, decimal_from_json};
use cairn_domain::{AchievementId, AchievementType, CreditUnit, IsoDuration, Level, PathwayId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::RuleError;
use crate::limits::{MAX_CHILDREN, MAX_COUNT_MIN, MAX_RULE_DEPTH, MAX_RULE_NODES};

/// Whether a completed pathway's award is issued at once or queued for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Issuance {
    #[default]
    Automatic,
    Review,
}

/// What happens to an issued award when one of its constituents is revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OnConstituentRevoked {
    #[default]
    Revoke,
    Keep,
}

/// Which credentials a `count` or `credits` node looks at. Every given field
/// must match; an empty selector matches every achievement.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"achievement_type": "MicroCredential", "min_level": "intermediate"})))]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// This achievement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub achievement: Option<AchievementId>,
    /// Any of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<uuid::Uuid>>, min_items = 1, max_items = 64))]
    pub achievements: Option<Vec<AchievementId>>,
    /// Achievements of this organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub issuer: Option<cairn_domain::OrgId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_type: Option<AchievementType>,
    /// Any of these tags (exact, case-sensitive match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 64))]
    pub tags: Option<Vec<String>>,
    /// An alignment `targetUrl` or `targetCode` (exact match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skill: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_level: Option<Level>,
    /// The credential was awarded at or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earned_after: Option<DateTime<Utc>>,
    /// The credential was awarded strictly before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earned_before: Option<DateTime<Utc>>,
}

impl Selector {
    /// Explicitly named achievement ids (used for cycle detection).
    pub fn named_achievements(&self) -> impl Iterator<Item = &AchievementId> {
        self.achievement.iter().chain(self.achievements.iter().flatten())
    }

    fn check(&self, path: &str) -> Result<(), RuleError> {
        if let Some(list) = &self.achievements
            && (list.is_empty() || list.len() > MAX_CHILDREN)
        {
            return Err(RuleError::at(format!("{path}.achievements"), format!("must list 1 to {MAX_CHILDREN} ids")));
        }
        if let Some(tags) = &self.tags
            && (tags.is_empty() || tags.len() > MAX_CHILDREN || tags.iter().any(|t| t.trim().is_empty()))
        {
            return Err(RuleError::at(format!("{path}.tags"), format!("must list 1 to {MAX_CHILDREN} non-empty tags")));
        }
        if self.skill.as_ref().is_some_and(|s| s.trim().is_empty()) {
            return Err(RuleError::at(format!("{path}.skill"), "must not be empty"));
        }
        if let (Some(after), Some(before)) = (self.earned_after, self.earned_before)
            && after >= before
        {
            return Err(RuleError::at(format!("{path}.earned_before"), "must be later than earned_after"));
        }
        Ok(())
    }
}

/// Unit conversions: `{"hours": {"ECTS": "0.04"}}` means 1 hour = 0.04 ECTS.
/// Only direct conversions apply (no chaining), so the result is unambiguous.
pub type Conversions = BTreeMap<CreditUnit, BTreeMap<CreditUnit, Decimal>>;

/// One node of a requirement tree. Every node may carry a display `label`
/// and a `within` window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub label: Option<String>,
    pub within: Option<IsoDuration>,
    pub kind: RequirementKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequirementKind {
    All { of: Vec<Requirement> },
    Any { of: Vec<Requirement> },
    AtLeast { min: u32, of: Vec<Requirement> },
    Count { min: u32, selector: Selector },
    Credits { min: Decimal, unit: CreditUnit, selector: Selector },
    Pathway { pathway: PathwayId },
}

impl RequirementKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            RequirementKind::All { .. } => "all",
            RequirementKind::Any { .. } => "any",
            RequirementKind::AtLeast { .. } => "at_least",
            RequirementKind::Count { .. } => "count",
            RequirementKind::Credits { .. } => "credits",
            RequirementKind::Pathway { .. } => "pathway",
        }
    }
}

impl Requirement {
    pub fn children(&self) -> &[Requirement] {
        match &self.kind {
            RequirementKind::All { of } | RequirementKind::Any { of } | RequirementKind::AtLeast { of, .. } => of,
            _ => &[],
        }
    }

    /// Visits every node with its JSON path (root path given).
    pub fn walk<'a>(&'a self, path: &str, visit: &mut dyn FnMut(&'a Requirement, &str)) {
        visit(self, path);
        for (i, child) in self.children().iter().enumerate() {
            child.walk(&format!("{path}.of[{i}]"), visit);
        }
    }
}

/// A stacking rule as an institution registers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathwayRule {
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub award: AchievementId,
    pub issuance: Issuance,
    pub on_constituent_revoked: OnConstituentRevoked,
    pub requirement: Requirement,
    pub conversions: Conversions,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    key: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    award: AchievementId,
    #[serde(default)]
    issuance: Issuance,
    #[serde(default)]
    on_constituent_revoked: OnConstituentRevoked,
    requirement: RawRequirement,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    conversions: BTreeMap<CreditUnit, BTreeMap<CreditUnit, serde_json::Value>>,
}

#[derive(Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawType {
    All,
    Any,
    AtLeast,
    Count,
    Credits,
    Pathway,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    #[serde(rename = "type")]
    kind: RawType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    within: Option<IsoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unit: Option<CreditUnit>,
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    selector: Option<Selector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    of: Option<Vec<RawRequirement>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pathway: Option<PathwayId>,
}

impl PathwayRule {
    /// Parses and checks a rule from JSON text.
    pub fn from_json(text: &str) -> Result<Self, RuleError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let raw: RawRule = serde_path_to_error::deserialize(&mut de).map_err(path_error)?;
        de.end().map_err(|e| RuleError::at("", e.to_string()))?;
        Self::from_raw(raw)
    }

    /// Parses and checks a rule from a JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Self, RuleError> {
        let raw: RawRule = serde_path_to_error::deserialize(value).map_err(path_error)?;
        Self::from_raw(raw)
    }

    /// The rule as its JSON contract form.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self.to_raw()).unwrap_or(serde_json::Value::Null)
    }

    fn from_raw(raw: RawRule) -> Result<Self, RuleError> {
        let key = raw.key.trim();
        let key_ok = !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !key_ok {
            return Err(RuleError::at("key", "must be 1 to 64 characters of a-z, 0-9, - and _"));
        }
        let name = raw.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(RuleError::at("name", "must be 1 to 200 characters"));
        }
        if raw.description.as_ref().is_some_and(|d| d.chars().count() > 5000) {
            return Err(RuleError::at("description", "must be at most 5000 characters"));
        }
        let mut conversions = Conversions::new();
        for (from, targets) in raw.conversions {
            let mut out = BTreeMap::new();
            for (to, rate) in targets {
                let path = format!("conversions.{from}.{to}");
                if from == to {
                    return Err(RuleError::at(path, "converts a unit to itself"));
                }
                let rate = decimal_from_json(&rate)
                    .ok()
                    .and_then(check_rate)
                    .ok_or_else(|| RuleError::at(path, "must be a positive decimal of at most 1000000 with at most 10 decimal places"))?;
                out.insert(to, rate);
            }
            conversions.insert(from, out);
        }
        let mut nodes = 0usize;
        let requirement = convert(raw.requirement, "requirement", 1, &mut nodes)?;
        Ok(PathwayRule {
            key: key.to_owned(),
            name: name.to_owned(),
            description: raw.description,
            award: raw.award,
            issuance: raw.issuance,
            on_constituent_revoked: raw.on_constituent_revoked,
            requirement,
            conversions,
        })
    }

    fn to_raw(&self) -> RawRule {
        RawRule {
            key: self.key.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            award: self.award,
            issuance: self.issuance,
            on_constituent_revoked: self.on_constituent_revoked,
            requirement: unconvert(&self.requirement),
            conversions: self
                .conversions
                .iter()
                .map(|(from, targets)| {
                    let targets = targets.iter().map(|(to, rate)| (to.clone(), serde_json::Value::String(rate.normalize().to_string()))).collect();
                    (from.clone(), targets)
                })
                .collect(),
        }
    }
}

impl Serialize for PathwayRule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_raw().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PathwayRule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawRule::deserialize(deserializer)?;
        PathwayRule::from_raw(raw).map_err(serde::de::Error::custom)
    }
}

fn path_error<E: std::fmt::Display>(err: serde_path_to_error::Error<E>) -> RuleError {
    let path = err.path().to_string();
    let path = if path == "." { String::new() } else { path };
    RuleError::at(path, err.inner().to_string())
}

fn check_rate(rate: Decimal) -> Option<Decimal> {
    let rate = rate.normalize();
    (rate > Decimal::ZERO && rate <= Decimal::from(1_000_000) && rate.scale() <= 10).then_some(rate)
}

fn convert(raw: RawRequirement, path: &str, depth: usize, nodes: &mut usize) -> Result<Requirement, RuleError> {
    *nodes += 1;
    if depth > MAX_RULE_DEPTH {
        return Err(RuleError::at(path, format!("rules may nest at most {MAX_RULE_DEPTH} levels deep")));
    }
    if *nodes > MAX_RULE_NODES {
        return Err(RuleError::at(path, format!("a rule may have at most {MAX_RULE_NODES} nodes")));
    }
    let label = match raw.label {
        Some(l) if l.trim().is_empty() || l.chars().count() > 200 => {
            return Err(RuleError::at(format!("{path}.label"), "must be 1 to 200 characters"));
        }
        other => other,
    };
    let not_allowed = |field: &str, present: bool| -> Result<(), RuleError> {
        if present {
            let kind = serde_json::to_value(raw.kind).ok();
            let kind = kind.as_ref().and_then(|k| k.as_str()).unwrap_or("?");
            Err(RuleError::at(format!("{path}.{field}"), format!("is not allowed in a `{kind}` requirement")))
        } else {
            Ok(())
        }
    };
    let required = |field: &str| RuleError::at(format!("{path}.{field}"), "is required");
    let int_min = |value: &serde_json::Value, at_most: u64| -> Result<u32, RuleError> {
        let n = value.as_u64().ok_or_else(|| RuleError::at(format!("{path}.min"), "must be a whole number"))?;
        if n < 1 {
            return Err(RuleError::at(format!("{path}.min"), "must be at least 1"));
        }
        if n > at_most {
            return Err(RuleError::at(format!("{path}.min"), format!("must be at most {at_most}")));
        }
        u32::try_from(n).map_err(|_| RuleError::at(format!("{path}.min"), "is too large"))
    };
    let kind = match raw.kind {
        RawType::All | RawType::Any | RawType::AtLeast => {
            not_allowed("unit", raw.unit.is_some())?;
            not_allowed("where", raw.selector.is_some())?;
            not_allowed("pathway", raw.pathway.is_some())?;
            let of_raw = raw.of.ok_or_else(|| required("of"))?;
            if of_raw.is_empty() || of_raw.len() > MAX_CHILDREN {
                return Err(RuleError::at(format!("{path}.of"), format!("must have 1 to {MAX_CHILDREN} requirements")));
            }
            let mut of = Vec::with_capacity(of_raw.len());
            for (i, child) in of_raw.into_iter().enumerate() {
                of.push(convert(child, &format!("{path}.of[{i}]"), depth + 1, nodes)?);
            }
            match raw.kind {
                RawType::All => {
                    not_allowed("min", raw.min.is_some())?;
                    RequirementKind::All { of }
                }
                RawType::Any => {
                    not_allowed("min", raw.min.is_some())?;
                    RequirementKind::Any { of }
                }
                _ => {
                    let min = int_min(raw.min.as_ref().ok_or_else(|| required("min"))?, MAX_CHILDREN as u64)?;
                    if min as usize > of.len() {
                        return Err(RuleError::at(format!("{path}.min"), format!("asks for {min} requirements but only {} are listed", of.len())));
                    }
                    RequirementKind::AtLeast { min, of }
                }
            }
        }
        RawType::Count => {
            not_allowed("of", raw.of.is_some())?;
            not_allowed("unit", raw.unit.is_some())?;
            not_allowed("pathway", raw.pathway.is_some())?;
            let min = int_min(raw.min.as_ref().ok_or_else(|| required("min"))?, MAX_COUNT_MIN)?;
            let selector = raw.selector.ok_or_else(|| required("where"))?;
            selector.check(&format!("{path}.where"))?;
            RequirementKind::Count { min, selector }
        }
        RawType::Credits => {
            not_allowed("of", raw.of.is_some())?;
            not_allowed("pathway", raw.pathway.is_some())?;
            let min_raw = raw.min.as_ref().ok_or_else(|| required("min"))?;
            let min = decimal_from_json(min_raw)
                .ok()
                .and_then(|m| check_amount(m).ok())
                .ok_or_else(|| RuleError::at(format!("{path}.min"), "must be a positive decimal (at most 1000000, 4 decimal places)"))?;
            let unit = raw.unit.ok_or_else(|| required("unit"))?;
            let selector = raw.selector.ok_or_else(|| required("where"))?;
            selector.check(&format!("{path}.where"))?;
            RequirementKind::Credits { min, unit, selector }
        }
        RawType::Pathway => {
            not_allowed("of", raw.of.is_some())?;
            not_allowed("unit", raw.unit.is_some())?;
            not_allowed("where", raw.selector.is_some())?;
            not_allowed("min", raw.min.is_some())?;
            let pathway = raw.pathway.ok_or_else(|| required("pathway"))?;
            RequirementKind::Pathway { pathway }
        }
    };
    Ok(Requirement { label, within: raw.within, kind })
}

fn unconvert(req: &Requirement) -> RawRequirement {
    let mut raw = RawRequirement {
        kind: RawType::All,
        label: req.label.clone(),
        within: req.within,
        min: None,
        unit: None,
        selector: None,
        of: None,
        pathway: None,
    };
    match &req.kind {
        RequirementKind::All { of } => raw.of = Some(of.iter().map(unconvert).collect()),
        RequirementKind::Any { of } => {
            raw.kind = RawType::Any;
            raw.of = Some(of.iter().map(unconvert).collect());
        }
        RequirementKind::AtLeast { min, of } => {
            raw.kind = RawType::AtLeast;
            raw.min = Some((*min).into());
            raw.of = Some(of.iter().map(unconvert).collect());
        }
        RequirementKind::Count { min, selector } => {
            raw.kind = RawType::Count;
            raw.min = Some((*min).into());
            raw.selector = Some(selector.clone());
        }
        RequirementKind::Credits { min, unit, selector } => {
            raw.kind = RawType::Credits;
            raw.min = Some(serde_json::Value::String(min.normalize().to_string()));
            raw.unit = Some(unit.clone());
            raw.selector = Some(selector.clone());
        }
        RequirementKind::Pathway { pathway } => {
            raw.kind = RawType::Pathway;
            raw.pathway = Some(*pathway);
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWARD: &str = "0190a000-0000-7000-8000-000000000001";

    fn rule(requirement: &str) -> String {
        format!(r#"{{"key":"pla","name":"Professional Learning Award","award":"{AWARD}","requirement":{requirement}}}"#)
    }

    #[test]
    fn parses_the_design_example_and_round_trips() {
        let text = rule(r#"{"type":"count","min":3,"where":{"achievement_type":"MicroCredential"},"within":"P3Y"}"#);
        let parsed = PathwayRule::from_json(&text).unwrap();
        assert_eq!(parsed.issuance, Issuance::Automatic);
        assert!(matches!(parsed.requirement.kind, RequirementKind::Count { min: 3, .. }));
        let again = PathwayRule::from_value(parsed.to_value()).unwrap();
        assert_eq!(again, parsed);
    }

    #[test]
    fn errors_name_the_path() {
        let cases = [
            (
                r#"{"type":"all","of":[{"type":"count","min":1,"where":{}},{"type":"count","min":1,"where":{}},{"type":"at_least","min":0,"of":[{"type":"count","min":1,"where":{}}]}]}"#,
                "requirement.of[2].min: must be at least 1",
            ),
            (r#"{"type":"count","min":1,"where":{},"bogus":1}"#, "requirement.bogus: unknown field `bogus`"),
            (r#"{"type":"count","min":1,"where":{"colour":"red"}}"#, "requirement.where.colour: unknown field `colour`"),
            (r#"{"type":"count","min":2}"#, "requirement.where: is required"),
            (r#"{"type":"credits","min":"-1","unit":"ECTS","where":{}}"#, "requirement.min: must be a positive decimal"),
            (r#"{"type":"count","min":1,"where":{},"within":"P3X"}"#, "requirement.within"),
            (r#"{"type":"at_least","min":3,"of":[{"type":"count","min":1,"where":{}}]}"#, "requirement.min: asks for 3"),
            (r#"{"type":"count","min":1,"where":{},"of":[]}"#, "requirement.of: is not allowed in a `count`"),
            (r#"{"type":"nope"}"#, "requirement.type"),
        ];
        for (req, want) in cases {
            let err = PathwayRule::from_json(&rule(req)).unwrap_err().to_string();
            assert!(err.starts_with(want), "{req}\n got: {err}\nwant: {want}");
        }
    }

    #[test]
    fn depth_is_limited() {
        let mut req = r#"{"type":"count","min":1,"where":{}}"#.to_string();
        for _ in 0..MAX_RULE_DEPTH {
            req = format!(r#"{{"type":"all","of":[{req}]}}"#);
        }
        let err = PathwayRule::from_json(&rule(&req)).unwrap_err().to_string();
        assert!(err.contains("levels deep"), "{err}");
    }

    #[test]
    fn conversions_are_checked() {
        let text = format!(
            r#"{{"key":"k","name":"n","award":"{AWARD}","requirement":{{"type":"credits","min":"10","unit":"ECTS","where":{{}}}},"conversions":{{"hours":{{"ECTS":"0"}}}}}}"#
        );
        let err = PathwayRule::from_json(&text).unwrap_err().to_string();
        assert!(err.starts_with("conversions.hours.ECTS: must be a positive"), "{err}");
    }
}
