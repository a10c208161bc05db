//! Graph's write budget for identity and access (users, groups, invitations, contacts), as
//! Microsoft documents it: per application and tenant 3,000 writes per 2 minutes 30 seconds, per
//! tenant (all applications) 18,000 per 5 minutes; a write is a POST, PATCH, PUT or DELETE, each
//! counting one
//! (<https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits>).
//! Inside a `$batch` each request is evaluated on its own and a throttled one is answered 429
//! inside the 200 batch (<https://learn.microsoft.com/graph/throttling#throttling-and-batching>),
//! so the check sits on the Graph router that both top-level and inner requests go through;
//! the `$batch` envelope itself is not a write.
//!
//! Windows slide: a write is refused when the trailing window already holds `limit` admitted
//! writes, with `Retry-After` the seconds until the oldest of them leaves it. Refused writes
//! don't count. Limits and windows are knobs, so a benchmark can scale the budget down.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::contract::{ClientRequestId, Knobs, RequestId};
use crate::state::AppState;

/// Admitted writes per budget key, oldest first.
#[derive(Default)]
pub struct WriteLedger {
    sent: Mutex<HashMap<String, VecDeque<Instant>>>,
    counts: Mutex<WriteCounts>,
}

/// Writes seen since the last reset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    pub admitted: u64,
    /// Answered 429.
    pub throttled: u64,
}

impl WriteLedger {
    /// Forgets every write (`POST /_sim/reset`).
    pub fn reset(&self) {
        self.sent.lock().expect("ledger lock").clear();
        *self.counts.lock().expect("ledger lock") = WriteCounts::default();
    }

    /// Writes admitted and refused since the last reset.
    pub fn counts(&self) -> WriteCounts {
        *self.counts.lock().expect("ledger lock")
    }

    /// Counts one write by `app` in tenant `tid`, or says how long until it would fit.
    pub fn admit(&self, app: &str, tid: &str, knobs: &Knobs) -> Result<(), Duration> {
        let budgets = [
            (
                format!("app:{app}:{tid}"),
                knobs.graph_app_write_limit,
                knobs.graph_app_write_window_ms,
            ),
            (
                format!("tenant:{tid}"),
                knobs.graph_tenant_write_limit,
                knobs.graph_tenant_write_window_ms,
            ),
        ];
        let now = Instant::now();
        let mut sent = self.sent.lock().expect("ledger lock");
        let mut wait = Duration::ZERO;
        for (key, limit, window_ms) in &budgets {
            if *limit == 0 || *window_ms == 0 {
                continue;
            }
            let window = Duration::from_millis(*window_ms);
            let log = sent.entry(key.clone()).or_default();
            while log
                .front()
                .is_some_and(|&t| now.duration_since(t) >= window)
            {
                log.pop_front();
            }
            if log.len() >= *limit as usize {
                let oldest = log[log.len() - *limit as usize];
                wait = wait.max(window.saturating_sub(now.duration_since(oldest)));
            }
        }
        if !wait.is_zero() {
            self.counts.lock().expect("ledger lock").throttled += 1;
            return Err(wait);
        }
        self.counts.lock().expect("ledger lock").admitted += 1;
        for (key, limit, window_ms) in &budgets {
            if *limit > 0 && *window_ms > 0 {
                sent.entry(key.clone()).or_default().push_back(now);
            }
        }
        Ok(())
    }
}

fn is_write(m: &Method) -> bool {
    matches!(
        *m,
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    )
}

/// The calling application and tenant, from the bearer token's `appid` and `tid` (v1.0 access
/// tokens). None when the token doesn't verify: the handler answers 401 then, uncounted.
fn caller(state: &AppState, req: &Request) -> Option<(String, String)> {
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let claims = state.identity.verify(token.trim()).ok()?;
    let get = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
    Some((get("appid").or_else(|| get("azp"))?, get("tid")?))
}

/// The Graph router's middleware: writes over the budget are answered 429.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let batch_envelope = req.uri().path().trim_end_matches('/').ends_with("$batch");
    if is_write(req.method()) && !batch_envelope {
        if let Some((app, tid)) = caller(&state, &req) {
            if let Err(wait) = state.graph_writes.admit(&app, &tid, &state.knobs()) {
                return too_many_requests(&req, wait);
            }
        }
    }
    next.run(req).await
}

/// Graph's 429 (<https://learn.microsoft.com/graph/throttling#sample-response>), `Retry-After`
/// in whole seconds, rounded up.
fn too_many_requests(req: &Request, wait: Duration) -> Response {
    let secs = wait.as_millis().div_ceil(1000).max(1) as u64;
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let client_request_id = req
        .extensions()
        .get::<ClientRequestId>()
        .map(|r| r.0.clone())
        .or_else(|| {
            req.headers()
                .get("client-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| request_id.clone());
    let body = json!({ "error": {
        "code": "TooManyRequests",
        "message": format!("Too many requests. Please retry after {secs} seconds."),
        "innerError": {
            "code": "429",
            "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
            "request-id": request_id,
            "client-request-id": client_request_id,
        }
    }});
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    resp.headers_mut()
        .insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knobs(limit: u32, window_ms: u64) -> Knobs {
        Knobs {
            graph_app_write_limit: limit,
            graph_app_write_window_ms: window_ms,
            graph_tenant_write_limit: 0,
            ..Knobs::default()
        }
    }

    #[test]
    fn the_limit_holds_per_app_and_tenant_and_refused_writes_dont_count() {
        let ledger = WriteLedger::default();
        let k = knobs(3, 60_000);
        for _ in 0..3 {
            assert_eq!(ledger.admit("app-a", "t1", &k), Ok(()));
        }
        let wait = ledger.admit("app-a", "t1", &k).unwrap_err();
        assert!(wait > Duration::from_secs(59) && wait <= Duration::from_secs(60));
        assert!(ledger.admit("app-a", "t1", &k).is_err());
        assert_eq!(
            ledger.counts(),
            WriteCounts {
                admitted: 3,
                throttled: 2
            }
        );
        // Another app, another tenant: budgets of their own.
        assert_eq!(ledger.admit("app-b", "t1", &k), Ok(()));
        assert_eq!(ledger.admit("app-a", "t2", &k), Ok(()));
        ledger.reset();
        assert_eq!(ledger.admit("app-a", "t1", &k), Ok(()));
    }

    #[test]
    fn the_tenant_budget_is_shared_by_all_apps() {
        let ledger = WriteLedger::default();
        let k = Knobs {
            graph_app_write_limit: 0,
            graph_tenant_write_limit: 2,
            graph_tenant_write_window_ms: 60_000,
            ..Knobs::default()
        };
        assert_eq!(ledger.admit("app-a", "t1", &k), Ok(()));
        assert_eq!(ledger.admit("app-b", "t1", &k), Ok(()));
        assert!(ledger.admit("app-c", "t1", &k).is_err());
    }

    #[test]
    fn a_write_fits_again_once_the_oldest_leaves_the_window() {
        let ledger = WriteLedger::default();
        let k = knobs(1, 50);
        assert_eq!(ledger.admit("a", "t", &k), Ok(()));
        assert!(ledger.admit("a", "t", &k).is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(ledger.admit("a", "t", &k), Ok(()));
    }
}
