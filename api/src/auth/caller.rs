//! Who is calling: the account an access token names. The edge's caller
//! extractors (`http::caller`) produce it; use cases that decide visibility
//! take it as it is.

use cairn_domain::{OrgId, Role, UserId};

/// Any authenticated account, as its verified token describes it.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub id: UserId,
    pub role: Role,
    pub org: Option<OrgId>,
}

impl Caller {
    /// Whether the caller is staff of `org` (an issuer of that institution
    /// or an employer of that employer organisation).
    pub fn is_staff_of(&self, org: OrgId) -> bool {
        self.org == Some(org)
    }
}
