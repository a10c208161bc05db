//! `/contacts`: organizational contacts, read-only in Graph (they are made in Exchange).
//!
//! - List orgContacts: https://learn.microsoft.com/en-us/graph/api/orgcontact-list?view=graph-rest-1.0
//! - List a contact's direct memberships: https://learn.microsoft.com/graph/api/orgcontact-list-memberof

use axum::extract::{Path, Query as QueryPairs, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::paging::{collection, entity, paginate, Read};
use super::{delay, into_map, tenant, Ctx, Origin, METHOD_NOT_ALLOWED, READ_CONTACTS};
use crate::contract::GRAPH_AUDIENCE;
use crate::state::AppState;
use crate::store::{Contact, Side};

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

pub(super) async fn list_contacts(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_CONTACTS, |ctx, caller, q| {
        let d = delay(&state);
        let t = tenant(&state, &caller);
        let page = paginate(
            t.contacts(),
            &q,
            |c| c.provenance.visible_to(Side::Graph, d),
            contact_json,
            |m| q.project(m),
        );
        collection(&ctx, &q, "contacts", "/contacts", page)
    })
}

pub(super) async fn get_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_CONTACTS, |ctx, caller, q| {
        let d = delay(&state);
        let t = tenant(&state, &caller);
        let Some(c) = super::users::visible_contact(&t, &id, d) else {
            return ctx.not_found(&id);
        };
        entity(&ctx, &q, "contacts", contact_json(c))
    })
}

/// orgContacts are read-only in Graph: they are created in Exchange (New-MailContact) or synced from
/// on-premises (orgcontact resource page; microsoft-graph-docs issue 15397). Graph answers a method its
/// target doesn't support with 405 `Request_BadRequest` "Specified HTTP method is not allowed for the
/// request target." (example response in https://learn.microsoft.com/en-us/graph/json-batching).
pub(super) async fn create_contact(
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

/// `GET /contacts/{id}/memberOf`: the groups the contact is a direct member of.
pub(super) async fn contact_member_of(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_CONTACTS, |ctx, caller, q| {
        let d = delay(&state);
        let t = tenant(&state, &caller);
        let Some(c) = super::users::visible_contact(&t, &id, d) else {
            return ctx.not_found(&id);
        };
        let groups = super::users::direct_groups(&t, &c.id, d);
        super::users::member_of_page(&ctx, &q, &groups, &format!("/contacts/{id}/memberOf"))
    })
}
