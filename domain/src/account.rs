//! Accounts and organisations: roles, organisation kinds, e-mail addresses and
//! display names, each parsed once.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an account may do. Staff roles are bound to one organisation of the
/// matching kind; learners and admins belong to none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Issuer,
    Employer,
    Learner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Issuer, Role::Employer, Role::Learner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Issuer => "issuer",
            Role::Employer => "employer",
            Role::Learner => "learner",
        }
    }

    /// The kind of organisation a staff role is bound to; `None` for roles
    /// that belong to no organisation.
    pub fn org_kind(self) -> Option<OrgKind> {
        match self {
            Role::Issuer => Some(OrgKind::Institution),
            Role::Employer => Some(OrgKind::Employer),
            Role::Admin | Role::Learner => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (expected admin, issuer, employer or learner)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Institutions publish achievements and issue credentials; employers verify
/// and search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OrgKind {
    Institution,
    Employer,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Institution => "institution",
            OrgKind::Employer => "employer",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown organisation kind `{0}` (expected institution or employer)")]
pub struct UnknownOrgKind(pub String);

impl FromStr for OrgKind {
    type Err = UnknownOrgKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "institution" => Ok(OrgKind::Institution),
            "employer" => Ok(OrgKind::Employer),
            other => Err(UnknownOrgKind(other.to_owned())),
        }
    }
}

/// An e-mail address, trimmed and lower-cased so that one person has one
/// account whatever case they type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEmail {
    #[error("an e-mail address is required")]
    Empty,
    #[error("an e-mail address has at most 254 characters")]
    TooLong,
    #[error("`{0}` is not an e-mail address (expected name@domain.tld)")]
    Malformed(String),
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let text = raw.trim().to_lowercase();
        if text.is_empty() {
            return Err(InvalidEmail::Empty);
        }
        if text.len() > 254 {
            return Err(InvalidEmail::TooLong);
        }
        let malformed = || InvalidEmail::Malformed(text.clone());
        let (local, domain) = text.split_once('@').ok_or_else(malformed)?;
        let domain_ok = domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..") && !domain.contains('@');
        let no_space = !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if local.is_empty() || local.len() > 64 || !domain_ok || !no_space {
            return Err(malformed());
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Email::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A human-readable name: trimmed, 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidName {
    #[error("a name is required")]
    Empty,
    #[error("a name has at most {0} characters")]
    TooLong(usize),
    #[error("a name may not contain control characters")]
    ControlCharacter,
}

impl DisplayName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, InvalidName> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(InvalidName::Empty);
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(InvalidName::TooLong(Self::MAX_CHARS));
        }
        if text.chars().any(char::is_control) {
            return Err(InvalidName::ControlCharacter);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DisplayName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DisplayName::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        let email = Email::parse("  Ada.Lovelace@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@example.org");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in ["", "plain", "@example.org", "a@", "a@b", "a@.b.c", "a@b..c", "a b@c.d", "a@b@c.d"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(Email::parse(&format!("{}@x.org", "a".repeat(300))), Err(InvalidEmail::TooLong));
    }

    #[test]
    fn roles_parse_and_print() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
        assert_eq!(Role::Issuer.org_kind(), Some(OrgKind::Institution));
        assert_eq!(Role::Employer.org_kind(), Some(OrgKind::Employer));
        assert_eq!(Role::Learner.org_kind(), None);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ada ").unwrap().as_str(), "Ada");
        assert_eq!(DisplayName::parse("   "), Err(InvalidName::Empty));
        assert!(DisplayName::parse(&"x".repeat(201)).is_err());
        assert_eq!(DisplayName::parse("a\u{0}b"), Err(InvalidName::ControlCharacter));
    }
}
