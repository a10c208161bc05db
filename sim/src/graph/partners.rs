//! `/tenantRelationships/delegatedAdminCustomers`: a partner's GDAP customers
//! (<https://learn.microsoft.com/graph/api/tenantrelationship-list-delegatedadmincustomers>;
//! delegated `DelegatedAdminRelationship.Read.All`, or `ReadWrite.All`). Each item is a
//! delegatedAdminCustomer (`id`, `tenantId`, `displayName`) with an `@odata.etag`
//! (<https://learn.microsoft.com/graph/api/resources/delegatedadmincustomer>). A tenant that is
//! nobody's partner gets an empty list.
//!
//! `/tenantRelationships/findTenantInformationByTenantId(tenantId='{id}')`: any tenant's
//! public facts, a tenantInformation (`tenantId`, `displayName`, `defaultDomainName`,
//! `federationBrandName`), delegated `CrossTenantInformation.ReadBasic.All`, no Entra role
//! needed (<https://learn.microsoft.com/graph/api/tenantrelationship-findtenantinformationbytenantid>,
//! <https://learn.microsoft.com/graph/api/resources/tenantinformation>). The customers list
//! has no domain; this is where a partner's app finds each customer's.

use axum::extract::{Path, Query as QueryPairs, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::into_map;
use super::paging::{collection, paginate, Read};
use super::Origin;
use crate::contract::Organization;
use crate::state::AppState;

const READ_CUSTOMERS: &[&str] = &[
    "DelegatedAdminRelationship.Read.All",
    "DelegatedAdminRelationship.ReadWrite.All",
];

fn customer_json(c: &Organization) -> Map<String, Value> {
    into_map(json!({
        "@odata.etag": format!("W/\"{}\"", &c.id[..8]),
        "id": c.id,
        "tenantId": c.id,
        "displayName": c.name,
    }))
}

pub(super) async fn list_customers(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_CUSTOMERS, |ctx, caller, q| {
        let customers = state.tenancy.customers_of(&caller.tid);
        let page = paginate(&customers, &q, |_| true, customer_json, |m| q.project(m));
        collection(
            &ctx,
            &q,
            "tenantRelationships/delegatedAdminCustomers",
            "/tenantRelationships/delegatedAdminCustomers",
            page,
        )
    })
}

const READ_TENANT_INFORMATION: &[&str] = &["CrossTenantInformation.ReadBasic.All"];

/// The tenant id in a `findTenantInformationByTenantId(tenantId='{id}')` segment.
fn tenant_id_argument(segment: &str) -> Option<&str> {
    segment
        .strip_prefix("findTenantInformationByTenantId(tenantId=\'")?
        .strip_suffix("\')")
}

pub(super) async fn tenant_function(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    Path(segment): Path<String>,
    QueryPairs(pairs): QueryPairs<Vec<(String, String)>>,
) -> Response {
    Read::new(&state, &headers, origin, &pairs).answer(READ_TENANT_INFORMATION, |ctx, _, _| {
        let Some(id) = tenant_id_argument(&segment) else {
            return ctx.error(
                axum::http::StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Resource not found for the segment '{segment}'."),
            );
        };
        match crate::tenancy::organization(id).filter(|o| o.id.eq_ignore_ascii_case(id)) {
            Some(org) => ctx.json(
                axum::http::StatusCode::OK,
                json!({
                    "@odata.context": ctx.context("microsoft.graph.tenantInformation"),
                    "tenantId": org.id,
                    "federationBrandName": null,
                    "displayName": org.name,
                    "defaultDomainName": org.domain,
                }),
            ),
            None => ctx.not_found(id),
        }
    })
}
