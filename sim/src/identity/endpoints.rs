//! The OpenID Connect endpoints, at Entra's paths under the sim's origin:
//!
//! - `GET /{tenant}/v2.0/.well-known/openid-configuration` (also `/{tenant}/.well-known/…`)
//! - `GET|POST /{tenant}/oauth2/v2.0/authorize` — the sign-in page, then a redirect with the code
//! - `POST /{tenant}/oauth2/v2.0/token` — `authorization_code` (+PKCE), `refresh_token`, `password`
//! - `GET /{tenant}/oauth2/v2.0/logout`
//! - `GET /{tenant}/discovery/v2.0/keys` (and `/{tenant}/discovery/keys`)
//!
//! Protocol references:
//! <https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc>,
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow>,
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth-ropc>,
//! <https://learn.microsoft.com/entra/identity-platform/reference-error-codes>.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

use super::{REFRESH_TOKEN_LIFETIME, SPA_REFRESH_TOKEN_LIFETIME};
use crate::auth::{
    access_token_claims, account_by_oid, account_by_upn, canonical_resource, id_token_claims,
    roles_in,
};
use crate::contract::{
    Account, RegistrationProblem, RequestOrigin, GRAPH_AUDIENCE, HOME, TENANT_DOMAIN, TENANT_ID,
};
use crate::state::AppState;
use crate::tokens::{PendingCode, RefreshGrant};

/// Delegated Graph permissions the Guestlist app registration is configured with; what
/// `https://graph.microsoft.com/.default` grants.
pub const APP_GRAPH_PERMISSIONS: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "OrgContact.Read.All",
    "User.Invite.All",
    // Asked by incremental consent when a guest is deleted or restored, or an end date written.
    "User.ReadWrite.All",
];
/// What `https://outlook.office365.com/.default` grants.
pub const APP_EXCHANGE_PERMISSIONS: &[&str] = &["Exchange.Manage"];

const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
const SESSION_COOKIE: &str = "sim_session";

/// The OIDC routes, with CORS as Entra answers it on discovery, keys and token (MSAL.js calls them
/// with `fetch` from the app's origin).
pub fn router() -> Router<AppState> {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods(AllowMethods::list([
            Method::GET,
            Method::POST,
            Method::OPTIONS,
        ]))
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(std::time::Duration::from_secs(86400));
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/{tenant}/.well-known/openid-configuration", get(discovery))
        .route("/{tenant}/discovery/v2.0/keys", get(keys))
        .route("/{tenant}/discovery/keys", get(keys))
        .route("/{tenant}/oauth2/v2.0/token", axum::routing::post(token))
        .layer(cors)
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize_get).post(authorize_post),
        )
        .route("/{tenant}/oauth2/v2.0/logout", get(logout).post(logout))
        .route("/{tenant}/v2.0/adminconsent", get(admin_consent))
}

// ---------------------------------------------------------------------------------------------
// Errors in Entra's shape

/// An Entra STS error: `error` (OAuth code), `AADSTSnnnn` number and description.
#[derive(Debug, Clone)]
pub struct StsError {
    pub status: StatusCode,
    pub error: &'static str,
    pub code: u32,
    pub description: String,
    /// Entra's `suberror` (e.g. `consent_required`), which MSAL reads to tell an error that
    /// needs interaction from one a retry may fix.
    pub suberror: Option<&'static str>,
}

impl StsError {
    fn new(
        status: StatusCode,
        error: &'static str,
        code: u32,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error,
            code,
            description: description.into(),
            suberror: None,
        }
    }
    fn bad(error: &'static str, code: u32, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, code, description)
    }
    fn missing(param: &str) -> Self {
        Self::bad(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{param}'."),
        )
    }

    /// Body fields as Entra returns them (token endpoint JSON, or authorize redirect parameters).
    fn fields(&self, correlation_id: &str) -> Vec<(&'static str, Value)> {
        let trace_id = uuid::Uuid::new_v4().to_string();
        let timestamp = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
        let description = format!(
            "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
            self.code, self.description
        );
        let mut fields = vec![
            ("error", Value::from(self.error)),
            ("error_description", Value::from(description)),
            ("error_codes", json!([self.code])),
            ("timestamp", Value::from(timestamp)),
            ("trace_id", Value::from(trace_id)),
            ("correlation_id", Value::from(correlation_id)),
            (
                "error_uri",
                Value::from(format!(
                    "https://login.microsoftonline.com/error?code={}",
                    self.code
                )),
            ),
        ];
        if let Some(sub) = self.suberror {
            fields.push(("suberror", Value::from(sub)));
        }
        fields
    }

    fn into_json_response(self, correlation_id: &str) -> Response {
        let body: serde_json::Map<String, Value> = self
            .fields(correlation_id)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let mut resp = (self.status, Json(Value::Object(body))).into_response();
        no_store(&mut resp);
        resp
    }
}

fn no_store(resp: &mut Response) {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

fn correlation_id(headers: &HeaderMap, params: &BTreeMap<String, String>) -> String {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| params.get("client-request-id").cloned())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

// ---------------------------------------------------------------------------------------------
// Tenants

/// How the tenant segment of a path resolved.
struct TenantPath {
    /// Segment used in endpoint URLs (the tenant id, or `common`/`organizations`).
    segment: String,
    /// Tenant part of the issuer: the id, or Entra's literal `{tenantid}` template for multi-tenant
    /// authorities.
    issuer_tenant: &'static str,
    /// The tenant a token from here is for; `None` at `common`/`organizations`, where it is the
    /// account's own.
    id: Option<&'static str>,
}

/// Every tenant of the sim has its authority: the home tenant, the partner's and each customer's
/// (`crate::tenancy`), by id or initial domain.
fn resolve_tenant(tenant: &str) -> Result<TenantPath, StsError> {
    let t = tenant.to_ascii_lowercase();
    if let Some(org) = crate::tenancy::organization(&t) {
        Ok(TenantPath {
            segment: org.id.to_string(),
            issuer_tenant: org.id,
            id: Some(org.id),
        })
    } else if t == "common" || t == "organizations" {
        Ok(TenantPath {
            segment: t,
            issuer_tenant: "{tenantid}",
            id: None,
        })
    } else {
        Err(StsError::bad(
            "invalid_tenant",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        ))
    }
}

/// The v2.0 issuer for this sim and tenant `tid`: `{origin}/{tenant id}/v2.0`.
pub fn issuer(origin: &str, tid: &str) -> String {
    format!("{origin}/{tid}/v2.0")
}

/// Which tenant a token for `account` requested at `path` is for, or why Entra refuses it. At a
/// customer's authority a partner's admin needs a GDAP relationship there (else AADSTS50020, as
/// for any account foreign to the tenant), and the app needs the customer's admin consent: until
/// then it has no service principal there and Entra answers AADSTS65001, "The user or
/// administrator has not consented to use the application"
/// (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>).
fn enter(
    state: &AppState,
    path: &TenantPath,
    account: &Account,
    client_id: &str,
    error: &'static str,
) -> Result<&'static str, StsError> {
    let Some(tid) = path.id else {
        return Ok(account.tenant_id);
    };
    if roles_in(state, account, tid).is_none() {
        return Err(StsError::bad(
            "invalid_request",
            50020,
            format!(
                "User account '{}' from identity provider 'https://sts.windows.net/{}/' does not exist in tenant '{tid}' and cannot access the application '{client_id}'(Guestlist) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account.",
                account.upn, account.tenant_id
            ),
        ));
    }
    if !state.tenancy.consented(tid) {
        let mut e = StsError::bad(
            error,
            65001,
            format!(
                "The user or administrator has not consented to use the application with ID '{client_id}' named 'Guestlist'. Send an interactive authorization request for this user and resource."
            ),
        );
        e.suberror = Some("consent_required");
        return Err(e);
    }
    Ok(tid)
}

/// The per-user consent check ([`check_consent`]) is the home tenant's business: in another
/// tenant the app runs on that tenant's admin consent ([`enter`]).
fn check_user_consent(
    state: &AppState,
    tid: &str,
    account: &Account,
    client_id: &str,
    scope: &str,
    error: &'static str,
) -> Result<(), StsError> {
    if tid.eq_ignore_ascii_case(account.tenant_id) {
        check_consent(state, client_id, &account.oid, scope, error)
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Discovery and keys

async fn discovery(
    State(_): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    Path(tenant): Path<String>,
) -> Response {
    let t = match resolve_tenant(&tenant) {
        Ok(t) => t,
        Err(e) => return e.into_json_response(&uuid::Uuid::new_v4().to_string()),
    };
    let base = format!("{origin}/{}", t.segment);
    Json(json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{origin}/{}/v2.0", t.issuer_tenant),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": [
            "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
            "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
            "name", "tid", "ver", "at_hash", "c_hash", "email"
        ],
        "code_challenge_methods_supported": ["plain", "S256"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    }))
    .into_response()
}

/// The tenant id a path names, the home tenant's for `common`/`organizations`.
fn t_id_or_home(tenant: &str) -> &'static str {
    resolve_tenant(tenant)
        .ok()
        .and_then(|t| t.id)
        .unwrap_or(HOME.id)
}

async fn keys(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    Path(tenant): Path<String>,
) -> Response {
    if let Err(e) = resolve_tenant(&tenant) {
        return e.into_json_response(&uuid::Uuid::new_v4().to_string());
    }
    let tid = t_id_or_home(&tenant);
    Json(state.identity.jwks(&issuer(&origin, tid))).into_response()
}

// ---------------------------------------------------------------------------------------------
// Scopes

/// A token request's `scope`, resolved to one resource.
#[derive(Debug, Clone)]
pub(crate) struct ScopeRequest {
    /// `aud` of the access token.
    pub audience: &'static str,
    /// The resource scopes as the client wrote them (echoed in the response's `scope`).
    pub as_requested: Vec<String>,
    /// Short permission names for `scp`.
    pub scp: Vec<String>,
    /// openid / profile / email / offline_access, lower-case.
    pub oidc: Vec<String>,
}

impl ScopeRequest {
    fn has(&self, oidc_scope: &str) -> bool {
        self.oidc.iter().any(|s| s == oidc_scope)
    }

    /// The `scope` field of the token response: granted resource scopes plus the OIDC ones Entra
    /// echoes (it leaves out `offline_access`).
    fn response_scope(&self) -> String {
        let mut out: Vec<String> = self
            .oidc
            .iter()
            .filter(|s| *s != "offline_access")
            .cloned()
            .collect();
        out.extend(self.as_requested.iter().cloned());
        out.join(" ")
    }
}

/// Checks the `scope` of an authorize request. Unlike the token endpoint, `/authorize` accepts
/// permissions of several resources at once: that is how an app asks consent for all of them up
/// front (MSAL's `extraScopesToConsent`); the code is then redeemed for one resource at a time.
/// <https://learn.microsoft.com/entra/identity-platform/permissions-consent-overview#requesting-individual-user-consent>
/// Each resource's permissions are still checked as the token endpoint would.
pub(crate) fn parse_consent_scope(scope: &str) -> Result<(), StsError> {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    let mut oidc = Vec::new();
    for item in scope.split_whitespace() {
        if OIDC_SCOPES.contains(&item.to_ascii_lowercase().as_str()) {
            oidc.push(item);
            continue;
        }
        let resource = match item.rsplit_once('/') {
            Some((r, _)) => r.to_ascii_lowercase(),
            None => "https://graph.microsoft.com".to_string(),
        };
        match groups.iter_mut().find(|(r, _)| *r == resource) {
            Some((_, items)) => items.push(item),
            None => groups.push((resource, vec![item])),
        }
    }
    if groups.is_empty() {
        parse_scope(&oidc.join(" "))?;
    }
    for (_, items) in groups {
        let one_resource: Vec<&str> = oidc.iter().copied().chain(items).collect();
        parse_scope(&one_resource.join(" "))?;
    }
    Ok(())
}

/// Resolves a scope string: one resource per request (Entra: AADSTS28000), short names mean Graph,
/// `.default` means the app's configured permissions, no resource scope means Graph `User.Read`.
pub(crate) fn parse_scope(scope: &str) -> Result<ScopeRequest, StsError> {
    let mut audience: Option<&'static str> = None;
    let mut as_requested = Vec::new();
    let mut scp: Vec<String> = Vec::new();
    let mut oidc = Vec::new();
    let mut has_default = false;
    let invalid = |s: &str| {
        StsError::bad(
            "invalid_scope",
            70011,
            format!("The provided value for the input parameter 'scope' isn't valid. The scope {s} isn't valid."),
        )
    };
    for item in scope.split_whitespace() {
        let lower = item.to_ascii_lowercase();
        if OIDC_SCOPES.contains(&lower.as_str()) {
            if !oidc.contains(&lower) {
                oidc.push(lower);
            }
            continue;
        }
        let (resource, permission) = match item.rsplit_once('/') {
            Some((r, p)) if r.contains("://") || canonical_resource(r).is_some() => (r, p),
            Some(_) => return Err(invalid(item)),
            None => ("https://graph.microsoft.com", item),
        };
        let Some(aud) = canonical_resource(resource) else {
            return Err(StsError::bad(
                "invalid_resource",
                500011,
                format!(
                    "The resource principal named {resource} was not found in the tenant named {TENANT_DOMAIN}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
                ),
            ));
        };
        if permission.is_empty() {
            return Err(invalid(item));
        }
        match audience {
            Some(a) if a != aud => {
                return Err(StsError::bad(
                    "invalid_scope",
                    28000,
                    format!(
                        "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid."
                    ),
                ))
            }
            _ => audience = Some(aud),
        }
        as_requested.push(item.to_string());
        if permission == ".default" {
            has_default = true;
            let set = if aud == GRAPH_AUDIENCE {
                APP_GRAPH_PERMISSIONS
            } else {
                APP_EXCHANGE_PERMISSIONS
            };
            scp.extend(set.iter().map(|s| s.to_string()));
        } else if !scp.iter().any(|s| s.eq_ignore_ascii_case(permission)) {
            scp.push(permission.to_string());
        }
    }
    if has_default && as_requested.len() > 1 {
        return Err(StsError::bad(
            "invalid_scope",
            70011,
            format!(
                "The provided value for the input parameter 'scope' isn't valid. The scope {scope} isn't valid. static scope limit exceeded."
            ),
        ));
    }
    let audience = match audience {
        Some(a) => a,
        None => {
            // Only OIDC scopes: Entra returns a Graph token for User.Read.
            scp.push("User.Read".to_string());
            GRAPH_AUDIENCE
        }
    };
    if audience == GRAPH_AUDIENCE {
        // Graph tokens carry the OIDC consent in `scp` too ("openid profile User.Read email").
        let mut with_oidc: Vec<String> = oidc
            .iter()
            .filter(|s| *s != "offline_access")
            .cloned()
            .collect();
        with_oidc.append(&mut scp);
        scp = with_oidc;
    }
    Ok(ScopeRequest {
        audience,
        as_requested,
        scp,
        oidc,
    })
}

// ---------------------------------------------------------------------------------------------
// Consent
//
// A delegated permission needs the user's (or an admin's) consent before Entra issues a token
// with it. An interactive sign-in consents to everything its `scope` names; a silent request
// (refresh token, `prompt=none`) for a permission nobody consented to fails with AADSTS65001
// and suberror `consent_required`, which MSAL turns into an InteractionRequiredAuthError, so
// the app has to ask again interactively (incremental consent).
// https://learn.microsoft.com/entra/identity-platform/permissions-consent-overview
// https://learn.microsoft.com/troubleshoot/entra/entra-id/app-integration/troubleshoot-consent-issues
// The password grant (ROPC) stands for test automation and is treated as consented: it can't
// show a consent prompt, and Entra requires consent to be granted before it is used.

/// The delegated permissions a scope string names, as `aud/permission` in lower case. OIDC
/// scopes need no consent here, and `.default` stands for the permissions an admin configured.
fn consent_items(scope: &str) -> Vec<String> {
    scope
        .split_whitespace()
        .filter_map(|item| {
            if OIDC_SCOPES.contains(&item.to_ascii_lowercase().as_str()) {
                return None;
            }
            let (resource, permission) = item
                .rsplit_once('/')
                .unwrap_or(("https://graph.microsoft.com", item));
            let aud = canonical_resource(resource)?;
            (!permission.is_empty() && permission != ".default")
                .then(|| format!("{aud}/{}", permission.to_ascii_lowercase()))
        })
        .collect()
}

/// Records that the user consented, at an interactive sign-in, to what `scope` names.
fn record_consent(state: &AppState, client_id: &str, oid: &str, scope: &str) {
    let mut grants = state.identity.grants.lock().expect("grants lock");
    grants
        .consents
        .entry((client_id.to_string(), oid.to_string()))
        .or_default()
        .extend(consent_items(scope));
}

/// AADSTS65001 when `scope` names a permission the user hasn't consented to for this app.
fn check_consent(
    state: &AppState,
    client_id: &str,
    oid: &str,
    scope: &str,
    error: &'static str,
) -> Result<(), StsError> {
    let grants = state.identity.grants.lock().expect("grants lock");
    let consented = grants
        .consents
        .get(&(client_id.to_string(), oid.to_string()));
    let missing = consent_items(scope)
        .into_iter()
        .any(|item| !consented.is_some_and(|c| c.contains(&item)));
    if !missing {
        return Ok(());
    }
    let mut e = StsError::bad(
        error,
        65001,
        format!(
            "The user or administrator has not consented to use the application with ID '{client_id}' named 'Guestlist'. Send an interactive authorization request for this user and resource."
        ),
    );
    e.suberror = Some("consent_required");
    Err(e)
}

// ---------------------------------------------------------------------------------------------
// Token issuance

struct Issue<'a> {
    account: &'a Account,
    /// The tenant the tokens are for ([`enter`]).
    tid: &'a str,
    client_id: &'a str,
    scope: &'a ScopeRequest,
    nonce: Option<&'a str>,
    origin: &'a str,
    spa: bool,
    client_info: bool,
}

/// `client_info`: the account's home (`utid`), whichever tenant the tokens are for, which is
/// how MSAL knows a customer's tokens belong to the same signed-in account.
fn client_info(account: &Account) -> String {
    B64URL.encode(json!({ "uid": account.oid, "utid": account.tenant_id }).to_string())
}

fn issue_tokens(state: &AppState, req: Issue<'_>) -> Response {
    let lifetime = state.knobs().token_lifetime_secs;
    let identity = &state.identity;
    // `wids` name the roles held in the token's tenant (a customer's: the GDAP relationship's).
    let in_tenant = Account {
        roles: roles_in(state, req.account, req.tid).unwrap_or_default(),
        ..req.account.clone()
    };
    let access_claims = access_token_claims(
        &in_tenant,
        req.tid,
        req.scope.audience,
        req.client_id,
        &req.scope.scp.join(" "),
        lifetime,
        &identity.random_token(16),
    );
    let mut body = json!({
        "token_type": "Bearer",
        "scope": req.scope.response_scope(),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": identity.sign(&access_claims),
    });
    if req.scope.has("offline_access") {
        let rt = format!("1.{}", identity.random_token(48));
        let lifetime = if req.spa {
            SPA_REFRESH_TOKEN_LIFETIME
        } else {
            REFRESH_TOKEN_LIFETIME
        };
        identity.grants.lock().expect("grants lock").refresh.insert(
            rt.clone(),
            RefreshGrant {
                client_id: req.client_id.to_string(),
                oid: req.account.oid.clone(),
                expires: Instant::now() + lifetime,
                spa: req.spa,
            },
        );
        body["refresh_token"] = Value::from(rt);
        if req.spa {
            body["refresh_token_expires_in"] = Value::from(lifetime.as_secs());
        }
    }
    if req.scope.has("openid") {
        let sid = B64URL.encode(&Sha256::digest(req.account.oid.as_bytes())[..16]);
        let claims = id_token_claims(
            req.account,
            req.tid,
            &issuer(req.origin, req.tid),
            req.client_id,
            req.nonce,
            &sid,
            &identity.random_token(16),
        );
        body["id_token"] = Value::from(identity.sign(&claims));
    }
    if req.client_info {
        body["client_info"] = Value::from(client_info(req.account));
    }
    let mut resp = Json(body).into_response();
    no_store(&mut resp);
    resp
}

fn parse_form(body: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// `POST /{tenant}/oauth2/v2.0/token`.
async fn token(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    Path(tenant): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = parse_form(&body);
    let correlation = correlation_id(&headers, &query);
    match token_inner(&state, &origin, &tenant, &params, &query, &headers) {
        Ok(resp) => resp,
        Err(e) => e.into_json_response(&correlation),
    }
}

fn token_inner(
    state: &AppState,
    origin: &str,
    tenant: &str,
    params: &BTreeMap<String, String>,
    query: &BTreeMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, StsError> {
    let path = resolve_tenant(tenant)?;
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let grant_type = get("grant_type").ok_or_else(|| StsError::missing("grant_type"))?;
    let client_id = get("client_id").ok_or_else(|| StsError::missing("client_id"))?;
    // A cross-origin (browser) redemption marks the client as a single-page app.
    let spa = headers.contains_key(header::ORIGIN);
    let request_origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if let Some(e) = token_registration_error(state, client_id, grant_type, request_origin) {
        return Err(e);
    }
    let client_info = get("client_info") == Some("1")
        || query.get("client_info").map(String::as_str) == Some("1");
    match grant_type {
        "authorization_code" => {
            let code = get("code").ok_or_else(|| StsError::missing("code"))?;
            let redirect_uri =
                get("redirect_uri").ok_or_else(|| StsError::missing("redirect_uri"))?;
            let lifetime = state.identity.code_lifetime();
            let pending = {
                let mut grants = state.identity.grants.lock().expect("grants lock");
                let Some(pending) = grants.codes.get_mut(code) else {
                    return Err(StsError::bad(
                        "invalid_grant",
                        9002313,
                        "Invalid request. Request is malformed or invalid.",
                    ));
                };
                if pending.redeemed {
                    return Err(StsError::bad(
                        "invalid_grant",
                        54005,
                        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
                    ));
                }
                if pending.issued.elapsed() >= lifetime {
                    return Err(StsError::bad(
                        "invalid_grant",
                        70008,
                        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
                    ));
                }
                if pending.client_id != client_id {
                    return Err(StsError::bad(
                        "invalid_grant",
                        70000,
                        "The provided value for the 'code' parameter is not valid. The code was issued to a different client.",
                    ));
                }
                if pending.redirect_uri != redirect_uri {
                    return Err(StsError::new(
                        StatusCode::UNAUTHORIZED,
                        "invalid_client",
                        500112,
                        format!(
                            "The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
                            pending.redirect_uri
                        ),
                    ));
                }
                match pending.code_challenge.as_deref() {
                    Some(challenge) => {
                        let verifier = get("code_verifier").unwrap_or("");
                        let method = pending.code_challenge_method.as_deref().unwrap_or("plain");
                        let computed = if method.eq_ignore_ascii_case("S256") {
                            B64URL.encode(Sha256::digest(verifier.as_bytes()))
                        } else {
                            verifier.to_string()
                        };
                        if verifier.is_empty() || computed != challenge {
                            return Err(StsError::bad(
                                "invalid_grant",
                                50148,
                                "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
                            ));
                        }
                    }
                    None if spa => {
                        return Err(StsError::bad(
                            "invalid_request",
                            9002325,
                            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
                        ));
                    }
                    None => {}
                }
                pending.redeemed = true;
                pending.clone()
            };
            let scope_text = get("scope").unwrap_or(&pending.scope);
            let scope = parse_scope(scope_text)?;
            let account = account_by_oid(state, &pending.oid).ok_or_else(user_gone)?;
            let tid = enter(state, &path, &account, client_id, "invalid_grant")?;
            check_user_consent(state, tid, &account, client_id, scope_text, "invalid_grant")?;
            Ok(issue_tokens(
                state,
                Issue {
                    account: &account,
                    tid,
                    client_id,
                    scope: &scope,
                    nonce: pending.nonce.as_deref(),
                    origin,
                    spa,
                    client_info,
                },
            ))
        }
        "refresh_token" => {
            let rt = get("refresh_token").ok_or_else(|| StsError::missing("refresh_token"))?;
            let grant = {
                let grants = state.identity.grants.lock().expect("grants lock");
                grants.refresh.get(rt).cloned()
            };
            let Some(grant) = grant else {
                return Err(StsError::bad(
                    "invalid_grant",
                    9002313,
                    "Invalid request. Request is malformed or invalid.",
                ));
            };
            if Instant::now() >= grant.expires {
                return Err(if grant.spa {
                    StsError::bad(
                        "invalid_grant",
                        700084,
                        "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page.",
                    )
                } else {
                    StsError::bad(
                        "invalid_grant",
                        70008,
                        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
                    )
                });
            }
            if grant.client_id != client_id {
                return Err(StsError::bad(
                    "invalid_grant",
                    70000,
                    "Provided grant is invalid or malformed. The refresh token was issued to a different client.",
                ));
            }
            let scope_text = get("scope").ok_or_else(|| StsError::missing("scope"))?;
            let scope = parse_scope(scope_text)?;
            let account = account_by_oid(state, &grant.oid).ok_or_else(user_gone)?;
            // Entra's refresh tokens are multi-tenant: redeemed at a customer's authority, they
            // give that tenant's tokens (MSAL's silent request with `authority`).
            let tid = enter(state, &path, &account, client_id, "invalid_grant")?;
            if grant.spa {
                check_user_consent(state, tid, &account, client_id, scope_text, "invalid_grant")?;
            }
            Ok(issue_tokens(
                state,
                Issue {
                    account: &account,
                    tid,
                    client_id,
                    scope: &scope,
                    nonce: None,
                    origin,
                    spa: grant.spa,
                    client_info,
                },
            ))
        }
        "password" => {
            let username = get("username").ok_or_else(|| StsError::missing("username"))?;
            let password = get("password").ok_or_else(|| StsError::missing("password"))?;
            let scope = parse_scope(get("scope").ok_or_else(|| StsError::missing("scope"))?)?;
            let account = check_credentials(state, username, password)?;
            let tid = enter(state, &path, &account, client_id, "invalid_grant")?;
            Ok(issue_tokens(
                state,
                Issue {
                    account: &account,
                    tid,
                    client_id,
                    scope: &scope,
                    nonce: None,
                    origin,
                    spa,
                    client_info,
                },
            ))
        }
        other => Err(StsError::bad(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

fn user_gone() -> StsError {
    StsError::bad(
        "invalid_grant",
        50034,
        "The user account does not exist in the directory.",
    )
}

fn check_credentials(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<Account, StsError> {
    let account = account_by_upn(state, username).ok_or_else(|| {
        StsError::bad(
            "invalid_grant",
            50034,
            format!(
                "The user account {{EmailHidden}} does not exist in the {TENANT_ID} directory. To sign into this application, the account must be added to the directory."
            ),
        )
    })?;
    if account.password != password {
        return Err(StsError::bad(
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        ));
    }
    Ok(account)
}

// ---------------------------------------------------------------------------------------------
// A misregistered app (the `registrationProblem` knob)
//
// What Entra answers when the app registration doesn't match the deployment. The codes and texts
// are Entra's (https://learn.microsoft.com/entra/identity-platform/reference-error-codes); where
// each answer goes follows OAuth 2.0 (RFC 6749 §4.1.2.1): a bad redirect URI or client id is
// never redirected to, the authorization server shows its own error page instead.

/// AADSTS50011 or AADSTS700016 at `/authorize`: shown on Entra's own page, the app never sees it.
fn registration_error(state: &AppState, req: &AuthorizeRequest) -> Option<StsError> {
    match state.knobs().registration_problem? {
        // Entra's wording, e.g. CommunityToolkit/Graph-Controls#188.
        RegistrationProblem::RedirectUriNotRegistered => Some(StsError::bad(
            "invalid_request",
            50011,
            format!(
                "The redirect URI '{}' specified in the request does not match the redirect URIs configured for the application '{}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
                req.redirect_uri, req.client_id
            ),
        )),
        RegistrationProblem::UnknownClient => Some(unknown_client(&req.client_id)),
        RegistrationProblem::WebPlatform | RegistrationProblem::ConsentBlocked => None,
    }
}

/// AADSTS700016 (UnauthorizedClient_DoesNotMatchRequest): no application with this client id in
/// the directory.
fn unknown_client(client_id: &str) -> StsError {
    StsError::bad(
        "unauthorized_client",
        700016,
        format!(
            "Application with identifier '{client_id}' was not found in the directory '{TENANT_DOMAIN}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ),
    )
}

/// What `/token` refuses for a misregistered app: every grant for an unknown client id
/// (`unauthorized_client`, AADSTS700016), and a browser's (cross-origin: `Origin` header)
/// redemption when the redirect URI is registered under *Web* rather than *Single-page
/// application* (AADSTS9002326; Entra only lets `spa` redirect URIs redeem cross-origin:
/// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#redirect-uris-for-single-page-apps-spas).
fn token_registration_error(
    state: &AppState,
    client_id: &str,
    grant_type: &str,
    origin: Option<&str>,
) -> Option<StsError> {
    match state.knobs().registration_problem? {
        RegistrationProblem::UnknownClient => Some(unknown_client(client_id)),
        RegistrationProblem::WebPlatform
            if matches!(grant_type, "authorization_code" | "refresh_token") =>
        {
            origin.map(|o| {
                StsError::bad(
                    "invalid_request",
                    9002326,
                    format!(
                        "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{o}'."
                    ),
                )
            })
        }
        _ => None,
    }
}

/// Entra's "Need admin approval" page (AADSTS90094: the app asks permissions only an admin may
/// grant, and users may not consent:
/// https://learn.microsoft.com/entra/identity/enterprise-apps/application-sign-in-unexpected-user-consent-error).
/// Its way back to the app posts here again with `consent_declined`, which answers as Entra does
/// when a consent page is left without consent: `error=access_denied`, AADSTS65004 on the
/// redirect (as reported in MicrosoftDocs/azure-docs#114009).
fn need_admin_approval_page(p: &BTreeMap<String, String>) -> Response {
    let hidden: String = p
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "login" | "passwd"))
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Need admin approval</title></head>\
         <body><main><h1>Need admin approval</h1>\
         <p id=\"error\">Guestlist needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it. (AADSTS90094)</p>\
         <form method=\"post\">{hidden}<input type=\"hidden\" name=\"consent_declined\" value=\"1\">\
         <button type=\"submit\">Return to the application without granting consent</button></form></main></body></html>"
    );
    let mut resp = Html(html).into_response();
    no_store(&mut resp);
    resp
}

fn consent_declined() -> StsError {
    StsError::bad(
        "access_denied",
        65004,
        "User declined to consent to access the app.",
    )
}

// ---------------------------------------------------------------------------------------------
// Authorize (sign-in page)

/// Problems that Entra shows on its own error page instead of redirecting (nothing trustworthy to
/// redirect to).
fn error_page(e: &StsError, correlation: &str) -> Response {
    let fields = e.fields(correlation);
    let desc = fields
        .iter()
        .find(|(k, _)| *k == "error_description")
        .map(|(_, v)| v.as_str().unwrap_or(""))
        .unwrap_or("");
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head>\
         <body><main><h1>Sorry, but we're having trouble signing you in.</h1><p id=\"error\" role=\"alert\">{}</p></main></body></html>",
        html_escape(desc)
    );
    (e.status, Html(html)).into_response()
}

/// A validated authorize request.
struct AuthorizeRequest {
    tenant: TenantPath,
    client_id: String,
    redirect_uri: url::Url,
    response_mode: String,
    state: Option<String>,
}

fn validate_authorize(
    tenant: &str,
    p: &BTreeMap<String, String>,
) -> Result<AuthorizeRequest, StsError> {
    let tenant = resolve_tenant(tenant)?;
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = get("client_id").ok_or_else(|| StsError::missing("client_id"))?;
    let redirect = get("redirect_uri").ok_or_else(|| StsError::missing("redirect_uri"))?;
    let redirect_uri = url::Url::parse(redirect)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none())
        .ok_or_else(|| {
            StsError::bad(
                "invalid_request",
                50011,
                format!(
                    "The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
                ),
            )
        })?;
    let response_mode = get("response_mode").unwrap_or("query").to_string();
    if !matches!(response_mode.as_str(), "query" | "fragment" | "form_post") {
        return Err(StsError::bad(
            "invalid_request",
            900144,
            format!("The provided value for the input parameter 'response_mode' is not valid: '{response_mode}'."),
        ));
    }
    Ok(AuthorizeRequest {
        tenant,
        client_id: client_id.to_string(),
        redirect_uri,
        response_mode,
        state: get("state").map(str::to_string),
    })
}

/// Errors Entra sends back to the app's redirect URI.
fn check_redirectable(p: &BTreeMap<String, String>) -> Result<(), StsError> {
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    match get("response_type") {
        Some("code") => {}
        Some(other) => {
            return Err(StsError::bad(
                "unsupported_response_type",
                700054,
                format!("response_type '{other}' is not enabled for the application."),
            ))
        }
        None => return Err(StsError::missing("response_type")),
    }
    parse_consent_scope(get("scope").ok_or_else(|| StsError::missing("scope"))?)?;
    if let Some(m) = get("code_challenge_method") {
        if !(m == "S256" || m == "plain") {
            return Err(StsError::bad(
                "invalid_request",
                501491,
                format!("Invalid size of Code_Challenge parameter or unsupported method '{m}'."),
            ));
        }
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986 unreserved characters (so a `+` or space in `state`
/// survives both `URLSearchParams` and `decodeURIComponent`).
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `302 Found` redirect, as Entra sends (the browser follows it with GET, also after the sign-in
/// form's POST).
fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Sends `params` back to the app as the request's response_mode asks.
fn respond_to_client(
    req: &AuthorizeRequest,
    params: Vec<(&str, String)>,
    extra: Option<HeaderValue>,
) -> Response {
    let mut resp = match req.response_mode.as_str() {
        "form_post" => {
            let inputs: String = params
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                        html_escape(k),
                        html_escape(v)
                    )
                })
                .collect();
            Html(format!(
                "<!doctype html><html><head><title>Working...</title></head><body>\
                 <form method=\"POST\" name=\"hiddenform\" action=\"{}\">{inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"></noscript></form>\
                 <script>document.forms[0].submit();</script></body></html>",
                html_escape(req.redirect_uri.as_str())
            ))
            .into_response()
        }
        mode => {
            let encoded: Vec<String> = params
                .iter()
                .map(|(k, v)| format!("{k}={}", pct(v)))
                .collect();
            let encoded = encoded.join("&");
            let mut target = req.redirect_uri.clone();
            if mode == "fragment" {
                target.set_fragment(Some(&encoded));
            } else {
                let q = match target.query() {
                    Some(existing) if !existing.is_empty() => format!("{existing}&{encoded}"),
                    _ => encoded,
                };
                target.set_query(Some(&q));
            }
            found(target.as_str())
        }
    };
    if let Some(cookie) = extra {
        resp.headers_mut().append(header::SET_COOKIE, cookie);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    resp
}

fn redirect_error(req: &AuthorizeRequest, e: &StsError, correlation: &str) -> Response {
    let mut params: Vec<(&str, String)> = e
        .fields(correlation)
        .into_iter()
        .filter(|(k, _)| matches!(*k, "error" | "error_description" | "error_uri"))
        .map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_default()))
        .collect();
    if let Some(s) = &req.state {
        params.push(("state", s.clone()));
    }
    respond_to_client(req, params, None)
}

fn issue_code(
    state: &AppState,
    req: &AuthorizeRequest,
    p: &BTreeMap<String, String>,
    account: &Account,
    session: &str,
) -> Response {
    let get = |k: &str| p.get(k).filter(|v| !v.is_empty()).cloned();
    let code = format!("1.{}", state.identity.random_token(48));
    state
        .identity
        .grants
        .lock()
        .expect("grants lock")
        .codes
        .insert(
            code.clone(),
            PendingCode {
                client_id: req.client_id.clone(),
                redirect_uri: p.get("redirect_uri").cloned().unwrap_or_default(),
                scope: get("scope").unwrap_or_default(),
                nonce: get("nonce"),
                code_challenge: get("code_challenge"),
                code_challenge_method: get("code_challenge_method"),
                oid: account.oid.clone(),
                issued: Instant::now(),
                redeemed: false,
            },
        );
    let mut params = vec![("code", code)];
    if get("client_info").as_deref() == Some("1") {
        params.push(("client_info", client_info(account)));
    }
    if let Some(s) = &req.state {
        params.push(("state", s.clone()));
    }
    params.push(("session_state", session.to_string()));
    let cookie = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax"
    ))
    .ok();
    respond_to_client(req, params, cookie)
}

fn session_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The browser's live sign-in session (its cookie) and the account signed in with it.
fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<(String, Account)> {
    let sid = session_from(headers)?;
    let oid = state
        .identity
        .grants
        .lock()
        .expect("grants lock")
        .sessions
        .get(&sid)
        .cloned()?;
    Some((sid, account_by_oid(state, &oid)?))
}

async fn authorize_get(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    Query(p): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let correlation = correlation_id(&headers, &p);
    let req = match validate_authorize(&tenant, &p) {
        Ok(r) => r,
        Err(e) => return error_page(&e, &correlation),
    };
    if let Some(e) = registration_error(&state, &req) {
        return error_page(&e, &correlation);
    }
    if let Err(e) = check_redirectable(&p) {
        return redirect_error(&req, &e, &correlation);
    }
    if p.get("prompt").map(String::as_str) == Some("none") {
        // Silent sign-in: only with a live session (Entra: AADSTS50058 otherwise).
        return match signed_in(&state, &headers) {
            Some((sid, account)) => {
                let scope = p.get("scope").map(String::as_str).unwrap_or_default();
                let checked = enter(
                    &state,
                    &req.tenant,
                    &account,
                    &req.client_id,
                    "consent_required",
                )
                .and_then(|tid| {
                    check_user_consent(
                        &state,
                        tid,
                        &account,
                        &req.client_id,
                        scope,
                        "consent_required",
                    )
                });
                match checked {
                    Ok(()) => issue_code(&state, &req, &p, &account, &sid),
                    Err(e) => redirect_error(&req, &e, &correlation),
                }
            }
            None => redirect_error(
                &req,
                &StsError::bad(
                    "login_required",
                    50058,
                    "A silent sign-in request was sent but no user is signed in.",
                ),
                &correlation,
            ),
        };
    }
    signin_page(&state, &p, None)
}

async fn authorize_post(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = parse_form(&body);
    let correlation = correlation_id(&headers, &p);
    let req = match validate_authorize(&tenant, &p) {
        Ok(r) => r,
        Err(e) => return error_page(&e, &correlation),
    };
    if let Some(e) = registration_error(&state, &req) {
        return error_page(&e, &correlation);
    }
    if let Err(e) = check_redirectable(&p) {
        return redirect_error(&req, &e, &correlation);
    }
    if p.contains_key("consent_declined") {
        return redirect_error(&req, &consent_declined(), &correlation);
    }
    let login = p.get("login").map(String::as_str).unwrap_or("");
    let password = p.get("passwd").map(String::as_str).unwrap_or("");
    match check_credentials(&state, login, password) {
        Ok(_)
            if state.knobs().registration_problem == Some(RegistrationProblem::ConsentBlocked) =>
        {
            need_admin_approval_page(&p)
        }
        Ok(account) => {
            if let Err(e) = enter(
                &state,
                &req.tenant,
                &account,
                &req.client_id,
                "consent_required",
            ) {
                return redirect_error(&req, &e, &correlation);
            }
            let sid = state.identity.random_token(24);
            state
                .identity
                .grants
                .lock()
                .expect("grants lock")
                .sessions
                .insert(sid.clone(), account.oid.clone());
            let scope = p.get("scope").map(String::as_str).unwrap_or_default();
            record_consent(&state, &req.client_id, &account.oid, scope);
            issue_code(&state, &req, &p, &account, &sid)
        }
        Err(e) => {
            let message = if e.code == 50126 {
                "Your account or password is incorrect. If you don't remember your password, reset it now."
            } else {
                "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin."
            };
            let mut resp = signin_page(&state, &p, Some(message));
            *resp.status_mut() = StatusCode::OK;
            resp
        }
    }
}

const SIGNIN_TEMPLATE: &str = include_str!("signin.html");

/// Parameters carried through the sign-in form (everything the authorize request had).
fn signin_page(state: &AppState, p: &BTreeMap<String, String>, error: Option<&str>) -> Response {
    // The home tenant's accounts first, then the partner's and customers'.
    let accounts = crate::auth::all_accounts(state);
    let hint = p
        .get("login")
        .or_else(|| p.get("login_hint"))
        .map(|s| s.to_ascii_lowercase());
    let mut list = String::new();
    for (i, a) in accounts.iter().enumerate() {
        let checked = match &hint {
            Some(h) => a.upn.eq_ignore_ascii_case(h),
            None => i == 0,
        };
        list.push_str(&format!(
            "<li><label><input type=\"radio\" name=\"login\" value=\"{upn}\"{checked}> <span class=\"name\">{name}</span> <span class=\"upn\">{upn}</span></label></li>",
            upn = html_escape(&a.upn),
            name = html_escape(&a.display_name),
            checked = if checked { " checked" } else { "" }
        ));
    }
    let hidden: String = p
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "login" | "passwd"))
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    let error_html = error
        .map(|m| {
            format!(
                "<p id=\"passwordError\" class=\"error\" role=\"alert\">{}</p>",
                html_escape(m)
            )
        })
        .unwrap_or_default();
    let html = SIGNIN_TEMPLATE
        .replace("{{accounts}}", &list)
        .replace("{{hidden}}", &hidden)
        .replace("{{error}}", &error_html)
        .replace("{{domain}}", TENANT_DOMAIN);
    let mut resp = Html(html).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    resp
}

// ---------------------------------------------------------------------------------------------
// Logout

async fn logout(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    Query(p): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = resolve_tenant(&tenant) {
        return error_page(&e, &correlation_id(&headers, &p));
    }
    if let Some(sid) = session_from(&headers) {
        state
            .identity
            .grants
            .lock()
            .expect("grants lock")
            .sessions
            .remove(&sid);
    }
    let clear = HeaderValue::from_static("sim_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    let target = p
        .get("post_logout_redirect_uri")
        .and_then(|u| url::Url::parse(u).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let mut resp = match target {
        Some(mut u) => {
            if let Some(s) = p.get("state") {
                let q = match u.query() {
                    Some(existing) if !existing.is_empty() => format!("{existing}&state={}", pct(s)),
                    _ => format!("state={}", pct(s)),
                };
                u.set_query(Some(&q));
            }
            found(u.as_str())
        }
        None => Html(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign out</title></head>\
             <body><main><h1>You signed out of your account</h1><p>It's a good idea to close all browser windows.</p></main></body></html>",
        )
        .into_response(),
    };
    resp.headers_mut().append(header::SET_COOKIE, clear);
    resp
}

// ---------------------------------------------------------------------------------------------
// Admin consent

/// `GET /{tenant}/v2.0/adminconsent?client_id&redirect_uri&state`: an admin of the tenant
/// consents to the app for the whole organisation, and Entra sends the browser back to
/// `redirect_uri` with `admin_consent=True&tenant=…&state=…`
/// (<https://learn.microsoft.com/entra/identity-platform/v2-admin-consent>). The sim takes the
/// admin from the browser's sign-in session (no new prompt) and accepts any account that holds
/// roles in the tenant, its own or through GDAP; without a session it answers AADSTS50058.
async fn admin_consent(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    Query(p): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let correlation = correlation_id(&headers, &p);
    let path = match resolve_tenant(&tenant) {
        Ok(t) => t,
        Err(e) => return error_page(&e, &correlation),
    };
    let Some(tid) = path.id else {
        let e = StsError::bad(
            "invalid_request",
            90002,
            "Admin consent needs a tenant: use the tenant's id or domain, not 'common' or 'organizations'.",
        );
        return error_page(&e, &correlation);
    };
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let (Some(client_id), Some(redirect)) = (get("client_id"), get("redirect_uri")) else {
        return error_page(&StsError::missing("client_id, redirect_uri"), &correlation);
    };
    let Some(mut target) = url::Url::parse(redirect)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
    else {
        return error_page(&StsError::missing("redirect_uri"), &correlation);
    };
    let Some((_, account)) = signed_in(&state, &headers) else {
        let e = StsError::bad(
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in.",
        );
        return error_page(&e, &correlation);
    };
    if roles_in(&state, &account, tid).is_none_or(|r| r.is_empty()) {
        let e = StsError::bad(
            "access_denied",
            50020,
            format!(
                "User account '{}' does not exist in tenant '{tid}' and cannot consent to the application '{client_id}' there.",
                account.upn
            ),
        );
        return error_page(&e, &correlation);
    }
    state.tenancy.consent(tid);
    let mut answer = vec![
        ("admin_consent", "True".to_string()),
        ("tenant", tid.to_string()),
    ];
    if let Some(s) = get("state") {
        answer.push(("state", s.to_string()));
    }
    target.query_pairs_mut().extend_pairs(answer);
    found(target.as_str())
}
