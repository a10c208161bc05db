//! Offboarding against the simulated tenant: a guest in a distribution group, a Microsoft 365
//! group and a security group, and a contact in two distribution groups, taken out of all of
//! them from the register's reads — in direct mode by the engine, in script mode the Graph steps
//! by the engine and the Exchange steps as a script — and a plan made again afterwards holds
//! nothing but "already out".
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use guestlist_core::domain::group::GroupKind;
use guestlist_core::domain::journal::{JournalEntry, OpResult};
use guestlist_core::domain::plan::{
    offboarding, offboarding_deleting, LeaverSkip, OpId, Operation,
};
use guestlist_core::domain::register::{ExternalKind, Filter, Register};
use guestlist_core::engine::reads::register_snapshot;
use guestlist_core::engine::record::MemoryActivity;
use guestlist_core::engine::{Engine, RunSetup};
use guestlist_core::run::{MemoryJournalStore, RunState, SystemClock};
use guestlist_core::tenant::lookup::RegisterReads;
use guestlist_core::tenant::Group;
use guestlist_sim::client::{SimTokens, TokioSleeper};
use guestlist_sim::store::{GroupKind as SimKind, ADMIN_UPN};
use guestlist_sim::Knobs;
use support::{Env, Transp};

type Eng<'c> = Engine<'c, Transp, std::rc::Rc<SimTokens>, TokioSleeper>;

const GUEST: &str = "kim.akers@fabrikam.com";
const CONTACT: &str = "aaron.con@fabrikam.com";

/// Puts the guest in one group of each kind and the contact in two distribution groups (in the
/// sim's store: the setup, not what is tested); returns the guest's and contact's ids.
fn arrange(env: &Env) -> (String, String) {
    let mut t = env.sim.state.tenant.lock().unwrap();
    let guest = t
        .users()
        .iter()
        .find(|u| u.mail.as_deref() == Some(GUEST))
        .unwrap()
        .id
        .clone();
    let contact = t
        .contacts()
        .iter()
        .find(|c| c.external_email == CONTACT)
        .unwrap()
        .id
        .clone();
    let pick = |t: &guestlist_sim::store::Tenant, kind: SimKind, n: usize| -> Vec<String> {
        t.groups()
            .iter()
            .filter(|g| g.kind == kind && g.members().len() < 1000)
            .take(n)
            .map(|g| g.id.clone())
            .collect()
    };
    let mut into: Vec<(String, String)> = Vec::new();
    for (kind, n) in [
        (SimKind::Distribution, 1),
        (SimKind::Unified, 1),
        (SimKind::Security, 1),
    ] {
        for g in pick(&t, kind, n) {
            into.push((g, guest.clone()));
        }
    }
    for g in pick(&t, SimKind::Distribution, 2) {
        into.push((g, contact.clone()));
    }
    for (g, m) in into {
        t.group_mut(&g).unwrap().add_member(&m);
    }
    (guest, contact)
}

fn groups_holding(env: &Env, id: &str) -> usize {
    let t = env.sim.state.tenant.lock().unwrap();
    t.groups().iter().filter(|g| g.has_member(id)).count()
}

/// The register's reads, the register, and the targets for every group.
async fn read(engine: &Eng<'_>) -> (RegisterReads, Register) {
    let reads = engine.graph().register_reads().await.expect("reads");
    let register = Register::build(reads.source(15));
    (reads, register)
}

async fn targets(
    engine: &Eng<'_>,
    groups: &[Group],
) -> Vec<guestlist_core::domain::plan::TargetGroup> {
    let mut out = Vec::new();
    for g in groups {
        // Groups Guestlist can't classify or read are not offboarding targets.
        if let Ok(t) = engine.target(g).await {
            out.push(t);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_and_a_contact_leave_every_group_in_direct_mode() {
    let env = Env::start(Knobs::default()).await;
    let (guest, contact) = arrange(&env);
    assert!(groups_holding(&env, &guest) >= 3);
    assert!(groups_holding(&env, &contact) >= 2);
    let engine = Engine::new(&env.graph, Some(&env.exchange)).signed_in_as(ADMIN_UPN);
    let (reads, register) = read(&engine).await;
    // "Everyone at @fabrikam.com" as the register finds them.
    let rows = register.filter(&Filter {
        domain: Some("fabrikam.com".into()),
        ..Filter::default()
    });
    let leavers: Vec<_> = rows
        .iter()
        .filter_map(|&i| register.people[i as usize].leaver())
        .collect();
    assert!(leavers.iter().any(|l| l.id == guest));
    assert!(leavers.iter().any(|l| l.id == contact));
    let targets = targets(&engine, &reads.groups).await;
    let snapshot = register_snapshot(&reads);
    let off = offboarding(&leavers, &targets, &snapshot);
    let kinds: Vec<GroupKind> = off
        .plan
        .ops
        .iter()
        .filter_map(|p| match &p.op {
            Operation::RemoveMember {
                group_id, member, ..
            } if member.address.to_string() == GUEST => {
                targets.iter().find(|t| &t.id == group_id).map(|t| t.kind)
            }
            _ => None,
        })
        .collect();
    for k in [
        GroupKind::Distribution,
        GroupKind::Microsoft365,
        GroupKind::Security,
    ] {
        assert!(kinds.contains(&k), "{k:?} in {kinds:?}");
    }
    let activity = MemoryActivity::default();
    let out = engine
        .run(
            &off.plan,
            MemoryJournalStore::new(),
            &SystemClock,
            &activity,
            RunSetup::default(),
        )
        .await
        .expect("run");
    assert_eq!(out.state, RunState::Finished);
    // Out of every group they were in (the guest's dynamic or synced groups would be named in
    // the skips; the seed has none holding them).
    for l in &leavers {
        let still = groups_holding(&env, &l.id);
        let not_changeable = off
            .skips
            .iter()
            .filter(|(i, s)| {
                leavers[*i].id == l.id && matches!(s, LeaverSkip::NotChangeable { .. })
            })
            .count();
        assert_eq!(still, not_changeable, "{}", l.address);
    }
    // Made again from fresh reads: nothing left, everyone already out.
    let (reads, register) = read(&engine).await;
    assert!(register
        .people
        .iter()
        .filter(|p| p.domain == "fabrikam.com")
        .all(|p| p.groups.is_empty()));
    let again = offboarding(&leavers, &targets, &register_snapshot(&reads));
    assert!(again.plan.ops.is_empty(), "{:?}", again.plan.ops);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_mode_runs_the_graph_removals_and_scripts_the_exchange_ones() {
    let env = Env::start(Knobs::default()).await;
    let (guest, _) = arrange(&env);
    let engine = Engine::new(&env.graph, None).signed_in_as(ADMIN_UPN);
    let (reads, register) = read(&engine).await;
    let kim = register
        .people
        .iter()
        .find(|p| p.id == guest)
        .expect("the guest in the register");
    assert_eq!(kim.kind, ExternalKind::Guest);
    let targets = targets(&engine, &reads.groups).await;
    let off = offboarding(
        &[kim.leaver().unwrap()],
        &targets,
        &register_snapshot(&reads),
    );
    assert!(off.plan.totals.exchange_ops >= 1 && off.plan.totals.graph_ops >= 2);
    let pending: Vec<_> = off
        .plan
        .ops
        .iter()
        .filter(|p| p.op.service() == guestlist_core::domain::group::MembershipApi::Exchange)
        .map(|p| p.id)
        .collect();
    let script = engine
        .script(&off.plan, &pending)
        .expect("script")
        .expect("Exchange steps");
    assert_eq!(
        script.matches("Remove-DistributionGroupMember").count(),
        off.plan.totals.exchange_ops,
        "{script}"
    );
    assert!(
        script.contains(kim.user_principal_name.as_deref().unwrap()),
        "{script}"
    );
    let activity = MemoryActivity::default();
    let out = engine
        .run(
            &off.plan,
            MemoryJournalStore::new(),
            &SystemClock,
            &activity,
            RunSetup::default(),
        )
        .await
        .expect("run");
    assert_eq!(out.state, RunState::Finished);
    // The Graph removals are done; the distribution group still holds the guest until the
    // script runs.
    let t = env.sim.state.tenant.lock().unwrap();
    let holding: Vec<SimKind> = t
        .groups()
        .iter()
        .filter(|g| g.has_member(&guest))
        .map(|g| g.kind)
        .collect();
    assert!(!holding.is_empty());
    assert!(
        holding
            .iter()
            .all(|k| matches!(k, SimKind::Distribution | SimKind::MailSecurity)),
        "{holding:?}"
    );
}

/// The register's leavers for the guest and the contact `arrange` placed.
async fn guest_and_contact(
    engine: &Eng<'_>,
) -> (RegisterReads, Vec<guestlist_core::domain::plan::Leaver>) {
    let (reads, register) = read(engine).await;
    let leavers = [GUEST, CONTACT]
        .iter()
        .map(|a| {
            register
                .people
                .iter()
                .find(|p| p.address == *a)
                .and_then(|p| p.leaver())
                .expect("in the register")
        })
        .collect();
    (reads, leavers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_in_direct_mode_and_the_guest_restored_from_its_activity_entry() {
    let env = Env::start(Knobs::default()).await;
    let (guest, contact) = arrange(&env);
    let in_groups = groups_holding(&env, &guest);
    let engine = Engine::new(&env.graph, Some(&env.exchange)).signed_in_as(ADMIN_UPN);
    let (reads, leavers) = guest_and_contact(&engine).await;
    let off = offboarding_deleting(&leavers, &register_snapshot(&reads));
    assert_eq!(
        (off.plan.totals.exchange_ops, off.plan.totals.graph_ops),
        (1, 1)
    );
    let activity = MemoryActivity::default();
    let clock = SystemClock;
    let now = engine
        .run_now(&off.plan, None, &clock, &activity)
        .await
        .expect("run");
    assert!(now.script.is_none());
    assert!(
        now.outcome.journal.entries.iter().all(|e| !matches!(
            e,
            JournalEntry::Finished {
                result: OpResult::Failed(_),
                ..
            }
        )),
        "{:?}",
        now.outcome.journal
    );
    // Out of every group; the guest in deleted items, the contact gone from Exchange.
    assert_eq!(groups_holding(&env, &guest), 0);
    assert_eq!(groups_holding(&env, &contact), 0);
    let deleted = env.graph.deleted_users().await.expect("deleted items");
    assert!(deleted.iter().any(|d| d.user.id.as_str() == guest));
    assert!(matches!(
        env.exchange.get_mail_contact(CONTACT).await,
        Err(guestlist_core::tenant::TenantError::NotFound(_))
    ));

    // The Activity entry of the guest's deletion offers the restore; run through the engine.
    let entry = activity
        .log
        .borrow()
        .entries
        .iter()
        .find_map(|e| e.deleted_guest())
        .expect("a deleted guest in Activity");
    assert_eq!(entry.id, guest);
    let restore = guestlist_core::domain::plan::Plan::restoring(entry);
    let back = engine
        .run_now(&restore, None, &clock, &activity)
        .await
        .expect("restore");
    assert_eq!(
        back.result(OpId(0)),
        Some(OpResult::Done { object_id: None })
    );
    assert_eq!(
        groups_holding(&env, &guest),
        in_groups,
        "back in its groups"
    );
    let entries = activity.log.borrow().entries.clone();
    assert!(entries[0].what.starts_with("Restore guest"), "{entries:?}");
    // Restoring again: back already, not a failure.
    let again = engine
        .run_now(&restore, None, &clock, &activity)
        .await
        .expect("restore again");
    assert_eq!(
        again.result(OpId(0)),
        Some(OpResult::AlreadyDone { object_id: None })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_mode_deletes_the_guest_and_scripts_remove_mail_contact_then_verify() {
    let env = Env::start(Knobs::default()).await;
    let (guest, contact) = arrange(&env);
    let engine = Engine::new(&env.graph, None).signed_in_as(ADMIN_UPN);
    let (reads, leavers) = guest_and_contact(&engine).await;
    let off = offboarding_deleting(&leavers, &register_snapshot(&reads));
    let activity = MemoryActivity::default();
    let clock = SystemClock;
    let now = engine
        .run_now(&off.plan, None, &clock, &activity)
        .await
        .expect("run");
    let script = now.script.clone().expect("the Exchange step as a script");
    assert_eq!(script.matches("Remove-MailContact").count(), 1, "{script}");
    assert!(script.contains(CONTACT), "{script}");
    assert_eq!(groups_holding(&env, &guest), 0, "the guest is Graph's");
    assert!(groups_holding(&env, &contact) >= 2, "not before the script");
    let verified = engine
        .verify(&off.plan, &now.store, &clock, &activity, None)
        .await
        .expect("verify");
    assert_eq!((verified.done(), verified.missing()), (1, 1));
    // The script's step, run against the sim.
    env.exchange
        .remove_mail_contact(CONTACT)
        .await
        .expect("Remove-MailContact");
    // Graph lists the contact until Exchange's removal has replicated: verify until it has.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let v = engine
            .verify(&off.plan, &now.store, &clock, &activity, None)
            .await
            .expect("verify");
        if v.missing() == 0 {
            assert_eq!(v.done(), 2);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{:?}", v.results);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(activity
        .log
        .borrow()
        .entries
        .iter()
        .any(|e| e.what.starts_with("Delete mail contact")
            && e.outcome == guestlist_core::activity::Outcome::Done));
}
