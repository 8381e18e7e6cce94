//! Achievement vocabulary: the Open Badges 3.0 `achievementType` values and
//! the level scale of the catalog.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! achievement_types {
    ($($name:ident),* $(,)?) => {
        /// The OB 3.0 `achievementType` vocabulary, plus extension values
        /// written `ext:Something` (kept as text, prefix included).
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum AchievementType {
            $($name,)*
            /// An `ext:` value; the text includes the prefix.
            Extension(String),
        }

        impl AchievementType {
            /// Every standard (non-extension) value.
            pub const STANDARD: &'static [AchievementType] = &[$(AchievementType::$name,)*];

            pub fn as_str(&self) -> &str {
                match self {
                    $(AchievementType::$name => stringify!($name),)*
                    AchievementType::Extension(text) => text,
                }
            }

            fn standard(text: &str) -> Option<Self> {
                match text {
                    $(stringify!($name) => Some(AchievementType::$name),)*
                    _ => None,
                }
            }
        }
    };
}

achievement_types!(
    Achievement,
    ApprenticeshipCertificate,
    Assessment,
    Assignment,
    AssociateDegree,
    Award,
    Badge,
    BachelorDegree,
    Certificate,
    CertificateOfCompletion,
    Certification,
    CommunityService,
    Competency,
    Course,
    CoCurricular,
    Degree,
    Diploma,
    DoctoralDegree,
    Fieldwork,
    GeneralEducationDevelopment,
    JourneymanCertificate,
    LearningProgram,
    License,
    Membership,
    ProfessionalDoctorate,
    QualityAssuranceCredential,
    MasterCertificate,
    MasterDegree,
    MicroCredential,
    ResearchDoctorate,
    SecondarySchoolDiploma,
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown achievement type `{0}` (expected an Open Badges 3.0 value such as MicroCredential, or `ext:Name`)")]
pub struct UnknownAchievementType(pub String);

impl FromStr for AchievementType {
    type Err = UnknownAchievementType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(found) = Self::standard(s) {
            return Ok(found);
        }
        // Extensions: `ext:` then 1-64 letters, digits, `-`, `_` or `.`.
        match s.strip_prefix("ext:") {
            Some(name) if !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) => {
                Ok(AchievementType::Extension(s.to_owned()))
            }
            _ => Err(UnknownAchievementType(s.to_owned())),
        }
    }
}

impl fmt::Display for AchievementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AchievementType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AchievementType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How demanding an achievement is; ordered beginner < … < expert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
    Expert,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Beginner, Level::Intermediate, Level::Advanced, Level::Expert];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
            Level::Expert => "expert",
        }
    }

    /// 1 (beginner) to 4 (expert): how levels are stored for range queries.
    pub fn rank(self) -> i64 {
        self as i64 + 1
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level `{0}` (expected beginner, intermediate, advanced or expert)")]
pub struct UnknownLevel(pub String);

impl FromStr for Level {
    type Err = UnknownLevel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL.into_iter().find(|l| l.as_str() == s).ok_or_else(|| UnknownLevel(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_types_round_trip() {
        assert_eq!(AchievementType::STANDARD.len(), 31);
        for t in AchievementType::STANDARD {
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(serde_json::from_str::<AchievementType>(&json).unwrap(), *t);
        }
        assert_eq!("MicroCredential".parse::<AchievementType>().unwrap(), AchievementType::MicroCredential);
    }

    #[test]
    fn extensions_are_kept_as_text() {
        let t: AchievementType = "ext:Nanodegree".parse().unwrap();
        assert_eq!(t, AchievementType::Extension("ext:Nanodegree".into()));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"ext:Nanodegree\"");
    }

    #[test]
    fn unknown_types_are_rejected() {
        for bad in ["microcredential", "ext:", "ext:has space", "Foo", ""] {
            assert!(bad.parse::<AchievementType>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn levels_are_ordered_and_lowercase() {
        assert!(Level::Beginner < Level::Intermediate);
        assert!(Level::Advanced < Level::Expert);
        assert_eq!(serde_json::to_string(&Level::Expert).unwrap(), "\"expert\"");
        assert_eq!(serde_json::from_str::<Level>("\"advanced\"").unwrap(), Level::Advanced);
        assert!(serde_json::from_str::<Level>("\"Advanced\"").is_err());
        assert_eq!("beginner".parse::<Level>().unwrap(), Level::Beginner);
    }
}
