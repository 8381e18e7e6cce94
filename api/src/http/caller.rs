//! Caller extractors. A handler's signature says who may call it: taking
//! `Admin` means only administrators, `Issuer` only staff of an institution,
//! and so on. A missing or bad token is 401; a valid token of the wrong role
//! is 403. Whether the caller may see a particular resource is the handler's
//! next check, and failing it gives 404 so that ids do not leak.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use cairn_domain::{OrgId, Role};

use crate::http::problem::ApiError;
use crate::state::AppState;

pub use crate::auth::Caller;

fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthenticated("send an `Authorization: Bearer <token>` header".into()))?;
    let token = header
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::Unauthenticated("the Authorization header must be `Bearer <token>`".into()))?;
    let claims = state.tokens.verify(token).map_err(|e| ApiError::Unauthenticated(e.to_string()))?;
    Ok(Caller { id: claims.sub, role: claims.role, org: claims.org })
}

fn require(req: &HttpRequest, role: Role) -> Result<Caller, ApiError> {
    let caller = authenticate(req)?;
    if caller.role == role { Ok(caller) } else { Err(ApiError::Forbidden(format!("this endpoint is for {role} accounts"))) }
}

/// Staff roles always carry their organisation (checked when the token was
/// verified); this turns that invariant into a value.
fn staff(req: &HttpRequest, role: Role) -> Result<(Caller, OrgId), ApiError> {
    let caller = require(req, role)?;
    let org = caller.org.ok_or_else(|| ApiError::Unauthenticated("staff token without an organisation".into()))?;
    Ok((caller, org))
}

macro_rules! extractor {
    ($name:ident, $body:expr) => {
        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;
            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let build: fn(&HttpRequest) -> Result<$name, ApiError> = $body;
                ready(build(req))
            }
        }
    };
}

/// Any authenticated account.
#[derive(Debug, Clone, Copy)]
pub struct AnyAccount(pub Caller);
extractor!(AnyAccount, |req| authenticate(req).map(AnyAccount));

/// An administrator.
#[derive(Debug, Clone, Copy)]
pub struct Admin(pub Caller);
extractor!(Admin, |req| require(req, Role::Admin).map(Admin));

/// A learner (wallet holder).
#[derive(Debug, Clone, Copy)]
pub struct Learner(pub Caller);
extractor!(Learner, |req| require(req, Role::Learner).map(Learner));

/// Staff of an institution, with the institution they act for.
#[derive(Debug, Clone, Copy)]
pub struct Issuer {
    pub caller: Caller,
    pub org: OrgId,
}
extractor!(Issuer, |req| staff(req, Role::Issuer).map(|(caller, org)| Issuer { caller, org }));

/// Staff of an employer organisation, with the organisation they act for.
#[derive(Debug, Clone, Copy)]
pub struct Employer {
    pub caller: Caller,
    pub org: OrgId,
}
extractor!(Employer, |req| staff(req, Role::Employer).map(|(caller, org)| Employer { caller, org }));

/// The caller when the request carries a token, None when it carries none
/// (public endpoints that note who looked). A bad token is still a 401.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAccount(pub Option<Caller>);
extractor!(MaybeAccount, |req| {
    if req.headers().contains_key(actix_web::http::header::AUTHORIZATION) {
        authenticate(req).map(|caller| MaybeAccount(Some(caller)))
    } else {
        Ok(MaybeAccount(None))
    }
});
