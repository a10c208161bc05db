//! Partners (GDAP): the registers of several tenants as one list — every filter and search of
//! [`Register`] over all of them, a tenant filter besides, one CSV with a tenant column
//! ([`Register::tenants_csv`]), and the chosen rows handed back per tenant (each tenant's part
//! of an offboarding is planned and run in that tenant).
//!
//! The rows are the tenants' rows one tenant after the other, their groups renumbered into one
//! list; a row's tenant is found from where its tenant's rows start. Two tenants may hold the
//! same ids, so a row is named by its index here, and by its id only within its tenant.

use std::collections::BTreeMap;

use super::csv_export::ExportOptions;
use super::register::{Filter, Register, Sort};

/// Several tenants' registers as one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantsRegister {
    /// Every tenant's rows and groups.
    pub register: Register,
    /// The tenants' names, in the order their rows come.
    pub tenants: Vec<String>,
    /// Where each tenant's rows start in `register.people`.
    starts: Vec<u32>,
}

impl TenantsRegister {
    /// Joins `parts` (a tenant's name and its register), in the order given.
    pub fn merge(parts: &[(String, &Register)]) -> TenantsRegister {
        let mut out = TenantsRegister::default();
        for (name, r) in parts {
            let offset = out.register.groups.len() as u32;
            out.tenants.push(name.clone());
            out.starts.push(out.register.people.len() as u32);
            out.register.groups.extend(r.groups.iter().cloned());
            out.register.people.extend(r.people.iter().map(|p| {
                let mut p = p.clone();
                for g in &mut p.groups {
                    *g += offset;
                }
                p
            }));
        }
        out
    }

    /// The tenant (index into `tenants`) row `row` belongs to.
    pub fn tenant_of(&self, row: u32) -> usize {
        self.starts.partition_point(|&s| s <= row).saturating_sub(1)
    }

    /// The rows `filter` keeps in `tenant` (every tenant: `None`), tenant by tenant, each
    /// tenant's rows in the order `sort` asks.
    pub fn select(&self, filter: &Filter, tenant: Option<usize>, sort: Sort) -> Vec<u32> {
        let mut rows = self.register.select(filter, sort);
        rows.retain(|&r| tenant.is_none_or(|t| self.tenant_of(r) == t));
        // Stable: the sort's order holds within each tenant.
        rows.sort_by_key(|&r| self.tenant_of(r));
        rows
    }

    /// How many rows each tenant has.
    pub fn counts(&self) -> Vec<u32> {
        let total = self.register.people.len() as u32;
        self.starts
            .iter()
            .enumerate()
            .map(|(t, &s)| self.starts.get(t + 1).copied().unwrap_or(total) - s)
            .collect()
    }

    /// `rows` as one CSV, a first column "Tenant" naming each row's tenant (formula-safe like
    /// every export).
    pub fn to_csv(&self, rows: &[u32], options: ExportOptions) -> String {
        let runs: Vec<(&str, &Register, &[u32])> = rows
            .chunk_by(|&a, &b| self.tenant_of(a) == self.tenant_of(b))
            .map(|run| {
                let name = self.tenants[self.tenant_of(run[0])].as_str();
                (name, &self.register, run)
            })
            .collect();
        Register::tenants_csv(&runs, options)
    }

    /// `rows` per tenant: each tenant's index and its rows, in the order given.
    pub fn rows_by_tenant(&self, rows: impl IntoIterator<Item = u32>) -> BTreeMap<usize, Vec<u32>> {
        let mut out: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        for row in rows {
            if (row as usize) < self.register.people.len() {
                out.entry(self.tenant_of(row)).or_default().push(row);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::GroupKind;
    use crate::domain::register::{ExternalKind, RegisterGroup, Source, SourcePerson};

    fn person(id: &str, name: &str, address: &str) -> SourcePerson {
        SourcePerson {
            id: id.into(),
            name: name.into(),
            address: address.into(),
            ..SourcePerson::default()
        }
    }

    /// A customer's register: a contact and a guest from `partner.example` with the same ids in
    /// every tenant (as seeds can have), and a contact of the tenant's own in `{short} Suppliers`.
    fn customer(short: &str) -> Register {
        let own = person(
            &format!("{short}-c"),
            &format!("{short} Buyer"),
            &format!("buyer@{}.example", short.to_lowercase()),
        );
        Register::build(Source {
            contacts: vec![person("c1", "Ann Partner", "ann@partner.example"), own],
            guests: vec![person("g1", "Bo Partner", "bo@partner.example")],
            groups: vec![RegisterGroup {
                id: "grp".into(),
                name: format!("{short} Suppliers"),
                kind: GroupKind::Distribution,
            }],
            members: vec![vec!["c1".into(), format!("{short}-c")]],
        })
    }

    fn merged() -> TenantsRegister {
        let (n, t) = (customer("Northwind"), customer("Tailspin"));
        TenantsRegister::merge(&[("Northwind".into(), &n), ("Tailspin".into(), &t)])
    }

    #[test]
    fn rows_know_their_tenant_and_their_own_tenants_groups() {
        let m = merged();
        assert_eq!(m.counts(), [3, 3]);
        assert_eq!(m.tenant_of(0), 0);
        assert_eq!(m.tenant_of(2), 0);
        assert_eq!(m.tenant_of(3), 1);
        assert_eq!(m.tenant_of(5), 1);
        // Tailspin's Ann is in Tailspin's group, not Northwind's.
        let ann = &m.register.people[3];
        assert_eq!(ann.name, "Ann Partner");
        assert_eq!(ann.groups, [1]);
        assert_eq!(m.register.groups[1].name, "Tailspin Suppliers");
        // A group filter finds only the tenant whose group it is.
        let in_group = Filter {
            group: Some(0),
            ..Filter::default()
        };
        let rows = m.select(&in_group, None, Sort::default());
        assert!(rows.iter().all(|&r| m.tenant_of(r) == 0) && rows.len() == 2);
    }

    #[test]
    fn filters_and_the_tenant_filter_hold_together_tenant_by_tenant() {
        let m = merged();
        let partner = Filter {
            domain: Some("partner.example".into()),
            ..Filter::default()
        };
        let all = m.select(&partner, None, Sort::default());
        let names: Vec<(usize, &str)> = all
            .iter()
            .map(|&r| (m.tenant_of(r), m.register.people[r as usize].name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (0, "Ann Partner"),
                (0, "Bo Partner"),
                (1, "Ann Partner"),
                (1, "Bo Partner")
            ]
        );
        let guests_in_tailspin = Filter {
            kind: Some(ExternalKind::Guest),
            search: "PARTNER".into(),
            ..Filter::default()
        };
        assert_eq!(m.select(&guests_in_tailspin, Some(1), Sort::default()), [5]);
        // The same ids in two tenants stay two people, each in its own tenant.
        let by = m.rows_by_tenant(all.iter().rev().copied());
        assert_eq!(by.len(), 2);
        let ids = |t: usize| -> Vec<&str> {
            by[&t]
                .iter()
                .map(|&r| m.register.people[r as usize].id.as_str())
                .collect()
        };
        assert_eq!(by[&0], [2, 0]);
        assert_eq!(by[&1], [5, 3]);
        assert_eq!(ids(0), ["g1", "c1"]);
        assert_eq!(ids(1), ids(0));
    }

    #[test]
    fn the_csv_names_each_rows_tenant() {
        let m = merged();
        let rows = m.select(
            &Filter {
                search: "ann".into(),
                ..Filter::default()
            },
            None,
            Sort::default(),
        );
        let csv = m.to_csv(
            &rows,
            ExportOptions {
                delimiter: b',',
                bom: false,
            },
        );
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("Tenant,Name,"));
        assert!(
            lines[1].starts_with("Northwind,Ann Partner,")
                && lines[1].contains("Northwind Suppliers")
        );
        assert!(
            lines[2].starts_with("Tailspin,Ann Partner,")
                && lines[2].contains("Tailspin Suppliers")
        );
    }
}
