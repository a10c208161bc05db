//! `/tenantRelationships/delegatedAdminCustomers`: a partner's GDAP customers
//! (<https://learn.microsoft.com/graph/api/tenantrelationship-list-delegatedadmincustomers>;
//! delegated `DelegatedAdminRelationship.Read.All`, or `ReadWrite.All`). Each item is a
//! delegatedAdminCustomer (`id`, `tenantId`, `displayName`) with an `@odata.etag`
//! (<https://learn.microsoft.com/graph/api/resources/delegatedadmincustomer>). A tenant that is
//! nobody's partner gets an empty list.

use axum::extract::{Query as QueryPairs, State};
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
