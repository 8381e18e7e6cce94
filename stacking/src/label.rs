//! Labels generated from a rule, for nodes whose author gave none: "3
//! micro-credentials within 3 years", "7 ECTS credits of micro-credentials",
//! "Research Ethics", "all of 2", "the pathway Foundations". Names come
//! from the catalog and the registered pathways; an unnamed achievement is
//! shown by its id.

use std::collections::BTreeMap;

use cairn_domain::{AchievementId, AchievementType, IsoDuration, PathwayId};

use crate::input::{CatalogEntry, Pathway};
use crate::rule::{Requirement, RequirementKind, Selector};

/// The author's label of `req`, or one generated from it.
pub(crate) fn label(req: &Requirement, catalog: &BTreeMap<AchievementId, CatalogEntry>, pathways: &BTreeMap<PathwayId, Pathway>) -> String {
    if let Some(own) = req.label.as_ref().filter(|l| !l.trim().is_empty()) {
        return own.clone();
    }
    let mut text = match &req.kind {
        RequirementKind::All { of } => format!("all of {}", of.len()),
        RequirementKind::Any { of } => format!("any of {}", of.len()),
        RequirementKind::AtLeast { min, of } => format!("{min} of {}", of.len()),
        RequirementKind::Count { min, selector } => count_label(*min, selector, catalog),
        RequirementKind::Credits { min, unit, selector } => {
            let noun = if *min == rust_decimal::Decimal::ONE { "credit" } else { "credits" };
            let mut text = format!("{} {unit} {noun}", min.normalize());
            let what = selection(selector, catalog, 2);
            if !what.is_empty() {
                text.push_str(" of ");
                text.push_str(&what);
            }
            text.push_str(&qualifiers(selector));
            text
        }
        RequirementKind::Pathway { pathway } => {
            let name = pathways.get(pathway).map_or_else(|| pathway.to_string(), |p| p.rule.name.clone());
            format!("the pathway {name}")
        }
    };
    if let Some(within) = &req.within {
        text.push_str(" within ");
        text.push_str(&human_duration(within));
    }
    text
}

/// The name of a catalog achievement (its id when it has none).
pub(crate) fn achievement_name(catalog: &BTreeMap<AchievementId, CatalogEntry>, id: &AchievementId) -> String {
    catalog.get(id).map(|e| e.name.trim()).filter(|n| !n.is_empty()).map_or_else(|| id.to_string(), str::to_owned)
}

fn count_label(min: u32, selector: &Selector, catalog: &BTreeMap<AchievementId, CatalogEntry>) -> String {
    let named = selector.achievement.is_some() || selector.achievements.is_some();
    let what = selection(selector, catalog, min);
    let mut text = match (named, what.is_empty()) {
        // One named achievement: its name says it all.
        (true, _) if selector.achievements.is_none() => what,
        (true, _) => format!("{min} of {what}"),
        (false, false) => format!("{min} {what}"),
        (false, true) => format!("{min} {}", if min == 1 { "credential" } else { "credentials" }),
    };
    text.push_str(&qualifiers(selector));
    text
}

/// What the selector picks: named achievements ("Research Ethics", "A, B or
/// C") or a type ("micro-credentials", plural unless `count` is 1).
fn selection(selector: &Selector, catalog: &BTreeMap<AchievementId, CatalogEntry>, count: u32) -> String {
    let mut named: Vec<String> = selector.named_achievements().map(|a| achievement_name(catalog, a)).collect();
    if !named.is_empty() {
        return match named.pop() {
            Some(last) if !named.is_empty() => format!("{} or {last}", named.join(", ")),
            Some(last) => last,
            None => String::new(),
        };
    }
    selector.achievement_type.as_ref().map(|t| type_noun(t, count != 1)).unwrap_or_default()
}

/// Tags, skill, level and dates of a selector, as words.
fn qualifiers(selector: &Selector) -> String {
    let mut out = String::new();
    if let Some(tags) = &selector.tags {
        out.push_str(" tagged ");
        out.push_str(&tags.join(" or "));
    }
    if let Some(skill) = &selector.skill {
        out.push_str(" in ");
        out.push_str(skill);
    }
    if let Some(level) = selector.min_level {
        out.push_str(&format!(" at {level} level or above"));
    }
    if let Some(after) = selector.earned_after {
        out.push_str(&format!(" earned from {}", after.format("%Y-%m-%d")));
    }
    if let Some(before) = selector.earned_before {
        out.push_str(&format!(" earned before {}", before.format("%Y-%m-%d")));
    }
    out
}

/// `MicroCredential` → "micro-credential(s)", `LearningProgram` →
/// "learning program(s)", `ext:Thing` → "thing(s)".
fn type_noun(t: &AchievementType, plural: bool) -> String {
    let text = t.as_str();
    let text = text.strip_prefix("ext:").unwrap_or(text);
    let mut words = String::new();
    for (i, ch) in text.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            words.push(' ');
        }
        words.extend(ch.to_lowercase());
    }
    let mut words = words.replace("micro credential", "micro-credential");
    if plural {
        if words.ends_with('y') && !words.ends_with("ay") && !words.ends_with("ey") && !words.ends_with("oy") {
            words.pop();
            words.push_str("ies");
        } else if words.ends_with('s') {
            words.push_str("es");
        } else {
            words.push('s');
        }
    }
    words
}

/// `P3Y` → "3 years", `P1Y6M` → "1 year 6 months", `P2W` → "2 weeks".
fn human_duration(d: &IsoDuration) -> String {
    let parts: Vec<String> =
        [(d.years, "year"), (d.months, "month"), (d.weeks, "week"), (d.days, "day"), (d.hours, "hour"), (d.minutes, "minute"), (d.seconds, "second")]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, unit)| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") })
            .collect();
    if parts.is_empty() { "0 days".to_owned() } else { parts.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Requirement {
        let rule = crate::rule::PathwayRule::from_json(&format!(
            r#"{{"key": "k", "name": "n", "award": "{}", "requirement": {json}}}"#,
            AchievementId::new()
        ));
        match rule {
            Ok(r) => r.requirement,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn generated_from_the_rule() {
        let none = BTreeMap::new();
        let cases = [
            (
                r#"{"type": "count", "min": 3, "where": {"achievement_type": "MicroCredential"}, "within": "P3Y"}"#,
                "3 micro-credentials within 3 years",
            ),
            (r#"{"type": "credits", "min": "7.50", "unit": "ECTS", "where": {"achievement_type": "Course"}}"#, "7.5 ECTS credits of courses"),
            (
                r#"{"type": "count", "min": 1, "where": {"achievement_type": "Competency", "tags": ["skill"]}, "within": "P1Y6M"}"#,
                "1 competency tagged skill within 1 year 6 months",
            ),
            (
                r#"{"type": "count", "min": 2, "where": {"tags": ["a", "b"], "min_level": "advanced"}}"#,
                "2 credentials tagged a or b at advanced level or above",
            ),
            (r#"{"type": "all", "of": [{"type": "count", "min": 1, "where": {}}, {"type": "count", "min": 1, "where": {}}]}"#, "all of 2"),
            (r#"{"type": "at_least", "min": 1, "of": [{"type": "count", "min": 1, "where": {}}], "label": "Mine"}"#, "Mine"),
        ];
        for (json, want) in cases {
            assert_eq!(label(&parse(json), &none, &BTreeMap::new()), want, "{json}");
        }
    }

    #[test]
    fn names_come_from_the_catalog() {
        let id = AchievementId::new();
        let other = AchievementId::new();
        let entry = |id, name: &str| CatalogEntry {
            id,
            name: name.to_owned(),
            issuer: cairn_domain::OrgId::new(),
            achievement_type: AchievementType::MicroCredential,
            tags: vec![],
            skills: vec![],
            level: None,
            credits: None,
        };
        let catalog: BTreeMap<_, _> = [(id, entry(id, "Research Ethics")), (other, entry(other, "Statistics"))].into();
        let one = parse(&format!(r#"{{"type": "count", "min": 1, "where": {{"achievement": "{id}"}}}}"#));
        assert_eq!(label(&one, &catalog, &BTreeMap::new()), "Research Ethics");
        let two = parse(&format!(r#"{{"type": "credits", "min": "2", "unit": "ECTS", "where": {{"achievements": ["{id}", "{other}"]}}}}"#));
        assert_eq!(label(&two, &catalog, &BTreeMap::new()), "2 ECTS credits of Research Ethics or Statistics");
        let nested = PathwayId::new();
        let unknown = parse(&format!(r#"{{"type": "pathway", "pathway": "{nested}"}}"#));
        assert_eq!(label(&unknown, &catalog, &BTreeMap::new()), format!("the pathway {nested}"));
    }
}
