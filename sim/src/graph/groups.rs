//! `/groups` and `/groups/{id}`: list, get (Exchange-backed properties only with `$select`) and
//! `PATCH`, and the group JSON other resources embed.
//!
//! - List groups: https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0
//! - Get group (allowExternalSenders only with $select): https://learn.microsoft.com/en-us/graph/api/group-get?view=graph-rest-1.0
//! - Update group (allowExternalSenders alone in its PATCH): https://learn.microsoft.com/en-us/graph/api/group-update?view=graph-rest-1.0

use axum::body::Bytes;
use axum::extract::{Path, Query as QueryPairs, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::paging::{collection, entity, paginate, Read};
use super::{authorize, date, into_map, tenant, Ctx, Origin, READ_GROUPS, WRITE_GROUP};
use crate::contract::Role;
use crate::state::AppState;
use crate::store::{Group, GroupKind};

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
        // Synced from on-premises Active Directory: true; cloud groups: null (the group resource).
        "onPremisesSyncEnabled": if g.dir_synced { json!(true) } else { Value::Null },
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

pub(super) async fn list_groups(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_GROUPS, |ctx, caller, q| {
        let t = tenant(&state, &caller);
        // Dynamic distribution groups exist only in Exchange.
        let page = paginate(
            t.groups(),
            &q,
            |g| g.kind.in_graph(),
            group_json,
            |m| q.project(m),
        );
        collection(&ctx, &q, "groups", "/groups", page)
    })
}

pub(super) async fn get_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_GROUPS, |ctx, caller, q| {
        let t = tenant(&state, &caller);
        let Some(g) = t.group(&id).filter(|g| g.kind.in_graph()) else {
            return ctx.not_found(&id);
        };
        let mut m = group_json(g);
        if q.select.is_some() {
            // allowExternalSenders & co. come from Exchange and only on $select (group-get page).
            m.extend(group_exchange_props(g));
        }
        entity(&ctx, &q, "groups", m)
    })
}

pub(super) async fn patch_group(
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
    let mut t = tenant(&state, &caller);
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
