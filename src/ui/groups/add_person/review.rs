//! The dialog's plan in words, before anything changes.

use crate::i18n::{fill, use_i18n, Texts};

use crate::ui::groups::tx;
use guestlist_core::domain::plan::{GroupWarning, Plan, Step};
use leptos::prelude::*;
use std::sync::Arc;

/// A fix a warning offers, chosen with a checkbox.
#[derive(Clone, Copy)]
enum Offer {
    /// Open the group to external senders.
    Open,
    /// Put the person on the group's allowed senders.
    Allow,
}

/// The plan in words, before anything changes.
#[component]
pub(super) fn ReviewView(
    plan: Arc<Plan>,
    direct: bool,
    open_external: RwSignal<bool>,
    /// Whether to put the person on the group's allowed senders too.
    allow_listed: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let p = plan.clone();
    let lines = move || {
        let t = i18n.t();
        let mut out: Vec<String> = Vec::new();
        let group = &p.groups[0].name;
        for entry in &p.entries {
            let address = entry
                .address
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            for step in &entry.steps {
                match step {
                    Step::CreateContact(id) | Step::InviteGuest(id) | Step::AddMember(id) => {
                        if let Some(o) = p.op(*id) {
                            out.push(t.operation(&p, &o.op));
                        }
                    }
                    Step::Skip(reason) => out.push(t.skip_in_group(reason, group, &address)),
                    other => out.extend(t.groups().step(other, &address)),
                }
            }
        }
        out
    };
    let warnings = {
        let p = plan.clone();
        move || {
            let t = i18n.t();
            p.warnings
                .iter()
                .map(|w| {
                    let group = match w {
                        GroupWarning::RejectsExternalSenders { group, .. }
                        | GroupWarning::NotOnAllowedSenders { group, .. }
                        | GroupWarning::ExternalSendersUnknown { group }
                        | GroupWarning::DynamicGroup { group }
                        | GroupWarning::OnPremisesSynced { group } => p.groups[*group].name.clone(),
                        GroupWarning::GuestAddressHeldByContact { .. } => p.groups[0].name.clone(),
                    };
                    let args = [("group", group.as_str())];
                    match w {
                        GroupWarning::RejectsExternalSenders { .. } => {
                            (fill(t.groups().warn_rejects, &args), Some(Offer::Open))
                        }
                        GroupWarning::NotOnAllowedSenders { .. } => {
                            (fill(t.groups().warn_not_allowed, &args), Some(Offer::Allow))
                        }
                        GroupWarning::ExternalSendersUnknown { .. } => {
                            (fill(t.groups().warn_unknown, &args), None)
                        }
                        GroupWarning::DynamicGroup { .. } => {
                            (fill(t.groups().skip_dynamic, &args), None)
                        }
                        GroupWarning::OnPremisesSynced { .. } => {
                            (fill(t.groups().skip_onprem, &args), None)
                        }
                        GroupWarning::GuestAddressHeldByContact { .. } => {
                            (t.groups().warn_contact_holds_address.to_owned(), None)
                        }
                    }
                })
                .collect::<Vec<_>>()
        }
    };
    let group_name = plan.groups[0].name.clone();
    view! {
        <section class="plan" aria-labelledby="plan-heading">
            <h3 id="plan-heading" tabindex="-1">{tx(|t| t.groups().plan_heading)}</h3>
            <ol class="plan-steps">
                {move || lines().into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
            </ol>
            {move || warnings().into_iter().map(|(w, offer)| {
                let group_name = group_name.clone();
                view! {
                    <div class="warning">
                        <p>{w}</p>
                        {offer.map(|offer| {
                            let (id, choice, words): (_, _, fn(&'static Texts) -> &'static str) = match offer {
                                Offer::Open => ("add-open", open_external, |t| t.groups().offer_open),
                                Offer::Allow => ("add-allow", allow_listed, |t| t.groups().offer_allow),
                            };
                            view! {
                                <div class="field field--check">
                                    <input id=id type="checkbox" prop:checked=move || choice.get()
                                        on:change=move |ev| choice.set(event_target_checked(&ev))/>
                                    <label for=id>{move || fill(words(i18n.t()), &[("group", &group_name)])}</label>
                                </div>
                            }
                        })}
                    </div>
                }
            }).collect_view()}
            <p class="plan-mode">{move || if direct { i18n.t().groups().plan_direct } else { i18n.t().groups().plan_script }}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::groups::GroupInfo;
    use guestlist_core::domain::email::EmailAddress;
    use guestlist_core::domain::group::{ExternalSenders, GroupKind};
    use guestlist_core::domain::person::Person;
    use guestlist_core::domain::person::PersonInput;
    use guestlist_core::domain::plan::PlanOptions;
    use guestlist_core::domain::plan::{
        plan, Desired, ExistingContact, ExistingUser, TenantSnapshot,
    };
    use std::collections::HashSet;

    /// The plan for one person and one group.
    fn plan_one(
        info: &GroupInfo,
        person: Person,
        contacts: Vec<ExistingContact>,
        users: Vec<ExistingUser>,
        members: HashSet<String>,
        options: &PlanOptions,
    ) -> Plan {
        let mut snapshot = TenantSnapshot {
            contacts,
            users,
            ..TenantSnapshot::default()
        };
        snapshot.members.insert(info.target.id.clone(), members);
        plan(
            std::slice::from_ref(&info.target),
            &[Desired {
                row: 1,
                person: Ok(person),
            }],
            &snapshot,
            options,
        )
    }

    use crate::i18n::EN;
    use guestlist_core::domain::plan::TargetGroup;

    fn info(kind: GroupKind, external: ExternalSenders) -> GroupInfo {
        GroupInfo {
            target: TargetGroup {
                id: "g1".into(),
                name: "Sales Partners".into(),
                mail: Some("partners@contoso.example".into()),
                kind,
                external_senders: external,
                dynamic_membership: false,
                on_premises_synced: false,
            },
            description: None,
            recipient_filter: None,
        }
    }

    fn jan() -> Person {
        PersonInput {
            email: "jan@partner.nl".into(),
            display_name: "Jan de Vries".into(),
            ..PersonInput::default()
        }
        .validate()
        .expect("valid person")
    }

    fn words(p: &Plan) -> Vec<String> {
        p.ops.iter().map(|o| EN.operation(p, &o.op)).collect()
    }

    #[test]
    fn distribution_group_new_contact_in_words() {
        let p = plan_one(
            &info(GroupKind::Distribution, ExternalSenders::Rejected),
            jan(),
            vec![],
            vec![],
            HashSet::new(),
            &PlanOptions::default(),
        );
        assert_eq!(
            words(&p),
            [
                "Create mail contact Jan de Vries <jan@partner.nl>. (hidden from address lists)",
                "Add jan@partner.nl to Sales Partners (Distribution group).",
                "Let Sales Partners receive mail from outside the organisation.",
            ]
        );
        // Opening the group is offered, not imposed.
        assert!(p.ops[2].optional);
        assert!(matches!(
            p.warnings[..],
            [GroupWarning::RejectsExternalSenders { .. }]
        ));
    }

    #[test]
    fn microsoft_365_group_invites_a_guest() {
        let p = plan_one(
            &info(GroupKind::Microsoft365, ExternalSenders::Allowed),
            jan(),
            vec![],
            vec![],
            HashSet::new(),
            &PlanOptions::default(),
        );
        assert_eq!(
            words(&p),
            [
                "Invite jan@partner.nl as a guest (no invitation mail).",
                "Add jan@partner.nl to Sales Partners (Microsoft 365 group).",
            ]
        );
    }

    #[test]
    fn existing_contact_is_reused_and_members_are_skipped() {
        let contact = ExistingContact {
            id: "c1".into(),
            mail: EmailAddress::parse("jan@partner.nl").expect("address"),
            display_name: "Jan de Vries".into(),
        };
        let g = info(GroupKind::Distribution, ExternalSenders::Allowed);
        let p = plan_one(
            &g,
            jan(),
            vec![contact.clone()],
            vec![],
            HashSet::new(),
            &PlanOptions::default(),
        );
        assert_eq!(
            words(&p),
            ["Add jan@partner.nl to Sales Partners (Distribution group)."]
        );
        assert!(matches!(p.entries[0].steps[0], Step::ReuseContact { .. }));
        assert_eq!(
            EN.groups()
                .step(&p.entries[0].steps[0], "jan@partner.nl")
                .as_deref(),
            Some("Use the existing mail contact for jan@partner.nl (no duplicate is created).")
        );

        let members: HashSet<String> = ["c1".to_owned()].into();
        let p = plan_one(
            &g,
            jan(),
            vec![contact],
            vec![],
            members,
            &PlanOptions::default(),
        );
        assert!(p.ops.is_empty());
        assert_eq!(
            EN.skip_in_group(
                p.entries[0].skip_reason().expect("skipped"),
                "Sales Partners",
                "jan@partner.nl"
            ),
            "jan@partner.nl is already a member of Sales Partners: nothing to do."
        );
    }
}
