//! Starting the sim: listeners (HTTP and/or HTTPS), the router, the built app and its generated
//! `config.json` (`--serve-dir`), and the `/_sim/` admin endpoints.
//!
//! ```no_run
//! # async fn demo() -> Result<(), guestlist_sim::SimError> {
//! let sim = guestlist_sim::start(guestlist_sim::SimConfig::default()).await?;
//! let base = sim.base_url(); // e.g. "http://127.0.0.1:49152"
//! // ... point clients at `base` ...
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use crate::contract::{Knobs, ListenerScheme, RequestOrigin, TENANT_ID};
use crate::identity::{Identity, SIM_CLIENT_ID};
use crate::knobs::{self, ConnectionDropped, DropConnection, KnobRuntime, Service, ServiceLayer};
use crate::state::AppState;
use crate::store::Tenant;

/// How to run the sim. `Default`: HTTP on `127.0.0.1` with a free port, no HTTPS, seed 0, default
/// knobs, no app served.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Plain-HTTP listener (port 0 picks a free port).
    pub http: Option<SocketAddr>,
    /// HTTPS listener with a self-signed certificate made at start (port 0 picks a free port).
    pub https: Option<SocketAddr>,
    /// Seeds the tenant data, the signing key and the knobs' random faults.
    pub seed: u64,
    /// Directory of the built app (Trunk's `dist/`) to serve at `/`, with a generated `config.json`.
    pub serve_dir: Option<PathBuf>,
    /// Where to write the HTTPS certificate as PEM.
    pub cert_out: Option<PathBuf>,
    pub knobs: Knobs,
    /// Seed the large tenant on top of the default one (`seed::populate_large`: thousands of
    /// contacts and guests across hundreds of groups), for the register's bench and demo.
    pub large_tenant: bool,
    /// How long authorization codes stay redeemable (Entra: about 10 minutes).
    pub auth_code_lifetime: Duration,
    /// With `serve_dir`: the generated `config.json` points the app's Exchange calls at this
    /// sim's other loopback name (`127.0.0.1` ↔ `localhost`). The same server, but another
    /// origin to the browser, so the calls are cross-origin and the `exchangeCorsRefused` knob
    /// refuses them as a browser meets Exchange Online: script mode (`cargo xtask demo
    /// --script-mode`). Same-origin calls never meet CORS.
    pub app_exchange_cross_origin: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            http: Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)),
            https: None,
            seed: 0,
            serve_dir: None,
            cert_out: None,
            knobs: Knobs::default(),
            large_tenant: false,
            auth_code_lifetime: crate::identity::DEFAULT_CODE_LIFETIME,
            app_exchange_cross_origin: false,
        }
    }
}

/// Why the sim could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("no listener configured: give an HTTP and/or an HTTPS address")]
    NoListener,
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("cannot write the certificate to {path}: {source}")]
    CertOut {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--serve-dir {path} is not a directory with an index.html")]
    ServeDir { path: PathBuf },
    #[error("invalid knobs: {0}")]
    Knobs(#[from] knobs::KnobError),
}

/// A running sim. It serves until [`RunningSim::shutdown`] is awaited or the value is dropped.
pub struct RunningSim {
    /// `http://127.0.0.1:PORT` when an HTTP listener was asked for.
    pub http_url: Option<String>,
    /// `https://127.0.0.1:PORT` when an HTTPS listener was asked for (certificate: `cert_pem`).
    pub https_url: Option<String>,
    /// The self-signed certificate of the HTTPS listener, PEM.
    pub cert_pem: Option<String>,
    /// The shared state: tenant, knobs, identity. Tests may read or change it directly.
    pub state: AppState,
    control: Arc<Control>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl RunningSim {
    /// The HTTP URL if there is one, else the HTTPS URL.
    pub fn base_url(&self) -> &str {
        self.http_url
            .as_deref()
            .or(self.https_url.as_deref())
            .expect("at least one listener")
    }

    /// Authority for MSAL / token requests: `{base}/{tenant id}`.
    pub fn authority(&self) -> String {
        format!("{}/{TENANT_ID}", self.base_url())
    }

    /// Replaces the knobs (same as `PUT /_sim/config` with every field).
    pub fn set_knobs(&self, knobs: Knobs) -> Result<(), knobs::KnobError> {
        knobs::validate(&knobs)?;
        *self.state.knobs.write().expect("knobs lock") = knobs;
        Ok(())
    }

    /// Reseeds the tenant and the fault stream (same as `POST /_sim/reset`).
    pub fn reset(&self) {
        self.control.reset(&self.state, None);
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), and returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        let drain = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(5), drain)
            .await
            .is_err()
        {
            self.tasks.abort_all();
        }
    }
}

/// The seeded tenant (see `seed`), large or not.
fn seeded_tenant(seed: u64, large: bool) -> Tenant {
    if large {
        Tenant::seeded_large(seed)
    } else {
        Tenant::seeded(seed)
    }
}

/// Fresh shared state for `seed`: seeded tenant (the large one with `large`), the seed's signing
/// key, and `knobs`.
pub fn app_state(seed: u64, large: bool, knobs: Knobs) -> AppState {
    AppState {
        tenant: Arc::new(Mutex::new(seeded_tenant(seed, large))),
        tenancy: Arc::new(crate::tenancy::Tenancy::seeded(seed)),
        knobs: Arc::new(RwLock::new(knobs)),
        identity: Arc::new(Identity::new(seed)),
        graph_writes: Arc::default(),
    }
}

/// Admin-side handles the `/_sim/` endpoints need beyond `AppState`.
struct Control {
    seed: Mutex<u64>,
    large: bool,
    runtime: Arc<KnobRuntime>,
}

impl Control {
    fn reset(&self, state: &AppState, seed: Option<u64>) {
        let seed = {
            let mut s = self.seed.lock().expect("seed lock");
            if let Some(new) = seed {
                *s = new;
            }
            *s
        };
        let tenant = seeded_tenant(seed, self.large);
        *state.tenant.lock().expect("tenant lock") = tenant;
        state.tenancy.reset(seed);
        state.graph_writes.reset();
        self.runtime.reset(seed);
    }
}

/// Every route of the sim, ready to serve. `origins` are the sim's own origins (for the app's CSP).
fn router(
    state: AppState,
    control: Arc<Control>,
    serve_dir: Option<PathBuf>,
    origins: Vec<String>,
    exchange_cross_origin: bool,
) -> Router {
    let layer = |service| {
        axum::middleware::from_fn_with_state(
            ServiceLayer {
                runtime: control.runtime.clone(),
                service,
            },
            knobs::middleware,
        )
    };
    let mut app = Router::new()
        .merge(crate::identity::endpoints::router())
        .nest(
            "/v1.0",
            crate::graph::router(&state).layer(layer(Service::Graph)),
        )
        .nest(
            "/adminapi/beta/{tenant}",
            crate::exchange::router().layer(layer(Service::Exchange)),
        )
        .route("/_sim/config", get(get_config).put(put_config))
        .route("/_sim/state", get(get_state))
        .route("/_sim/reset", axum::routing::post(post_reset))
        .route("/_sim/deliver", axum::routing::post(post_deliver));
    if let Some(dir) = serve_dir {
        let site = Arc::new(Site {
            dir: dir.clone(),
            origins,
            exchange_cross_origin,
        });
        let index = get(serve_index).layer(Extension(site.clone()));
        app = app
            .route("/", index.clone())
            .route("/index.html", index.clone())
            .route(
                "/config.json",
                get(serve_config).layer(Extension(site.clone())),
            )
            // Client-side routes (anything that isn't a file) get the app's index page.
            .fallback_service(
                tower_http::services::ServeDir::new(dir).fallback(index.with_state(state.clone())),
            );
    }
    app.layer(Extension(control)).with_state(state)
}

async fn get_config(State(state): State<AppState>) -> Json<Knobs> {
    Json(state.knobs())
}

async fn put_config(State(state): State<AppState>, body: Bytes) -> Response {
    let patch: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": e.to_string() })),
            )
                .into_response()
        }
    };
    let merged = knobs::merge(&state.knobs(), patch);
    match merged {
        Ok(k) => {
            *state.knobs.write().expect("knobs lock") = k.clone();
            Json(k).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn get_state(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.tenant.lock().expect("tenant lock").snapshot())
}

/// `POST /_sim/deliver` `{"from": "<address>", "to": "<group address>"}`: the delivery oracle
/// (`exchange::deliver`; rules and sources in sim/README.md).
async fn post_deliver(State(state): State<AppState>, body: Bytes) -> Response {
    let v: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": e.to_string() })),
            )
                .into_response()
        }
    };
    let (Some(from), Some(to)) = (
        v.get("from").and_then(serde_json::Value::as_str),
        v.get("to").and_then(serde_json::Value::as_str),
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "the body needs \"from\" and \"to\" addresses" })),
        )
            .into_response();
    };
    let answer = crate::exchange::deliver(&state.tenant.lock().expect("tenant lock"), from, to);
    match answer {
        Ok(v) => Json(v).into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            Json(json!({ "error": e.message })),
        )
            .into_response(),
    }
}

/// `POST /_sim/reset`, optional body `{"seed": N}` to reseed with another seed.
async fn post_reset(
    State(state): State<AppState>,
    Extension(control): Extension<Arc<Control>>,
    body: Bytes,
) -> Response {
    let seed = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(v) => match v.get("seed") {
                None => None,
                Some(s) => match s.as_u64() {
                    Some(n) => Some(n),
                    None => {
                        return (
                            StatusCode::BAD_REQUEST,
                            Json(json!({ "error": "seed must be a non-negative integer" })),
                        )
                            .into_response()
                    }
                },
            },
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({ "error": e.to_string() })),
                )
                    .into_response()
            }
        }
    };
    control.reset(&state, seed);
    StatusCode::NO_CONTENT.into_response()
}

// ---------------------------------------------------------------------------------------------
// The served app

struct Site {
    dir: PathBuf,
    origins: Vec<String>,
    exchange_cross_origin: bool,
}

/// `config.json` pointing the app at this sim (keys as the app's `src/config.rs` reads them).
pub fn app_config(origin: &str) -> serde_json::Value {
    json!({
        "clientId": SIM_CLIENT_ID,
        "tenantId": TENANT_ID,
        "authority": origin,
        // MSAL 5's redirect-bridge page, shipped next to index.html (the app's default too).
        "redirectUri": format!("{origin}/redirect.html"),
        "graphBaseUrl": origin,
        "exchangeBaseUrl": origin,
    })
}

/// `origin` under the other loopback name: `http://127.0.0.1:8080` ↔ `http://localhost:8080`
/// (`None` for any other host).
pub fn other_loopback_origin(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        _ => (rest, None),
    };
    let other = match host {
        "127.0.0.1" => "localhost",
        "localhost" => "127.0.0.1",
        _ => return None,
    };
    Some(match port {
        Some(p) => format!("{scheme}://{other}:{p}"),
        None => format!("{scheme}://{other}"),
    })
}

async fn serve_config(
    Extension(site): Extension<Arc<Site>>,
    RequestOrigin(origin): RequestOrigin,
) -> Response {
    let mut config = app_config(&origin);
    if site.exchange_cross_origin {
        if let Some(other) = other_loopback_origin(&origin) {
            config["exchangeBaseUrl"] = json!(other);
        }
    }
    let mut resp = Json(config).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

async fn serve_index(
    Extension(site): Extension<Arc<Site>>,
    RequestOrigin(origin): RequestOrigin,
    _req: Request,
) -> Response {
    let path = site.dir.join("index.html");
    match tokio::fs::read_to_string(&path).await {
        Ok(html) => {
            let mut origins = site.origins.clone();
            if !origins.contains(&origin) {
                origins.push(origin);
            }
            let mut resp = Html(rewrite_csp(&html, &origins)).into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            resp
        }
        Err(_) => (StatusCode::NOT_FOUND, "index.html not found").into_response(),
    }
}

/// Adds `origins` to `connect-src` (and `frame-src`, used by silent sign-in iframes, when present)
/// of the Content-Security-Policy `<meta>` tag, whose defaults name Microsoft's hosts only.
pub fn rewrite_csp(html: &str, origins: &[String]) -> String {
    // Find the CSP `<meta>` in either form: as written (`http-equiv="…" content="…"`) or as Trunk's
    // release minifier leaves it (attributes reordered, `http-equiv=Content-Security-Policy`
    // unquoted). CSP values never contain `>`, so a tag ends at the first `>`.
    let lower = html.to_ascii_lowercase();
    let mut search_from = 0;
    let (tag_start, tag_end) = loop {
        let Some(rel) = lower[search_from..].find("<meta") else {
            return html.to_string();
        };
        let start = search_from + rel;
        let Some(end_rel) = lower[start..].find('>') else {
            return html.to_string();
        };
        let end = start + end_rel;
        let tag = &lower[start..end];
        if tag.contains("http-equiv") && tag.contains("content-security-policy") {
            break (start, end);
        }
        search_from = end;
    };
    let Some(content_rel) = lower[tag_start..tag_end].find("content=") else {
        return html.to_string();
    };
    let quote_pos = tag_start + content_rel + "content=".len();
    let quote = match html[quote_pos..].chars().next() {
        Some(q @ ('"' | '\'')) => q,
        _ => return html.to_string(),
    };
    let value_start = quote_pos + 1;
    let Some(value_len) = html[value_start..tag_end].find(quote) else {
        return html.to_string();
    };
    let value = &html[value_start..value_start + value_len];
    let extra = origins.join(" ");
    let mut directives: Vec<String> = value
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let name = d
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if name == "connect-src" || name == "frame-src" {
                format!("{d} {extra}")
            } else {
                d.to_string()
            }
        })
        .collect();
    if !directives
        .iter()
        .any(|d| d.to_ascii_lowercase().starts_with("connect-src"))
    {
        directives.push(format!("connect-src 'self' {extra}"));
    }
    format!(
        "{}{}{}",
        &html[..value_start],
        directives.join("; "),
        &html[value_start + value_len..]
    )
}

// ---------------------------------------------------------------------------------------------
// Listening

/// The origins a browser may use for a listener: `scheme://ip:port`, plus `localhost` for loopback
/// and unspecified addresses.
fn origins_for(scheme: &str, addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut out = Vec::new();
    match addr.ip() {
        ip if ip.is_unspecified() => {
            out.push(format!("{scheme}://127.0.0.1:{port}"));
            out.push(format!("{scheme}://localhost:{port}"));
        }
        IpAddr::V4(ip) => {
            out.push(format!("{scheme}://{ip}:{port}"));
            if ip.is_loopback() {
                out.push(format!("{scheme}://localhost:{port}"));
            }
        }
        IpAddr::V6(ip) => {
            out.push(format!("{scheme}://[{ip}]:{port}"));
            if ip.is_loopback() {
                out.push(format!("{scheme}://localhost:{port}"));
            }
        }
    }
    out
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, SimError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })
}

/// Starts the sim and returns once it is listening.
pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
    if config.http.is_none() && config.https.is_none() {
        return Err(SimError::NoListener);
    }
    knobs::validate(&config.knobs)?;
    if let Some(dir) = &config.serve_dir {
        if !dir.join("index.html").is_file() {
            return Err(SimError::ServeDir { path: dir.clone() });
        }
    }
    // Seeding the tenant and deriving the RSA key are CPU work (seconds in unoptimised builds):
    // off the async threads.
    let (seed, large, initial_knobs) = (config.seed, config.large_tenant, config.knobs.clone());
    let state = tokio::task::spawn_blocking(move || app_state(seed, large, initial_knobs))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    state.identity.set_code_lifetime(config.auth_code_lifetime);
    let runtime = Arc::new(KnobRuntime::new(state.knobs.clone(), config.seed));
    let control = Arc::new(Control {
        seed: Mutex::new(config.seed),
        large: config.large_tenant,
        runtime,
    });

    let http = match config.http {
        Some(a) => Some(bind(a).await?),
        None => None,
    };
    let https = match config.https {
        Some(a) => Some(bind(a).await?),
        None => None,
    };
    let tls = match &https {
        Some(_) => Some(crate::tls::self_signed()?),
        None => None,
    };
    if let (Some(tls), Some(path)) = (&tls, &config.cert_out) {
        std::fs::write(path, &tls.cert_pem).map_err(|source| SimError::CertOut {
            path: path.clone(),
            source,
        })?;
    }
    let local = |l: &TcpListener| l.local_addr().expect("bound listener has an address");
    let http_addr = http.as_ref().map(local);
    let https_addr = https.as_ref().map(local);
    let mut origins = Vec::new();
    if let Some(a) = http_addr {
        origins.extend(origins_for("http", a));
    }
    if let Some(a) = https_addr {
        origins.extend(origins_for("https", a));
    }
    let app = router(
        state.clone(),
        control.clone(),
        config.serve_dir.clone(),
        origins.clone(),
        config.app_exchange_cross_origin,
    );

    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    if let Some(l) = http {
        tasks.spawn(accept_loop(
            l,
            None,
            app.clone(),
            ListenerScheme("http"),
            shutdown_rx.clone(),
        ));
    }
    if let (Some(l), Some(tls)) = (https, &tls) {
        tasks.spawn(accept_loop(
            l,
            Some(tls.acceptor.clone()),
            app,
            ListenerScheme("https"),
            shutdown_rx,
        ));
    }
    let url = |scheme: &str, a: SocketAddr| {
        origins_for(scheme, a)
            .into_iter()
            .next()
            .expect("an origin")
    };
    Ok(RunningSim {
        http_url: http_addr.map(|a| url("http", a)),
        https_url: https_addr.map(|a| url("https", a)),
        cert_pem: tls.map(|t| t.cert_pem),
        state,
        control,
        shutdown,
        tasks,
    })
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Router,
    scheme: ListenerScheme,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let rx = shutdown.clone();
                match tls.clone() {
                    None => { conns.spawn(serve_connection(stream, app, scheme, rx)); }
                    Some(acceptor) => {
                        conns.spawn(async move {
                            // A failed handshake (e.g. an untrusting client) just ends this connection.
                            if let Ok(s) = acceptor.accept(stream).await {
                                serve_connection(s, app, scheme, rx).await;
                            }
                        });
                    }
                }
            }
            // Also fires when the sender is dropped: dropping the RunningSim stops the sim.
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

async fn serve_connection<I>(
    io: I,
    app: Router,
    scheme: ListenerScheme,
    mut shutdown: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            let app = app.clone();
            req.extensions_mut().insert(scheme);
            async move {
                let resp = app
                    .oneshot(req.map(axum::body::Body::new))
                    .await
                    .unwrap_or_else(|e| match e {});
                if resp.extensions().get::<DropConnection>().is_some() {
                    // hyper closes the connection without writing a response when the service fails.
                    Err(ConnectionDropped)
                } else {
                    Ok(resp)
                }
            }
        });
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
