//! When and how long the clients wait before trying again.
//!
//! The decision is one small function, [`next_delay`], so it can be swapped for the domain's
//! `RetryPolicy` without touching the request loops.

use std::future::Future;
use std::time::Duration;

#[cfg(test)]
use super::error::ErrorDetail;
use super::error::TenantError;
use super::http::Sleeper;
use super::http::TransportError;

pub use crate::domain::retry::RetryPolicy;
use crate::domain::retry::{AttemptFailure, RetryDecision};

/// What retrying cares about in an error, in the domain policy's terms.
pub fn attempt_failure(err: &TenantError) -> Option<AttemptFailure> {
    match err {
        TenantError::Transport(TransportError::Network(_)) => Some(AttemptFailure::Network),
        TenantError::Transport(_) => None,
        e => e.detail().map(|d| AttemptFailure::Status(d.status)),
    }
}

/// How long to wait before attempt `attempts_made + 1`, or `None` to give up. The one place the
/// clients ask the domain's [`RetryPolicy`]: `Retry-After` obeyed exactly on 429/503, backoff with
/// jitter otherwise, bounded attempts (<https://learn.microsoft.com/graph/throttling>).
pub fn next_delay(
    policy: &RetryPolicy,
    attempts_made: u32,
    err: &TenantError,
    jitter: f64,
) -> Option<Duration> {
    let failure = attempt_failure(err)?;
    match policy.decide(attempts_made, failure, err.retry_after(), jitter) {
        RetryDecision::RetryAfter(wait) => Some(wait),
        RetryDecision::GiveUp => None,
    }
}

/// A number in `[0, 1)` for jitter; not cryptographic: [`Sleeper::jitter`]'s default.
pub(crate) fn std_jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS per instance natively (on wasm32-unknown-unknown it is
    // not, which is why the browser's sleeper answers with `Math.random()` instead): enough
    // randomness for spreading retries.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether a NotFound may be the replication delay of an object created moments ago (a contact from
/// Exchange, a guest from Graph). Only calls whose caller says so retry a NotFound, along the policy's
/// replication schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReplicationWait {
    /// A NotFound is final.
    #[default]
    None,
    /// The object was just created: retry NotFound along `RetryPolicy::replication`.
    JustCreated,
}

/// Runs `op`, retrying a [`TenantError::NotFound`] along `wait`'s schedule.
pub(crate) async fn retry_not_found<T, F, Fut, S>(
    sleeper: &S,
    policy: &RetryPolicy,
    wait: ReplicationWait,
    mut op: F,
) -> Result<T, TenantError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, TenantError>>,
    S: Sleeper,
{
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        match op().await {
            Err(TenantError::NotFound(d)) if wait == ReplicationWait::JustCreated => {
                match policy.decide(attempts, AttemptFailure::NotYetReplicated, None, 0.0) {
                    RetryDecision::RetryAfter(delay) => sleeper.sleep(delay).await,
                    RetryDecision::GiveUp => return Err(TenantError::NotFound(d)),
                }
            }
            other => return other,
        }
    }
}

/// Sends `req` with a bearer token for `resource`, retrying transient failures along `policy`
/// (obeying `Retry-After`) and a 401 once with a freshly forced token; a second 401 in a row ends
/// in [`TenantError::SignInAgain`]. After every wait the token is asked for again (the token
/// source hands out its cached one, or renews it if it expired during the wait), so a long
/// `Retry-After` doesn't make a stale token look like a refused sign-in. `decode` turns an
/// error answer into the service's error.
pub(crate) async fn execute<T, K, S>(
    ctx: &Ctx<'_, T, K, S>,
    resource: super::http::Resource,
    req: &super::http::HttpRequest,
    decode: fn(&super::http::HttpResponse) -> TenantError,
) -> Result<super::http::HttpResponse, TenantError>
where
    T: super::http::Transport,
    K: super::http::TokenSource,
    S: Sleeper,
{
    let mut token = ctx.tokens.token(resource, false).await?;
    let mut refreshed = false;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let mut attempt = req.clone();
        attempt
            .headers
            .push(("Authorization".into(), format!("Bearer {token}")));
        let err = match ctx.transport.send(attempt).await {
            Ok(resp) if resp.is_success() => return Ok(resp),
            Ok(resp) => decode(&resp),
            Err(e) => TenantError::Transport(e),
        };
        if let TenantError::Unauthorized(detail) = &err {
            if refreshed {
                return Err(TenantError::SignInAgain(detail.to_string()));
            }
            // The cached token may have expired or been revoked: ask once for a new one. The
            // refresh doesn't count as an attempt; it happens at most once per call.
            refreshed = true;
            attempts -= 1;
            token = ctx.tokens.token(resource, true).await?;
            continue;
        }
        // An answer other than 401: the next 401 may again be an expiry, worth one refresh.
        refreshed = false;
        match next_delay(ctx.policy, attempts, &err, ctx.sleeper.jitter()) {
            Some(wait) => {
                ctx.sleeper.sleep(wait).await;
                token = ctx.tokens.token(resource, false).await?;
            }
            None => return Err(err),
        }
    }
}

/// The borrowed parts a request loop needs.
pub(crate) struct Ctx<'a, T, K, S> {
    pub transport: &'a T,
    pub tokens: &'a K,
    pub sleeper: &'a S,
    pub policy: &'a RetryPolicy,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttled(after: Option<u64>) -> TenantError {
        TenantError::Throttled {
            retry_after: after.map(Duration::from_secs),
            detail: Box::new(ErrorDetail {
                status: 429,
                ..ErrorDetail::default()
            }),
        }
    }

    #[test]
    fn retry_after_is_obeyed_exactly() {
        let p = RetryPolicy::default();
        assert_eq!(
            next_delay(&p, 1, &throttled(Some(7)), 0.9),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            next_delay(&p, 4, &throttled(Some(120)), 0.0),
            Some(Duration::from_secs(120))
        );
    }

    #[test]
    fn dropped_connection_backs_off_without_header() {
        let p = RetryPolicy::default();
        let e = TenantError::Transport(TransportError::Network("reset".into()));
        let d = next_delay(&p, 1, &e, 0.999).expect("retried");
        assert!(d <= p.base, "{d:?}");
    }

    #[test]
    fn gives_up_when_attempts_are_spent_or_error_is_permanent() {
        let p = RetryPolicy::default();
        assert_eq!(
            next_delay(&p, p.max_attempts, &throttled(Some(1)), 0.5),
            None
        );
        let not_found = TenantError::NotFound(Box::new(ErrorDetail {
            status: 404,
            ..ErrorDetail::default()
        }));
        assert_eq!(next_delay(&p, 1, &not_found, 0.5), None);
        assert_eq!(
            next_delay(&p, 1, &TenantError::Transport(TransportError::Aborted), 0.5),
            None
        );
    }

    /// Tokens that expire whenever the client waits: what a long `Retry-After` does to a token
    /// near the end of its life.
    mod expiry {
        use super::super::{execute, Ctx};
        use crate::domain::retry::RetryPolicy;
        use crate::tenant::error::graph_error;
        use crate::tenant::http::{
            AuthError, HttpRequest, HttpResponse, Method, Resource, Sleeper, TokenSource,
            Transport, TransportError,
        };
        use crate::tenant::TenantError;
        use std::cell::{Cell, RefCell};
        use std::time::Duration;

        #[derive(Default)]
        struct Tenant {
            /// The token generation the service accepts now.
            valid: Cell<u32>,
            /// The generation the token source hands out.
            issued: Cell<u32>,
            /// Answers for requests with a valid token, in order (429s with Retry-After, then 200).
            script: RefCell<Vec<u16>>,
            token_calls: Cell<u32>,
        }

        impl TokenSource for Tenant {
            async fn token(&self, _: Resource, force: bool) -> Result<String, AuthError> {
                self.token_calls.set(self.token_calls.get() + 1);
                // A source like MSAL: the cached token unless it expired or a new one is forced.
                if force || self.issued.get() != self.valid.get() {
                    self.issued.set(self.valid.get());
                }
                Ok(format!("t{}", self.issued.get()))
            }
        }

        impl Sleeper for Tenant {
            async fn sleep(&self, _: Duration) {
                // The token in use expires during the wait.
                self.valid.set(self.valid.get() + 1);
            }
        }

        impl Transport for Tenant {
            async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
                let bearer = format!("Bearer t{}", self.valid.get());
                let status = if req.header_value("Authorization") != Some(bearer.as_str()) {
                    401
                } else {
                    self.script.borrow_mut().remove(0)
                };
                Ok(HttpResponse {
                    status,
                    headers: vec![("Retry-After".into(), "1".into())],
                    body: String::new(),
                })
            }
        }

        #[test]
        fn a_token_that_expires_during_retry_after_waits_is_renewed_not_reported() {
            let tenant = Tenant::default();
            *tenant.script.borrow_mut() = vec![429, 429, 429, 200];
            let policy = RetryPolicy::default();
            let ctx = Ctx {
                transport: &tenant,
                tokens: &tenant,
                sleeper: &tenant,
                policy: &policy,
            };
            let req = HttpRequest::new(Method::Get, "https://graph.example/v1.0/me");
            let resp =
                futures::executor::block_on(execute(&ctx, Resource::Graph, &req, graph_error))
                    .expect("three throttled answers, then success");
            assert_eq!(resp.status, 200);
            assert!(tenant.script.borrow().is_empty());
        }

        #[test]
        fn a_second_401_in_a_row_means_sign_in_again() {
            // The service refuses every token: one forced refresh, then the admin is asked.
            struct Refusing(Tenant);
            impl Transport for Refusing {
                async fn send(&self, _: HttpRequest) -> Result<HttpResponse, TransportError> {
                    Ok(HttpResponse {
                        status: 401,
                        headers: vec![],
                        body: String::new(),
                    })
                }
            }
            let refusing = Refusing(Tenant::default());
            let policy = RetryPolicy::default();
            let ctx = Ctx {
                transport: &refusing,
                tokens: &refusing.0,
                sleeper: &refusing.0,
                policy: &policy,
            };
            let req = HttpRequest::new(Method::Get, "https://graph.example/v1.0/me");
            let err =
                futures::executor::block_on(execute(&ctx, Resource::Graph, &req, graph_error))
                    .unwrap_err();
            assert!(matches!(err, TenantError::SignInAgain(_)), "{err:?}");
            assert_eq!(refusing.0.token_calls.get(), 2);
        }
    }

    #[test]
    fn jitter_is_in_unit_interval() {
        for _ in 0..100 {
            let j = std_jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
