//! Typed identifiers. Every id is a UUIDv7 (time-ordered, so ids sort by
//! creation and index well) rendered as lowercase hyphenated text, which is
//! also how it is stored. A typed id per entity keeps a credential id from
//! ever being passed where an organisation id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// The text was not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a valid id (expected a UUID)")]
pub struct InvalidId(pub String);

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| InvalidId(s.to_owned()))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

typed_id!(
    /// An account: learner, staff member or administrator.
    UserId
);
typed_id!(
    /// An organisation: an institution (issuer) or an employer.
    OrgId
);
typed_id!(
    /// An achievement in an institution's catalog.
    AchievementId
);
typed_id!(
    /// A credential: one achievement awarded to one learner.
    CredentialId
);
typed_id!(
    /// A stacking rule registered by an institution.
    PathwayId
);
typed_id!(
    /// A share link to part of a learner's record.
    ShareId
);
typed_id!(
    /// An employer's request that a learner share their record.
    ShareRequestId
);
typed_id!(
    /// A credential a learner imported from elsewhere.
    ImportId
);
typed_id!(
    /// A job in a learner's employment record.
    EmploymentRecordId
);
typed_id!(
    /// One entry of the append-only audit log.
    AuditEntryId
);
typed_id!(
    /// An award waiting in the review queue of an `"issuance": "review"` pathway.
    ReviewId
);
typed_id!(
    /// A background job over many learners (a pathway's back-fill, a dry run).
    JobId
);
typed_id!(
    /// An endpoint an organisation registered for webhooks.
    WebhookId
);
typed_id!(
    /// One event's delivery to one webhook endpoint (all its attempts).
    DeliveryId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let id = CredentialId::new();
        let text = id.to_string();
        assert_eq!(text.parse::<CredentialId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<CredentialId>(&json).unwrap(), id);
    }

    #[test]
    fn ids_reject_garbage() {
        assert!("not-a-uuid".parse::<OrgId>().is_err());
        assert!(serde_json::from_str::<OrgId>("\"x\"").is_err());
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let first = UserId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(UserId::new() > first);
    }
}
