//! `POST /$batch`: JSON batching. Inner requests run through the same router, one after another,
//! honouring `dependsOn`; each may be throttled on its own inside a 200 batch.
//!
//! - JSON batching: https://learn.microsoft.com/en-us/graph/json-batching
//! - Throttling and batching: https://learn.microsoft.com/en-us/graph/throttling#throttling-and-batching

use std::collections::{HashMap, HashSet};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use axum::{Extension, Router};
use rand::Rng;
use serde_json::{json, Map, Value};
use tower::ServiceExt;

use super::{router, Ctx, Origin};
use crate::contract::{ListenerScheme, GRAPH_AUDIENCE};
use crate::state::AppState;

/// Largest `$batch` Graph accepts (https://learn.microsoft.com/en-us/graph/json-batching).
pub const MAX_BATCH: usize = 20;

// ----- $batch -----

pub(super) async fn batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    scheme: Option<Extension<ListenerScheme>>,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(origin);
    if let Err(f) = crate::auth::authenticate(&state, &headers, GRAPH_AUDIENCE) {
        return ctx.auth_failure(f);
    }
    let Ok(b) = serde_json::from_slice::<Value>(&body) else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Invalid batch payload format.",
        );
    };
    let Some(reqs) = b.get("requests").and_then(Value::as_array) else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Invalid batch payload format.",
        );
    };
    if reqs.len() > MAX_BATCH {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Number of batch requests exceeds the limit of {MAX_BATCH}."),
        );
    }
    // Validate ids (unique, case-insensitive) and dependsOn (must name an earlier request).
    let mut seen = HashSet::new();
    for r in reqs {
        let Some(id) = r.get("id").and_then(Value::as_str) else {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Every request must have an 'id'.",
            );
        };
        for dep in r
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let dep = dep.as_str().unwrap_or_default().to_lowercase();
            if !seen.contains(&dep) {
                return ctx.error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("Request '{id}' depends on '{dep}', which is not an earlier request in the batch."),
                );
            }
        }
        if !seen.insert(id.to_lowercase()) {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Request id '{id}' is not unique."),
            );
        }
        if r.get("method").and_then(Value::as_str).is_none()
            || r.get("url").and_then(Value::as_str).is_none()
        {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "Every request must have 'method' and 'url'.",
            );
        }
    }
    let app = router(&state).with_state(state.clone());
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::with_capacity(reqs.len());
    for r in reqs {
        let id = r
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let failed_dep = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|d| {
                statuses
                    .get(&d.to_lowercase())
                    .is_none_or(|s| !(200..300).contains(s))
            });
        let (status, hdrs, body) = if failed_dep {
            (
                424,
                json!({"Content-Type": "application/json"}),
                Some(inner_error(
                    &ctx,
                    "FailedDependency",
                    "Request failed due to a failure in a dependent request.",
                )),
            )
        } else if state.knobs().throttle_fraction > 0.0
            && rand::rng().random::<f64>() < state.knobs().throttle_fraction
        {
            // Inner requests are throttled individually inside a 200 batch
            // (https://learn.microsoft.com/en-us/graph/throttling#throttling-and-batching).
            let retry = state.knobs().retry_after_secs;
            (
                429,
                json!({"Retry-After": retry.to_string(), "Content-Type": "application/json"}),
                Some(inner_error(&ctx, "TooManyRequests", "Too many requests.")),
            )
        } else {
            run_inner(&app, &headers, scheme.as_deref().copied(), r).await
        };
        statuses.insert(id.to_lowercase(), status);
        let mut out = Map::new();
        out.insert("id".into(), Value::String(id));
        out.insert("status".into(), json!(status));
        out.insert("headers".into(), hdrs);
        if let Some(b) = body {
            out.insert("body".into(), b);
        }
        responses.push(Value::Object(out));
    }
    ctx.json(StatusCode::OK, json!({ "responses": responses }))
}

fn inner_error(ctx: &Ctx, code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "innerError": {
        "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
        "request-id": uuid::Uuid::new_v4().to_string(),
        "client-request-id": ctx.client_request_id,
    }}})
}

async fn run_inner(
    app: &Router,
    outer: &HeaderMap,
    scheme: Option<ListenerScheme>,
    r: &Value,
) -> (u16, Value, Option<Value>) {
    let method = r
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("GET")
        .to_uppercase();
    let url = r.get("url").and_then(Value::as_str).unwrap_or_default();
    let path = url.trim_start_matches('/').trim_start_matches("v1.0/");
    if path.starts_with("$batch") {
        return (
            400,
            json!({}),
            Some(
                json!({"error": {"code": "BadRequest", "message": "Nested batch requests are not supported."}}),
            ),
        );
    }
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return (
            400,
            json!({}),
            Some(json!({"error": {"code": "BadRequest", "message": "Invalid HTTP method."}})),
        );
    };
    let mut builder = Request::builder()
        .method(method)
        .uri(uri_safe(&format!("/{path}")));
    for name in [http::header::AUTHORIZATION, http::header::HOST] {
        if let Some(v) = outer.get(&name) {
            builder = builder.header(name, v);
        }
    }
    if let Some(v) = outer.get("client-request-id") {
        builder = builder.header("client-request-id", v);
    }
    if let Some(h) = r.get("headers").and_then(Value::as_object) {
        for (k, v) in h {
            if let Some(v) = v.as_str() {
                builder = builder.header(k.as_str(), v);
            }
        }
    }
    let body = match r.get("body") {
        Some(b) if !b.is_null() => Body::from(b.to_string()),
        _ => Body::empty(),
    };
    // Inner requests keep the listener's scheme so their links use the outer request's origin.
    if let Some(sch) = scheme {
        builder = builder.extension(sch);
    }
    let Ok(req) = builder.body(body) else {
        return (
            400,
            json!({}),
            Some(json!({"error": {"code": "BadRequest", "message": "Invalid request."}})),
        );
    };
    let resp = match app.clone().oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = resp.status().as_u16();
    let mut hdrs = Map::new();
    hdrs.insert("Cache-Control".into(), json!("no-cache"));
    if resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json;odata"))
    {
        hdrs.insert("OData-Version".into(), json!("4.0"));
    }
    for (k, v) in resp.headers() {
        if let Ok(v) = v.to_str() {
            if k == http::header::CONTENT_TYPE
                || k.as_str() == "retry-after"
                || k == http::header::LOCATION
            {
                hdrs.insert(canonical_header(k.as_str()), Value::String(v.to_string()));
            }
        }
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let body = if bytes.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        )
    };
    (status, Value::Object(hdrs), body)
}

/// Batch `url`s are often written unencoded (`$search="displayName:x"`); encode what a URI can't hold.
fn uri_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_graphic()
            && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
        {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}
