//! Tenant errors as sentences an admin understands, with what the service said kept alongside.
//!
//! A failure is classified into a [`FailureKind`]; its sentence comes from the text catalogue
//! (`i18n`, block "failures"). The stored message is the English one (audit files, exports and
//! support cases stay in one language); the kind and the service's words are stored alongside,
//! so screens compose it in the admin's language with [`crate::i18n::Texts::failure`].

use crate::domain::journal::{Failure, FailureKind, Service};
use crate::i18n::EN;
use crate::tenant::{TenantError, TransportError};

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
        message: EN.compose_failure(kind, service, said.as_deref()),
        request_id: e.request_id().map(str::to_owned),
        kind: Some(kind),
        said,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{failure_parts, FailureParts, Lang, NL};
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
    fn every_kind_has_an_english_and_a_dutch_sentence_that_differ() {
        for kind in FailureKind::ALL {
            for service in [Service::Graph, Service::Exchange] {
                let en = EN.failure_sentence(kind, service);
                let nl = NL.failure_sentence(kind, service);
                assert!(!en.trim().is_empty() && !nl.trim().is_empty(), "{kind:?}");
                assert_ne!(en, nl, "{kind:?} is not translated");
                assert!(!en.contains('{') && !nl.contains('{'), "{en} / {nl}");
            }
        }
    }

    #[test]
    fn sentences_are_distinct() {
        // Admins act differently on each kind: two kinds mustn't read the same.
        for service in [Service::Graph, Service::Exchange] {
            for lang in Lang::ALL {
                let t = lang.texts();
                let mut seen: Vec<String> = FailureKind::ALL
                    .iter()
                    .map(|k| t.failure_sentence(*k, service))
                    .collect();
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), FailureKind::ALL.len(), "{lang:?}");
            }
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
        assert_eq!(
            NL.failure(&f),
            "U heeft hier geen rechten voor: uw account mist een machtiging of beheerdersrol. \
             De service meldde: Insufficient privileges to complete the operation."
        );
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
        assert!(NL.failure(&f).starts_with("Exchange Online bleef vragen"));
    }

    #[test]
    fn english_rendering_is_the_stored_message_and_dutch_differs() {
        for (e, expected) in every_error() {
            for service in [Service::Graph, Service::Exchange] {
                let f = failure(service, &e);
                let parts = failure_parts(&f).unwrap_or_else(|| panic!("{}", f.message));
                assert_eq!(parts.kind, expected, "{}", f.message);
                assert_eq!(EN.failure(&f), f.message);
                let nl = NL.failure(&f);
                assert_ne!(nl, f.message);
                assert!(
                    nl.starts_with(&NL.failure_sentence(expected, service)),
                    "{nl}"
                );
            }
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
            NL.failure(&f),
            format!("Exchange Online kon het verzoek niet uitvoeren. De service meldde: {words}")
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
        let nl = NL.failure(&f);
        assert!(nl.starts_with("Het verzoek aan Microsoft Graph is op een onverwachte manier mislukt. Details: unexpected answer from group"), "{nl}");
    }

    #[test]
    fn messages_not_composed_here_are_shown_as_stored() {
        let f = Failure::new(
            Service::Graph,
            "the journal could not be written: quota exceeded",
        );
        assert_eq!(failure_parts(&f), None);
        assert_eq!(NL.failure(&f), f.message);
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
        assert_eq!(
            NL.failure(&f),
            "Het object is niet gevonden: het is misschien verwijderd, of nog niet zichtbaar. \
             De service meldde: Object 'jan@partner.nl' couldn't be found."
        );
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
        assert_eq!(NL.failure(&f), f.message);
        // And it is written back in the same shape.
        let again = serde_json::to_string(&crate::domain::journal::OpResult::Failed(f)).unwrap();
        assert_eq!(again, json);
    }
}
