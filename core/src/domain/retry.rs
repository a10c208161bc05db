//! When to try a failed request again, and how long to wait first.
//!
//! - 429 and 503 with `Retry-After`: wait exactly that
//!   (<https://learn.microsoft.com/graph/throttling>: "wait the number of seconds specified in the
//!   Retry-After header");
//! - 429/500/502/503/504 without it, and dropped connections/timeouts: exponential backoff with
//!   *full jitter* (delay = random(0, min(cap, base·2^(attempt-1)))), the jitter passed in as a
//!   number so tests are deterministic;
//! - "not found" right after creating an object (replication delay: a new mail contact in
//!   Exchange, a new guest in Graph): a short fixed schedule of its own;
//! - any other 4xx: never retried — the request itself is wrong and will stay wrong;
//! - attempts are bounded.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How one attempt ended, as far as retrying cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttemptFailure {
    /// The service answered with this HTTP status (also used for an inner `$batch` response).
    Status(u16),
    /// No answer: connection dropped, reset, DNS failure or timeout.
    Network,
    /// The object we just created isn't visible yet (Exchange `ManagementObjectNotFoundException`
    /// or Graph 404 for a fresh guest).
    NotYetReplicated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetryDecision {
    RetryAfter(Duration),
    GiveUp,
}

/// Attempts and waits for the replication-delay case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationSchedule {
    /// Wait before retry n (1-based) is `delays[n-1]`; when they run out we give up.
    pub delays: Vec<Duration>,
}

impl Default for ReplicationSchedule {
    /// About a minute in total: Exchange usually finds a new contact within seconds, Graph a new
    /// guest within a few seconds; both occasionally take longer.
    fn default() -> Self {
        ReplicationSchedule {
            delays: [2, 3, 5, 8, 13, 21].map(Duration::from_secs).to_vec(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Total tries including the first, for throttling, server and network failures.
    pub max_attempts: u32,
    /// Backoff ceiling for the first retry.
    pub base: Duration,
    /// Longest backoff (before jitter). `Retry-After` is obeyed even when longer.
    pub cap: Duration,
    pub replication: ReplicationSchedule,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            replication: ReplicationSchedule::default(),
        }
    }
}

impl RetryPolicy {
    /// For the mode probe: one retry at most. A browser reports a CORS refusal as a network
    /// failure, indistinguishable from a dropped connection; retrying it six times with backoff
    /// would keep the admin waiting ~15 s for a verdict that a second try already confirms.
    pub fn probe() -> Self {
        RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        }
    }

    /// Decides after attempt number `attempt` (1 = the first try) failed.
    ///
    /// `jitter` is a number in `[0, 1)` from the caller's random source (clamped); with full
    /// jitter the wait is `jitter × min(cap, base × 2^(attempt-1))`.
    pub fn decide(
        &self,
        attempt: u32,
        failure: AttemptFailure,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> RetryDecision {
        match failure {
            AttemptFailure::NotYetReplicated => {
                match self
                    .replication
                    .delays
                    .get(attempt.saturating_sub(1) as usize)
                {
                    Some(d) => RetryDecision::RetryAfter(*d),
                    None => RetryDecision::GiveUp,
                }
            }
            AttemptFailure::Status(status) if !is_retryable_status(status) => RetryDecision::GiveUp,
            AttemptFailure::Status(_) | AttemptFailure::Network => {
                if attempt >= self.max_attempts {
                    return RetryDecision::GiveUp;
                }
                if let (AttemptFailure::Status(429 | 503), Some(wait)) = (failure, retry_after) {
                    return RetryDecision::RetryAfter(wait);
                }
                RetryDecision::RetryAfter(self.backoff(attempt, jitter))
            }
        }
    }

    /// The full-jitter backoff before retry number `attempt`.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        let ceiling = self
            .base
            .checked_mul(1u32 << exp)
            .map_or(self.cap, |d| d.min(self.cap));
        let j = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        ceiling.mul_f64(j)
    }
}

/// Throttling and transient server errors. Every other status (400, 401, 403, 404, 409, …)
/// means the request won't succeed by repeating it.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Parses a `Retry-After` header given in seconds (what Graph and Exchange send). The HTTP-date
/// form isn't used by these services; it yields `None` so the caller falls back to backoff.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(5),
            replication: ReplicationSchedule {
                delays: vec![Duration::from_secs(2), Duration::from_secs(4)],
            },
        }
    }

    #[test]
    fn the_probe_tries_twice_at_most() {
        let p = RetryPolicy::probe();
        assert!(matches!(
            p.decide(1, AttemptFailure::Network, None, 0.5),
            RetryDecision::RetryAfter(d) if d <= p.base
        ));
        assert_eq!(
            p.decide(2, AttemptFailure::Network, None, 0.5),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(
                2,
                AttemptFailure::Status(503),
                Some(Duration::from_secs(1)),
                0.5
            ),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn retry_after_is_obeyed_exactly_for_429_and_503() {
        let p = policy();
        for status in [429, 503] {
            assert_eq!(
                p.decide(
                    1,
                    AttemptFailure::Status(status),
                    Some(Duration::from_secs(17)),
                    0.9
                ),
                RetryDecision::RetryAfter(Duration::from_secs(17)),
                "status {status}"
            );
        }
        // even beyond the cap: the service said so
        assert_eq!(
            p.decide(
                2,
                AttemptFailure::Status(429),
                Some(Duration::from_secs(120)),
                0.0
            ),
            RetryDecision::RetryAfter(Duration::from_secs(120))
        );
    }

    #[test]
    fn backoff_with_full_jitter_without_header() {
        let p = policy();
        assert_eq!(
            p.decide(1, AttemptFailure::Status(429), None, 0.5),
            RetryDecision::RetryAfter(Duration::from_millis(500))
        );
        assert_eq!(
            p.decide(2, AttemptFailure::Status(503), None, 0.5),
            RetryDecision::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(
            p.decide(3, AttemptFailure::Network, None, 1.0),
            RetryDecision::RetryAfter(Duration::from_secs(4))
        );
        assert_eq!(
            p.decide(1, AttemptFailure::Network, None, 0.0),
            RetryDecision::RetryAfter(Duration::ZERO)
        );
        // the cap bounds the ceiling
        assert_eq!(p.backoff(10, 1.0), Duration::from_secs(5));
        assert_eq!(p.backoff(100, 1.0), Duration::from_secs(5));
        // jitter outside [0,1] is clamped
        assert_eq!(p.backoff(1, 7.0), Duration::from_secs(1));
        assert_eq!(p.backoff(1, -1.0), Duration::ZERO);
        assert_eq!(p.backoff(1, f64::NAN), Duration::ZERO);
    }

    #[test]
    fn retry_after_on_other_statuses_is_ignored() {
        assert_eq!(
            policy().decide(
                1,
                AttemptFailure::Status(500),
                Some(Duration::from_secs(30)),
                1.0
            ),
            RetryDecision::RetryAfter(Duration::from_secs(1))
        );
    }

    #[test]
    fn attempts_are_bounded() {
        let p = policy();
        assert!(matches!(
            p.decide(3, AttemptFailure::Status(429), None, 0.1),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(
                4,
                AttemptFailure::Status(429),
                Some(Duration::from_secs(1)),
                0.1
            ),
            RetryDecision::GiveUp
        );
        assert_eq!(
            p.decide(4, AttemptFailure::Network, None, 0.1),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn client_errors_are_never_retried() {
        let p = policy();
        for status in [400, 401, 403, 404, 409, 412, 413] {
            assert_eq!(
                p.decide(
                    1,
                    AttemptFailure::Status(status),
                    Some(Duration::from_secs(1)),
                    0.5
                ),
                RetryDecision::GiveUp,
                "status {status}"
            );
        }
    }

    #[test]
    fn replication_has_its_own_schedule() {
        let p = policy();
        assert_eq!(
            p.decide(1, AttemptFailure::NotYetReplicated, None, 0.0),
            RetryDecision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            p.decide(
                2,
                AttemptFailure::NotYetReplicated,
                Some(Duration::from_secs(99)),
                0.0
            ),
            RetryDecision::RetryAfter(Duration::from_secs(4))
        );
        assert_eq!(
            p.decide(3, AttemptFailure::NotYetReplicated, None, 0.0),
            RetryDecision::GiveUp
        );
        let d = RetryPolicy::default();
        let total: Duration = d.replication.delays.iter().sum();
        assert!(total >= Duration::from_secs(30) && total <= Duration::from_secs(90));
    }

    #[test]
    fn parses_retry_after_seconds() {
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
