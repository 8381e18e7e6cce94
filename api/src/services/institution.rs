//! The institution console's overview: the institution and how much it
//! holds (the figures are counted by the database, `store::org_counts`).

use cairn_domain::OrgId;

use crate::store::org_counts::{self, OrgCounts};
use crate::store::orgs::{self, Organisation};
use crate::store::{DbConn, StoreError};

/// An institution and its figures.
#[derive(Debug, Clone)]
pub struct Overview {
    pub org: Organisation,
    pub counts: OrgCounts,
}

/// The overview of institution `org` (its staff's start page).
pub fn overview(conn: &mut DbConn, org: OrgId) -> Result<Overview, StoreError> {
    let found = orgs::find(conn, org)?.ok_or(StoreError::NotFound("organisation"))?;
    Ok(Overview { org: found, counts: org_counts::of_org(conn, org)? })
}
