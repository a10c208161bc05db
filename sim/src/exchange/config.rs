//! The organisation-level read cmdlets: Get-OrganizationConfig and Get-AcceptedDomain (the app's
//! harmless probe of whether Exchange is reachable).

use serde_json::{json, Value};

use super::cmdlets::Params;
use super::ExoError;
use crate::contract::{TENANT_DOMAIN, TENANT_ID};
use crate::store::ACCEPTED_DOMAINS;

pub(super) fn org_config() -> Value {
    json!({
        "Name": TENANT_DOMAIN,
        "DisplayName": "Contoso",
        "Identity": TENANT_DOMAIN,
        "Guid": TENANT_ID,
        "IsDehydrated": false,
        "OrganizationId": format!("EURPR06A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/{TENANT_DOMAIN} - EURPR06A001.prod.outlook.com/ConfigurationUnits/{TENANT_DOMAIN}/Configuration"),
    })
}

pub(super) fn accepted_domains(p: &Params) -> Result<Vec<Value>, ExoError> {
    let all: Vec<Value> = ACCEPTED_DOMAINS
        .iter()
        .map(|d| {
            json!({
                "Identity": d, "Name": d, "DomainName": d, "DomainType": "Authoritative",
                "Default": *d != TENANT_DOMAIN, "InitialDomain": *d == TENANT_DOMAIN,
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
