//! Verify, for script mode: after the admin ran the Exchange script, fresh Graph reads show
//! which operations of the plan are done and which are still missing.
//!
//! Graph sees contacts (`/contacts`), users and guests, and group members, so creation and
//! membership can be checked. A distribution group's `RequireSenderAuthenticationEnabled` is an
//! Exchange-only setting that Graph doesn't return, so opening such a group can't be checked
//! from the browser in script mode: it is reported as such, not guessed.

use super::group::ExternalSenders;
use super::journal::{Journal, OpResult};
use super::plan::{MemberTarget, OpId, Operation, Plan, TenantSnapshot};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verified {
    /// In place; with the id of the object it created, when it created one.
    Done { object_id: Option<String> },
    /// Not (yet) in place.
    Missing,
    /// Graph can't show this; `reason` says why in words for the admin.
    CannotCheck { reason: String },
}

/// Checks every operation of `plan` against `after`, a snapshot read after the script ran.
/// `external_senders` holds what could be read per group id (Microsoft 365 groups through
/// `allowExternalSenders`).
pub fn verify(
    plan: &Plan,
    after: &TenantSnapshot,
    external_senders: &HashMap<String, ExternalSenders>,
) -> Vec<(OpId, Verified)> {
    let contacts: HashMap<&str, &str> = after
        .contacts
        .iter()
        .map(|c| (c.mail.key(), c.id.as_str()))
        .collect();
    let mut users: HashMap<&str, &str> = HashMap::new();
    for u in &after.users {
        for m in u.mail.iter().chain(u.other_mails.iter()) {
            users.entry(m.key()).or_insert(u.id.as_str());
        }
    }
    let mut created: HashMap<OpId, Option<String>> = HashMap::new();
    let mut out = Vec::with_capacity(plan.ops.len());
    for planned in &plan.ops {
        let v = match &planned.op {
            Operation::CreateContact { address, .. } => match contacts.get(address.key()) {
                Some(id) => Verified::Done {
                    object_id: Some((*id).to_owned()),
                },
                None => Verified::Missing,
            },
            Operation::InviteGuest { address, .. } => match users.get(address.key()) {
                Some(id) => Verified::Done {
                    object_id: Some((*id).to_owned()),
                },
                None => Verified::Missing,
            },
            Operation::AddMember {
                group_id, member, ..
            } => {
                let id = match &member.target {
                    MemberTarget::Existing { id } => Some(id.clone()),
                    MemberTarget::Created { op } => created.get(op).cloned().flatten(),
                };
                let is_member = id
                    .as_ref()
                    .is_some_and(|id| after.members.get(group_id).is_some_and(|m| m.contains(id)));
                if is_member {
                    Verified::Done { object_id: None }
                } else {
                    Verified::Missing
                }
            }
            Operation::RemoveMember {
                group_id, member, ..
            } => {
                let gone = match &member.target {
                    MemberTarget::Existing { id } => {
                        after.members.get(group_id).is_some_and(|m| !m.contains(id))
                    }
                    MemberTarget::Created { .. } => false,
                };
                if gone {
                    Verified::Done { object_id: None }
                } else {
                    Verified::Missing
                }
            }
            // Gone from Graph (a removed contact leaves once Exchange has replicated it).
            Operation::DeleteContact { person } => {
                done_if(!after.contacts.iter().any(|c| c.id == person.id))
            }
            Operation::DeleteGuest { person } => {
                done_if(!after.users.iter().any(|u| u.id == person.id))
            }
            Operation::RestoreGuest { person } | Operation::ResendInvitation { person, .. } => {
                done_if(after.users.iter().any(|u| u.id == person.id))
            }
            Operation::EditContact { .. } | Operation::SetAccessUntil { .. } => {
                Verified::CannotCheck {
                    reason: "Graph doesn't show every detail of this change; open the person's page to read them back".into(),
                }
            }
            Operation::EditSenderList { .. } => Verified::CannotCheck {
                reason:
                    "the group's sender lists are kept by Exchange only; check the script's output"
                        .into(),
            },
            Operation::OpenExternalSenders { group_id, .. } => {
                match external_senders.get(group_id) {
                    Some(ExternalSenders::Allowed) => Verified::Done { object_id: None },
                    Some(ExternalSenders::Rejected) => Verified::Missing,
                    _ => Verified::CannotCheck {
                        reason: "this setting is kept by Exchange only; check the script's output"
                            .into(),
                    },
                }
            }
        };
        if let Verified::Done { object_id } = &v {
            created.insert(planned.id, object_id.clone());
        }
        out.push((planned.id, v));
    }
    out
}

fn done_if(done: bool) -> Verified {
    if done {
        Verified::Done { object_id: None }
    } else {
        Verified::Missing
    }
}

/// Records the verified operations in the journal (as already done), so the report and a later
/// direct run see them; missing ones are left as they were.
pub fn record(journal: &mut Journal, verified: &[(OpId, Verified)], at_ms: u64) {
    for (op, v) in verified {
        if let Verified::Done { object_id } = v {
            if !journal.state(*op).is_finished_ok() {
                journal.finished(
                    *op,
                    at_ms,
                    OpResult::AlreadyDone {
                        object_id: object_id.clone(),
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::email::EmailAddress;
    use crate::domain::group::GroupKind;
    use crate::domain::journal::OpState;
    use crate::domain::plan::{
        plan, ExistingContact, ExistingUser, PlanOptions, TargetGroup, UserType,
    };
    use std::collections::HashSet;

    fn addr(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn the_plan() -> Plan {
        let groups = [
            TargetGroup {
                id: "dg".into(),
                name: "Sales".into(),
                mail: Some("sales@contoso.com".into()),
                kind: GroupKind::Distribution,
                external_senders: ExternalSenders::Rejected,
                dynamic_membership: false,
                on_premises_synced: false,
            },
            TargetGroup {
                id: "m365".into(),
                name: "Project".into(),
                mail: Some("project@contoso.com".into()),
                kind: GroupKind::Microsoft365,
                external_senders: ExternalSenders::Rejected,
                dynamic_membership: false,
                on_premises_synced: false,
            },
        ];
        let desired = crate::domain::fixtures::addresses(&["a@x.nl", "b@x.nl"]);
        plan(
            &groups,
            &desired,
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        )
    }

    #[test]
    fn deletes_are_done_when_graph_no_longer_shows_the_person_and_a_restore_when_it_does() {
        use crate::domain::plan::PersonRef;
        let person = |id: &str, a: &str| PersonRef {
            id: id.into(),
            name: id.into(),
            address: addr(a),
            exchange_identity: a.into(),
        };
        let p = Plan::of(
            Vec::new(),
            vec![
                Operation::DeleteContact {
                    person: person("c1", "ann@x.nl"),
                },
                Operation::DeleteGuest {
                    person: person("g1", "kim@x.nl"),
                },
                Operation::RestoreGuest {
                    person: person("g2", "bo@x.nl"),
                },
            ],
        );
        let guest = |id: &str, a: &str| ExistingUser {
            id: id.into(),
            user_type: UserType::Guest,
            user_principal_name: format!("{id}#EXT#@contoso.onmicrosoft.com"),
            mail: Some(addr(a)),
            other_mails: vec![],
            display_name: id.into(),
        };
        // Before the script (and before replication): the contact is still there, the guest too.
        let before = TenantSnapshot {
            contacts: vec![ExistingContact {
                id: "c1".into(),
                mail: addr("ann@x.nl"),
                display_name: "Ann".into(),
            }],
            users: vec![guest("g1", "kim@x.nl")],
            ..Default::default()
        };
        let states = |after: &TenantSnapshot| -> Vec<Verified> {
            verify(&p, after, &HashMap::new())
                .into_iter()
                .map(|(_, v)| v)
                .collect()
        };
        let done = Verified::Done { object_id: None };
        assert_eq!(
            states(&before),
            [Verified::Missing, Verified::Missing, Verified::Missing]
        );
        let after = TenantSnapshot {
            users: vec![guest("g2", "bo@x.nl")],
            ..Default::default()
        };
        assert_eq!(states(&after), [done.clone(), done.clone(), done]);
    }

    #[test]
    fn marks_done_and_missing_from_fresh_reads() {
        let p = the_plan();
        // ops: a: 0 invite, 1 add dg, 2 add m365; b: 3..5; 6 open dg, 7 open m365
        assert_eq!(p.ops.len(), 8);
        let after = TenantSnapshot {
            users: vec![ExistingUser {
                id: "guest-a".into(),
                user_type: UserType::Guest,
                user_principal_name: "a_x.nl#EXT#@contoso.onmicrosoft.com".into(),
                mail: Some(addr("a@x.nl")),
                other_mails: vec![],
                display_name: "a".into(),
            }],
            members: HashMap::from([
                ("dg".to_string(), HashSet::from(["guest-a".to_string()])),
                ("m365".to_string(), HashSet::new()),
            ]),
            ..Default::default()
        };
        let senders = HashMap::from([("m365".to_string(), ExternalSenders::Allowed)]);
        let v: HashMap<OpId, Verified> = verify(&p, &after, &senders).into_iter().collect();
        assert_eq!(
            v[&OpId(0)],
            Verified::Done {
                object_id: Some("guest-a".into())
            }
        );
        assert_eq!(v[&OpId(1)], Verified::Done { object_id: None });
        assert_eq!(v[&OpId(2)], Verified::Missing);
        for id in 3..6 {
            assert_eq!(v[&OpId(id)], Verified::Missing, "op {id}");
        }
        assert!(matches!(v[&OpId(6)], Verified::CannotCheck { .. }));
        assert_eq!(v[&OpId(7)], Verified::Done { object_id: None });

        let mut j = Journal::default();
        let list: Vec<_> = verify(&p, &after, &senders);
        record(&mut j, &list, 42);
        assert_eq!(
            j.state(OpId(0)),
            OpState::Finished(OpResult::AlreadyDone {
                object_id: Some("guest-a".into())
            })
        );
        assert_eq!(j.state(OpId(2)), OpState::NotStarted);
        // recording twice adds nothing
        let before = j.entries.len();
        record(&mut j, &list, 43);
        assert_eq!(j.entries.len(), before);
    }

    #[test]
    fn a_created_contact_and_its_membership_are_found() {
        let full = the_plan();
        let p = plan(
            &full.groups[..1],
            &crate::domain::fixtures::addresses(&["a@x.nl"]),
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        );
        // 0 create contact, 1 add to the DG, 2 open the DG
        let mut after = TenantSnapshot {
            contacts: vec![ExistingContact {
                id: "contact-a".into(),
                mail: addr("A@x.nl"),
                display_name: "a".into(),
            }],
            ..Default::default()
        };
        let v: HashMap<OpId, Verified> = verify(&p, &after, &HashMap::new()).into_iter().collect();
        assert_eq!(
            v[&OpId(0)],
            Verified::Done {
                object_id: Some("contact-a".into())
            }
        );
        assert_eq!(v[&OpId(1)], Verified::Missing);
        after
            .members
            .insert("dg".to_string(), HashSet::from(["contact-a".to_string()]));
        let v: HashMap<OpId, Verified> = verify(&p, &after, &HashMap::new()).into_iter().collect();
        assert_eq!(v[&OpId(1)], Verified::Done { object_id: None });
    }
}
