//! Signing in and out, registering, confirming the address. The same use
//! cases as `/v1/auth/*`: a page never checks a password or creates an
//! account by itself.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use cairn_domain::{DisplayName, Email, Role};
use serde::Deserialize;

use crate::auth::Password;
use crate::services::PublicContext;
use crate::services::accounts::{self, AccountError, NewPerson};
use crate::services::email_verification::{self, EmailVerificationError};
use crate::services::sessions::{self, SessionError};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::users::Account;
use crate::web::form::Form;
use crate::web::home::start_page;
use crate::web::page::{Chrome, PageError};
use crate::web::session::{SESSION_COOKIE, Visitor};

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignIn {
    chrome: Chrome,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path on this site: an open redirect would let a link sign a
/// person in and send them elsewhere.
fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\')).map(str::to_owned)
}

#[get("/sign-in")]
pub async fn sign_in_page(visitor: Visitor, query: web::Query<NextQuery>) -> Result<HttpResponse, PageError> {
    let next = local_path(query.next.as_deref()).unwrap_or_default();
    if let Some(session) = &visitor.signed_in {
        return Ok(visitor.redirect(if next.is_empty() { start_page(session.caller.role) } else { &next }));
    }
    visitor.render(&SignIn { chrome: visitor.chrome("Sign in"), email: String::new(), next, error: None })
}

#[derive(Deserialize)]
pub struct SignInFields {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

#[post("/sign-in")]
pub async fn sign_in(state: web::Data<AppState>, form: Form<SignInFields>) -> Result<HttpResponse, PageError> {
    let Form { visitor, fields } = form;
    let next = local_path(Some(&fields.next));
    let again = |error: &str, status: StatusCode| {
        let page = SignIn {
            chrome: visitor.chrome("Sign in"),
            email: fields.email.clone(),
            next: next.clone().unwrap_or_default(),
            error: Some(error.to_owned()),
        };
        visitor.render_with(status, &page)
    };
    let Ok(email) = Email::parse(&fields.email) else {
        return again("Enter the e-mail address of your account.", StatusCode::UNPROCESSABLE_ENTITY);
    };
    let account = match sessions::sign_in(&state, email, fields.password.clone()).await {
        Ok(account) => account,
        Err(SessionError::WrongCredentials) => return again("Wrong e-mail or password.", StatusCode::UNAUTHORIZED),
        Err(error) => return Err(error.into()),
    };
    let role = account.role;
    start_session(&state, &visitor, account, &next.unwrap_or_else(|| start_page(role).to_owned())).await
}

/// Opens a session and goes on to `location`.
async fn start_session(state: &AppState, visitor: &Visitor, account: Account, location: &str) -> Result<HttpResponse, PageError> {
    let opened = sessions::open(state, PublicContext::new(state), account).await?;
    let mut response = visitor.redirect(location);
    response.add_cookie(&visitor.session_cookie(opened.secret)).map_err(crate::http::problem::ApiError::internal)?;
    Ok(response)
}

#[derive(Deserialize)]
pub struct NoFields {}

#[post("/sign-out")]
pub async fn sign_out(state: web::Data<AppState>, req: actix_web::HttpRequest, form: Form<NoFields>) -> Result<HttpResponse, PageError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        sessions::close(&state, cookie.value().to_owned()).await?;
    }
    let mut response = form.visitor.redirect("/");
    response.add_cookie(&form.visitor.removal_cookie()).map_err(crate::http::problem::ApiError::internal)?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "register.html")]
struct Register {
    chrome: Chrome,
    name: String,
    email: String,
    error: Option<String>,
}

#[get("/register")]
pub async fn register_page(visitor: Visitor) -> Result<HttpResponse, PageError> {
    visitor.render(&Register { chrome: visitor.chrome("Create your wallet"), name: String::new(), email: String::new(), error: None })
}

#[derive(Deserialize)]
pub struct RegisterFields {
    name: String,
    email: String,
    password: String,
}

#[post("/register")]
pub async fn register(state: web::Data<AppState>, form: Form<RegisterFields>) -> Result<HttpResponse, PageError> {
    let Form { visitor, fields } = form;
    let again = |error: String, status: StatusCode| {
        let page =
            Register { chrome: visitor.chrome("Create your wallet"), name: fields.name.clone(), email: fields.email.clone(), error: Some(error) };
        visitor.render_with(status, &page)
    };
    let person = match (DisplayName::parse(&fields.name), Email::parse(&fields.email), Password::parse(fields.password.clone())) {
        (Ok(name), Ok(email), Ok(password)) => NewPerson { email, password, name },
        (Err(e), _, _) => return again(format!("Name: {e}."), StatusCode::UNPROCESSABLE_ENTITY),
        (_, Err(e), _) => return again(format!("E-mail: {e}."), StatusCode::UNPROCESSABLE_ENTITY),
        (_, _, Err(e)) => return again(format!("Password: {e}."), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let account = match accounts::register(&state, PublicContext::new(&state), person).await {
        Ok(account) => account,
        Err(AccountError::Store(StoreError::Conflict(_))) => {
            return again("An account with this e-mail already exists. Sign in instead.".into(), StatusCode::CONFLICT);
        }
        Err(error) => return Err(error.into()),
    };
    start_session(&state, &visitor, account, "/confirm-email").await
}

#[derive(Template)]
#[template(path = "confirm_email.html")]
struct Confirm {
    chrome: Chrome,
    error: Option<String>,
    /// How many waiting credentials moved into the wallet.
    claimed: Option<usize>,
    learner: bool,
}

#[get("/confirm-email")]
pub async fn confirm_page(visitor: Visitor) -> Result<HttpResponse, PageError> {
    let learner = visitor.signed_in.as_ref().is_some_and(|s| s.caller.role == Role::Learner);
    visitor.render(&Confirm { chrome: visitor.chrome("Confirm your e-mail"), error: None, claimed: None, learner })
}

#[derive(Deserialize)]
pub struct ConfirmFields {
    code: String,
}

#[post("/confirm-email")]
pub async fn confirm(state: web::Data<AppState>, form: Form<ConfirmFields>) -> Result<HttpResponse, PageError> {
    let Form { visitor, fields } = form;
    let learner = visitor.signed_in.as_ref().is_some_and(|s| s.caller.role == Role::Learner);
    match email_verification::confirm(&state.store, PublicContext::new(&state), &fields.code).await {
        Ok(confirmed) => {
            visitor.render(&Confirm { chrome: visitor.chrome("E-mail confirmed"), error: None, claimed: Some(confirmed.claimed.len()), learner })
        }
        Err(error @ (EmailVerificationError::UnknownCode | EmailVerificationError::ExpiredCode | EmailVerificationError::AlreadyConfirmed(_))) => {
            let page = Confirm {
                chrome: visitor.chrome("Confirm your e-mail"),
                error: Some(format!("{}.", capitalise(&error.to_string()))),
                claimed: None,
                learner,
            };
            visitor.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(error) => Err(error.into()),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
