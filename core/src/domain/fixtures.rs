//! Small fixed inputs that tests across the crates share (`fixtures` feature; always on in this
//! crate's own tests).

use super::email::EmailError;
use super::group::{ExternalSenders, GroupKind};
use super::person::PersonInput;
use super::plan::{plan, Desired, Plan, PlanOptions, TargetGroup, TenantSnapshot};

/// Rows from line 2 on, each a valid person with only an address.
pub fn addresses(emails: &[&str]) -> Vec<Desired> {
    emails
        .iter()
        .zip(2..)
        .map(|(email, row)| Desired {
            row,
            person: Ok(PersonInput {
                email: (*email).into(),
                ..Default::default()
            }
            .validate()
            .expect("a valid address")),
        })
        .collect()
}

/// A target group that accepts external senders.
pub fn group(id: &str, name: &str, kind: GroupKind) -> TargetGroup {
    TargetGroup {
        id: id.into(),
        name: name.into(),
        mail: Some(format!("{id}@contoso.com")),
        kind,
        external_senders: ExternalSenders::Allowed,
        dynamic_membership: false,
        on_premises_synced: false,
    }
}

/// People a, b, c into a DG ("Sales") and a Microsoft 365 group ("Project"): per person p, the
/// guest invited (op 3p) joins both: added to the DG (3p+1) and to the M365 group (3p+2).
pub fn two_group_plan() -> Plan {
    plan(
        &[
            group("dg", "Sales", GroupKind::Distribution),
            group("m365", "Project", GroupKind::Microsoft365),
        ],
        &addresses(&["a@x.nl", "b@x.nl", "c@x.nl"]),
        &TenantSnapshot::default(),
        &PlanOptions::default(),
    )
}

/// One of every [`EmailError`] variant, with values: for tests that go through all of them
/// (wire form, the wording in each language).
pub fn email_errors() -> Vec<EmailError> {
    EmailError::examples()
}
