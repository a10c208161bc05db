//! `/me` and `/users`: list, get, and the user JSON other resources embed.
//!
//! - List users (default properties): https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0
//! - Get user: https://learn.microsoft.com/en-us/graph/api/user-get?view=graph-rest-1.0
//! - Delete user (to deleted items, recoverable for 30 days): https://learn.microsoft.com/graph/api/user-delete
//! - Update user: https://learn.microsoft.com/graph/api/user-update
//! - onPremisesExtensionAttributes (writable on cloud-only users only, read-only where
//!   `onPremisesSyncEnabled`): https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes
//! - List deleted items: https://learn.microsoft.com/graph/api/directory-deleteditems-list
//! - Restore deleted item: https://learn.microsoft.com/graph/api/directory-deleteditems-restore
//! - List a user's direct memberships: https://learn.microsoft.com/graph/api/user-list-memberof

use axum::body::Bytes;
use axum::extract::{Path, Query as QueryPairs, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::groups::group_json;
use super::paging::{collection, entity, paginate, Read};
use super::{
    authorize, date, defaults_only, delay, into_map, tenant, with_type, Ctx, Origin, READ_ME,
    READ_USERS, WRITE_USERS,
};
use crate::contract::{Caller, Role};
use crate::odata::Field;
use crate::state::AppState;
use crate::store::{Contact, Group, Side, Tenant, User, UserType};

/// Properties `GET /users` returns without `$select`
/// (https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0#optional-query-parameters).
pub(super) const USER_DEFAULT: &[&str] = &[
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
        "companyName": u.company_name,
        "onPremisesSyncEnabled": if u.on_premises_sync_enabled { Value::Bool(true) } else { Value::Null },
        "onPremisesExtensionAttributes": extension_attributes_json(&u.extension_attributes),
    });
    into_map(v)
}

/// `{"extensionAttribute1": …, …, "extensionAttribute15": …}`.
fn extension_attributes_json(a: &[Option<String>; 15]) -> Value {
    let m: Map<String, Value> = a
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("extensionAttribute{}", i + 1), json!(v)))
        .collect();
    Value::Object(m)
}

pub(super) async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_ME, |ctx, caller, q| {
        // A partner's admin in a customer tenant has no user object there: `/me` is still the
        // signed-in user, whose object lives in their home tenant.
        let home = crate::auth::account_by_oid(&state, &caller.oid)
            .map(|a| a.tenant_id)
            .unwrap_or(crate::contract::TENANT_ID);
        let t = state.tenant_of(home);
        let Some(u) = t.user(&caller.oid) else {
            return ctx.not_found(&caller.oid);
        };
        let m = if q.select.is_some() {
            user_json(u)
        } else {
            defaults_only(user_json(u), USER_DEFAULT)
        };
        entity(&ctx, &q, "users", m)
    })
}

pub(super) async fn list_users(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_USERS, |ctx, caller, q| {
        let d = delay(&state);
        let t = tenant(&state, &caller);
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
                    "externaluserstate" => Some(Field::Str(u.external_user_state.as_deref())),
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
    })
}

pub(super) async fn get_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_USERS, |ctx, caller, q| {
        let d = delay(&state);
        let t = tenant(&state, &caller);
        let Some(u) = visible_user(&t, &id, d) else {
            return ctx.not_found(&id);
        };
        let m = if q.select.is_some() {
            user_json(u)
        } else {
            defaults_only(user_json(u), USER_DEFAULT)
        };
        entity(&ctx, &q, "users", m)
    })
}

/// The user `id` (object id or user principal name), if Graph sees it now.
pub(super) fn visible_user<'a>(
    t: &'a Tenant,
    id: &str,
    d: std::time::Duration,
) -> Option<&'a User> {
    t.user(id)
        .or_else(|| t.user_by_upn(id))
        .filter(|u| u.provenance.visible_to(Side::Graph, d))
}

/// The contact `id`, if Graph sees it now.
pub(super) fn visible_contact<'a>(
    t: &'a Tenant,
    id: &str,
    d: std::time::Duration,
) -> Option<&'a Contact> {
    t.contact(id)
        .filter(|c| c.provenance.visible_to(Side::Graph, d))
}

/// The groups (visible to Graph) that hold `id` as a direct member, in store order.
pub(super) fn direct_groups<'a>(t: &'a Tenant, id: &str, d: std::time::Duration) -> Vec<&'a Group> {
    t.groups()
        .iter()
        .filter(|g| {
            g.kind.in_graph() && g.provenance.visible_to(Side::Graph, d) && g.has_member(id)
        })
        .collect()
}

/// `GET /users/{id}/memberOf`: the user's direct memberships (groups here; the sim has no
/// directory roles or administrative units), paged like any collection.
pub(super) async fn user_member_of(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_USERS, |ctx, caller, q| {
        let d = delay(&state);
        let t = tenant(&state, &caller);
        let Some(u) = visible_user(&t, &id, d) else {
            return ctx.not_found(&id);
        };
        let groups = direct_groups(&t, &u.id, d);
        member_of_page(&ctx, &q, &groups, &format!("/users/{id}/memberOf"))
    })
}

/// A memberOf page: `#microsoft.graph.group` items.
pub(super) fn member_of_page(
    ctx: &Ctx,
    q: &crate::odata::Query,
    groups: &[&Group],
    path: &str,
) -> Response {
    let selected = q.select.is_some();
    let page = paginate(
        groups,
        q,
        |_| true,
        |g| with_type(group_json(g), "group"),
        |m| {
            if selected {
                q.project(m)
            } else {
                Value::Object(m)
            }
        },
    );
    collection(ctx, q, "directoryObjects", path, page)
}

/// The caller may change users: `User.ReadWrite.All` (or the directory scope) and the User
/// Administrator role (delegated scenarios of the user-delete and user-update pages).
fn user_writer(state: &AppState, headers: &HeaderMap, ctx: &Ctx) -> Result<Caller, Box<Response>> {
    let caller = authorize(state, headers, ctx, WRITE_USERS)?;
    if caller.has_role(Role::UserAdministrator) {
        Ok(caller)
    } else {
        Err(Box::new(ctx.denied()))
    }
}

/// `DELETE /users/{id}`: 204; the user goes to deleted items (30 days) and out of its groups.
pub(super) async fn delete_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
) -> Response {
    let ctx = Ctx::new(origin);
    let caller = match user_writer(&state, &headers, &ctx) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let d = delay(&state);
    let mut t = tenant(&state, &caller);
    let Some(uid) = t
        .user(&id)
        .or_else(|| t.user_by_upn(&id))
        .filter(|u| u.provenance.visible_to(Side::Graph, d))
        .map(|u| u.id.clone())
    else {
        return ctx.not_found(&id);
    };
    t.delete_user(&uid);
    ctx.no_content()
}

pub const SYNCED_REFUSED: &str = "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.";

/// `PATCH /users/{id}`: `onPremisesExtensionAttributes` (the attributes named; `null` clears one),
/// `companyName`, `displayName`, `givenName`, `surname`, `jobTitle`, `department`. 204.
/// Extension attributes of a user synced from on-premises are refused, as the resource page says.
pub(super) async fn patch_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(origin);
    let caller = match user_writer(&state, &headers, &ctx) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(&body) else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Empty Payload. JSON content expected.",
        );
    };
    let bad_property = |name: &str| {
        ctx.error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            &format!("Property '{name}' does not exist on type 'microsoft.graph.user'."),
        )
    };
    let mut attrs: Vec<(usize, Option<String>)> = Vec::new();
    let mut strings: Vec<(String, Option<String>)> = Vec::new();
    for (k, v) in &b {
        match k.as_str() {
            "onPremisesExtensionAttributes" => {
                let Value::Object(m) = v else {
                    return bad_property(k);
                };
                for (ak, av) in m {
                    let n = ak
                        .strip_prefix("extensionAttribute")
                        .and_then(|n| n.parse::<usize>().ok())
                        .filter(|n| (1..=15).contains(n));
                    let Some(n) = n else {
                        return ctx.error(
                            StatusCode::BAD_REQUEST,
                            "Request_BadRequest",
                            &format!("Property '{ak}' does not exist on type 'microsoft.graph.onPremisesExtensionAttributes'."),
                        );
                    };
                    attrs.push((n - 1, av.as_str().map(str::to_string)));
                }
            }
            "companyName" | "displayName" | "givenName" | "surname" | "jobTitle" | "department" => {
                strings.push((k.clone(), v.as_str().map(str::to_string)));
            }
            _ => return bad_property(k),
        }
    }
    let d = delay(&state);
    let mut t = tenant(&state, &caller);
    let Some(uid) = t
        .user(&id)
        .or_else(|| t.user_by_upn(&id))
        .filter(|u| u.provenance.visible_to(Side::Graph, d))
        .map(|u| u.id.clone())
    else {
        return ctx.not_found(&id);
    };
    let u = t.user_mut(&uid).expect("user just found");
    if !attrs.is_empty() && u.on_premises_sync_enabled {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            SYNCED_REFUSED,
        );
    }
    for (i, v) in attrs {
        u.extension_attributes[i] = v;
    }
    for (k, v) in strings {
        match k.as_str() {
            "companyName" => u.company_name = v,
            "displayName" => {
                if let Some(v) = v {
                    u.display_name = v;
                }
            }
            "givenName" => u.given_name = v,
            "surname" => u.surname = v,
            "jobTitle" => u.job_title = v,
            _ => u.department = v,
        }
    }
    ctx.no_content()
}

/// `GET /directory/deletedItems/microsoft.graph.user`: the users in deleted items, with
/// `deletedDateTime`.
pub(super) async fn list_deleted_users(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_USERS, |ctx, caller, q| {
        let t = tenant(&state, &caller);
        let deleted: Vec<&User> = t.deleted_users().collect();
        let selected = q.select.is_some();
        let page = paginate(
            &deleted,
            &q,
            |_| true,
            |u| deleted_json(u),
            |m| {
                if selected {
                    q.project(m)
                } else {
                    let mut keep = USER_DEFAULT.to_vec();
                    keep.push("deletedDateTime");
                    Value::Object(defaults_only(m, &keep))
                }
            },
        );
        collection(
            &ctx,
            &q,
            "directoryObjects/microsoft.graph.user",
            "/directory/deletedItems/microsoft.graph.user",
            page,
        )
    })
}

fn deleted_json(u: &User) -> Map<String, Value> {
    let mut m = user_json(u);
    m.insert(
        "deletedDateTime".into(),
        u.deleted
            .as_ref()
            .map(|(at, _)| date(at))
            .unwrap_or(Value::Null),
    );
    m
}

/// `POST /directory/deletedItems/{id}/restore`: 200 with the restored user, back in its groups.
/// An object now holding its user principal name or address blocks it (400).
pub(super) async fn restore_deleted(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
) -> Response {
    let ctx = Ctx::new(origin);
    let caller = match user_writer(&state, &headers, &ctx) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let mut t = tenant(&state, &caller);
    match t.restore_user(&id) {
        Ok(Some(u)) => {
            let mut out = Map::new();
            out.insert(
                "@odata.context".into(),
                Value::String(ctx.context("directoryObjects/$entity")),
            );
            out.extend(with_type(defaults_only(user_json(u), USER_DEFAULT), "user"));
            ctx.json(StatusCode::OK, Value::Object(out))
        }
        Ok(None) => ctx.not_found(&id),
        Err(holder) => ctx.error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            &format!("Another object with the same value for property userPrincipalName already exists. Conflicting object: {holder}."),
        ),
    }
}
