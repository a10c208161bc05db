//! Many tenants from one browser (Microsoft partners, GDAP): which tenants the signed-in admin
//! can act in, and the decisions around them. Pure; the I/O is in [`crate::ui::tenants`].
//!
//! A partner's admin signs in at home (`tenantId` `organizations`); the home tenant's GDAP
//! customers (`GET /tenantRelationships/delegatedAdminCustomers`) are the other choices. Acting
//! in a customer means tokens from that tenant's authority for the same account
//! (`{authority}/{customer tenant id}`), which Entra issues once the app is consented there.

use crate::auth::Account;
use crate::config::Config;
use guestlist_core::domain::csv_import::Validated;
use guestlist_core::domain::plan::Desired;
use guestlist_core::tenant::{encode_query_value, DelegatedAdminCustomer, TenantError};

/// A tenant the admin can act in.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TenantChoice {
    /// The directory (tenant) id: the authority tokens come from, and Exchange's URL segment.
    pub id: String,
    /// The customer's display name; for the home tenant its domain (Graph gives the admin's
    /// own tenant no name without another permission).
    pub name: String,
    /// The admin's own tenant (tokens from the configured authority).
    pub home: bool,
    /// The tenant's default domain (`contoso.onmicrosoft.com`), where known.
    #[serde(default)]
    pub domain: Option<String>,
}

impl TenantChoice {
    /// The signed-in account's own tenant.
    pub fn home(account: &Account) -> TenantChoice {
        let domain = account
            .username
            .rsplit_once('@')
            .map_or(account.username.as_str(), |(_, d)| d);
        TenantChoice {
            id: account.tenant_id.clone(),
            name: domain.to_owned(),
            home: true,
            domain: Some(domain.to_owned()),
        }
    }

    /// Whether a CSV's tenant cell names this tenant: its id, its name or its default domain,
    /// ignoring case.
    pub fn is_named(&self, cell: &str) -> bool {
        let cell = cell.trim();
        !cell.is_empty()
            && [
                Some(self.id.as_str()),
                Some(self.name.as_str()),
                self.domain.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|n| n.eq_ignore_ascii_case(cell))
    }

    /// The tenant id to ask tokens for: `None` for the home tenant (the configured authority).
    pub fn authority_tenant(&self) -> Option<&str> {
        (!self.home).then_some(self.id.as_str())
    }
}

/// What the switcher offers: the home tenant first, then the customers by name. Customers
/// without a tenant id are left out, and the home tenant is never listed twice.
pub fn choices(account: &Account, customers: &[DelegatedAdminCustomer]) -> Vec<TenantChoice> {
    let home = TenantChoice::home(account);
    let mut others: Vec<TenantChoice> = customers
        .iter()
        .filter(|c| !c.tenant_id.is_empty() && !c.tenant_id.eq_ignore_ascii_case(&home.id))
        .map(|c| TenantChoice {
            id: c.tenant_id.clone(),
            name: c
                .display_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| c.tenant_id.clone()),
            home: false,
            domain: None,
        })
        .collect();
    others.sort_by_key(|c| c.name.to_lowercase());
    others.dedup_by(|a, b| a.id.eq_ignore_ascii_case(&b.id));
    std::iter::once(home).chain(others).collect()
}

/// One tenant's rows of a partner's import (a CSV with a tenant column), in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct TenantRows {
    pub tenant: TenantChoice,
    pub desired: Vec<Desired>,
}

/// A row whose tenant cell names none of the admin's tenants (or is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownTenant {
    pub line: u64,
    pub value: String,
}

/// A partner's import split by the rows' tenant cells: one share per tenant named (in the
/// switcher's order), and the rows naming none, which are not imported anywhere.
pub fn split_by_tenant(
    validated: &Validated,
    choices: &[TenantChoice],
) -> (Vec<TenantRows>, Vec<UnknownTenant>) {
    let mut shares: Vec<TenantRows> = Vec::new();
    let mut unknown = Vec::new();
    for row in &validated.rows {
        match choices.iter().find(|c| c.is_named(&row.tenant)) {
            Some(tenant) => match shares.iter_mut().find(|s| s.tenant.id == tenant.id) {
                Some(share) => share.desired.push(row.desired()),
                None => shares.push(TenantRows {
                    tenant: tenant.clone(),
                    desired: vec![row.desired()],
                }),
            },
            None => unknown.push(UnknownTenant {
                line: row.line,
                value: row.tenant.clone(),
            }),
        }
    }
    shares.sort_by_key(|s| choices.iter().position(|c| c.id == s.tenant.id));
    (shares, unknown)
}

/// Whether a failed token request says the app isn't consented in the tenant: Entra's
/// AADSTS65001 ("The user or administrator has not consented to use the application") or
/// AADSTS650051 (the consent itself failed)
/// (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>).
pub fn consent_missing(e: &TenantError) -> bool {
    let text = e.to_string();
    ["AADSTS65001", "AADSTS650051"]
        .iter()
        .any(|code| text.contains(code))
}

/// The admin-consent link for `tenant`: Microsoft's page where an administrator of that tenant
/// grants the app's configured permissions for the whole organisation, then comes back to
/// `return_to` (<https://learn.microsoft.com/entra/identity-platform/v2-admin-consent>).
pub fn admin_consent_url(config: &Config, tenant: &str, return_to: &str) -> String {
    format!(
        "{}/{tenant}/v2.0/adminconsent?client_id={}&redirect_uri={}",
        config.authority.trim_end_matches('/'),
        encode_query_value(&config.client_id),
        encode_query_value(return_to)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use guestlist_core::tenant::AuthError;

    fn partner() -> Account {
        Account {
            name: "Litware Admin".into(),
            username: "admin@litwarepartners.onmicrosoft.com".into(),
            tenant_id: "4d7e9a10-5b2c-4e8f-a1d3-6c9b8e7f0a21".into(),
        }
    }

    fn customer(id: &str, name: Option<&str>) -> DelegatedAdminCustomer {
        DelegatedAdminCustomer {
            tenant_id: id.into(),
            display_name: name.map(str::to_owned),
        }
    }

    #[test]
    fn home_comes_first_then_customers_by_name() {
        let list = choices(
            &partner(),
            &[
                customer("t-2", Some("Tailspin Toys")),
                customer("t-1", Some("adatum")),
                customer("", Some("no id")),
                customer("4D7E9A10-5B2C-4E8F-A1D3-6C9B8E7F0A21", Some("ourselves")),
                customer("t-3", None),
                customer("t-2", Some("Tailspin Toys")),
            ],
        );
        let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "litwarepartners.onmicrosoft.com",
                "adatum",
                "t-3",
                "Tailspin Toys"
            ]
        );
        assert!(list[0].home && list[0].authority_tenant().is_none());
        assert_eq!(list[1].authority_tenant(), Some("t-1"));
        // A single-tenant admin: only the home tenant, so no switcher.
        assert_eq!(choices(&partner(), &[]).len(), 1);
    }

    #[test]
    fn a_csv_is_split_by_tenant_id_name_or_domain_and_unknown_tenants_are_named() {
        let mut list = choices(
            &partner(),
            &[
                customer("t-1", Some("Northwind Traders")),
                customer("t-2", Some("Tailspin Toys")),
            ],
        );
        list[2].domain = Some("tailspintoys.onmicrosoft.com".into());
        let csv = "email;tenant\r\n\
                   a@x.example;tailspintoys.onmicrosoft.com\r\n\
                   b@x.example;northwind traders\r\n\
                   c@x.example;T-1\r\n\
                   d@x.example;Fabrikam\r\n\
                   e@x.example;\r\n\
                   f@x.example;litwarepartners.onmicrosoft.com\r\n";
        let validated = guestlist_core::domain::csv_import::import(csv.as_bytes())
            .unwrap()
            .validated
            .unwrap();
        let (shares, unknown) = split_by_tenant(&validated, &list);
        let lines = |s: &TenantRows| s.desired.iter().map(|d| d.row).collect::<Vec<_>>();
        let summary: Vec<(&str, Vec<u64>)> = shares
            .iter()
            .map(|s| (s.tenant.id.as_str(), lines(s)))
            .collect();
        assert_eq!(
            summary,
            [
                ("4d7e9a10-5b2c-4e8f-a1d3-6c9b8e7f0a21", vec![7]),
                ("t-1", vec![3, 4]),
                ("t-2", vec![2]),
            ]
        );
        assert_eq!(
            unknown,
            [
                UnknownTenant {
                    line: 5,
                    value: "Fabrikam".into()
                },
                UnknownTenant {
                    line: 6,
                    value: String::new()
                }
            ]
        );
    }

    #[test]
    fn consent_answers_are_recognised() {
        let missing = TenantError::from(AuthError::InteractionRequired(
            "invalid_grant: AADSTS65001: The user or administrator has not consented".into(),
        ));
        assert!(consent_missing(&missing));
        let other = TenantError::from(AuthError::InteractionRequired(
            "AADSTS50058: no user is signed in".into(),
        ));
        assert!(!consent_missing(&other));
    }

    #[test]
    fn the_consent_link_names_the_tenant_and_the_app() {
        let config = crate::config::parse(
            r#"{"clientId":"6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b","tenantId":"organizations"}"#,
            "https://guestlist.example/",
        )
        .unwrap();
        assert_eq!(
            admin_consent_url(&config, "t-1", "https://guestlist.example/"),
            "https://login.microsoftonline.com/t-1/v2.0/adminconsent?client_id=6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b&redirect_uri=https%3A%2F%2Fguestlist.example%2F"
        );
    }
}
