//! Semantic 1: which credentials count at an instant.

use chrono::{DateTime, Utc};

use crate::input::CredentialFact;

/// How strictly credentials are filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Eligibility {
    /// DESIGN.md semantic 1: awarded at or before `at`, not revoked or
    /// suspended at `at`, not expired (`at < valid_until`), verified.
    #[default]
    Strict,
    /// For re-checking an award that was already issued (semantic 9): only
    /// revocation (and verification) removes a constituent. Expiry never
    /// revokes an award, and a suspension is temporary, so neither counts here.
    AwardRetention,
    /// For the status an issued award should have now (semantic 9): as
    /// `Strict`, but expiry never takes an award already issued, so an
    /// expired credential still counts; suspension and revocation do not.
    InForce,
}

pub fn is_eligible(fact: &CredentialFact, at: DateTime<Utc>, mode: Eligibility) -> bool {
    if !fact.verified || fact.awarded_at > at {
        return false;
    }
    if fact.revoked_at.is_some_and(|r| r <= at) {
        return false;
    }
    if mode == Eligibility::AwardRetention {
        return true;
    }
    if mode == Eligibility::Strict && fact.valid_until.is_some_and(|until| at >= until) {
        return false;
    }
    let suspended = fact.suspensions.iter().any(|(from, until)| *from <= at && until.is_none_or(|u| at < u));
    !suspended
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_domain::{AchievementId, CredentialId};
    use chrono::TimeZone;

    fn t(y: i32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn each_condition_of_semantic_1() {
        let base = CredentialFact::earned(CredentialId::new(), AchievementId::new(), t(2020));
        assert!(is_eligible(&base, t(2020), Eligibility::Strict));
        assert!(!is_eligible(&base, t(2019), Eligibility::Strict));
        let expired = CredentialFact { valid_until: Some(t(2022)), ..base.clone() };
        assert!(is_eligible(&expired, t(2021), Eligibility::Strict));
        assert!(!is_eligible(&expired, t(2022), Eligibility::Strict));
        assert!(is_eligible(&expired, t(2023), Eligibility::AwardRetention));
        assert!(is_eligible(&expired, t(2023), Eligibility::InForce));
        let revoked = CredentialFact { revoked_at: Some(t(2022)), ..base.clone() };
        assert!(is_eligible(&revoked, t(2021), Eligibility::Strict));
        assert!(!is_eligible(&revoked, t(2022), Eligibility::AwardRetention));
        let suspended = CredentialFact { suspensions: vec![(t(2021), Some(t(2022))), (t(2024), None)], ..base.clone() };
        assert!(!is_eligible(&suspended, t(2021), Eligibility::Strict));
        assert!(is_eligible(&suspended, t(2023), Eligibility::Strict));
        assert!(!is_eligible(&suspended, t(2030), Eligibility::Strict));
        assert!(is_eligible(&suspended, t(2030), Eligibility::AwardRetention));
        assert!(!is_eligible(&suspended, t(2030), Eligibility::InForce));
        assert!(is_eligible(&suspended, t(2023), Eligibility::InForce));
        assert!(!is_eligible(&revoked, t(2022), Eligibility::InForce));
        let unverified = CredentialFact { verified: false, ..base };
        assert!(!is_eligible(&unverified, t(2021), Eligibility::Strict));
    }
}
