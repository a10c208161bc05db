//! Fault injection and CORS for the service routes (Graph `/v1.0`, Exchange `/adminapi`): the
//! [`Knobs`] applied per request, per service.
//!
//! Order for each service request: CORS preflight is answered (or refused) first; then, by seeded
//! random draws, the connection may be dropped; then the request waits for a concurrency slot,
//! sleeps the configured latency, and may be throttled (429, by rate or by fraction) or refused
//! (503), both with `Retry-After`; otherwise it reaches the service. Every answer carries
//! `request-id` and `client-request-id` like Graph
//! (<https://learn.microsoft.com/graph/best-practices-concept#reliability-and-support>).
//!
//! Throttling shapes: <https://learn.microsoft.com/graph/throttling> (429 + `Retry-After`),
//! <https://learn.microsoft.com/graph/errors> (error body, `serviceNotAvailable` for 503).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use tokio::sync::Notify;

use crate::contract::{ClientRequestId, Knobs, RequestId};

/// Which service a request is for; each has its own concurrency slots and rate window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Graph,
    Exchange,
}

/// Marker in a response's extensions: close the connection instead of answering. The server's
/// connection loop turns it into a service error, on which hyper drops the connection.
#[derive(Clone, Copy, Debug)]
pub struct DropConnection;

/// The error the connection loop returns for [`DropConnection`].
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by the drop-fraction knob")]
pub struct ConnectionDropped;

/// Concurrency slots and the throttling window of one service.
#[derive(Default)]
struct Gate {
    in_flight: Mutex<usize>,
    freed: Notify,
    /// Start of the current one-second window and requests seen in it.
    window: Mutex<Option<(Instant, u32)>>,
}

/// A held concurrency slot; released on drop (also when the client goes away mid-request).
struct Slot<'a>(&'a Gate);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *self.0.in_flight.lock().expect("gate lock") -= 1;
        self.0.freed.notify_waiters();
    }
}

impl Gate {
    async fn acquire(&self, knobs: &std::sync::RwLock<Knobs>) -> Slot<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Register before checking, so a release between the check and the wait isn't lost.
            freed.as_mut().enable();
            {
                let limit = knobs.read().expect("knobs lock").concurrency_limit;
                let mut n = self.in_flight.lock().expect("gate lock");
                if limit == 0 || *n < limit {
                    *n += 1;
                    return Slot(self);
                }
            }
            freed.await;
        }
    }

    /// Counts the request in the current one-second window; true if it exceeds `rate`.
    fn over_rate(&self, rate: u32) -> bool {
        let mut w = self.window.lock().expect("window lock");
        let now = Instant::now();
        let (start, count) = match *w {
            Some((start, count)) if now.duration_since(start) < Duration::from_secs(1) => {
                (start, count + 1)
            }
            _ => (now, 1),
        };
        *w = Some((start, count));
        rate > 0 && count > rate
    }
}

/// Runtime state behind the knobs: the seeded random stream and per-service gates.
pub struct KnobRuntime {
    knobs: Arc<std::sync::RwLock<Knobs>>,
    rng: Mutex<ChaCha8Rng>,
    graph: Gate,
    exchange: Gate,
}

impl KnobRuntime {
    pub fn new(knobs: Arc<std::sync::RwLock<Knobs>>, seed: u64) -> Self {
        Self {
            knobs,
            rng: Mutex::new(Self::rng_for(seed)),
            graph: Gate::default(),
            exchange: Gate::default(),
        }
    }

    fn rng_for(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed ^ 0x4b4e_4f42)
    }

    /// Restarts the random stream and the rate windows (`POST /_sim/reset`), so a run after a
    /// reset sees the same faults as the first run with that seed.
    pub fn reset(&self, seed: u64) {
        *self.rng.lock().expect("rng lock") = Self::rng_for(seed);
        *self.graph.window.lock().expect("window lock") = None;
        *self.exchange.window.lock().expect("window lock") = None;
    }

    fn gate(&self, service: Service) -> &Gate {
        match service {
            Service::Graph => &self.graph,
            Service::Exchange => &self.exchange,
        }
    }

    /// Three draws per request, always, so the fault sequence depends only on the seed and the
    /// order of requests: (drop, throttle, unavailable).
    fn draws(&self) -> (f64, f64, f64) {
        let mut rng = self.rng.lock().expect("rng lock");
        (rng.random(), rng.random(), rng.random())
    }
}

/// State handed to [`middleware`] for one service.
#[derive(Clone)]
pub struct ServiceLayer {
    pub runtime: Arc<KnobRuntime>,
    pub service: Service,
}

/// Response headers a browser script may read.
const EXPOSED_HEADERS: &str =
    "request-id, client-request-id, Retry-After, Location, Content-Location, ETag, Preference-Applied, x-ms-ags-diagnostic";
const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
/// Request headers the services accept from browsers (Graph and Exchange clients send these).
pub const ALLOWED_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "consistencylevel",
    "x-anchormailbox",
    "prefer",
    "client-request-id",
    "return-client-request-id",
    "accept",
    "if-match",
    "if-none-match",
];

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The service middleware (install with `axum::middleware::from_fn_with_state`).
pub async fn middleware(
    State(layer): State<ServiceLayer>,
    mut req: Request,
    next: Next,
) -> Response {
    let knobs = layer.runtime.knobs.read().expect("knobs lock").clone();
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = header_str(req.headers(), "client-request-id")
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());
    let origin = req.headers().get(header::ORIGIN).cloned();
    let cors_refused = layer.service == Service::Exchange && knobs.exchange_cors_refused;

    let is_preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut resp = if is_preflight {
        preflight(req.headers(), cors_refused)
    } else {
        req.extensions_mut().insert(RequestId(request_id.clone()));
        req.extensions_mut()
            .insert(ClientRequestId(client_request_id.clone()));
        serve(&layer, &knobs, req, next, &request_id, &client_request_id).await
    };

    let h = resp.headers_mut();
    if !h.contains_key("request-id") {
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            h.insert(HeaderName::from_static("request-id"), v);
        }
    }
    if !h.contains_key("client-request-id") {
        if let Ok(v) = HeaderValue::from_str(&client_request_id) {
            h.insert(HeaderName::from_static("client-request-id"), v);
        }
    }
    if let (Some(origin), false) = (origin, cors_refused) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    resp
}

/// Answers a CORS preflight. Allowed: the listed methods and whatever headers the browser asks
/// for (Graph accepts arbitrary request headers from browsers). No `Access-Control-Max-Age`, so a
/// browser re-asks after a knob change. Refused: 403 and no CORS headers, which a browser reports
/// as a failed preflight.
fn preflight(headers: &HeaderMap, refused: bool) -> Response {
    if refused {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    let requested = header_str(headers, "access-control-request-headers").unwrap_or("");
    let allow = if requested.trim().is_empty() {
        ALLOWED_HEADERS.join(", ")
    } else {
        requested.to_string()
    };
    if let Ok(v) = HeaderValue::from_str(&allow) {
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
    }
    resp
}

async fn serve(
    layer: &ServiceLayer,
    knobs: &Knobs,
    req: Request,
    next: Next,
    request_id: &str,
    client_request_id: &str,
) -> Response {
    let runtime = &layer.runtime;
    let (drop_draw, throttle_draw, unavailable_draw) = runtime.draws();
    if drop_draw < knobs.drop_fraction {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        resp.extensions_mut().insert(DropConnection);
        return resp;
    }
    let gate = runtime.gate(layer.service);
    let _slot = gate.acquire(&runtime.knobs).await;
    if knobs.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(knobs.latency_ms)).await;
    }
    let throttled =
        gate.over_rate(knobs.throttle_rate_per_sec) || throttle_draw < knobs.throttle_fraction;
    if throttled {
        return fault(
            layer.service,
            StatusCode::TOO_MANY_REQUESTS,
            knobs.retry_after_secs,
            request_id,
            client_request_id,
        );
    }
    if unavailable_draw < knobs.unavailable_fraction {
        return fault(
            layer.service,
            StatusCode::SERVICE_UNAVAILABLE,
            knobs.retry_after_secs,
            request_id,
            client_request_id,
        );
    }
    next.run(req).await
}

/// A 429 or 503 in the service's error shape, with `Retry-After`.
fn fault(
    service: Service,
    status: StatusCode,
    retry_after: u64,
    request_id: &str,
    client_request_id: &str,
) -> Response {
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let (code, message) = match status {
        StatusCode::TOO_MANY_REQUESTS => (
            "TooManyRequests",
            format!("Too many requests. Please retry after {retry_after} seconds."),
        ),
        _ => (
            "serviceNotAvailable",
            format!(
                "The service is temporarily unavailable. Please retry after {retry_after} seconds."
            ),
        ),
    };
    let body = match service {
        Service::Graph => json!({ "error": {
            "code": code,
            "message": message,
            "innerError": {
                "code": status.as_u16().to_string(),
                "date": date,
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        }}),
        // The Exchange admin API answers in the same OData error shape as its other errors
        // (see `exchange::ExoError`); the exception type names for throttling are modelled, not documented.
        Service::Exchange => {
            let (code, type_name) = if status == StatusCode::TOO_MANY_REQUESTS {
                (
                    "TooManyRequests",
                    "Microsoft.Exchange.Admin.OData.Core.ThrottlingException",
                )
            } else {
                (
                    "ServiceUnavailable",
                    "Microsoft.Exchange.Admin.OData.Core.ServiceUnavailableException",
                )
            };
            let detail = json!({ "Message": message, "TypeName": type_name }).to_string();
            json!({ "error": {
                "code": code,
                "message": message,
                "details": [{ "code": "Context", "target": "", "message": detail }],
                "innererror": { "message": message, "type": type_name, "request-id": request_id, "date": date },
            }})
        }
    };
    let mut resp = (status, Json(body)).into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    resp
}

/// Why a knob value was rejected by `PUT /_sim/config`.
#[derive(Debug, thiserror::Error)]
pub enum KnobError {
    #[error("{0} must be between 0.0 and 1.0")]
    Fraction(&'static str),
    #[error("invalid knobs: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the body must be a JSON object of knobs")]
    NotAnObject,
}

/// Checks ranges a `Knobs` value must respect.
pub fn validate(k: &Knobs) -> Result<(), KnobError> {
    for (name, v) in [
        ("throttleFraction", k.throttle_fraction),
        ("unavailableFraction", k.unavailable_fraction),
        ("dropFraction", k.drop_fraction),
    ] {
        if !(0.0..=1.0).contains(&v) || v.is_nan() {
            return Err(KnobError::Fraction(name));
        }
    }
    Ok(())
}

/// Applies a partial JSON object of knobs (camelCase keys) on top of `current`.
pub fn merge(current: &Knobs, patch: serde_json::Value) -> Result<Knobs, KnobError> {
    let serde_json::Value::Object(patch) = patch else {
        return Err(KnobError::NotAnObject);
    };
    let mut merged = serde_json::to_value(current)?;
    let obj = merged.as_object_mut().ok_or(KnobError::NotAnObject)?;
    for (k, v) in patch {
        if !obj.contains_key(&k) {
            return Err(KnobError::Json(serde::de::Error::custom(format!(
                "unknown knob '{k}'"
            ))));
        }
        obj.insert(k, v);
    }
    let knobs: Knobs = serde_json::from_value(merged)?;
    validate(&knobs)?;
    Ok(knobs)
}
