//! Access tokens: short-lived ES256 JWTs signed with the service's own key.
//! Verification pins the algorithm and checks `exp`, `aud`, `iss` and the
//! presence of every claim; anything else is a 401.

use cairn_domain::{OrgId, Role, UserId};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::signing::keys::SigningKey;
use crate::store::users::Account;

pub const AUDIENCE: &str = "cairn-api";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: UserId,
    pub role: Role,
    pub org: Option<OrgId>,
    pub iat: i64,
    pub exp: i64,
    pub aud: String,
    pub iss: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the access token is invalid or expired")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("the token's role and organisation do not agree")]
    Inconsistent,
    #[error("the access token was not signed with this service's current key")]
    UnknownKey,
    #[error("the access token is not valid yet")]
    NotYetValid,
}

pub struct AccessTokens {
    key: SigningKey,
    kid: String,
    issuer: String,
    lifetime_secs: i64,
    validation: Validation,
}

impl AccessTokens {
    /// Fifteen minutes: long enough for a session of API calls, short enough
    /// that a leaked token is soon useless.
    pub const LIFETIME_SECS: i64 = 15 * 60;

    pub fn new(key: SigningKey, issuer: String) -> Self {
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
        validation.leeway = 5;
        validation.validate_nbf = true;
        let kid = key.thumbprint();
        Self { key, kid, issuer, lifetime_secs: Self::LIFETIME_SECS, validation }
    }

    pub fn lifetime_secs(&self) -> i64 {
        self.lifetime_secs
    }

    pub fn issue(&self, account: &Account) -> Result<String, TokenError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: account.id,
            role: account.role,
            org: account.org,
            iat: now,
            exp: now + self.lifetime_secs,
            aud: AUDIENCE.to_owned(),
            iss: self.issuer.clone(),
        };
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, self.key.encoding_key())?)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        // The kid is pinned as well as the algorithm: a token naming another
        // key was not issued by this key, whatever its signature says.
        let header = jsonwebtoken::decode_header(token)?;
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(TokenError::UnknownKey);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, self.key.decoding_key(), &self.validation)?.claims;
        // jsonwebtoken checks `nbf` (validate_nbf) but never `iat`; a token
        // issued in the future was not issued by us.
        if claims.iat > chrono::Utc::now().timestamp() + self.validation.leeway as i64 {
            return Err(TokenError::NotYetValid);
        }
        // Staff tokens name their organisation, others none (as in the database).
        if claims.role.org_kind().is_some() != claims.org.is_some() {
            return Err(TokenError::Inconsistent);
        }
        Ok(claims)
    }
}
