//! Verify, for script mode: after the admin ran the Exchange script, fresh Graph reads show
//! which operations of the plan are done and which are still missing.
//!
//! Graph sees contacts (`/contacts`), users and guests, and group members, so creation and
//! membership can be checked. A distribution group's `RequireSenderAuthenticationEnabled` is an
//! Exchange-only setting that Graph doesn't return, so opening such a group can't be checked
//! from the browser in script mode: it is reported as such, not guessed.
//!
//! A contact's edited display name, first and last name and company are read back from Graph's
//! orgContact (`displayName`, `givenName`, `surname`, `companyName`:
//! <https://learn.microsoft.com/graph/api/resources/orgcontact>), a guest's end date from its
//! `onPremisesExtensionAttributes`. What Graph doesn't show — whether a contact is hidden from
//! address lists, a contact's custom attributes (Exchange's) — stays "can't check", with why.

use super::group::ExternalSenders;
use super::group::MemberKind;
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

/// What Graph shows of a person whose details or end date a plan changes, read afresh for
/// Verify: an orgContact's names and company, a user's `onPremisesExtensionAttributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonDetails {
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub company: Option<String>,
    /// A user's `extensionAttribute1` … `15` (index 0 is attribute 1), empty ones as `None`;
    /// empty for a contact.
    pub extension_attributes: Vec<Option<String>>,
}

/// Who Verify reads back, per [`PersonDetails`]: `(object id, is a contact)` of every person
/// a contact edit or a guest's end date is for. A person the plan itself creates is found by
/// address in `after`.
pub fn readbacks(plan: &Plan, after: &TenantSnapshot) -> Vec<(String, bool)> {
    let users = users_by_address(after);
    let mut out: Vec<(String, bool)> = Vec::new();
    for planned in &plan.ops {
        let wanted = match &planned.op {
            Operation::EditContact { person, .. } => Some((person.id.clone(), true)),
            Operation::SetAccessUntil {
                person,
                kind: MemberKind::Guest | MemberKind::MemberUser,
                ..
            } if person.id.is_empty() => users
                .get(person.address.key())
                .map(|id| ((*id).to_owned(), false)),
            Operation::SetAccessUntil {
                person,
                kind: MemberKind::Guest | MemberKind::MemberUser,
                ..
            } => Some((person.id.clone(), false)),
            _ => None,
        };
        if let Some(w) = wanted.filter(|w| !w.0.is_empty() && !out.contains(w)) {
            out.push(w);
        }
    }
    out
}

fn users_by_address(after: &TenantSnapshot) -> HashMap<&str, &str> {
    let mut users: HashMap<&str, &str> = HashMap::new();
    for u in &after.users {
        for m in u.mail.iter().chain(u.other_mails.iter()) {
            users.entry(m.key()).or_insert(u.id.as_str());
        }
    }
    users
}

/// Whether a field Graph shows is as planned: `None` wasn't to change; an empty value is cleared.
fn as_planned(want: &Option<String>, have: &Option<String>) -> bool {
    want.as_ref()
        .is_none_or(|w| w.trim() == have.as_deref().unwrap_or_default().trim())
}

/// Checks every operation of `plan` against `after`, a snapshot read after the script ran.
/// `external_senders` holds what could be read per group id (Microsoft 365 groups through
/// `allowExternalSenders`), `details` what Graph shows of the people [`readbacks`] names, by
/// object id (someone not there is gone).
pub fn verify(
    plan: &Plan,
    after: &TenantSnapshot,
    external_senders: &HashMap<String, ExternalSenders>,
    details: &HashMap<String, PersonDetails>,
) -> Vec<(OpId, Verified)> {
    let contacts: HashMap<&str, &str> = after
        .contacts
        .iter()
        .map(|c| (c.mail.key(), c.id.as_str()))
        .collect();
    let users = users_by_address(after);
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
            Operation::EditContact { person, edit } => match details.get(&person.id) {
                None => Verified::Missing,
                Some(d)
                    if !(as_planned(&edit.display_name, &d.display_name)
                        && as_planned(&edit.first_name, &d.given_name)
                        && as_planned(&edit.last_name, &d.surname)
                        && as_planned(&edit.company, &d.company)) =>
                {
                    Verified::Missing
                }
                Some(_) if edit.hidden.is_some() => Verified::CannotCheck {
                    reason: "the names and company are as planned; whether the contact is hidden from address lists is kept by Exchange only, and Graph doesn't show it".into(),
                },
                Some(_) => Verified::Done { object_id: None },
            },
            Operation::SetAccessUntil {
                kind: MemberKind::MailContact,
                ..
            } => Verified::CannotCheck {
                reason: "a contact's custom attributes are kept by Exchange only, and Graph doesn't show them; check the script's output".into(),
            },
            Operation::SetAccessUntil {
                person,
                attribute,
                until,
                ..
            } => {
                let id = if person.id.is_empty() {
                    users.get(person.address.key()).copied().unwrap_or_default()
                } else {
                    person.id.as_str()
                };
                match details.get(id) {
                    None => Verified::Missing,
                    Some(d) => {
                        let have = usize::from(*attribute)
                            .checked_sub(1)
                            .and_then(|i| d.extension_attributes.get(i).cloned().flatten());
                        let want = until.clone().filter(|u| !u.trim().is_empty());
                        done_if(have.as_deref().map(str::trim) == want.as_deref().map(str::trim))
                    }
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

/// Records the verified operations in the journal as done (by the script: the plan found them
/// not done), so the report shows their rows done and a later run sees them; missing ones are
/// left as they were.
pub fn record(journal: &mut Journal, verified: &[(OpId, Verified)], at_ms: u64) {
    for (op, v) in verified {
        if let Verified::Done { object_id } = v {
            if !journal.state(*op).is_finished_ok() {
                journal.finished(
                    *op,
                    at_ms,
                    OpResult::Done {
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
            verify(&p, after, &HashMap::new(), &HashMap::new())
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
        let v: HashMap<OpId, Verified> = verify(&p, &after, &senders, &HashMap::new())
            .into_iter()
            .collect();
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
        let list: Vec<_> = verify(&p, &after, &senders, &HashMap::new());
        record(&mut j, &list, 42);
        assert_eq!(
            j.state(OpId(0)),
            OpState::Finished(OpResult::Done {
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
        let v: HashMap<OpId, Verified> = verify(&p, &after, &HashMap::new(), &HashMap::new())
            .into_iter()
            .collect();
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
        let v: HashMap<OpId, Verified> = verify(&p, &after, &HashMap::new(), &HashMap::new())
            .into_iter()
            .collect();
        assert_eq!(v[&OpId(1)], Verified::Done { object_id: None });
    }

    #[test]
    fn a_contacts_edit_and_a_guests_end_date_are_read_back_what_graph_cant_show_is_said() {
        use crate::domain::plan::{ContactEdit, PersonRef};
        let person = |id: &str, a: &str| PersonRef {
            id: id.into(),
            name: id.into(),
            address: addr(a),
            exchange_identity: a.into(),
        };
        let until = |person, kind| Operation::SetAccessUntil {
            person,
            kind,
            attribute: 15,
            until: Some("2031-03-31".into()),
        };
        let edit = ContactEdit {
            display_name: Some("Ann Smit (Partner)".into()),
            company: Some(String::new()),
            ..ContactEdit::default()
        };
        let p = Plan::of(
            Vec::new(),
            vec![
                Operation::EditContact {
                    person: person("c1", "ann@x.nl"),
                    edit: edit.clone(),
                },
                Operation::EditContact {
                    person: person("c1", "ann@x.nl"),
                    edit: ContactEdit {
                        hidden: Some(true),
                        ..edit
                    },
                },
                until(person("g1", "kim@x.nl"), MemberKind::Guest),
                // A guest the plan invites: found by address.
                until(person("", "bo@x.nl"), MemberKind::Guest),
                until(person("c1", "ann@x.nl"), MemberKind::MailContact),
            ],
        );
        let after = TenantSnapshot {
            users: vec![ExistingUser {
                id: "g2".into(),
                user_type: UserType::Guest,
                user_principal_name: "bo_x.nl#EXT#@contoso.onmicrosoft.com".into(),
                mail: Some(addr("bo@x.nl")),
                other_mails: vec![],
                display_name: "Bo".into(),
            }],
            ..Default::default()
        };
        assert_eq!(
            readbacks(&p, &after),
            [
                ("c1".into(), true),
                ("g1".into(), false),
                ("g2".into(), false)
            ]
        );
        let dated = |v: Option<&str>| PersonDetails {
            extension_attributes: (1..=15)
                .map(|n| (n == 15).then(|| v.map(str::to_owned)).flatten())
                .collect(),
            ..PersonDetails::default()
        };
        let states = |details: &HashMap<String, PersonDetails>| -> Vec<Verified> {
            verify(&p, &after, &HashMap::new(), details)
                .into_iter()
                .map(|(_, v)| v)
                .collect()
        };
        // Not yet: the old name and company, no end date.
        let before = HashMap::from([
            (
                "c1".to_string(),
                PersonDetails {
                    display_name: Some("Ann".into()),
                    company: Some("Partner".into()),
                    ..PersonDetails::default()
                },
            ),
            ("g1".to_string(), dated(None)),
            ("g2".to_string(), dated(Some("2030-01-01"))),
        ]);
        let v = states(&before);
        assert_eq!(
            v[..4],
            [
                Verified::Missing,
                Verified::Missing,
                Verified::Missing,
                Verified::Missing
            ]
        );
        assert!(
            matches!(&v[4], Verified::CannotCheck { reason } if reason.contains("custom attributes"))
        );
        // Done: the name as planned, the company cleared, the dates written.
        let done = HashMap::from([
            (
                "c1".to_string(),
                PersonDetails {
                    display_name: Some("Ann Smit (Partner)".into()),
                    company: None,
                    ..PersonDetails::default()
                },
            ),
            ("g1".to_string(), dated(Some("2031-03-31"))),
            ("g2".to_string(), dated(Some("2031-03-31"))),
        ]);
        let v = states(&done);
        assert_eq!(v[0], Verified::Done { object_id: None });
        assert!(
            matches!(&v[1], Verified::CannotCheck { reason } if reason.contains("hidden from address lists"))
        );
        assert_eq!(
            v[2..4],
            [
                Verified::Done { object_id: None },
                Verified::Done { object_id: None }
            ]
        );
        // Someone Graph no longer shows: not done.
        assert_eq!(states(&HashMap::new())[0], Verified::Missing);
    }
}
