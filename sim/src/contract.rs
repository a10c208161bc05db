//! The types every module of the sim shares: the seeded tenant's constants, who is calling
//! ([`Caller`], [`AuthFailure`]), the knobs, and the per-request metadata the server and its
//! middleware hand the handlers ([`ListenerScheme`], [`RequestOrigin`], [`RequestId`],
//! [`ClientRequestId`], [`RequestMeta`]).
//!
//! This module imports no other module of the sim. The dependency direction is one way:
//! `server` → handlers (`identity`, `graph`, `exchange`) → shared modules (`auth`, `state`,
//! `tokens`, `store`, `seed`, `odata`, `address`, `knobs`) → `contract`.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// Seeded tenant id and primary domain.
pub const TENANT_ID: &str = "b6a2f1c4-3e5d-4f7a-9c8b-1d2e3f4a5b6c";
pub const TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";

/// An organisation (Entra tenant) the sim holds: its id, display name, initial domain
/// (`*.onmicrosoft.com`) and the custom domain its groups' addresses use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: &'static str,
    pub name: &'static str,
    pub domain: &'static str,
    pub mail_domain: &'static str,
}

/// The home tenant: the seeded Contoso every single-tenant test and the demo use.
pub const HOME: Organization = Organization {
    id: TENANT_ID,
    name: "Contoso",
    domain: TENANT_DOMAIN,
    mail_domain: "contoso.com",
};

/// A Microsoft partner (an IT service provider) whose admins hold GDAP roles in [`CUSTOMERS`].
pub const PARTNER: Organization = Organization {
    id: "4d7e9a10-5b2c-4e8f-a1d3-6c9b8e7f0a21",
    name: "Litware IT Partners",
    domain: "litwarepartners.onmicrosoft.com",
    mail_domain: "litware.com",
};

/// The partner's customers, each its own tenant with its own groups, contacts and guests. The
/// app is consented in the first two; the third has never seen it (`crate::tenancy`).
pub const CUSTOMERS: [Organization; 3] = [
    Organization {
        id: "8a1f3c55-2d4b-4f6e-9b7a-0c1d2e3f4a5b",
        name: "Northwind Traders",
        domain: "northwindtraders.onmicrosoft.com",
        mail_domain: "northwindtraders.com",
    },
    Organization {
        id: "c2e4a6b8-1f3d-4a5c-8e7b-9d0f1a2b3c4d",
        name: "Tailspin Toys",
        domain: "tailspintoys.onmicrosoft.com",
        mail_domain: "tailspintoys.com",
    },
    Organization {
        id: "e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a8b9",
        name: "Adatum Corporation",
        domain: "adatum.onmicrosoft.com",
        mail_domain: "adatum.com",
    },
];

/// Audiences of the two resources, as Entra puts them in `aud`.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
pub const EXCHANGE_AUDIENCE: &str = "https://outlook.office365.com";

/// The verified identity behind a request: produced by `auth::authenticate` from a bearer token,
/// consumed by `graph` and `exchange` for authorization decisions.
#[derive(Clone, Debug)]
pub struct Caller {
    /// `oid`: the signed-in user's object id.
    pub oid: String,
    /// `upn`.
    pub upn: String,
    pub tid: String,
    /// `scp`, split on spaces (e.g. `GroupMember.ReadWrite.All`, `Exchange.Manage`).
    pub scopes: Vec<String>,
    /// Directory / Exchange roles the user holds (sim-side facts, not token claims).
    pub roles: Vec<Role>,
}

impl Caller {
    pub fn has_scope(&self, s: &str) -> bool {
        self.scopes.iter().any(|x| x.eq_ignore_ascii_case(s))
    }
    pub fn has_role(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }
}

/// Roles the sim models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Role {
    /// Exchange "Recipient Management" role group: may run the write cmdlets.
    ExchangeRecipientManagement,
    /// Entra "Groups Administrator": may change any group's membership/settings through Graph.
    GroupsAdministrator,
    /// Entra "Guest Inviter" (or any admin who may invite).
    GuestInviter,
    /// Entra "User Administrator": may delete, restore and update users (user-delete,
    /// directory-deleteditems-restore and user-update pages, delegated scenarios).
    UserAdministrator,
}

/// A seeded account that can sign in (the store owns the list; identity reads it).
#[derive(Clone, Debug)]
pub struct Account {
    /// The account's home tenant (where its user object lives).
    pub tenant_id: &'static str,
    pub oid: String,
    pub upn: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
}

/// Every knob of the sim (flags and `GET/PUT /_sim/config`). The server applies latency, throttling,
/// faults and CORS in `knobs`' middleware; the handlers read `replication_delay_ms`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Knobs {
    /// Added latency per request, in milliseconds.
    pub latency_ms: u64,
    /// Concurrent requests served per service (Graph, Exchange); 0 = unlimited. Excess waits.
    pub concurrency_limit: usize,
    /// Throttle by rate: more than this many requests per second per service → 429. 0 = off.
    pub throttle_rate_per_sec: u32,
    /// Throttle a random fraction (0.0–1.0) of service requests with 429.
    pub throttle_fraction: f64,
    /// `Retry-After` seconds sent with a 429.
    pub retry_after_secs: u64,
    /// Random fraction (0.0–1.0) of service requests answered 503 (with `Retry-After`).
    pub unavailable_fraction: f64,
    /// Random fraction (0.0–1.0) of service requests whose connection is dropped without an answer.
    pub drop_fraction: f64,
    /// Lifetime of issued access tokens, in seconds.
    pub token_lifetime_secs: u64,
    /// Refuse browser CORS on the Exchange endpoint (exercises the app's script mode).
    pub exchange_cors_refused: bool,
    /// Delay before an object created on one side (Exchange contact, Graph guest) is visible on the other
    /// side and to Add-DistributionGroupMember, in milliseconds.
    pub replication_delay_ms: u64,
    /// Graph's write budget per application and tenant: at most this many writes (POST, PATCH,
    /// PUT, DELETE; inside `$batch` each request on its own) in any window of
    /// `graph_app_write_window_ms`, else 429 with `Retry-After`. 0 = off. Documented: 3,000 per
    /// 150 s (<https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits>).
    pub graph_app_write_limit: u32,
    pub graph_app_write_window_ms: u64,
    /// The same per tenant, all applications together. Documented: 18,000 per 5 minutes.
    pub graph_tenant_write_limit: u32,
    pub graph_tenant_write_window_ms: u64,
    /// Make sign-in answer as Entra does for a misregistered app (`null`: registered as the README
    /// says). See [`RegistrationProblem`].
    pub registration_problem: Option<RegistrationProblem>,
}

/// How the app registration is wrong, and so how the sign-in endpoints answer (sim/README.md,
/// "Sign-in problems", lists each answer and its source).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RegistrationProblem {
    /// The app's redirect URI is not among the registration's: `/authorize` shows Entra's own
    /// error page, AADSTS50011, and does not redirect back.
    RedirectUriNotRegistered,
    /// The redirect URI is registered under the *Web* platform instead of *Single-page
    /// application*: the browser's (cross-origin) code redemption at `/token` is refused with
    /// 400 `invalid_request`, AADSTS9002326.
    WebPlatform,
    /// No application with the client id in the directory: `/authorize` shows Entra's error page,
    /// AADSTS700016, without redirecting; `/token` answers 400 `unauthorized_client`.
    UnknownClient,
    /// Users may not consent and no admin has: after the credentials Entra shows "Need admin
    /// approval" (AADSTS90094); its way back to the app carries `error=access_denied`.
    ConsentBlocked,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            concurrency_limit: 0,
            throttle_rate_per_sec: 0,
            throttle_fraction: 0.0,
            retry_after_secs: 1,
            unavailable_fraction: 0.0,
            drop_fraction: 0.0,
            token_lifetime_secs: 3600,
            exchange_cors_refused: false,
            replication_delay_ms: 0,
            graph_app_write_limit: 3_000,
            graph_app_write_window_ms: 150_000,
            graph_tenant_write_limit: 18_000,
            graph_tenant_write_window_ms: 300_000,
            registration_problem: None,
        }
    }
}

/// Why a bearer token was not accepted. Each service renders it in its own error shape
/// (Graph: `{"error":{"code":...}}`; Exchange: its own body and `WWW-Authenticate`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthFailure {
    /// 401 (missing, malformed, bad signature, expired, wrong audience) or 403 (missing scope/role).
    pub status: u16,
    /// Graph-style code, e.g. `InvalidAuthenticationToken`, `Authorization_RequestDenied`.
    pub code: &'static str,
    pub message: String,
}

// ----- request metadata -----

/// Whether the request arrived on the HTTP or the HTTPS listener (set by the connection loop).
#[derive(Clone, Copy, Debug)]
pub struct ListenerScheme(pub &'static str);

/// The origin the client used to reach the sim (`scheme://host[:port]`), from the listener's
/// scheme and the `Host` header: what issuers and generated URLs are built from.
#[derive(Clone, Debug)]
pub struct RequestOrigin(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestOrigin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestOrigin(origin_of(parts)))
    }
}

fn origin_of(parts: &Parts) -> String {
    let scheme = parts
        .extensions
        .get::<ListenerScheme>()
        .map(|s| s.0)
        .unwrap_or("http");
    let host = parts
        .uri
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            parts
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "localhost".to_string());
    format!("{scheme}://{host}")
}

/// The request id the sim assigned (also sent as the `request-id` response header). Inserted into
/// the request's extensions by the knobs middleware before the service handler runs, so error
/// bodies can quote it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The client's `client-request-id` (or a generated one), echoed as a response header.
#[derive(Clone, Debug)]
pub struct ClientRequestId(pub String);

/// Per-request facts both services put in their answers: the request ids the knobs middleware
/// assigned (generated here when a request bypassed it, e.g. an inner `$batch` request) and the origin
/// the client used, for `@odata.nextLink` and `@odata.context`.
#[derive(Clone, Debug)]
pub struct RequestMeta {
    pub request_id: String,
    pub client_request_id: String,
    pub origin: String,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let client_request_id = parts
            .extensions
            .get::<ClientRequestId>()
            .map(|r| r.0.clone())
            .or_else(|| {
                parts
                    .headers
                    .get("client-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| request_id.clone());
        let RequestOrigin(origin) = RequestOrigin::from_request_parts(parts, state).await?;
        Ok(RequestMeta {
            request_id,
            client_request_id,
            origin,
        })
    }
}
