//! Who is looking at a page: the session cookie, found in the database on
//! each request (nodes keep no session state), and the page extractors that
//! say who may open a page. Signed out, a page that needs an account
//! redirects to sign-in; signed in with the wrong role, it is a 403 page,
//! as the API's 403. Whether the person may see a particular resource is
//! the use case's decision, and failing it is a 404 page.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder, dev::Payload, web};
use askama::Template;
use cairn_domain::{OrgId, Role};

use crate::auth::Caller;
use crate::http::problem::ApiError;
use crate::services::sessions::{self, SignedIn};
use crate::signing;
use crate::state::AppState;
use crate::web::page::{Chrome, NavLink, PageError, html};

/// The session cookie: a random secret whose hash names the session.
pub const SESSION_COOKIE: &str = "cairn_session";
/// Signed out, forms (sign-in, register, the verifier) carry this cookie's
/// value back (double submit), so another site cannot post them.
pub const CSRF_COOKIE: &str = "cairn_csrf";

/// Whoever opened the page, signed in or not.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub signed_in: Option<SignedIn>,
    /// The token this visitor's forms carry: the session's, or the
    /// signed-out cookie's.
    pub csrf: String,
    /// The signed-out token is new, so the response sets its cookie.
    new_csrf_cookie: bool,
    /// Cookies are `Secure` when the public URL is https.
    secure: bool,
    /// The path and query of this page (where sign-in returns to).
    pub here: String,
}

impl Visitor {
    /// The visitor of this request, looked up once and kept in the
    /// request's extensions for the other extractors.
    pub async fn of(req: &HttpRequest) -> Result<Visitor, PageError> {
        if let Some(visitor) = req.extensions().get::<Visitor>() {
            return Ok(visitor.clone());
        }
        let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
        let signed_in = match req.cookie(SESSION_COOKIE) {
            Some(cookie) if !cookie.value().is_empty() => sessions::find(state, crate::store::time::now(), cookie.value().to_owned()).await?,
            _ => None,
        };
        let (csrf, new_csrf_cookie) = match (&signed_in, req.cookie(CSRF_COOKIE)) {
            (Some(session), _) => (session.csrf_token.clone(), false),
            (None, Some(cookie)) if cookie.value().len() >= 32 => (cookie.value().to_owned(), false),
            (None, _) => (signing::random_secret().map_err(ApiError::internal)?, true),
        };
        let here = req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned());
        let visitor = Visitor { signed_in, csrf, new_csrf_cookie, secure: state.public_url.starts_with("https://"), here };
        req.extensions_mut().insert(visitor.clone());
        Ok(visitor)
    }

    /// The signed-in caller, or a redirect to sign-in.
    pub fn caller(&self) -> Result<Caller, PageError> {
        self.signed_in.as_ref().map(|s| s.caller).ok_or_else(|| PageError::SignInFirst { next: self.here.clone() })
    }

    /// The layout's data for a page titled `title`.
    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        let path = self.here.split('?').next().unwrap_or_default();
        let links = nav_for(self.signed_in.as_ref().map(|s| s.caller.role));
        let under = |href: &str| path == href || path.starts_with(&format!("{href}/"));
        // The most specific entry is the current one (`/institution/pathways`, not also `/institution`).
        let longest = links.iter().filter(|(href, _)| under(href)).map(|(href, _)| href.len()).max();
        let nav = links.iter().map(|&(href, label)| NavLink { href, label, current: under(href) && Some(href.len()) == longest }).collect();
        Chrome { title: title.into(), person: self.signed_in.as_ref().map(|s| s.name.clone()), nav, csrf: self.csrf.clone() }
    }

    /// Sets the signed-out CSRF cookie when this response introduces it.
    pub(super) fn set_cookies(&self, builder: &mut HttpResponseBuilder) {
        if self.new_csrf_cookie {
            builder.cookie(cookie(CSRF_COOKIE, self.csrf.clone(), self.secure, None));
        }
    }

    /// The cookie that opens a session just created.
    pub fn session_cookie(&self, secret: String) -> Cookie<'static> {
        cookie(SESSION_COOKIE, secret, self.secure, Some(CookieDuration::seconds(sessions::LIFETIME.num_seconds())))
    }

    /// A short-lived cookie for the pages under `path` only, carrying
    /// something to the page a form redirects to (a new share link, which
    /// the store keeps only hashed).
    pub fn flash_cookie(&self, name: &'static str, value: String, path: &'static str, max_age: CookieDuration) -> Cookie<'static> {
        let mut flash = cookie(name, value, self.secure, Some(max_age));
        flash.set_path(path);
        flash.set_same_site(SameSite::Strict);
        flash
    }

    /// The cookie that removes a flash cookie once it was read.
    pub fn flash_removal(&self, name: &'static str, path: &'static str) -> Cookie<'static> {
        let mut removal = cookie(name, String::new(), self.secure, None);
        removal.set_path(path);
        removal.make_removal();
        removal
    }

    /// The cookie that removes the session cookie (sign-out).
    pub fn removal_cookie(&self) -> Cookie<'static> {
        let mut removal = cookie(SESSION_COOKIE, String::new(), self.secure, None);
        removal.make_removal();
        removal
    }
}

fn cookie(name: &'static str, value: String, secure: bool, max_age: Option<CookieDuration>) -> Cookie<'static> {
    let mut builder = Cookie::build(name, value).path("/").http_only(true).same_site(SameSite::Lax).secure(secure);
    if let Some(max_age) = max_age {
        builder = builder.max_age(max_age);
    }
    builder.finish()
}

/// The navigation of each role; signed out, the public pages.
fn nav_for(role: Option<Role>) -> &'static [(&'static str, &'static str)] {
    match role {
        Some(Role::Learner) => &[
            ("/wallet", "Wallet"),
            ("/progress", "Progress"),
            ("/shares", "Sharing"),
            ("/activity", "Activity"),
            ("/settings", "Settings"),
            ("/verify", "Verify"),
        ],
        Some(Role::Employer) => &[("/talent", "Talent"), ("/talent/requests", "Requests"), ("/webhooks", "Webhooks"), ("/verify", "Verify")],
        // The institution console (issue 17): the org is the issuer's own, from the session.
        Some(Role::Issuer) => &[
            ("/institution", "Overview"),
            ("/institution/catalog", "Catalog"),
            ("/institution/issue", "Issue"),
            ("/institution/credentials", "Issued"),
            ("/institution/pathways", "Pathways"),
            ("/institution/reviews", "Reviews"),
            ("/webhooks", "Webhooks"),
            ("/institution/audit", "Audit log"),
            ("/verify", "Verify"),
        ],
        Some(Role::Admin) => &[("/verify", "Verify"), ("/docs/", "API")],
        None => &[("/verify", "Verify"), ("/sign-in", "Sign in"), ("/register", "Register")],
    }
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, PageError>>>>;

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = Extracted<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Visitor::of(&req).await })
    }
}

/// A page for one role: the visitor and the signed-in caller.
async fn with_role(req: HttpRequest, role: Role) -> Result<(Visitor, Caller), PageError> {
    let visitor = Visitor::of(&req).await?;
    let caller = visitor.caller()?;
    if caller.role == role { Ok((visitor, caller)) } else { Err(ApiError::Forbidden(format!("this page is for {role} accounts")).into()) }
}

/// Staff roles always carry their organisation.
fn org_of(caller: &Caller) -> Result<OrgId, PageError> {
    caller.org.ok_or_else(|| ApiError::Unauthenticated("staff account without an organisation".into()).into())
}

macro_rules! page_for {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            pub visitor: Visitor,
            pub caller: Caller,
        }
        impl FromRequest for $name {
            type Error = PageError;
            type Future = Extracted<Self>;
            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move { with_role(req, $role).await.map(|(visitor, caller)| $name { visitor, caller }) })
            }
        }
    };
}

macro_rules! staff_page_for {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            pub visitor: Visitor,
            pub caller: Caller,
            pub org: OrgId,
        }
        impl FromRequest for $name {
            type Error = PageError;
            type Future = Extracted<Self>;
            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move {
                    let (visitor, caller) = with_role(req, $role).await?;
                    Ok($name { org: org_of(&caller)?, visitor, caller })
                })
            }
        }
    };
}

page_for!(
    /// A learner's page (wallet, progress, sharing).
    LearnerPage,
    Role::Learner
);
page_for!(
    /// An administrator's page.
    AdminPage,
    Role::Admin
);
staff_page_for!(
    /// A page for staff of an institution.
    IssuerPage,
    Role::Issuer
);
staff_page_for!(
    /// A page for staff of an employer.
    EmployerPage,
    Role::Employer
);

/// Any signed-in person's page.
#[derive(Debug, Clone)]
pub struct SignedInPage {
    pub visitor: Visitor,
    pub caller: Caller,
}

impl FromRequest for SignedInPage {
    type Error = PageError;
    type Future = Extracted<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let visitor = Visitor::of(&req).await?;
            let caller = visitor.caller()?;
            Ok(SignedInPage { visitor, caller })
        })
    }
}

impl Visitor {
    /// A page with status 200.
    pub fn render(&self, page: &impl Template) -> Result<HttpResponse, PageError> {
        self.render_with(StatusCode::OK, page)
    }

    /// A page with another status (a form shown again with its errors is 422).
    pub fn render_with(&self, status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
        let mut builder = HttpResponse::build(status);
        self.set_cookies(&mut builder);
        Ok(html(builder, page))
    }

    /// 303 to `location` (after a form was handled).
    pub fn redirect(&self, location: &str) -> HttpResponse {
        let mut builder = HttpResponse::SeeOther();
        self.set_cookies(&mut builder);
        builder.insert_header((header::LOCATION, location.to_owned())).finish()
    }
}
