//! Tenant errors as sentences an admin understands, with what the service said kept alongside.
//!
//! A failure is classified into a [`FailureKind`]; its sentence comes from a [`FailureTexts`]
//! (the app's text catalogue holds one per language). The stored message is the English one
//! ([`FAILURES_EN`]: audit files, exports and support cases stay in one language); the kind and
//! the service's words are stored alongside, so screens compose it in the admin's language with
//! [`FailureTexts::render`].

use crate::domain::journal::{Failure, FailureKind, Service};
use crate::domain::template::fill;
use crate::tenant::{TenantError, TransportError};

/// A failure's sentence per kind, in one language. `{service}` is "Microsoft Graph" or
/// "Exchange Online". The English ones ([`FAILURES_EN`]) are also what journals and exports
/// keep: change them only together with a way to read the old ones.
#[derive(Debug)]
pub struct FailureTexts {
    pub not_found: &'static str,
    pub already_member: &'static str,
    pub not_member: &'static str,
    pub already_exists: &'static str,
    pub ambiguous: &'static str,
    pub mail_enabled_group: &'static str,
    pub forbidden: &'static str,
    pub unknown_command: &'static str,
    pub throttled: &'static str,
    pub unavailable: &'static str,
    pub connection_lost: &'static str,
    pub sign_in_again: &'static str,
    pub refused: &'static str,
    pub unexpected: &'static str,
    /// Appended to the sentence: what the service said, verbatim. `{said}` comes last.
    pub service_said: &'static str,
    /// Appended to an unexpected failure's sentence: the technical detail. `{detail}` comes last.
    pub detail: &'static str,
}

/// The English sentences: what [`failure`] stores.
pub static FAILURES_EN: FailureTexts = FailureTexts {
    not_found: "The object couldn't be found: it may have been deleted, or isn't visible yet.",
    already_member: "Already a member of the group: nothing to change.",
    not_member: "Not a member of the group (any more): nothing to remove.",
    already_exists: "The name or address is already used by another recipient.",
    ambiguous: "More than one object matches; choose it by its address.",
    mail_enabled_group: "This group's members can only be changed through Exchange.",
    forbidden: "You aren't allowed to do this: your account lacks a permission or an admin role.",
    unknown_command: "Exchange refused the command: your admin role doesn't include it.",
    throttled: "{service} kept asking to slow down; try the failed rows again in a few minutes.",
    unavailable: "{service} was unavailable; try the failed rows again in a few minutes.",
    connection_lost: "No answer from {service} (the connection was lost). It may or may not have happened; retrying the failed rows checks first.",
    sign_in_again: "Your sign-in has expired or was refused: sign in again, then try again.",
    refused: "{service} couldn't carry out the request.",
    unexpected: "The request to {service} failed in an unexpected way.",
    service_said: "The service said: {said}",
    detail: "Detail: {detail}",
};

impl FailureTexts {
    /// `(field name, text)` for every text, for the catalogue's tests.
    pub fn entries(&self) -> [(&'static str, &'static str); 16] {
        [
            ("not_found", self.not_found),
            ("already_member", self.already_member),
            ("not_member", self.not_member),
            ("already_exists", self.already_exists),
            ("ambiguous", self.ambiguous),
            ("mail_enabled_group", self.mail_enabled_group),
            ("forbidden", self.forbidden),
            ("unknown_command", self.unknown_command),
            ("throttled", self.throttled),
            ("unavailable", self.unavailable),
            ("connection_lost", self.connection_lost),
            ("sign_in_again", self.sign_in_again),
            ("refused", self.refused),
            ("unexpected", self.unexpected),
            ("service_said", self.service_said),
            ("detail", self.detail),
        ]
    }

    /// The sentence for a kind of failure at `service`, without what the service said.
    pub fn sentence(&self, kind: FailureKind, service: Service) -> String {
        let template = match kind {
            FailureKind::NotFound => self.not_found,
            FailureKind::AlreadyMember => self.already_member,
            FailureKind::NotMember => self.not_member,
            FailureKind::AlreadyExists => self.already_exists,
            FailureKind::Ambiguous => self.ambiguous,
            FailureKind::CannotUpdateMailEnabledGroup => self.mail_enabled_group,
            FailureKind::Forbidden => self.forbidden,
            FailureKind::UnknownCommand => self.unknown_command,
            FailureKind::Throttled => self.throttled,
            FailureKind::Unavailable => self.unavailable,
            FailureKind::ConnectionLost => self.connection_lost,
            FailureKind::SignInAgain => self.sign_in_again,
            FailureKind::Other => self.refused,
            FailureKind::Unexpected => self.unexpected,
        };
        fill(template, &[("service", service.name())])
    }

    /// A failure's sentence in this language, with what the service said appended verbatim.
    pub fn compose(&self, kind: FailureKind, service: Service, said: Option<&str>) -> String {
        let sentence = self.sentence(kind, service);
        match said.map(str::trim).filter(|s| !s.is_empty()) {
            None => sentence,
            Some(said) => {
                let (template, name) = match kind {
                    FailureKind::Unexpected => (self.detail, "detail"),
                    _ => (self.service_said, "said"),
                };
                format!("{sentence} {}", fill(template, &[(name, said)]))
            }
        }
    }

    /// A failure in this language. A message without a kind (another screen's own words, an
    /// older journal) is shown as it was stored.
    pub fn render(&self, f: &Failure) -> String {
        match failure_parts(f) {
            Some(parts) => self.compose(parts.kind, f.service, parts.said),
            None => f.message.clone(),
        }
    }
}

/// What a failure's sentence is composed of, as [`failure`] stored it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureParts<'a> {
    pub kind: FailureKind,
    /// What the service said (for [`FailureKind::Unexpected`]: the technical detail).
    pub said: Option<&'a str>,
}

/// The kind and what the service said, as [`failure`] stored them; `None` for a message
/// composed elsewhere (or stored before kinds existed).
pub fn failure_parts(f: &Failure) -> Option<FailureParts<'_>> {
    f.kind.map(|kind| FailureParts {
        kind,
        said: f.said.as_deref(),
    })
}

/// The last part of an exception type (`…MemberAlreadyExistsException`).
fn short_type(t: &str) -> &str {
    t.rsplit('.').next().unwrap_or(t)
}

/// The kind of failure, which decides the admin's sentence.
pub fn kind(e: &TenantError) -> FailureKind {
    // Exhaustive on purpose: a new error variant has to be given its sentence here.
    match e {
        TenantError::NotFound(_) => FailureKind::NotFound,
        TenantError::AlreadyMember(_) => FailureKind::AlreadyMember,
        TenantError::NotMember(_) => FailureKind::NotMember,
        TenantError::AlreadyExists(_) => FailureKind::AlreadyExists,
        TenantError::Ambiguous(_) => FailureKind::Ambiguous,
        TenantError::CannotUpdateMailEnabledGroup(_) => FailureKind::CannotUpdateMailEnabledGroup,
        TenantError::Forbidden(_) => FailureKind::Forbidden,
        TenantError::UnknownCommand(_) => FailureKind::UnknownCommand,
        TenantError::Throttled { .. } => FailureKind::Throttled,
        TenantError::Unavailable { .. } => FailureKind::Unavailable,
        // The clients refresh the token once after a 401; a 401 that still reaches here means
        // the admin's sign-in is no longer accepted.
        TenantError::Unauthorized(_) | TenantError::SignInAgain(_) => FailureKind::SignInAgain,
        TenantError::Transport(TransportError::Network(_)) => FailureKind::ConnectionLost,
        TenantError::UnsupportedQuery(_) | TenantError::Other(_) => FailureKind::Other,
        TenantError::Transport(TransportError::Aborted | TransportError::Invalid(_))
        | TenantError::Auth(_)
        | TenantError::Decode { .. }
        | TenantError::InvalidRequest(_) => FailureKind::Unexpected,
    }
}

/// What is appended to the sentence: the service's own words, verbatim; for an unexpected
/// failure, the technical detail (there are no words from the service to quote).
fn said(e: &TenantError, kind: FailureKind) -> Option<String> {
    match (e, kind) {
        (TenantError::SignInAgain(why), _) => Some(why.clone()),
        (_, FailureKind::Unexpected) => Some(e.to_string()),
        _ => e.detail().map(|d| d.message.clone()),
    }
}

/// A failure in words an admin understands (English, as stored), with what the service said kept
/// alongside.
pub fn failure(service: Service, e: &TenantError) -> Failure {
    let detail = e.detail();
    let kind = kind(e);
    let said = said(e, kind);
    Failure {
        service,
        status: detail.map(|d| d.status),
        code: detail.and_then(|d| {
            d.exception_type
                .as_deref()
                .map(|t| short_type(t).to_owned())
                .or_else(|| (!d.code.is_empty()).then(|| d.code.clone()))
        }),
        message: FAILURES_EN.compose(kind, service, said.as_deref()),
        request_id: e.request_id().map(str::to_owned),
        kind: Some(kind),
        said,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::{AuthError, ErrorDetail};
    use std::time::Duration;

    fn detail(message: &str) -> Box<ErrorDetail> {
        Box::new(ErrorDetail {
            status: 400,
            code: "Request_BadRequest".into(),
            message: message.into(),
            exception_type: None,
            request_id: Some("rid-1".into()),
            date: None,
        })
    }

    /// Every variant of [`TenantError`], with the kind it must map to.
    fn every_error() -> Vec<(TenantError, FailureKind)> {
        let d = || detail("Words from the service.");
        vec![
            (TenantError::NotFound(d()), FailureKind::NotFound),
            (TenantError::AlreadyMember(d()), FailureKind::AlreadyMember),
            (TenantError::NotMember(d()), FailureKind::NotMember),
            (TenantError::AlreadyExists(d()), FailureKind::AlreadyExists),
            (TenantError::Ambiguous(d()), FailureKind::Ambiguous),
            (
                TenantError::CannotUpdateMailEnabledGroup(d()),
                FailureKind::CannotUpdateMailEnabledGroup,
            ),
            (TenantError::Forbidden(d()), FailureKind::Forbidden),
            (
                TenantError::UnknownCommand(d()),
                FailureKind::UnknownCommand,
            ),
            (
                TenantError::Throttled {
                    retry_after: Some(Duration::from_secs(5)),
                    detail: d(),
                },
                FailureKind::Throttled,
            ),
            (
                TenantError::Unavailable {
                    retry_after: None,
                    detail: d(),
                },
                FailureKind::Unavailable,
            ),
            (TenantError::Unauthorized(d()), FailureKind::SignInAgain),
            (
                TenantError::SignInAgain("interaction_required".into()),
                FailureKind::SignInAgain,
            ),
            (
                AuthError::InteractionRequired("consent_required".into()).into(),
                FailureKind::SignInAgain,
            ),
            (TenantError::UnsupportedQuery(d()), FailureKind::Other),
            (TenantError::Other(d()), FailureKind::Other),
            (
                TransportError::Network("Failed to fetch".into()).into(),
                FailureKind::ConnectionLost,
            ),
            (TransportError::Aborted.into(), FailureKind::Unexpected),
            (
                TransportError::Invalid("bad header".into()).into(),
                FailureKind::Unexpected,
            ),
            (
                AuthError::Failed("popup_window_error".into()).into(),
                FailureKind::Unexpected,
            ),
            (
                TenantError::Decode {
                    what: "group".into(),
                    path: "value[0].id".into(),
                    message: "invalid type".into(),
                },
                FailureKind::Unexpected,
            ),
            (
                TenantError::InvalidRequest("more than 20 requests".into()),
                FailureKind::Unexpected,
            ),
        ]
    }

    #[test]
    fn every_error_variant_maps_to_its_kind() {
        for (e, expected) in every_error() {
            assert_eq!(kind(&e), expected, "{e:?}");
            assert!(!failure(Service::Graph, &e).message.is_empty());
        }
    }

    #[test]
    fn every_kind_is_reachable_from_some_error() {
        let kinds: Vec<FailureKind> = every_error().iter().map(|(e, _)| kind(e)).collect();
        for k in FailureKind::ALL {
            assert!(kinds.contains(&k), "no error maps to {k:?}");
        }
    }

    #[test]
    fn kind_list_is_complete() {
        // Exhaustive: a new kind that isn't in ALL doesn't compile here.
        fn position(k: FailureKind) -> usize {
            match k {
                FailureKind::NotFound => 0,
                FailureKind::AlreadyMember => 1,
                FailureKind::NotMember => 2,
                FailureKind::AlreadyExists => 3,
                FailureKind::Ambiguous => 4,
                FailureKind::CannotUpdateMailEnabledGroup => 5,
                FailureKind::Forbidden => 6,
                FailureKind::UnknownCommand => 7,
                FailureKind::Throttled => 8,
                FailureKind::Unavailable => 9,
                FailureKind::ConnectionLost => 10,
                FailureKind::SignInAgain => 11,
                FailureKind::Other => 12,
                FailureKind::Unexpected => 13,
            }
        }
        for (i, k) in FailureKind::ALL.into_iter().enumerate() {
            assert_eq!(position(k), i, "{k:?}");
        }
    }

    #[test]
    fn the_stored_message_is_english_with_the_services_words() {
        let f = failure(
            Service::Graph,
            &TenantError::Forbidden(Box::new(ErrorDetail {
                status: 403,
                code: "Authorization_RequestDenied".into(),
                message: "Insufficient privileges to complete the operation.".into(),
                exception_type: None,
                request_id: Some("rid-7".into()),
                date: None,
            })),
        );
        assert_eq!(
            f.message,
            "You aren't allowed to do this: your account lacks a permission or an admin role. \
             The service said: Insufficient privileges to complete the operation."
        );
        assert_eq!(f.status, Some(403));
        assert_eq!(f.code.as_deref(), Some("Authorization_RequestDenied"));
        assert_eq!(f.request_id.as_deref(), Some("rid-7"));
    }

    #[test]
    fn exchange_exception_type_becomes_the_code_and_the_service_is_named() {
        let e = TenantError::Throttled {
            retry_after: None,
            detail: Box::new(ErrorDetail {
                status: 429,
                code: "TooManyRequests".into(),
                message: String::new(),
                exception_type: Some(
                    "Microsoft.Exchange.Management.Tasks.ThrottlingException".into(),
                ),
                request_id: None,
                date: None,
            }),
        };
        let f = failure(Service::Exchange, &e);
        assert_eq!(f.code.as_deref(), Some("ThrottlingException"));
        // Nothing said (empty message): no "The service said:" with nothing after it.
        assert_eq!(
            f.message,
            "Exchange Online kept asking to slow down; try the failed rows again in a few minutes."
        );
    }

    #[test]
    fn english_rendering_is_the_stored_message() {
        for (e, expected) in every_error() {
            for service in [Service::Graph, Service::Exchange] {
                let f = failure(service, &e);
                let parts = failure_parts(&f).unwrap_or_else(|| panic!("{}", f.message));
                assert_eq!(parts.kind, expected, "{}", f.message);
                assert_eq!(FAILURES_EN.render(&f), f.message);
                assert!(f
                    .message
                    .starts_with(&FAILURES_EN.sentence(expected, service)));
            }
        }
    }

    #[test]
    fn english_sentences_are_filled_and_distinct() {
        // Admins act differently on each kind: two kinds mustn't read the same.
        for service in [Service::Graph, Service::Exchange] {
            let mut seen: Vec<String> = FailureKind::ALL
                .iter()
                .map(|k| FAILURES_EN.sentence(*k, service))
                .collect();
            assert!(seen
                .iter()
                .all(|s| !s.trim().is_empty() && !s.contains('{')));
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), FailureKind::ALL.len());
        }
    }

    #[test]
    fn the_services_words_are_kept_verbatim() {
        // Words that look like our own lead-in, or like a placeholder, stay as they are.
        let words = "The service said: {said} — Réessayez plus tard.";
        let f = failure(Service::Exchange, &TenantError::Other(detail(words)));
        assert_eq!(
            failure_parts(&f),
            Some(FailureParts {
                kind: FailureKind::Other,
                said: Some(words),
            })
        );
        assert_eq!(
            FAILURES_EN.render(&f),
            format!("Exchange Online couldn't carry out the request. The service said: {words}")
        );
    }

    #[test]
    fn unexpected_failures_carry_the_technical_detail() {
        let e = TenantError::Decode {
            what: "group".into(),
            path: "value[0].id".into(),
            message: "invalid type: null".into(),
        };
        let f = failure(Service::Graph, &e);
        assert_eq!(f.status, None);
        let parts = failure_parts(&f).unwrap();
        assert_eq!(parts.kind, FailureKind::Unexpected);
        assert_eq!(parts.said, Some(e.to_string().as_str()));
        assert!(f.message.starts_with("The request to Microsoft Graph failed in an unexpected way. Detail: unexpected answer from group"), "{}", f.message);
    }

    #[test]
    fn messages_not_composed_here_are_shown_as_stored() {
        let f = Failure::new(
            Service::Graph,
            "the journal could not be written: quota exceeded",
        );
        assert_eq!(failure_parts(&f), None);
        assert_eq!(FAILURES_EN.render(&f), f.message);
    }

    #[test]
    fn the_kind_and_the_services_words_are_stored_with_the_english_message() {
        let f = failure(
            Service::Exchange,
            &TenantError::NotFound(detail("Object 'jan@partner.nl' couldn't be found.")),
        );
        let json =
            serde_json::to_string(&crate::domain::journal::OpResult::Failed(f.clone())).unwrap();
        assert!(json.contains(r#""kind":"NotFound""#), "{json}");
        assert!(
            json.contains(r#""said":"Object 'jan@partner.nl' couldn't be found.""#),
            "{json}"
        );
        let back: crate::domain::journal::OpResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, crate::domain::journal::OpResult::Failed(f.clone()));
    }

    #[test]
    fn journals_written_before_the_kinds_load_and_show_their_message() {
        // A `Failed` result exactly as the previous version stored it in IndexedDB.
        let json = r#"{"Failed":{"service":"Exchange","status":404,"code":"ManagementObjectNotFoundException","message":"The object couldn't be found: it may have been deleted, or isn't visible yet.","request_id":"rid-old"}}"#;
        let result: crate::domain::journal::OpResult = serde_json::from_str(json).unwrap();
        let crate::domain::journal::OpResult::Failed(f) = result else {
            panic!("{result:?}")
        };
        assert_eq!(f.request_id.as_deref(), Some("rid-old"));
        assert_eq!(failure_parts(&f), None);
        assert_eq!(FAILURES_EN.render(&f), f.message);
        // And it is written back in the same shape.
        let again = serde_json::to_string(&crate::domain::journal::OpResult::Failed(f)).unwrap();
        assert_eq!(again, json);
    }
}
