//! `/me` and `/users`: list, get, and the user JSON other resources embed.
//!
//! - List users (default properties): https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0
//! - Get user: https://learn.microsoft.com/en-us/graph/api/user-get?view=graph-rest-1.0

use axum::extract::{Path, Query as QueryPairs, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::paging::{collection, entity, paginate, read_request};
use super::{date, defaults_only, delay, into_map, tenant, Ctx, Origin, READ_ME, READ_USERS};
use crate::odata::Field;
use crate::state::AppState;
use crate::store::{Side, User, UserType};

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
    });
    into_map(v)
}

pub(super) async fn me(
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

pub(super) async fn list_users(
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

pub(super) async fn get_user(
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
