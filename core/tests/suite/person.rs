//! A person's page's changes against the simulated tenant, through the change engine: a
//! contact's details and end date, a guest's end date, an invitation sent again — in direct mode
//! all by the engine, in script mode the contact's by the script (run against the sim) — and the
//! register reading the end dates back.
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use guestlist_core::domain::group::MemberKind;
use guestlist_core::domain::journal::OpResult;
use guestlist_core::domain::plan::{ContactEdit, OpId, Operation, PersonRef, Plan};
use guestlist_core::domain::register::{AccessUntil, Day, ExternalKind, Register};
use guestlist_core::domain::verify::Verified;
use guestlist_core::engine::record::MemoryActivity;
use guestlist_core::engine::Engine;
use guestlist_core::run::SystemClock;
use guestlist_sim::store::ADMIN_UPN;
use guestlist_sim::Knobs;
use support::Env;

const CONTACT: &str = "aaron.con@fabrikam.com";
/// The seed's guest who hasn't accepted.
const PENDING: &str = "mei.lin@tailspintoys.com";
const ATTRIBUTE: u8 = 15;

fn person(env: &Env, address: &str) -> PersonRef {
    let t = env.sim.state.tenant.lock().unwrap();
    let (id, name) = t
        .contacts()
        .iter()
        .find(|c| c.external_email == address)
        .map(|c| (c.id.clone(), c.display_name.clone()))
        .or_else(|| {
            t.users()
                .iter()
                .find(|u| u.mail.as_deref() == Some(address))
                .map(|u| (u.id.clone(), u.display_name.clone()))
        })
        .expect("seeded");
    PersonRef {
        id,
        name,
        address: address.parse().unwrap(),
        exchange_identity: address.into(),
    }
}

/// The plan a person's page makes for these changes.
fn changes(env: &Env) -> Plan {
    let contact = person(env, CONTACT);
    let guest = person(env, PENDING);
    Plan::of(
        Vec::new(),
        vec![
            Operation::EditContact {
                person: contact.clone(),
                edit: ContactEdit {
                    display_name: Some("Aaron Con (Fabrikam, ended)".into()),
                    first_name: Some("Aaron".into()),
                    last_name: Some("Con".into()),
                    company: Some("Fabrikam Ltd".into()),
                    hidden: Some(true),
                },
            },
            Operation::SetAccessUntil {
                person: contact,
                kind: MemberKind::MailContact,
                attribute: ATTRIBUTE,
                until: Some("2026-01-31".into()),
            },
            Operation::SetAccessUntil {
                person: guest.clone(),
                kind: MemberKind::Guest,
                attribute: ATTRIBUTE,
                until: Some("2026-02-28".into()),
            },
            Operation::ResendInvitation {
                person: guest,
                send_mail: true,
                message: Some("Welcome back to the project".into()),
                redirect_url: "https://myapps.microsoft.com".into(),
            },
        ],
    )
}

fn contact_state(env: &Env) -> (String, Option<String>, bool, Option<String>) {
    let t = env.sim.state.tenant.lock().unwrap();
    let c = t
        .contacts()
        .iter()
        .find(|c| c.external_email == CONTACT)
        .unwrap()
        .clone();
    (
        c.display_name,
        c.company_name,
        c.hidden_from_address_lists,
        c.custom_attributes[usize::from(ATTRIBUTE) - 1].clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_changes_in_direct_mode_and_the_register_reads_the_end_dates_back() {
    let env = Env::start(Knobs::default()).await;
    let plan = changes(&env);
    let engine = Engine::new(&env.graph, Some(&env.exchange)).signed_in_as(ADMIN_UPN);
    let activity = MemoryActivity::default();
    let now = engine
        .run_now(&plan, None, &SystemClock, &activity)
        .await
        .expect("run");
    for op in &plan.ops {
        assert!(
            matches!(now.result(op.id), Some(OpResult::Done { .. })),
            "{:?}: {:?}",
            op.op,
            now.result(op.id)
        );
    }
    assert_eq!(
        contact_state(&env),
        (
            "Aaron Con (Fabrikam, ended)".into(),
            Some("Fabrikam Ltd".into()),
            true,
            Some("2026-01-31".into())
        )
    );
    // The invitation went again to the same user, who is still pending.
    let guest = person(&env, PENDING);
    assert_eq!(
        now.result(OpId(3)),
        Some(OpResult::Done {
            object_id: Some(guest.id.clone())
        })
    );
    // Read back as the register reads them: Graph for the guest, Exchange for the contact.
    let reads = env.graph.register_reads().await.expect("reads");
    let mut source = reads.source(ATTRIBUTE);
    let details = env.exchange.mail_contact_details().await.expect("details");
    source.add_exchange_contacts(&details, ATTRIBUTE);
    let register = Register::build(source);
    let until = |address: &str| {
        register
            .people
            .iter()
            .find(|p| p.address == address)
            .map(|p| p.access_until.clone())
    };
    assert_eq!(
        until(CONTACT),
        Some(AccessUntil::Until(Day::parse("2026-01-31").unwrap()))
    );
    assert_eq!(
        until(PENDING),
        Some(AccessUntil::Until(Day::parse("2026-02-28").unwrap()))
    );
    let person_reads = env
        .graph
        .register_person(ExternalKind::Guest, &guest.id)
        .await
        .expect("the guest's page");
    assert_eq!(
        Register::build(person_reads.source(ATTRIBUTE)).people[0].access_until,
        AccessUntil::Until(Day::parse("2026-02-28").unwrap())
    );
    let words: Vec<String> = activity
        .log
        .borrow()
        .entries
        .iter()
        .map(|e| e.what.clone())
        .collect();
    assert!(words.contains(&format!(
        "Set the end date of {} <{PENDING}> to 2026-02-28",
        guest.name
    )));
    assert!(
        words.contains(&format!("Invite {PENDING} again")),
        "{words:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_mode_scripts_the_contacts_changes_and_runs_the_guests() {
    let env = Env::start(Knobs::default()).await;
    let plan = changes(&env);
    let before = contact_state(&env);
    let engine = Engine::new(&env.graph, None).signed_in_as(ADMIN_UPN);
    let activity = MemoryActivity::default();
    let now = engine
        .run_now(&plan, None, &SystemClock, &activity)
        .await
        .expect("run");
    let script = now.script.clone().expect("a script for the contact");
    assert!(
        script.contains(&format!(
            "Set-MailContact -Identity '{CONTACT}' -DisplayName 'Aaron Con (Fabrikam, ended)' -HiddenFromAddressListsEnabled $true"
        )),
        "{script}"
    );
    assert!(script.contains(&format!(
        "Set-Contact -Identity '{CONTACT}' -FirstName 'Aaron' -LastName 'Con' -Company 'Fabrikam Ltd'"
    )));
    assert!(script.contains(&format!(
        "Set-MailContact -Identity '{CONTACT}' -CustomAttribute15 '2026-01-31'"
    )));
    assert_eq!(contact_state(&env), before, "not before the script runs");
    // The Graph steps ran here.
    assert!(matches!(now.result(OpId(2)), Some(OpResult::Done { .. })));
    assert!(matches!(now.result(OpId(3)), Some(OpResult::Done { .. })));
    // Before the script, Verify reads the contact's old name back from Graph: not done.
    let v = engine
        .verify(&plan, &now.store, &SystemClock, &activity, None)
        .await
        .expect("verify before the script");
    assert_eq!(v.results[0].1, Verified::Missing, "{:?}", v.results);
    // The script's steps, run against the sim.
    env.exchange
        .edit_mail_contact(
            CONTACT,
            match &plan.ops[0].op {
                Operation::EditContact { edit, .. } => edit,
                _ => unreachable!(),
            },
        )
        .await
        .expect("Set-MailContact / Set-Contact");
    env.exchange
        .set_mail_contact_custom_attribute(CONTACT, ATTRIBUTE, Some("2026-01-31"))
        .await
        .expect("Set-MailContact -CustomAttribute15");
    assert_eq!(contact_state(&env).3.as_deref(), Some("2026-01-31"));
    let v = engine
        .verify(&plan, &now.store, &SystemClock, &activity, None)
        .await
        .expect("verify");
    // Graph shows the contact's names and company (orgContact) and the guest's end date
    // (onPremisesExtensionAttributes); whether the contact is hidden and its custom attribute
    // are Exchange's, and said to be so.
    assert_eq!(v.missing(), 0, "{:?}", v.results);
    assert!(
        matches!(&v.results[0].1, Verified::CannotCheck { reason } if reason.contains("names and company are as planned")),
        "{:?}",
        v.results[0]
    );
    assert!(
        matches!(&v.results[1].1, Verified::CannotCheck { reason } if reason.contains("custom attributes")),
        "{:?}",
        v.results[1]
    );
    assert_eq!(v.results[2].1, Verified::Done { object_id: None });
}
