//! `/groups/{id}/members` (and its casts and `$count`), `POST …/members/$ref` and
//! `DELETE …/members/{id}/$ref`.
//!
//! - List members / casts: https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0
//! - Add member: https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0
//! - Remove member: https://learn.microsoft.com/en-us/graph/api/group-delete-members?view=graph-rest-1.0

use axum::body::Bytes;
use axum::extract::{Path, Query as QueryPairs, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::contacts::contact_json;
use super::groups::group_json;
use super::paging::{collection, paginate, parse_query};
use super::users::{user_json, USER_DEFAULT};
use super::{
    authorize, defaults_only, delay, eventual, limited, tenant, with_type, Ctx, Origin,
    ALREADY_MEMBER, DL_REFUSED, READ_CONTACTS, READ_GROUPS, READ_USERS, WRITE_MEMBERS,
};
use crate::contract::Role;
use crate::state::AppState;
use crate::store::{GroupKind, Obj, ObjKind, Side};

/// `@odata.type` name and context fragment for a cast segment.
fn cast_kind(cast: &str) -> Option<(ObjKind, &'static str)> {
    match cast {
        "microsoft.graph.user" => Some((ObjKind::User, "users")),
        "microsoft.graph.orgContact" => Some((ObjKind::Contact, "contacts")),
        "microsoft.graph.group" => Some((ObjKind::Group, "groups")),
        _ => None,
    }
}

pub(super) async fn list_members(
    state: State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    pairs: QueryPairs<Vec<(String, String)>>,
) -> Response {
    members(state, headers, origin, id, None, pairs).await
}

pub(super) async fn list_members_cast(
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
    let t = tenant(&state, &caller);
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

pub(super) async fn add_member(
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
    let mut t = tenant(&state, &caller);
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
    let Some(m) = t
        .get(&member_id)
        .filter(|o| o.provenance().replicated(d) && !o.provenance().is_removed())
    else {
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

pub(super) async fn remove_member(
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
    let mut t = tenant(&state, &caller);
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
