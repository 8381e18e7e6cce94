//! Response bodies shared by several endpoints.

use cairn_domain::{OrgId, OrgKind, Role, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::orgs::Organisation;
use crate::store::users::Account;

/// Account roles as they appear on the wire.
#[derive(ToSchema)]
#[schema(as = Role)]
#[allow(dead_code)]
#[serde(rename_all = "lowercase")]
pub enum RoleSchema {
    Admin,
    Issuer,
    Employer,
    Learner,
}

#[derive(ToSchema)]
#[schema(as = OrgKind)]
#[allow(dead_code)]
#[serde(rename_all = "lowercase")]
pub enum OrgKindSchema {
    Institution,
    Employer,
}

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
