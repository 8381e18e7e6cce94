//! E-mail to learners about what happened to their credentials: the
//! consumer of published events that writes the outbox (`store::mail_outbox`),
//! in the transaction of the change, one message per event and address;
//! `services::outbox` delivers them. And the learner's choice of which
//! kinds they want (`GET`/`PUT /v1/me/notifications`, the settings page).
//!
//! Messages go to a learner's address only once it is confirmed; a
//! credential issued to an address without an account mails that address
//! its claim link. Security messages (address confirmation) are not sent
//! from here and cannot be turned off.

use std::collections::{BTreeSet, HashMap};

use cairn_domain::AchievementId;

use crate::mail::message::{Notice, NoticeAction};
use crate::services::Context;
use crate::services::events::kinds::{Event, EventKind};
use crate::store::credentials::CredentialStatus;
use crate::store::mail_outbox::{self, NewMail};
use crate::store::mail_recipients::{self, Addressee, CredentialTarget};
use crate::store::notification_prefs::{self, Preferences};
use crate::store::{DbConn, Store, StoreError, StoreResult, achievements};

/// The kinds a learner can turn off, as the outbox and the API name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Issued,
    Award,
    Status,
    ShareRequest,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Issued => "issued",
            NoticeKind::Award => "award",
            NoticeKind::Status => "status",
            NoticeKind::ShareRequest => "share_request",
        }
    }

    fn wanted(self, prefs: &Preferences) -> bool {
        match self {
            NoticeKind::Issued => prefs.issued,
            NoticeKind::Award => prefs.awards,
            NoticeKind::Status => prefs.status_changes,
            NoticeKind::ShareRequest => prefs.share_requests,
        }
    }
}

/// The link in a claim mail: the wallet's claim form, filled in. Signed
/// out, the wallet sends the person to sign in and back here.
pub fn claim_link(public_url: &str, code: &str) -> String {
    let mut url = format!("{public_url}/wallet?claim=");
    url.extend(url::form_urlencoded::byte_serialize(code.as_bytes()));
    url
}

/// Everything a batch of events needs from the store, loaded in a few
/// queries for the whole batch.
struct Loaded {
    credentials: HashMap<String, CredentialTarget>,
    accounts: HashMap<String, Addressee>,
    prefs: HashMap<String, Preferences>,
    achievements: HashMap<String, achievements::Achievement>,
    orgs: HashMap<String, String>,
    requests: HashMap<String, String>,
}

fn load(conn: &mut DbConn, events: &[Event]) -> StoreResult<Loaded> {
    let mut credential_ids = BTreeSet::new();
    let mut request_ids = BTreeSet::new();
    let mut account_ids = BTreeSet::new();
    let mut org_ids = BTreeSet::new();
    for event in events {
        match &event.kind {
            EventKind::CredentialIssued { credential, .. } | EventKind::CredentialStatusChanged { credential, .. } => {
                credential_ids.insert(credential.to_string());
            }
            EventKind::AwardEarned { credential, learner, .. } => {
                credential_ids.insert(credential.to_string());
                account_ids.insert(learner.to_string());
            }
            EventKind::ShareRequested { request, learner } => {
                request_ids.insert(request.to_string());
                account_ids.insert(learner.to_string());
                org_ids.insert(event.org.to_string());
            }
            EventKind::CredentialClaimed { .. } | EventKind::ReviewQueued { .. } | EventKind::ShareRequestGranted { .. } => {}
        }
    }
    let ids: Vec<String> = credential_ids.into_iter().collect();
    let credentials = mail_recipients::credentials(conn, &ids)?;
    let mut achievement_ids = BTreeSet::new();
    for target in credentials.values() {
        account_ids.extend(target.learner.clone());
        org_ids.insert(target.org.clone());
        achievement_ids.insert(target.achievement.clone());
    }
    let account_ids: Vec<String> = account_ids.into_iter().collect();
    let accounts = mail_recipients::accounts(conn, &account_ids)?;
    let prefs = notification_prefs::find_many(conn, &account_ids)?;
    let achievement_ids: Vec<AchievementId> = achievement_ids.iter().filter_map(|id| id.parse().ok()).collect();
    let mut found = HashMap::new();
    for chunk in achievement_ids.chunks(500) {
        found.extend(achievements::find_many(conn, chunk)?.into_iter().map(|a| (a.id.to_string(), a)));
    }
    let orgs = mail_recipients::org_names(conn, &org_ids.into_iter().collect::<Vec<_>>())?;
    let requests = mail_recipients::share_request_messages(conn, &request_ids.into_iter().collect::<Vec<_>>())?;
    Ok(Loaded { credentials, accounts, prefs, achievements: found, orgs, requests })
}

/// One message to write: to whom, of which kind, saying what.
struct Outgoing {
    email: String,
    account: Option<String>,
    kind: NoticeKind,
    notice: Notice,
}

/// Writes, in the caller's transaction, the mail `events` call for: one
/// outbox row per message, none for a kind its learner turned off.
pub fn on_events(conn: &mut DbConn, ctx: &Context, events: &[Event]) -> StoreResult<()> {
    if !events.iter().any(|e| mails_about(&e.kind)) {
        return Ok(());
    }
    let loaded = load(conn, events)?;
    let mut mails = Vec::new();
    for event in events {
        let Some(out) = compose(ctx, &loaded, event) else { continue };
        let wanted = out.account.as_ref().and_then(|a| loaded.prefs.get(a)).is_none_or(|prefs| out.kind.wanted(prefs));
        if !wanted {
            continue;
        }
        let body = serde_json::to_vec(&out.notice).map_err(|e| StoreError::Corrupt(format!("a mail's body: {e}")))?;
        let sealed_body = ctx.master.seal(&body).map_err(|e| StoreError::Corrupt(format!("sealing a mail: {e}")))?;
        mails.push(NewMail {
            event: event.id,
            kind: out.kind.as_str(),
            recipient_email: out.email,
            recipient: out.account,
            subject: out.notice.subject.clone(),
            sealed_body,
        });
    }
    mail_outbox::insert_many(conn, &mails, ctx.now)
}

fn mails_about(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::CredentialIssued { .. }
            | EventKind::CredentialStatusChanged { .. }
            | EventKind::AwardEarned { .. }
            | EventKind::ShareRequested { .. }
    )
}

const FOOTER: &str = "You get this mail because of your Cairn wallet. Choose which mail you get under Settings in your wallet.";
const CLAIM_FOOTER: &str = "You get this mail because an institution issued a credential to this address through Cairn.";

fn compose(ctx: &Context, loaded: &Loaded, event: &Event) -> Option<Outgoing> {
    let url = &ctx.public_url;
    match &event.kind {
        EventKind::CredentialIssued { credential, claim_code } => {
            let target = loaded.credentials.get(&credential.to_string())?;
            let achievement = loaded.achievements.get(&target.achievement)?;
            let name = achievement.definition.name.as_str();
            let org = loaded.orgs.get(&target.org).map_or("An institution", String::as_str);
            let quote = achievement.definition.issuing_message.as_ref().map(|m| m.as_str().to_owned());
            match (claim_code, &target.learner) {
                (Some(code), None) => Some(Outgoing {
                    email: target.recipient_email.clone()?,
                    account: None,
                    kind: NoticeKind::Issued,
                    notice: Notice {
                        subject: format!("{org} issued you {name}"),
                        greeting: "Hello,".into(),
                        paragraphs: vec![
                            format!("{org} issued the credential \u{201c}{name}\u{201d} to this address."),
                            "To keep it in your Cairn wallet, open the link below and sign in (or create a wallet with this address: \
                             once you confirm the address, the credential moves in by itself), then press Claim."
                                .into(),
                            format!("Your claim code, should you need it: {code}"),
                        ],
                        quote,
                        action: Some(NoticeAction { label: "Claim your credential".into(), url: claim_link(url, code) }),
                        footer: CLAIM_FOOTER.into(),
                    },
                }),
                (_, Some(learner)) => {
                    let to = confirmed(loaded, learner)?;
                    Some(Outgoing {
                        email: to.email.clone(),
                        account: Some(learner.clone()),
                        kind: NoticeKind::Issued,
                        notice: Notice {
                            subject: format!("You earned {name}"),
                            greeting: format!("Hello {},", to.name),
                            paragraphs: vec![format!("{org} issued you the credential \u{201c}{name}\u{201d}. It is in your wallet.")],
                            quote,
                            action: Some(NoticeAction {
                                label: "See it in your wallet".into(),
                                url: format!("{url}/wallet/credentials/{credential}"),
                            }),
                            footer: FOOTER.into(),
                        },
                    })
                }
                (None, None) => None,
            }
        }
        EventKind::AwardEarned { credential, learner, .. } => {
            let target = loaded.credentials.get(&credential.to_string())?;
            let achievement = loaded.achievements.get(&target.achievement)?;
            let name = achievement.definition.name.as_str();
            let org = loaded.orgs.get(&target.org).map_or("An institution", String::as_str);
            let learner = learner.to_string();
            let to = confirmed(loaded, &learner)?;
            Some(Outgoing {
                email: to.email.clone(),
                account: Some(learner),
                kind: NoticeKind::Award,
                notice: Notice {
                    subject: format!("You earned the award {name}"),
                    greeting: format!("Hello {},", to.name),
                    paragraphs: vec![format!(
                        "Your credentials add up: {org} awarded you \u{201c}{name}\u{201d}. It is in your wallet, with the credentials it stands on."
                    )],
                    quote: achievement.definition.issuing_message.as_ref().map(|m| m.as_str().to_owned()),
                    action: Some(NoticeAction { label: "See your award".into(), url: format!("{url}/wallet/credentials/{credential}") }),
                    footer: FOOTER.into(),
                },
            })
        }
        EventKind::CredentialStatusChanged { credential, status, reason } => {
            let target = loaded.credentials.get(&credential.to_string())?;
            let name = loaded.achievements.get(&target.achievement).map_or("a credential", |a| a.definition.name.as_str());
            let org = loaded.orgs.get(&target.org).map_or("The institution", String::as_str);
            let (verb, subject, after) = match status {
                CredentialStatus::Suspended => ("suspended", format!("{name} was suspended"), "It does not verify until it is reinstated."),
                CredentialStatus::Revoked => ("revoked", format!("{name} was revoked"), "It no longer verifies."),
                CredentialStatus::Active => ("reinstated", format!("{name} was reinstated"), "It verifies again."),
            };
            let mut paragraphs = vec![format!("{org} {verb} your credential \u{201c}{name}\u{201d}. {after}")];
            if !reason.trim().is_empty() {
                paragraphs.push(format!("The reason given: {}", reason.trim()));
            }
            match &target.learner {
                Some(learner) => {
                    let to = confirmed(loaded, learner)?;
                    Some(Outgoing {
                        email: to.email.clone(),
                        account: Some(learner.clone()),
                        kind: NoticeKind::Status,
                        notice: Notice {
                            subject,
                            greeting: format!("Hello {},", to.name),
                            paragraphs,
                            quote: None,
                            action: Some(NoticeAction {
                                label: "See it in your wallet".into(),
                                url: format!("{url}/wallet/credentials/{credential}"),
                            }),
                            footer: FOOTER.into(),
                        },
                    })
                }
                // Not claimed yet: the address it waits at was told of it.
                None => Some(Outgoing {
                    email: target.recipient_email.clone()?,
                    account: None,
                    kind: NoticeKind::Status,
                    notice: Notice { subject, greeting: "Hello,".into(), paragraphs, quote: None, action: None, footer: CLAIM_FOOTER.into() },
                }),
            }
        }
        EventKind::ShareRequested { request, learner } => {
            let learner = learner.to_string();
            let to = confirmed(loaded, &learner)?;
            let employer = loaded.orgs.get(&event.org.to_string()).map_or("An employer", String::as_str);
            let mut paragraphs = vec![format!(
                "{employer} asks you to share your verified credentials with them. You decide: grant the request with a share link, or decline it."
            )];
            let message = loaded.requests.get(&request.to_string()).map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
            if message.is_some() {
                paragraphs.push("Their message:".into());
            }
            Some(Outgoing {
                email: to.email.clone(),
                account: Some(learner),
                kind: NoticeKind::ShareRequest,
                notice: Notice {
                    subject: format!("{employer} asks for a share of your record"),
                    greeting: format!("Hello {},", to.name),
                    paragraphs,
                    quote: message,
                    action: Some(NoticeAction { label: "Answer the request".into(), url: format!("{url}/shares?request={request}") }),
                    footer: FOOTER.into(),
                },
            })
        }
        EventKind::CredentialClaimed { .. } | EventKind::ReviewQueued { .. } | EventKind::ShareRequestGranted { .. } => None,
    }
}

/// The account, when its address is confirmed (only then is it theirs).
fn confirmed<'a>(loaded: &'a Loaded, account: &str) -> Option<&'a Addressee> {
    loaded.accounts.get(account).filter(|a| a.confirmed)
}

/// The caller's (a learner's) choice of mail.
pub async fn preferences(store: &Store, ctx: Context) -> StoreResult<Preferences> {
    store.read(move |conn| notification_prefs::find(conn, ctx.actor)).await
}

/// Replaces the caller's choice; it applies to mail about what happens
/// from now on (mail already queued is sent).
pub async fn set_preferences(store: &Store, ctx: Context, chosen: Preferences) -> StoreResult<Preferences> {
    store
        .write(move |conn| {
            notification_prefs::set(conn, ctx.actor, chosen, ctx.now)?;
            Ok(chosen)
        })
        .await
}

#[cfg(test)]
mod tests {
    use crate::services::notifications::claim_link;

    #[test]
    fn the_claim_link_fills_in_the_wallet_form() {
        assert_eq!(claim_link("https://cairn.test", "ab_C-1"), "https://cairn.test/wallet?claim=ab_C-1");
        assert_eq!(claim_link("https://cairn.test", "a+b/c"), "https://cairn.test/wallet?claim=a%2Bb%2Fc");
    }
}
