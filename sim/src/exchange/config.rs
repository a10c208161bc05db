//! The organisation-level read cmdlets: Get-OrganizationConfig and Get-AcceptedDomain (the app's
//! harmless probe of whether Exchange is reachable).

use serde_json::{json, Value};

use super::cmdlets::Params;
use super::ExoError;
use crate::store::Tenant;

pub(super) fn org_config(t: &Tenant) -> Value {
    let domain = t.org.domain;
    json!({
        "Name": domain,
        "DisplayName": t.org.name,
        "Identity": domain,
        "Guid": t.org.id,
        "IsDehydrated": false,
        "OrganizationId": format!("EURPR06A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/{domain} - EURPR06A001.prod.outlook.com/ConfigurationUnits/{domain}/Configuration"),
    })
}

pub(super) fn accepted_domains(t: &Tenant, p: &Params) -> Result<Vec<Value>, ExoError> {
    let initial = t.org.domain;
    let all: Vec<Value> = t
        .accepted_domains()
        .iter()
        .map(|d| {
            json!({
                "Identity": d, "Name": d, "DomainName": d, "DomainType": "Authoritative",
                "Default": *d != initial, "InitialDomain": *d == initial,
            })
        })
        .collect();
    match p.str("Identity") {
        None => Ok(all),
        Some(id) => all
            .into_iter()
            .find(|d| {
                d["Name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&id))
            })
            .map(|d| vec![d])
            .ok_or_else(|| ExoError::not_found(&id)),
    }
}
