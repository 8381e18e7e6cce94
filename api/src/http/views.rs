//! Response bodies shared by several endpoints.

use cairn_domain::catalog::AchievementDefinition;
use cairn_domain::{AchievementId, OrgId, OrgKind, PathwayId, Role, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::services::records::{CredentialView, StatusListRefs};
use crate::store::achievements::Achievement;
use crate::store::orgs::Organisation;
use crate::store::pathways::StoredPathway;
use crate::store::users::Account;

// The wire schemas of domain types are the domain's own (feature `openapi`);
// these names keep the annotations that use them unchanged.
pub use cairn_domain::catalog::{
    AchievementDefinition as AchievementInput, AchievementFields, Alignment as AlignmentSchema, Criteria as CriteriaSchema,
};
pub use cairn_domain::{Credits as CreditsSchema, Level as LevelSchema, OrgKind as OrgKindSchema, Role as RoleSchema};

/// An account as its owner and administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    #[schema(value_type = String, format = Email)]
    pub email: String,
    pub name: String,
    #[schema(value_type = RoleSchema)]
    pub role: Role,
    /// The organisation staff belong to; null for learners and admins.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub org: Option<OrgId>,
    pub created_at: DateTime<Utc>,
    /// Whether the owner proved the address is theirs. Until then,
    /// credentials issued to the address wait in the claim flow.
    pub email_verified: bool,
}

impl From<Account> for AccountView {
    fn from(account: Account) -> Self {
        AccountView {
            id: account.id,
            email: account.email.to_string(),
            name: account.name,
            role: account.role,
            org: account.org,
            created_at: account.created_at,
            email_verified: account.email_verified_at.is_some(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    #[schema(value_type = String, format = Uuid)]
    pub id: OrgId,
    pub name: String,
    #[schema(value_type = OrgKindSchema)]
    pub kind: OrgKind,
    pub url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Organisation> for OrgView {
    fn from(org: Organisation) -> Self {
        OrgView { id: org.id, name: org.name, kind: org.kind, url: org.url, created_at: org.created_at }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgPage {
    pub items: Vec<OrgView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    pub items: Vec<AccountView>,
    pub next_cursor: Option<String>,
}

/// A catalog entry: the definition plus its id, institution and URLs.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AchievementId,
    #[schema(value_type = String, format = Uuid)]
    pub org: OrgId,
    /// The achievement's URL (its id in Open Badges documents).
    pub url: String,
    #[serde(flatten)]
    #[schema(value_type = AchievementFields)]
    pub definition: AchievementDefinition,
    pub created_at: DateTime<Utc>,
    /// The current version (1 when created; each change adds one).
    /// Credentials keep the version they were issued under.
    pub version: i64,
    /// When it was retired (nothing new is issued of it); null while issued.
    pub retired_at: Option<DateTime<Utc>>,
}

impl AchievementView {
    pub fn new(achievement: Achievement, public_url: &str) -> Self {
        AchievementView {
            url: format!("{public_url}/v1/achievements/{}", achievement.id),
            id: achievement.id,
            org: achievement.org,
            definition: achievement.definition,
            created_at: achievement.created_at,
            version: achievement.version,
            retired_at: achievement.retired_at,
        }
    }
}

/// One version of an achievement's definition.
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementVersionView {
    pub version: i64,
    #[serde(flatten)]
    #[schema(value_type = AchievementFields)]
    pub definition: AchievementDefinition,
    /// When this version was made.
    pub created_at: DateTime<Utc>,
}

/// Every version of an achievement, oldest first (a catalog entry has few).
#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementVersions {
    pub items: Vec<AchievementVersionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AchievementPage {
    pub items: Vec<AchievementView>,
    pub next_cursor: Option<String>,
}

/// A registered pathway: its current rule (the DESIGN.md rule language) and version.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathwayView {
    #[schema(value_type = String, format = Uuid)]
    pub id: PathwayId,
    #[schema(value_type = String, format = Uuid)]
    pub org: OrgId,
    pub key: String,
    /// 1 when registered, one more with every update.
    pub version: i64,
    #[schema(value_type = cairn_stacking::PathwayRule)]
    pub rule: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredPathway> for PathwayView {
    fn from(stored: StoredPathway) -> Self {
        PathwayView {
            id: stored.pathway.id,
            org: stored.pathway.issuer,
            key: stored.pathway.rule.key.clone(),
            version: stored.version,
            rule: stored.pathway.rule.to_value(),
            created_at: stored.created_at,
            updated_at: stored.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PathwayPage {
    pub items: Vec<PathwayView>,
    pub next_cursor: Option<String>,
}
