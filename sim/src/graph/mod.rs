//! Graph v1.0 subset, nested at `/v1.0`: `/me`, `/users`, `/groups` (+ members, `$ref`), `/contacts`,
//! `/invitations` and `/$batch`, with Graph's documented shapes, status codes and error bodies.
//!
//! This module holds the router, the per-request context ([`Ctx`]: ids, origin, Graph's error
//! body), the permission tables and the JSON helpers; one submodule per resource holds its
//! handlers (each cites the Learn pages it follows), `paging` the collection and entity answers.
//!
//! Pages for all of them (Microsoft Learn):
//! - Error responses: https://learn.microsoft.com/en-us/graph/errors
//! - Advanced queries: https://learn.microsoft.com/en-us/graph/aad-advanced-queries

mod batch;
mod budget;
mod contacts;
mod groups;
mod invitations;
mod members;
mod paging;
mod partners;
mod users;

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::{json, Map, Value};

pub use batch::MAX_BATCH;
pub use budget::{WriteCounts, WriteLedger};
pub use contacts::contact_json;
pub use groups::group_json;
pub use users::user_json;

use crate::contract::{AuthFailure, Caller, RequestMeta, GRAPH_AUDIENCE};
use crate::odata::QueryError;
use crate::state::AppState;
use crate::store::{Side, Tenant};

// Delegated permissions per operation, from each page's permission table (least privileged first).
const READ_ME: &[&str] = &[
    "User.Read",
    "User.ReadWrite",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const READ_USERS: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const READ_GROUPS: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const READ_CONTACTS: &[&str] = &[
    "OrgContact.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const WRITE_MEMBERS: &[&str] = &[
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const WRITE_GROUP: &[&str] = &["Group.ReadWrite.All", "Directory.ReadWrite.All"];
/// Deleting, restoring and updating users (user-delete, user-update, directory-deleteditems-restore).
const WRITE_USERS: &[&str] = &[
    "User.DeleteRestore.All",
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
];
const INVITE: &[&str] = &[
    "User.Invite.All",
    "User.ReadWrite.All",
    "Directory.ReadWrite.All",
];

pub const INSUFFICIENT: &str = "Insufficient privileges to complete the operation.";
pub const DL_REFUSED: &str =
    "Cannot Update a mail-enabled security groups and or distribution list.";
pub const ALREADY_MEMBER: &str =
    "One or more added object references already exist for the following modified properties: 'members'.";

/// The Graph router, nested by the server at `/v1.0`.
/// The Graph routes. Every request through them, top-level or inside a `$batch`, is counted
/// against the write budget of `state` ([`budget`]).
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/me", get(users::me))
        .route("/users", get(users::list_users))
        .route(
            "/users/{id}",
            get(users::get_user)
                .delete(users::delete_user)
                .patch(users::patch_user),
        )
        .route("/users/{id}/memberOf", get(users::user_member_of))
        .route(
            "/directory/deletedItems/microsoft.graph.user",
            get(users::list_deleted_users),
        )
        .route(
            "/directory/deletedItems/{id}/restore",
            post(users::restore_deleted),
        )
        .route("/groups", get(groups::list_groups))
        .route(
            "/groups/{id}",
            get(groups::get_group).patch(groups::patch_group),
        )
        .route("/groups/{id}/members", get(members::list_members))
        .route("/groups/{id}/members/$ref", post(members::add_member))
        .route(
            "/groups/{id}/members/{cast}",
            get(members::list_members_cast),
        )
        .route(
            "/groups/{id}/members/{member}/$ref",
            delete(members::remove_member),
        )
        .route(
            "/contacts",
            get(contacts::list_contacts).post(contacts::create_contact),
        )
        .route("/contacts/{id}", get(contacts::get_contact))
        .route("/contacts/{id}/memberOf", get(contacts::contact_member_of))
        .route("/invitations", post(invitations::invite))
        .route(
            "/tenantRelationships/delegatedAdminCustomers",
            get(partners::list_customers),
        )
        .route(
            "/tenantRelationships/{function}",
            get(partners::tenant_function),
        )
        .route("/$batch", post(batch::batch))
        .route("/groups/$count", get(count_collection))
        .route("/contacts/$count", get(count_collection))
        .route("/users/$count", get(count_collection))
        .fallback(unknown_segment)
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            budget::middleware,
        ))
}

// ----- request context and errors -----

/// Per-request facts every answer carries: ids for `innerError` and the origin for links.
struct Ctx {
    request_id: String,
    client_request_id: String,
    origin: String,
}

impl Ctx {
    fn new(meta: RequestMeta) -> Ctx {
        Ctx {
            request_id: meta.request_id,
            client_request_id: meta.client_request_id,
            origin: meta.origin,
        }
    }

    fn base(&self) -> String {
        format!("{}/v1.0", self.origin)
    }

    fn context(&self, fragment: &str) -> String {
        format!("{}/v1.0/$metadata#{fragment}", self.origin)
    }

    fn headers(&self, mut r: Response) -> Response {
        let h = r.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.request_id) {
            h.insert("request-id", v);
        }
        if let Ok(v) = HeaderValue::from_str(&self.client_request_id) {
            h.insert("client-request-id", v);
        }
        r
    }

    fn json(&self, status: StatusCode, body: Value) -> Response {
        let mut r = (status, axum::Json(body)).into_response();
        r.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(
                "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
            ),
        );
        self.headers(r)
    }

    fn no_content(&self) -> Response {
        self.headers(StatusCode::NO_CONTENT.into_response())
    }

    /// Graph's error body: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
    fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        let body = json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": self.request_id,
                    "client-request-id": self.client_request_id,
                }
            }
        });
        let mut r = self.json(status, body);
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                ),
            );
        }
        r
    }

    fn auth_failure(&self, f: AuthFailure) -> Response {
        let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::UNAUTHORIZED);
        self.error(status, f.code, &f.message)
    }

    fn query_error(&self, e: QueryError) -> Response {
        self.error(StatusCode::BAD_REQUEST, e.code(), e.message())
    }

    fn denied(&self) -> Response {
        self.error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            INSUFFICIENT,
        )
    }

    fn not_found(&self, id: &str) -> Response {
        self.error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }
}

type Origin = RequestMeta;

/// Authenticates the Graph caller and checks one of `scopes`.
fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    ctx: &Ctx,
    scopes: &[&str],
) -> Result<Caller, Box<Response>> {
    let caller = crate::auth::authenticate(state, headers, GRAPH_AUDIENCE)
        .map_err(|f| Box::new(ctx.auth_failure(f)))?;
    if scopes.iter().any(|s| caller.has_scope(s)) {
        Ok(caller)
    } else {
        Err(Box::new(ctx.denied()))
    }
}

fn eventual(headers: &HeaderMap) -> bool {
    headers
        .get("consistencylevel")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
}

fn delay(state: &AppState) -> Duration {
    Duration::from_millis(state.knobs().replication_delay_ms)
}

/// The store of the tenant the caller's token is for.
fn tenant<'a>(state: &'a AppState, caller: &Caller) -> std::sync::MutexGuard<'a, Tenant> {
    state.tenant_of(&caller.tid)
}

// ----- JSON helpers (entity shapes are in their resource's module; names from the Graph v1.0
// CSDL, see shared/reference) -----

fn date(d: &chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn into_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Every property but `id` set to null.
fn limited(mut m: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in m.iter_mut() {
        if k != "id" {
            *v = Value::Null;
        }
    }
    m
}

fn with_type(mut m: Map<String, Value>, t: &str) -> Map<String, Value> {
    let mut out = Map::with_capacity(m.len() + 1);
    out.insert(
        "@odata.type".into(),
        Value::String(format!("#microsoft.graph.{t}")),
    );
    out.append(&mut m);
    out
}

fn defaults_only(mut m: Map<String, Value>, keep: &[&str]) -> Map<String, Value> {
    m.retain(|k, _| k.starts_with('@') || keep.contains(&k.as_str()));
    m
}

// ----- handlers of no single resource -----

async fn unknown_segment(origin: Origin, uri: http::Uri) -> Response {
    let ctx = Ctx::new(origin);
    let seg = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    ctx.error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("Resource not found for the segment '{seg}'."),
    )
}

pub const METHOD_NOT_ALLOWED: &str = "Specified HTTP method is not allowed for the request target.";

async fn method_not_allowed(origin: Origin) -> Response {
    Ctx::new(origin).error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        METHOD_NOT_ALLOWED,
    )
}

/// `GET /groups/$count`, `/contacts/$count`, `/users/$count`: plain-text counts, advanced queries only
/// (group-list and orgcontact-list pages, "Get only a count").
async fn count_collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    uri: http::Uri,
) -> Response {
    let ctx = Ctx::new(origin);
    let path = uri
        .path()
        .trim_end_matches("/$count")
        .trim_start_matches('/')
        .to_string();
    let scopes = match path.as_str() {
        "groups" => READ_GROUPS,
        "contacts" => READ_CONTACTS,
        _ => READ_USERS,
    };
    let caller = match authorize(&state, &headers, &ctx, scopes) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    if !eventual(&headers) {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "$count is not currently supported.",
        );
    }
    let d = delay(&state);
    let t = tenant(&state, &caller);
    let n = match path.as_str() {
        "groups" => t.groups().iter().filter(|g| g.kind.in_graph()).count(),
        "contacts" => t
            .contacts()
            .iter()
            .filter(|c| c.provenance.visible_to(Side::Graph, d))
            .count(),
        _ => t
            .users()
            .iter()
            .filter(|u| u.provenance.visible_to(Side::Graph, d))
            .count(),
    };
    ctx.headers(
        (
            StatusCode::OK,
            [(http::header::CONTENT_TYPE, "text/plain")],
            n.to_string(),
        )
            .into_response(),
    )
}
