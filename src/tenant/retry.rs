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

/// A number in `[0, 1)` for jitter; not cryptographic.
pub(crate) fn jitter() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Math::random()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded from the OS per instance: enough randomness for spreading retries.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(0);
        (h.finish() >> 11) as f64 / (1u64 << 53) as f64
    }
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
/// (obeying `Retry-After`) and a 401 once with a freshly forced token; a second 401 ends in
/// [`TenantError::SignInAgain`]. `decode` turns an error answer into the service's error.
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
        match next_delay(ctx.policy, attempts, &err, jitter()) {
            Some(wait) => ctx.sleeper.sleep(wait).await,
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

    #[test]
    fn jitter_is_in_unit_interval() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
