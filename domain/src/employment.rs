//! Employment in the learner and employment record: what a learner states
//! about a job (self-asserted), parsed strictly. An employer organisation's
//! attestation is kept beside it by the service.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::{LongText, Name};
use crate::ids::OrgId;
use crate::skill::{MAX_SKILLS, Skill, skill_set};

/// A job as the learner records it. Valid by construction: the dates are
/// in order and the skills list is bounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawEmployment")]
pub struct Employment {
    /// The employer as the learner names it.
    pub employer_name: Name,
    /// The employer's organisation on this service, when it has one: its
    /// staff may then attest the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employer_org: Option<OrgId>,
    pub title: Name,
    pub start_date: NaiveDate,
    /// None while the job continues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<LongText>,
    /// Skill URLs or codes, as in achievement alignments.
    #[serde(default)]
    pub skills: Vec<Skill>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmployment {
    employer_name: Name,
    #[serde(default)]
    employer_org: Option<OrgId>,
    title: Name,
    start_date: NaiveDate,
    #[serde(default)]
    end_date: Option<NaiveDate>,
    #[serde(default)]
    description: Option<LongText>,
    #[serde(default)]
    skills: Vec<Skill>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmploymentError {
    #[error("`end_date` is before `start_date`")]
    EndBeforeStart,
    #[error("`skills`: at most {MAX_SKILLS} entries")]
    TooManySkills,
}

impl TryFrom<RawEmployment> for Employment {
    type Error = EmploymentError;

    fn try_from(raw: RawEmployment) -> Result<Self, Self::Error> {
        if raw.end_date.is_some_and(|end| end < raw.start_date) {
            return Err(EmploymentError::EndBeforeStart);
        }
        let skills = skill_set(raw.skills).map_err(|_| EmploymentError::TooManySkills)?;
        Ok(Employment {
            employer_name: raw.employer_name,
            employer_org: raw.employer_org,
            title: raw.title,
            start_date: raw.start_date,
            end_date: raw.end_date,
            description: raw.description,
            skills,
        })
    }
}

impl Employment {
    /// The record as an OB 3.0 `Achievement` of type `ext:Employment`, for
    /// the `achievement` list of a CLR subject. `id` is the record's URI;
    /// `attested_by` the employer's name when the employer attested it.
    pub fn as_achievement(&self, id: &str, attested_by: Option<&str>) -> serde_json::Value {
        let until = self.end_date.map_or_else(|| "present".to_owned(), |d| d.to_string());
        let basis = match attested_by {
            Some(employer) => format!("attested by {employer}"),
            None => "self-asserted by the learner".to_owned(),
        };
        let mut achievement = serde_json::json!({
            "id": id,
            "type": ["Achievement"],
            "achievementType": "ext:Employment",
            "name": self.title.as_str(),
            "description": format!("{} at {}, {} to {} ({basis}).", self.title.as_str(), self.employer_name.as_str(), self.start_date, until),
            "criteria": { "narrative": self.description.as_ref().map_or_else(|| format!("Employment {basis}."), |d| d.as_str().to_owned()) },
        });
        if !self.skills.is_empty()
            && let Some(object) = achievement.as_object_mut()
        {
            object.insert("tag".into(), self.skills.iter().map(|s| serde_json::Value::from(s.as_str())).collect());
        }
        achievement
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<Employment, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    #[test]
    fn a_job_parses_with_its_skills_deduplicated() {
        let job = parse(json!({
            "employer_name": "Acme", "title": "Analyst", "start_date": "2022-01-01",
            "skills": ["DV-1", "https://skills.example/dv", "DV-1"]
        }))
        .unwrap();
        assert_eq!(job.skills.len(), 2);
        assert_eq!(job.end_date, None);
    }

    #[test]
    fn impossible_records_are_rejected() {
        let end_first = parse(json!({ "employer_name": "Acme", "title": "A", "start_date": "2022-01-01", "end_date": "2021-01-01" }));
        assert!(end_first.unwrap_err().contains("before"));
        assert!(parse(json!({ "employer_name": " ", "title": "A", "start_date": "2022-01-01" })).is_err());
        assert!(parse(json!({ "employer_name": "Acme", "title": "A", "start_date": "2022-13-01" })).is_err());
        assert!(parse(json!({ "employer_name": "Acme", "title": "A", "start_date": "2022-01-01", "salary": 1 })).is_err());
    }
}
