//! `--demo`: example organisations, staff and learners, so a new user sees
//! the system working from the first command. Loaded only into a database
//! without organisations, so restarting with `--demo` changes nothing.
//!
//! Every demo account's password is `cairn-demo-password` (see README).

use cairn_domain::{DisplayName, Email, OrgKind, Role};

use crate::app::AppState;
use crate::auth::Password;
use crate::signing::NewOrgKey;
use crate::store::orgs::{self, NewOrganisation};
use crate::store::users::{self, NewAccount};

pub const PASSWORD: &str = "cairn-demo-password";

struct DemoOrg {
    name: &'static str,
    kind: OrgKind,
    url: &'static str,
    staff: &'static [(&'static str, &'static str)],
}

const ORGS: &[DemoOrg] = &[
    DemoOrg {
        name: "Northbrook Schools Association",
        kind: OrgKind::Institution,
        url: "https://northbrook-schools.example",
        staff: &[("issuer@northbrook-schools.example", "Nora Issuer")],
    },
    DemoOrg {
        name: "Lakeside University Lifelong Learning",
        kind: OrgKind::Institution,
        url: "https://lifelong.lakeside-university.example",
        staff: &[("issuer@lakeside-university.example", "Luis Registrar")],
    },
    DemoOrg {
        name: "Riverside K-12 District",
        kind: OrgKind::Institution,
        url: "https://riverside-k12.example",
        staff: &[("issuer@riverside-k12.example", "Rita Teacher")],
    },
    DemoOrg {
        name: "Acme Analytics",
        kind: OrgKind::Employer,
        url: "https://acme-analytics.example",
        staff: &[("recruiter@acme-analytics.example", "Ravi Recruiter")],
    },
];

const LEARNERS: &[(&str, &str)] = &[
    ("ada@learners.example", "Ada Okafor"),
    ("ben@learners.example", "Ben Lindqvist"),
    ("chen@learners.example", "Chen Wei"),
];

const ADMIN: (&str, &str) = ("admin@cairn.example", "Demo Administrator");

/// Loads the demo data unless the database already has organisations.
pub fn load(state: &AppState) -> anyhow::Result<()> {
    let password_hash = state.hasher.hash(&Password::parse(PASSWORD.to_owned())?)?;
    let master = state.master.clone();
    let loaded = state.store.write_blocking(move |conn| {
        if !orgs::list(conn, None, 1)?.is_empty() {
            return Ok(false);
        }
        let account = |role: Role, org, (email, name): (&str, &str)| -> anyhow::Result<NewAccount> {
            Ok(NewAccount {
                email: Email::parse(email)?,
                name: DisplayName::parse(name)?,
                password_hash: password_hash.clone(),
                role,
                org,
            })
        };
        let invalid = |e: anyhow::Error| crate::store::StoreError::Corrupt(format!("demo data: {e}"));
        let admin_email = Email::parse(ADMIN.0).map_err(|e| invalid(e.into()))?;
        let admin = match users::find_with_hash(conn, &admin_email)? {
            Some((existing, _)) => existing.id,
            None => users::insert(conn, account(Role::Admin, None, ADMIN).map_err(invalid)?, None)?.id,
        };
        for demo in ORGS {
            let new = NewOrganisation {
                name: DisplayName::parse(demo.name).map_err(|e| invalid(e.into()))?,
                kind: demo.kind,
                url: Some(cairn_domain::HttpUrl::parse(demo.url).map_err(|e| invalid(e.into()))?),
            };
            let key = NewOrgKey::generate(&master).map_err(|e| invalid(e.into()))?;
            let org = orgs::insert(conn, new, key, admin)?;
            let role = match demo.kind {
                OrgKind::Institution => Role::Issuer,
                OrgKind::Employer => Role::Employer,
            };
            for staff in demo.staff {
                users::insert(conn, account(role, Some(org.id), *staff).map_err(invalid)?, Some(admin))?;
            }
        }
        for learner in LEARNERS {
            users::insert(conn, account(Role::Learner, None, *learner).map_err(invalid)?, None)?;
        }
        Ok(true)
    })?;
    if loaded {
        tracing::info!(password = "see README", "loaded demo organisations and accounts");
    }
    Ok(())
}
