//! `--demo`: example organisations, staff, achievements, pathways drawn from
//! real programmes, and learners at different stages, so a new user sees
//! the system working from the first command. Loaded only into a database
//! without organisations, so restarting with `--demo` changes nothing.
//!
//! Every demo account's password is `cairn-demo-password` (see README).

use cairn_domain::catalog::AchievementDefinition;
use cairn_domain::{AchievementId, DisplayName, Email, OrgId, OrgKind, PathwayId, Role, UserId};
use cairn_stacking::{Pathway, PathwayRule};
use chrono::{DateTime, Utc};

use crate::services::Context;
use crate::services::awards;
use crate::services::issuing::{self, IssueRequest, Issuers, Recipient};
use crate::store::{DbConn, StoreError, StoreResult, achievements, pathways};

use crate::auth::Password;
use crate::signing::NewOrgKey;
use crate::state::AppState;
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

const LEARNERS: &[(&str, &str)] =
    &[("ada@learners.example", "Ada Okafor"), ("ben@learners.example", "Ben Lindqvist"), ("chen@learners.example", "Chen Wei")];

const ADMIN: (&str, &str) = ("admin@cairn.example", "Demo Administrator");

/// Loads the demo data unless the database already has organisations.
pub fn load(state: &AppState) -> anyhow::Result<()> {
    let password_hash = state.hasher.hash(&Password::parse(PASSWORD.to_owned())?)?;
    let master = state.master.clone();
    let public_url = state.public_url.clone();
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
                // Demo accounts are ready to use, learners included.
                email_verified: true,
            })
        };
        let invalid = |e: anyhow::Error| crate::store::StoreError::Corrupt(format!("demo data: {e}"));
        let admin_email = Email::parse(ADMIN.0).map_err(|e| invalid(e.into()))?;
        let admin = match users::find_with_hash(conn, &admin_email)? {
            Some((existing, _)) => existing.id,
            None => users::insert(conn, account(Role::Admin, None, ADMIN).map_err(invalid)?, None)?.id,
        };
        let mut institutions = Vec::new();
        for demo in ORGS {
            let new = NewOrganisation {
                name: DisplayName::parse(demo.name).map_err(|e| invalid(e.into()))?,
                kind: demo.kind,
                url: Some(cairn_domain::HttpUrl::parse(demo.url).map_err(|e| invalid(e.into()))?),
            };
            let key = NewOrgKey::generate(&master).map_err(|e| invalid(e.into()))?;
            let org = orgs::insert(conn, new, key, admin)?;
            institutions.push(org.id);
            let role = match demo.kind {
                OrgKind::Institution => Role::Issuer,
                OrgKind::Employer => Role::Employer,
            };
            for staff in demo.staff {
                users::insert(conn, account(role, Some(org.id), *staff).map_err(invalid)?, Some(admin))?;
            }
        }
        let mut learners = Vec::new();
        for learner in LEARNERS {
            learners.push(users::insert(conn, account(Role::Learner, None, *learner).map_err(invalid)?, None)?.id);
        }
        let ctx = Context {
            now: crate::store::time::now(),
            actor: admin,
            public_url: public_url.clone(),
            master: master.clone(),
            graphs: Default::default(),
        };
        programmes(conn, &ctx, &institutions, &learners)?;
        employment_and_talent(conn, &ctx, &institutions, &learners)?;
        Ok(true)
    })?;
    if loaded {
        tracing::info!(password = "see README", "loaded demo organisations, achievements, pathways, accounts and credentials");
    }
    Ok(())
}

fn definition(json: serde_json::Value) -> StoreResult<AchievementDefinition> {
    serde_json::from_value(json).map_err(|e| StoreError::Corrupt(format!("demo achievement: {e}")))
}

fn micro(name: &str, description: &str, kind: &str, extra: serde_json::Value) -> StoreResult<AchievementDefinition> {
    let mut json = serde_json::json!({
        "name": name,
        "description": description,
        "criteria": { "narrative": format!("Complete the {name} programme and its assessed task.") },
        "achievementType": kind,
    });
    if let (Some(object), Some(extra)) = (json.as_object_mut(), extra.as_object()) {
        object.extend(extra.clone());
    }
    definition(json)
}

/// The catalogs, pathways and learners' credentials of the three demo
/// institutions (`institutions` in `ORGS` order, `learners` in `LEARNERS` order).
fn programmes(conn: &mut DbConn, ctx: &Context, institutions: &[OrgId], learners: &[UserId]) -> StoreResult<()> {
    let admin = ctx.actor;
    let [schools, university, district, ..] = institutions else { return Ok(()) };
    let [ada, ben, chen, ..] = learners else { return Ok(()) };
    let mut add = |org: OrgId, def: AchievementDefinition| achievements::insert(conn, org, def, admin, ctx.now).map(|a| a.id);

    // A schools association: "3 micro-credentials over 3 years earn the
    // Professional Learning Award".
    let none = serde_json::json!({});
    let assessment = add(*schools, micro("Formative Assessment", "Use evidence of learning to adapt teaching.", "MicroCredential", none.clone())?)?;
    let inclusion = add(*schools, micro("Inclusive Classrooms", "Plan lessons every learner can access.", "MicroCredential", none.clone())?)?;
    let digital = add(*schools, micro("Digital Pedagogy", "Teach well with digital tools.", "MicroCredential", none.clone())?)?;
    let restorative = add(*schools, micro("Restorative Practice", "Repair harm and build community.", "MicroCredential", none.clone())?)?;
    let pla_award = add(*schools, micro("Professional Learning Award", "Three micro-credentials within three years.", "Award", none.clone())?)?;

    // A university's credit-bearing micro-credentials (1 credit = 25-30 hours)
    // stacking into a certificate.
    let credits = |amount: &str, level: &str, skill: &str| {
        serde_json::json!({
            "credits": { "amount": amount, "unit": "ECTS" }, "level": level, "validity": "P5Y",
            "alignments": [{ "targetName": skill, "targetUrl": format!("https://skills.example/{}", skill.to_lowercase().replace(' ', "-")) }]
        })
    };
    let dataviz = add(
        *university,
        micro(
            "Data Visualisation",
            "Design clear charts for analytical audiences.",
            "MicroCredential",
            credits("2", "intermediate", "Data visualisation"),
        )?,
    )?;
    let stats = add(
        *university,
        micro("Statistics for Research", "Choose and apply statistical tests.", "MicroCredential", credits("3", "intermediate", "Statistics"))?,
    )?;
    let python = add(
        *university,
        micro("Python for Analysts", "Automate analyses with Python.", "MicroCredential", credits("4", "beginner", "Programming"))?,
    )?;
    let ethics = add(
        *university,
        micro("Research Ethics", "Handle data and participants responsibly.", "MicroCredential", credits("1", "beginner", "Research ethics"))?,
    )?;
    let certificate = add(
        *university,
        micro("Certificate in Applied Data Analysis", "A macro-credential of 8 ECTS including Research Ethics.", "Certificate", none.clone())?,
    )?;

    // A K-12 curriculum: "I can" skills, "I understand" knowledge and
    // "I exhibit" dispositions stacking into a competence.
    let tagged = |tag: &str| serde_json::json!({ "tags": [tag] });
    let can_measure = add(*district, micro("I can measure and record data", "Skill.", "Competency", tagged("skill"))?)?;
    let can_test = add(*district, micro("I can design a fair test", "Skill.", "Competency", tagged("skill"))?)?;
    let understand = add(*district, micro("I understand variables", "Knowledge.", "Competency", tagged("knowledge"))?)?;
    let exhibit = add(*district, micro("I exhibit curiosity", "Disposition.", "Competency", tagged("disposition"))?)?;
    let inquiry = add(*district, micro("Scientific Inquiry", "Two skills, one understanding and one disposition.", "Badge", none)?)?;
    let _ = (restorative, dataviz);

    let rules = [
        (
            *schools,
            serde_json::json!({
                "key": "professional-learning-award", "name": "Professional Learning Award",
                "description": "Earn 3 micro-credentials within 3 years.", "award": pla_award,
                "issuance": "automatic", "on_constituent_revoked": "revoke",
                "requirement": { "type": "count", "min": 3, "where": { "achievement_type": "MicroCredential", "issuer": schools }, "within": "P3Y" }
            }),
        ),
        (
            *university,
            serde_json::json!({
                "key": "applied-data-analysis", "name": "Certificate in Applied Data Analysis",
                "description": "8 ECTS of data micro-credentials, including Research Ethics.", "award": certificate,
                "requirement": { "type": "all", "of": [
                    { "type": "count", "min": 1, "label": "Research Ethics", "where": { "achievement": ethics } },
                    { "type": "credits", "min": "7", "unit": "ECTS", "label": "7 more ECTS", "where": { "issuer": university, "achievement_type": "MicroCredential" } }
                ] }
            }),
        ),
        (
            *district,
            serde_json::json!({
                "key": "scientific-inquiry", "name": "Scientific Inquiry", "award": inquiry,
                "requirement": { "type": "all", "of": [
                    { "type": "count", "min": 2, "label": "I can", "where": { "tags": ["skill"], "issuer": district } },
                    { "type": "count", "min": 1, "label": "I understand", "where": { "tags": ["knowledge"], "issuer": district } },
                    { "type": "count", "min": 1, "label": "I exhibit", "where": { "tags": ["disposition"], "issuer": district } }
                ] }
            }),
        ),
    ];
    let mut graph = awards::load_graph(conn)?;
    for (org, rule) in rules {
        let rule = PathwayRule::from_value(rule).map_err(|e| StoreError::Corrupt(format!("demo pathway: {e}")))?;
        let pathway = Pathway { id: PathwayId::new(), issuer: org, rule };
        graph.register(pathway.clone()).map_err(|e| StoreError::Corrupt(format!("demo pathway: {e}")))?;
        pathways::insert(conn, &pathway, admin, ctx.now)?;
    }

    // Learners at different stages.
    let at = |date: &str| -> StoreResult<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(date).map(|d| d.with_timezone(&Utc)).map_err(|e| StoreError::Corrupt(e.to_string()))
    };
    let earned: [(OrgId, UserId, AchievementId, &str); 12] = [
        // Ada: three within three years: the award is issued automatically.
        (*schools, *ada, assessment, "2024-02-10T09:00:00Z"),
        (*schools, *ada, inclusion, "2025-01-20T09:00:00Z"),
        (*schools, *ada, digital, "2026-03-05T09:00:00Z"),
        // Ben: two school micro-credentials, and half the certificate.
        (*schools, *ben, assessment, "2021-06-01T09:00:00Z"),
        (*schools, *ben, digital, "2025-09-01T09:00:00Z"),
        (*university, *ben, ethics, "2025-10-01T09:00:00Z"),
        (*university, *ben, stats, "2026-02-01T09:00:00Z"),
        // Chen: the whole certificate, and most of the K-12 ladder.
        (*university, *chen, ethics, "2025-03-01T09:00:00Z"),
        (*university, *chen, python, "2025-05-01T09:00:00Z"),
        (*university, *chen, stats, "2025-09-01T09:00:00Z"),
        (*district, *chen, can_measure, "2026-01-15T09:00:00Z"),
        (*district, *chen, understand, "2026-02-15T09:00:00Z"),
    ];
    let _ = (can_test, exhibit);
    // Issued as an institution would issue them: each is settled at once,
    // so the pathways it completes are awarded.
    let mut issuers = Issuers::default();
    for (org, learner, achievement, date) in earned {
        let request = IssueRequest {
            achievement,
            recipient: Recipient { learner: Some(learner), email: None },
            awarded_at: Some(at(date)?),
            valid_until: None,
            evidence: Vec::new(),
            credits_earned: None,
        };
        issuing::issue_and_settle(conn, ctx, &mut issuers, &graph, org, request).map_err(|e| StoreError::Corrupt(format!("demo credential: {e}")))?;
    }
    Ok(())
}

/// The employer side: Chen worked at Acme Analytics (attested by Acme) and is
/// discoverable in talent search; Ben records a job Acme has not attested.
fn employment_and_talent(conn: &mut DbConn, ctx: &Context, orgs: &[OrgId], learners: &[UserId]) -> StoreResult<()> {
    use crate::store::employment::{self, EmploymentRecord};
    use crate::store::skills::{self, Discoverability};
    let [.., acme] = orgs else { return Ok(()) };
    let [_, ben, chen, ..] = learners else { return Ok(()) };
    let Some(recruiter) = users::list_members(conn, *acme, None, 1)?.into_iter().next() else { return Ok(()) };
    let job = |learner: UserId, title: &str, start: &str, end: Option<&str>| -> StoreResult<EmploymentRecord> {
        let employment = serde_json::from_value(serde_json::json!({
            "employer_name": "Acme Analytics", "employer_org": acme, "title": title, "start_date": start, "end_date": end,
            "skills": ["https://skills.example/statistics"]
        }))
        .map_err(|e| StoreError::Corrupt(format!("demo employment: {e}")))?;
        Ok(EmploymentRecord { id: cairn_domain::EmploymentRecordId::new(), learner, employment, attestation: None, created_at: ctx.now })
    };
    let chen_job = job(*chen, "Junior Data Analyst", "2025-09-01", None)?;
    employment::insert(conn, &chen_job)?;
    let recruiter_ctx = crate::services::Context { actor: recruiter.id, ..ctx.clone() };
    crate::services::employment::attest_record(conn, &recruiter_ctx, *acme, chen_job).map_err(|e| match e {
        crate::services::employment::EmploymentError::Store(e) => e,
        other => StoreError::Corrupt(format!("demo attestation: {other}")),
    })?;
    employment::insert(conn, &job(*ben, "Analytics Intern", "2024-06-01", Some("2024-08-31"))?)?;
    skills::set_discoverability(conn, *chen, &Discoverability::EverySkill)
}
