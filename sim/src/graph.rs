//! Graph v1.0 subset, nested at `/v1.0`: `/me`, `/users`, `/groups` (+ members, `$ref`), `/contacts`,
//! `/invitations` and `/$batch`, with Graph's documented shapes, status codes and error bodies.
//!
//! Pages modelled (Microsoft Learn):
//! - List groups: https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0
//! - Get group (allowExternalSenders only with $select): https://learn.microsoft.com/en-us/graph/api/group-get?view=graph-rest-1.0
//! - Update group (allowExternalSenders alone in its PATCH): https://learn.microsoft.com/en-us/graph/api/group-update?view=graph-rest-1.0
//! - List members / casts: https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0
//! - Add member: https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0
//! - Remove member: https://learn.microsoft.com/en-us/graph/api/group-delete-members?view=graph-rest-1.0
//! - List orgContacts: https://learn.microsoft.com/en-us/graph/api/orgcontact-list?view=graph-rest-1.0
//! - Create invitation: https://learn.microsoft.com/en-us/graph/api/invitation-post?view=graph-rest-1.0
//! - JSON batching: https://learn.microsoft.com/en-us/graph/json-batching
//! - Error responses: https://learn.microsoft.com/en-us/graph/errors
//! - Advanced queries: https://learn.microsoft.com/en-us/graph/aad-advanced-queries

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query as QueryPairs, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use rand::Rng;
use serde_json::{json, Map, Value};
use tower::ServiceExt;

use crate::contract::{AuthFailure, Caller, ListenerScheme, RequestMeta, Role, GRAPH_AUDIENCE};
use crate::odata::{Field, Query, QueryError};
use crate::state::AppState;
use crate::store::{
    Contact, Group, GroupKind, Obj, ObjKind, Provenance, Side, Tenant, User, UserType,
};

/// Largest `$batch` Graph accepts (https://learn.microsoft.com/en-us/graph/json-batching).
pub const MAX_BATCH: usize = 20;

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
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/users", get(list_users))
        .route("/users/{id}", get(get_user))
        .route("/groups", get(list_groups))
        .route("/groups/{id}", get(get_group).patch(patch_group))
        .route("/groups/{id}/members", get(list_members))
        .route("/groups/{id}/members/$ref", post(add_member))
        .route("/groups/{id}/members/{cast}", get(list_members_cast))
        .route("/groups/{id}/members/{member}/$ref", delete(remove_member))
        .route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/{id}", get(get_contact))
        .route("/invitations", post(invite))
        .route("/$batch", post(batch))
        .route("/groups/$count", get(count_collection))
        .route("/contacts/$count", get(count_collection))
        .route("/users/$count", get(count_collection))
        .fallback(unknown_segment)
        .method_not_allowed_fallback(method_not_allowed)
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

fn tenant(state: &AppState) -> std::sync::MutexGuard<'_, Tenant> {
    // A panic while holding the lock would poison it; the data is still consistent for reads, so
    // recover the guard instead of failing every later request.
    state.tenant.lock().unwrap_or_else(|p| p.into_inner())
}

// ----- JSON of the entities (names from the Graph v1.0 CSDL; see shared/reference) -----

fn date(d: &chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Properties `GET /users` returns without `$select`
/// (https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0#optional-query-parameters).
const USER_DEFAULT: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// Every user property the sim models (filterable and selectable).
pub fn user_json(u: &User) -> Map<String, Value> {
    let v = json!({
        "id": u.id,
        "businessPhones": u.business_phones,
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": u.job_title,
        "mail": u.mail,
        "mobilePhone": u.mobile_phone,
        "officeLocation": u.office_location,
        "preferredLanguage": u.preferred_language,
        "surname": u.surname,
        "userPrincipalName": u.user_principal_name,
        "accountEnabled": u.account_enabled,
        "createdDateTime": date(&u.created),
        "creationType": if u.user_type == UserType::Guest { Value::from("Invitation") } else { Value::Null },
        "department": u.department,
        "externalUserState": u.external_user_state,
        "externalUserStateChangeDateTime": u.external_user_state_change.as_ref().map(date),
        "mailNickname": u.mail_nickname,
        "otherMails": u.other_mails,
        "proxyAddresses": u.proxy_addresses,
        "userType": u.user_type.as_str(),
    });
    into_map(v)
}

fn into_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Group properties returned by default (the list/get examples on Learn), all of them CSDL names.
pub fn group_json(g: &Group) -> Map<String, Value> {
    let group_types: Vec<&str> = if g.kind == GroupKind::Unified {
        vec!["Unified"]
    } else {
        vec![]
    };
    let v = json!({
        "id": g.id,
        "deletedDateTime": null,
        "classification": null,
        "createdDateTime": date(&g.created),
        "description": g.description,
        "displayName": g.display_name,
        "expirationDateTime": null,
        "groupTypes": group_types,
        "isAssignableToRole": null,
        "mail": g.mail,
        "mailEnabled": g.kind.mail_enabled(),
        "mailNickname": g.alias,
        "membershipRule": null,
        "membershipRuleProcessingState": null,
        "onPremisesDomainName": null,
        "onPremisesLastSyncDateTime": null,
        "onPremisesNetBiosName": null,
        "onPremisesSamAccountName": null,
        "onPremisesSecurityIdentifier": null,
        "onPremisesSyncEnabled": null,
        "preferredDataLocation": null,
        "preferredLanguage": null,
        "proxyAddresses": g.proxy_addresses(),
        "renewedDateTime": date(&g.created),
        "resourceBehaviorOptions": [],
        "resourceProvisioningOptions": if g.kind == GroupKind::Unified { json!(["Team"]) } else { json!([]) },
        "securityEnabled": g.security_enabled,
        "securityIdentifier": security_identifier(&g.id),
        "theme": null,
        "visibility": g.visibility,
        "onPremisesProvisioningErrors": [],
        "serviceProvisioningErrors": [],
    });
    into_map(v)
}

/// Entra's SID for cloud objects: `S-1-12-1-` and the object id as four little-endian u32s.
fn security_identifier(id: &str) -> Value {
    let Ok(u) = uuid::Uuid::parse_str(id) else {
        return Value::Null;
    };
    let b = u.as_bytes();
    let p = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    Value::String(format!("S-1-12-1-{}-{}-{}-{}", p(0), p(4), p(8), p(12)))
}

/// Exchange-backed group properties: returned only when `$select`ed on `GET /groups/{id}`, and only
/// meaningful for Microsoft 365 groups.
fn group_exchange_props(g: &Group) -> Map<String, Value> {
    let unified = g.kind == GroupKind::Unified;
    into_map(json!({
        "allowExternalSenders": if unified { json!(g.allow_external_senders) } else { Value::Null },
        "autoSubscribeNewMembers": if unified { json!(false) } else { Value::Null },
        "hideFromAddressLists": if unified { json!(g.hidden_from_address_lists) } else { Value::Null },
        "hideFromOutlookClients": if unified { json!(false) } else { Value::Null },
    }))
}

pub fn contact_json(c: &Contact) -> Map<String, Value> {
    into_map(json!({
        "id": c.id,
        "deletedDateTime": null,
        "companyName": c.company_name,
        "department": c.department,
        "displayName": c.display_name,
        "givenName": c.given_name,
        "jobTitle": c.job_title,
        "mail": c.external_email,
        "mailNickname": c.alias,
        "onPremisesLastSyncDateTime": null,
        "onPremisesSyncEnabled": null,
        "surname": c.surname,
        "addresses": [{"city": null, "countryOrRegion": null, "officeLocation": null, "postalCode": null, "state": null, "street": null}],
        "onPremisesProvisioningErrors": [],
        "phones": [],
        "proxyAddresses": c.proxy_addresses(),
        "serviceProvisioningErrors": [],
    }))
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

// ----- paging -----

struct PageOut {
    items: Vec<Value>,
    next: Option<usize>,
    count: Option<usize>,
}

/// Pages a collection: O(page) when there is no `$filter`/`$search`/`$orderby` (the skip token is the
/// raw position in `items`); otherwise filters the whole collection and pages the result.
fn paginate<T>(
    items: &[T],
    q: &Query,
    visible: impl Fn(&T) -> bool,
    full: impl Fn(&T) -> Map<String, Value>,
    shape: impl Fn(Map<String, Value>) -> Value,
) -> PageOut {
    let top = q.page_size();
    if q.is_trivial() {
        let mut out = Vec::with_capacity(top.min(items.len()));
        let mut i = q.offset.min(items.len());
        while i < items.len() && out.len() < top {
            if visible(&items[i]) {
                out.push(shape(full(&items[i])));
            }
            i += 1;
        }
        while i < items.len() && !visible(&items[i]) {
            i += 1;
        }
        let next = (i < items.len()).then_some(i);
        let count = q.count.then(|| items.iter().filter(|x| visible(x)).count());
        return PageOut {
            items: out,
            next,
            count,
        };
    }
    let mut hits: Vec<Map<String, Value>> = items
        .iter()
        .filter(|x| visible(x))
        .map(&full)
        .filter(|m| q.keeps(&Value::Object(m.clone())))
        .collect();
    if let Some((prop, desc)) = &q.orderby {
        let key = |m: &Map<String, Value>| {
            m.get(prop)
                .and_then(Value::as_str)
                .map(str::to_lowercase)
                .unwrap_or_default()
        };
        hits.sort_by_key(key);
        if *desc {
            hits.reverse();
        }
    }
    let total = hits.len();
    let start = q.offset.min(total);
    let end = (start + top).min(total);
    let items = hits.drain(start..end).map(shape).collect();
    PageOut {
        items,
        next: (end < total).then_some(end),
        count: q.count.then_some(total),
    }
}

fn collection(ctx: &Ctx, q: &Query, context: &str, path: &str, page: PageOut) -> Response {
    let mut body = Map::new();
    // With $select the context names the selection, e.g. `$metadata#groups(id,displayName)`.
    let context = match &q.select {
        Some(sel) => format!("{context}({})", sel.join(",")),
        None => context.to_string(),
    };
    body.insert(
        "@odata.context".into(),
        Value::String(ctx.context(&context)),
    );
    if let Some(c) = page.count {
        body.insert("@odata.count".into(), json!(c));
    }
    if let Some(next) = page.next {
        body.insert(
            "@odata.nextLink".into(),
            Value::String(q.next_link(&format!("{}{path}", ctx.base()), next)),
        );
    }
    body.insert("value".into(), Value::Array(page.items));
    ctx.json(StatusCode::OK, Value::Object(body))
}

fn parse_query(
    ctx: &Ctx,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<Query, Box<Response>> {
    Query::parse(pairs, eventual(headers)).map_err(|e| Box::new(ctx.query_error(e)))
}

/// The start of a read: the caller's token holds one of `scopes`, then the OData query parses
/// (an unauthorised caller hears 401/403 before any query error).
fn read_request(
    state: &AppState,
    headers: &HeaderMap,
    ctx: &Ctx,
    scopes: &[&str],
    pairs: &[(String, String)],
) -> Result<(Caller, Query), Box<Response>> {
    let caller = authorize(state, headers, ctx, scopes)?;
    Ok((caller, parse_query(ctx, headers, pairs)?))
}

/// A single entity: `@odata.context` (`{set}/$entity`) first, then the selected properties.
fn entity(ctx: &Ctx, q: &Query, set: &str, m: Map<String, Value>) -> Response {
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(ctx.context(&format!("{set}/$entity"))),
    );
    out.extend(into_map(q.project(m)));
    ctx.json(StatusCode::OK, Value::Object(out))
}

// ----- handlers -----

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

async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::new(origin);
    let (caller, q) = match read_request(&state, &headers, &ctx, READ_ME, &pairs) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let t = tenant(&state);
    let Some(u) = t.user(&caller.oid) else {
        return ctx.not_found(&caller.oid);
    };
    let m = if q.select.is_some() {
        user_json(u)
    } else {
        defaults_only(user_json(u), USER_DEFAULT)
    };
    entity(&ctx, &q, "users", m)
}

async fn list_users(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::new(origin);
    let (_, q) = match read_request(&state, &headers, &ctx, READ_USERS, &pairs) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let d = delay(&state);
    let t = tenant(&state);
    let selected = q.select.is_some();
    // Pre-check the common filters on the stored fields so a lookup among 50,000 users doesn't build
    // 50,000 JSON objects.
    let may_match = |u: &User| {
        q.filter.as_ref().is_none_or(|f| {
            f.may_match(&|p: &str| match p.to_ascii_lowercase().as_str() {
                "mail" => Some(Field::Str(u.mail.as_deref())),
                "userprincipalname" => Some(Field::Str(Some(&u.user_principal_name))),
                "displayname" => Some(Field::Str(Some(&u.display_name))),
                "usertype" => Some(Field::Str(Some(u.user_type.as_str()))),
                "othermails" => Some(Field::List(&u.other_mails)),
                "proxyaddresses" => Some(Field::List(&u.proxy_addresses)),
                _ => None,
            })
        })
    };
    let page = paginate(
        t.users(),
        &q,
        |u| u.provenance.visible_to(Side::Graph, d) && may_match(u),
        user_json,
        |m| {
            if selected {
                q.project(m)
            } else {
                Value::Object(defaults_only(m, USER_DEFAULT))
            }
        },
    );
    collection(&ctx, &q, "users", "/users", page)
}

async fn get_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::new(origin);
    let (_, q) = match read_request(&state, &headers, &ctx, READ_USERS, &pairs) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let d = delay(&state);
    let t = tenant(&state);
    let found = t
        .user(&id)
        .or_else(|| t.user_by_upn(&id))
        .filter(|u| u.provenance.visible_to(Side::Graph, d));
    let Some(u) = found else {
        return ctx.not_found(&id);
    };
    let m = if q.select.is_some() {
        user_json(u)
    } else {
        defaults_only(user_json(u), USER_DEFAULT)
    };
    entity(&ctx, &q, "users", m)
}

async fn list_groups(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::new(origin);
    let (_, q) = match read_request(&state, &headers, &ctx, READ_GROUPS, &pairs) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let t = tenant(&state);
    // Dynamic distribution groups exist only in Exchange.
    let page = paginate(
        t.groups(),
        &q,
        |g| g.kind.in_graph(),
        group_json,
        |m| q.project(m),
    );
    collection(&ctx, &q, "groups", "/groups", page)
}

async fn get_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::new(origin);
    let (_, q) = match read_request(&state, &headers, &ctx, READ_GROUPS, &pairs) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let t = tenant(&state);
    let Some(g) = t.group(&id).filter(|g| g.kind.in_graph()) else {
        return ctx.not_found(&id);
    };
    let mut m = group_json(g);
    if q.select.is_some() {
        // allowExternalSenders & co. come from Exchange and only on $select (group-get page).
        m.extend(group_exchange_props(g));
    }
    entity(&ctx, &q, "groups", m)
}

async fn patch_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(origin);
    let caller = match authorize(&state, &headers, &ctx, WRITE_GROUP) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Ok(Value::Object(patch)) = serde_json::from_slice::<Value>(&body) else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Empty Payload. JSON content expected.",
        );
    };
    let mut t = tenant(&state);
    let Some(g) = t.group(&id).filter(|g| g.kind.in_graph()) else {
        return ctx.not_found(&id);
    };
    if !(caller.has_role(Role::GroupsAdministrator) || g.managed_by.contains(&caller.oid)) {
        return ctx.denied();
    }
    const EXCHANGE_PROPS: [&str; 4] = [
        "allowExternalSenders",
        "autoSubscribeNewMembers",
        "hideFromAddressLists",
        "hideFromOutlookClients",
    ];
    const PLAIN_PROPS: [&str; 2] = ["description", "displayName"];
    for k in patch.keys() {
        if !EXCHANGE_PROPS.contains(&k.as_str()) && !PLAIN_PROPS.contains(&k.as_str()) {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "Request_BadRequest",
                &format!("Invalid property '{k}'."),
            );
        }
    }
    let exchange_keys: Vec<&String> = patch
        .keys()
        .filter(|k| EXCHANGE_PROPS.contains(&k.as_str()))
        .collect();
    if !exchange_keys.is_empty() {
        // "allowExternalSenders ... can be set only in a PATCH request by itself" (group-update page).
        if patch.len() > 1 {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "Request_BadRequest",
                &format!(
                    "Property '{}' must be updated in its own request; it can't be combined with other properties.",
                    exchange_keys[0]
                ),
            );
        }
        if g.kind != GroupKind::Unified {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "Request_BadRequest",
                &format!(
                    "Property '{}' is supported only on Microsoft 365 groups.",
                    exchange_keys[0]
                ),
            );
        }
    }
    let Some(g) = t.group_mut(&id) else {
        return ctx.not_found(&id);
    };
    for (k, v) in &patch {
        match (k.as_str(), v) {
            ("allowExternalSenders", Value::Bool(b)) => {
                g.allow_external_senders = *b;
                g.require_sender_auth = !*b;
            }
            ("hideFromAddressLists", Value::Bool(b)) => g.hidden_from_address_lists = *b,
            ("autoSubscribeNewMembers" | "hideFromOutlookClients", Value::Bool(_)) => {}
            ("description", Value::String(s)) => g.description = Some(s.clone()),
            ("description", Value::Null) => g.description = None,
            ("displayName", Value::String(s)) => g.display_name = s.clone(),
            _ => {
                return ctx.error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("Invalid value for property '{k}'."),
                )
            }
        }
    }
    ctx.no_content()
}

/// `@odata.type` name and context fragment for a cast segment.
fn cast_kind(cast: &str) -> Option<(ObjKind, &'static str)> {
    match cast {
        "microsoft.graph.user" => Some((ObjKind::User, "users")),
        "microsoft.graph.orgContact" => Some((ObjKind::Contact, "contacts")),
        "microsoft.graph.group" => Some((ObjKind::Group, "groups")),
        _ => None,
    }
}

async fn list_members(
    state: State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    pairs: QueryPairs<Vec<(String, String)>>,
) -> Response {
    members(state, headers, origin, id, None, pairs).await
}

async fn list_members_cast(
    state: State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path((id, cast)): Path<(String, String)>,
    pairs: QueryPairs<Vec<(String, String)>>,
) -> Response {
    members(state, headers, origin, id, Some(cast), pairs).await
}

async fn members(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    id: String,
    cast: Option<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::new(origin);
    let caller = match authorize(&state, &headers, &ctx, READ_GROUPS) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let count_only = cast.as_deref() == Some("$count");
    let cast = match cast.as_deref() {
        None | Some("$count") => None,
        Some(c) => match cast_kind(c) {
            Some(k) => Some(k),
            None => {
                return ctx.error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("Resource not found for the segment '{c}'."),
                )
            }
        },
    };
    if count_only && !eventual(&headers) {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "$count is not currently supported.",
        );
    }
    let q = match parse_query(&ctx, &headers, &pairs) {
        Ok(q) => q,
        Err(r) => return *r,
    };
    let d = delay(&state);
    let t = tenant(&state);
    let Some(g) = t.group(&id).filter(|g| g.kind.in_graph()) else {
        return ctx.not_found(&id);
    };
    // Without the permission to read a member's type, Graph returns it "with limited information":
    // `@odata.type` and `id`, other properties null (group-list-members page; "Limited information
    // returned for inaccessible member objects", https://learn.microsoft.com/en-us/graph/permissions-overview).
    let full_contacts = READ_CONTACTS.iter().any(|s| caller.has_scope(s));
    let full_users = READ_USERS
        .iter()
        .chain(READ_GROUPS)
        .any(|s| caller.has_scope(s));
    let visible = |mid: &String| match t.get(mid) {
        Some(o) => {
            o.provenance().visible_to(Side::Graph, d)
                && cast.is_none_or(|(k, _)| t.kind_of(mid) == Some(k))
                && !matches!(o, Obj::Group(g) if !g.kind.in_graph())
        }
        None => false,
    };
    if count_only {
        let n = g.members().iter().filter(|m| visible(m)).count();
        return ctx.headers(
            (
                StatusCode::OK,
                [(http::header::CONTENT_TYPE, "text/plain")],
                n.to_string(),
            )
                .into_response(),
        );
    }
    let full = |mid: &String| -> Map<String, Value> {
        match t.get(mid) {
            Some(Obj::User(u)) if full_users => with_type(user_json(u), "user"),
            Some(Obj::User(u)) => with_type(limited(user_json(u)), "user"),
            Some(Obj::Contact(c)) if full_contacts => with_type(contact_json(c), "orgContact"),
            Some(Obj::Contact(c)) => with_type(limited(contact_json(c)), "orgContact"),
            Some(Obj::Group(g)) => with_type(group_json(g), "group"),
            None => Map::new(),
        }
    };
    let selected = q.select.is_some();
    let shape = |m: Map<String, Value>| {
        if selected {
            q.project(m)
        } else if m.get("@odata.type").and_then(Value::as_str) == Some("#microsoft.graph.user") {
            Value::Object(defaults_only(m, USER_DEFAULT))
        } else {
            Value::Object(m)
        }
    };
    let page = paginate(g.members(), &q, visible, full, shape);
    let (context, path) = match cast {
        Some((_, frag)) => (
            frag.to_string(),
            format!("/groups/{id}/members/{}", pairs_cast_name(frag)),
        ),
        None => (
            "directoryObjects".to_string(),
            format!("/groups/{id}/members"),
        ),
    };
    collection(&ctx, &q, &context, &path, page)
}

fn pairs_cast_name(frag: &str) -> &'static str {
    match frag {
        "users" => "microsoft.graph.user",
        "contacts" => "microsoft.graph.orgContact",
        _ => "microsoft.graph.group",
    }
}

/// The object id at the end of an `@odata.id` such as
/// `https://graph.microsoft.com/v1.0/directoryObjects/{id}`.
fn ref_id(body: &Value) -> Option<String> {
    let s = body.get("@odata.id")?.as_str()?;
    let last = s.trim_end_matches('/').rsplit('/').next()?;
    (!last.is_empty()).then(|| last.to_string())
}

async fn add_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(origin);
    let caller = match authorize(&state, &headers, &ctx, WRITE_MEMBERS) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "An unexpected 'EndOfInput' node was found when reading from the JSON reader. A 'StartObject' node was expected.",
        );
    };
    let Some(member_id) = ref_id(&body) else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "Invalid object identifier in '@odata.id'.",
        );
    };
    let d = delay(&state);
    let mut t = tenant(&state);
    let Some(g) = t.group(&id).filter(|g| g.kind.in_graph()) else {
        return ctx.not_found(&id);
    };
    if !(caller.has_role(Role::GroupsAdministrator) || g.managed_by.contains(&caller.oid)) {
        return ctx.denied();
    }
    // Membership of DLs and mail-enabled security groups is mastered in Exchange (group-post-members page).
    if g.kind.is_exchange_distribution() {
        return ctx.error(StatusCode::BAD_REQUEST, "Request_BadRequest", DL_REFUSED);
    }
    // A just-created object may not have replicated yet: Graph answers 404 until it has (DESIGN.md).
    let Some(m) = t.get(&member_id).filter(|o| o.provenance().replicated(d)) else {
        return ctx.not_found(&member_id);
    };
    // Microsoft 365 groups take users only; security groups take users, security groups and
    // organizational contacts (table on https://learn.microsoft.com/en-us/graph/api/group-post-members).
    if g.kind == GroupKind::Unified {
        match m {
            Obj::Contact(_) => {
                return ctx.error(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    "Contacts can't be members of a Microsoft 365 group: only users can be added.",
                )
            }
            Obj::Group(_) => {
                return ctx.error(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    "Groups can't be nested in a Microsoft 365 group: only users can be added.",
                )
            }
            Obj::User(_) => {}
        }
    }
    if let Obj::Group(inner) = m {
        if !inner.kind.in_graph() {
            return ctx.not_found(&member_id);
        }
        // "Microsoft 365 group: cannot be group member" of a security group (group-post-members table).
        if inner.kind == GroupKind::Unified {
            return ctx.error(
                StatusCode::BAD_REQUEST,
                "Request_BadRequest",
                "A Microsoft 365 group can't be a member of another group.",
            );
        }
    }
    if g.has_member(&member_id) {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            ALREADY_MEMBER,
        );
    }
    let canonical = m.id().to_string();
    if let Some(g) = t.group_mut(&id) {
        g.add_member(&canonical);
    }
    ctx.no_content()
}

async fn remove_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path((id, member_id)): Path<(String, String)>,
) -> Response {
    let ctx = Ctx::new(origin);
    let caller = match authorize(&state, &headers, &ctx, WRITE_MEMBERS) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let mut t = tenant(&state);
    let Some(g) = t.group(&id).filter(|g| g.kind.in_graph()) else {
        return ctx.not_found(&id);
    };
    if !(caller.has_role(Role::GroupsAdministrator) || g.managed_by.contains(&caller.oid)) {
        return ctx.denied();
    }
    if g.kind.is_exchange_distribution() {
        return ctx.error(StatusCode::BAD_REQUEST, "Request_BadRequest", DL_REFUSED);
    }
    let canonical = t
        .get(&member_id)
        .map(|o| o.id().to_string())
        .unwrap_or(member_id.clone());
    let removed = t
        .group_mut(&id)
        .is_some_and(|g| g.remove_member(&canonical));
    if removed {
        ctx.no_content()
    } else {
        ctx.not_found(&member_id)
    }
}

async fn list_contacts(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::new(origin);
    let (_, q) = match read_request(&state, &headers, &ctx, READ_CONTACTS, &pairs) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let d = delay(&state);
    let t = tenant(&state);
    let page = paginate(
        t.contacts(),
        &q,
        |c| c.provenance.visible_to(Side::Graph, d),
        contact_json,
        |m| q.project(m),
    );
    collection(&ctx, &q, "contacts", "/contacts", page)
}

async fn get_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::new(origin);
    let (_, q) = match read_request(&state, &headers, &ctx, READ_CONTACTS, &pairs) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let d = delay(&state);
    let t = tenant(&state);
    let Some(c) = t
        .contact(&id)
        .filter(|c| c.provenance.visible_to(Side::Graph, d))
    else {
        return ctx.not_found(&id);
    };
    entity(&ctx, &q, "contacts", contact_json(c))
}

/// orgContacts are read-only in Graph: they are created in Exchange (New-MailContact) or synced from
/// on-premises (orgcontact resource page; microsoft-graph-docs issue 15397). Graph answers a method its
/// target doesn't support with 405 `Request_BadRequest` "Specified HTTP method is not allowed for the
/// request target." (example response in https://learn.microsoft.com/en-us/graph/json-batching).
async fn create_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
) -> Response {
    let ctx = Ctx::new(origin);
    if let Err(f) = crate::auth::authenticate(&state, &headers, GRAPH_AUDIENCE) {
        return ctx.auth_failure(f);
    }
    ctx.error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        METHOD_NOT_ALLOWED,
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
    if let Err(r) = authorize(&state, &headers, &ctx, scopes) {
        return *r;
    }
    if !eventual(&headers) {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "$count is not currently supported.",
        );
    }
    let d = delay(&state);
    let t = tenant(&state);
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

fn valid_address(a: &str) -> bool {
    let Some((local, domain)) = a.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '"')
        && !domain.contains('@')
}

async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(origin);
    let caller = match authorize(&state, &headers, &ctx, INVITE) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    if !caller.has_role(Role::GuestInviter) {
        return ctx.denied();
    }
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(&body) else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Empty Payload. JSON content expected.",
        );
    };
    let email = b
        .get("invitedUserEmailAddress")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    let redirect = b
        .get("inviteRedirectUrl")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if email.is_empty() || redirect.is_empty() {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Required properties invitedUserEmailAddress and inviteRedirectUrl must be specified.",
        );
    }
    if !valid_address(email) {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The specified email address is invalid.",
        );
    }
    let display = b
        .get("invitedUserDisplayName")
        .and_then(Value::as_str)
        .map(str::to_string);
    let send = b
        .get("sendInvitationMessage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut t = tenant(&state);
    // An existing guest for the address is reused (invitation-post page: re-inviting returns the same user).
    let existing = t
        .users()
        .iter()
        .find(|u| {
            u.user_type == UserType::Guest
                && (u
                    .mail
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(email))
                    || u.other_mails.iter().any(|m| m.eq_ignore_ascii_case(email)))
        })
        .map(|u| (u.id.clone(), u.external_user_state.clone()));
    if existing.is_none()
        && t.users().iter().any(|u| {
            u.user_type == UserType::Member
                && u.mail
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(email))
        })
    {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The invited user already exists in the directory as a member of this organization.",
        );
    }
    let (user_id, status) = match existing {
        Some((id, state)) => {
            let s = if state.as_deref() == Some("Accepted") {
                "Completed"
            } else {
                "PendingAcceptance"
            };
            (id, s)
        }
        None => {
            let name = display
                .clone()
                .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_string());
            let guest =
                crate::seed::guest_user(&mut t, &name, email, false, Provenance::now(Side::Graph));
            (t.insert_user(guest), "PendingAcceptance")
        }
    };
    let invitation_id = t.new_guid();
    let redeem = format!(
        "https://login.microsoftonline.com/redeem?rd=https%3a%2f%2finvitations.microsoft.com%2fredeem%2f%3ftenant%3d{}%26user%3d{}%26ticket%3d{}",
        crate::contract::TENANT_ID,
        user_id,
        invitation_id
    );
    let msg_info = b.get("invitedUserMessageInfo").cloned().unwrap_or_else(|| {
        json!({"messageLanguage": null, "customizedMessageBody": null,
            "ccRecipients": [{"emailAddress": {"name": null, "address": null}}]})
    });
    let body = json!({
        "@odata.context": ctx.context("invitations/$entity"),
        "id": invitation_id,
        "inviteRedeemUrl": redeem,
        "invitedUserDisplayName": display,
        "invitedUserType": "Guest",
        "invitedUserEmailAddress": email,
        "sendInvitationMessage": send,
        "resetRedemption": false,
        "inviteRedirectUrl": redirect,
        "status": status,
        "invitedUserMessageInfo": msg_info,
        "invitedUser": { "id": user_id },
    });
    ctx.json(StatusCode::CREATED, body)
}

// ----- $batch -----

async fn batch(
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
    let app = router().with_state(state.clone());
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
