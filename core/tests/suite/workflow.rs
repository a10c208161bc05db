//! The change engine end to end against the simulated tenant, in-process over real HTTP: the
//! reads it plans from, the run, script mode's Verify and the activity it records — for one
//! person (the dialog's pipeline), a bulk import, a resumed run and the group page's
//! one-operation plans. Each test checks the sim's own state, not only what the engine says.
#![cfg(not(target_arch = "wasm32"))]

use crate::support;

use guestlist_core::activity::Entry;
use guestlist_core::activity::{Outcome, Reason};
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::JournalEntry;
use guestlist_core::domain::plan::{Desired, OutcomeKind, Plan, PlanOptions, TargetGroup};
use guestlist_core::domain::report::RowOutcome;
use guestlist_core::engine::reads::member_ref;
use guestlist_core::engine::record::{ActivitySink, MemoryActivity, FLUSH_AT};
use guestlist_core::engine::{Engine, RunSetup};
use guestlist_core::run::{
    MemoryJournalStore, RunControl, RunEvent, RunOutcome, RunState, SystemClock,
};
use guestlist_core::tenant::{GroupFilter, GroupId, Member};
use guestlist_sim::client::{SimTokens, TokioSleeper};
use guestlist_sim::store::ADMIN_UPN;
use guestlist_sim::Knobs;
use support::{people, Env, Transp};

type Eng<'c> = Engine<'c, Transp, std::rc::Rc<SimTokens>, TokioSleeper>;

fn direct(env: &Env) -> Eng<'_> {
    Engine::new(&env.graph, Some(&env.exchange)).signed_in_as(ADMIN_UPN)
}

fn script_mode(env: &Env) -> Eng<'_> {
    Engine::new(&env.graph, None).signed_in_as(ADMIN_UPN)
}

/// A seeded group found the way the finder finds it, as a planning target.
/// The engine's plan for adding `desired` to `groups`, with the default options.
async fn plan_adds(engine: &Eng<'_>, groups: &[TargetGroup], desired: &[Desired]) -> Plan {
    engine
        .plan_adds(groups, desired, &PlanOptions::default())
        .await
        .expect("plan")
}

/// Runs `plan` with `store`'s journal, recording in `activity`.
async fn run(
    engine: &Eng<'_>,
    plan: &Plan,
    store: &MemoryJournalStore,
    activity: &MemoryActivity,
) -> RunOutcome {
    engine
        .run(plan, store, &SystemClock, activity, RunSetup::default())
        .await
        .expect("run")
}

/// Vendor Portal Updates, the seeded group with an allowed-senders list, and its address.
async fn vendor_updates(engine: &Eng<'_>) -> (TargetGroup, String) {
    let vendor = target(engine, "Vendor Portal Updates").await;
    let to = vendor.mail.clone().expect("a DG has an address");
    (vendor, to)
}

async fn target(engine: &Eng<'_>, name: &str) -> TargetGroup {
    let page = engine
        .graph()
        .search_groups(name, GroupFilter::Any)
        .await
        .expect("search");
    let group = page
        .items
        .into_iter()
        .find(|g| g.display_name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("seeded group {name}"));
    engine.target(&group).await.expect("target")
}

fn members_of(env: &Env, group_id: &str) -> Vec<String> {
    let t = env.sim.state.tenant.lock().unwrap();
    t.group(group_id).expect("group").members().to_vec()
}

/// Activity entries by outcome.
fn outcomes(activity: &MemoryActivity) -> Vec<Outcome> {
    activity
        .log
        .borrow()
        .entries
        .iter()
        .map(|e| e.outcome)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_into_a_distribution_group_is_planned_run_and_recorded() {
    let env = Env::start(Knobs::default()).await;
    let engine = direct(&env);
    let sales = target(&engine, "Sales Team").await;
    assert_eq!(sales.kind, GroupKind::Distribution);
    // Read through Exchange in direct mode: Sales Team accepts internal senders only.
    assert_eq!(sales.external_senders, ExternalSenders::Rejected);

    let desired = people("one", 1);
    let plan = plan_adds(&engine, std::slice::from_ref(&sales), &desired)
        .await
        .without_optional(|_| false);
    assert_eq!(plan.totals.count(OutcomeKind::CreateContact), 1);
    let store = MemoryJournalStore::new();
    let activity = MemoryActivity::default();
    let outcome = run(&engine, &plan, &store, &activity).await;
    assert_eq!(outcome.state, RunState::Finished);
    assert!(outcome
        .report
        .rows
        .iter()
        .all(|r| r.outcome == RowOutcome::Done));

    // The sim holds exactly the contact, in the group.
    let address = desired[0].person.as_ref().unwrap().email.to_string();
    let holders = env.holders(&address);
    assert_eq!(holders.contacts.len(), 1);
    assert!(holders.in_groups.contains(&sales.id));

    // One entry per operation, in the group's name, with the English the exports keep.
    let log = activity.log.take();
    assert_eq!(log.entries.len(), plan.ops.len());
    assert!(log
        .entries
        .iter()
        .all(|e| e.outcome == Outcome::Done && e.group == "Sales Team"));
    assert!(log
        .entries
        .iter()
        .any(|e| e.what == format!("Add {address} to Sales Team")));

    // Planned again: the same reads now find the contact in the group, so nothing is to do.
    let again = plan_adds(&engine, std::slice::from_ref(&sales), &desired).await;
    assert_eq!(again.totals.count(OutcomeKind::AlreadyMember), 1);
    assert!(again.ops.iter().all(|o| o.optional));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_run_into_two_kinds_of_group_records_every_operation_in_few_writes() {
    let env = Env::start(Knobs::default()).await;
    let engine = direct(&env);
    let groups = [
        target(&engine, "Partner Announcements").await,
        target(&engine, "Project Falcon").await,
    ];
    let desired = people("bulk", 120);
    let plan = plan_adds(&engine, &groups, &desired)
        .await
        .without_optional(|_| false);
    // A new person for a Microsoft 365 group is invited once and joins the DG as that guest.
    assert_eq!(plan.totals.count(OutcomeKind::InviteGuest), 240);
    assert_eq!(plan.ops.len(), 360);
    let activity = MemoryActivity::default();
    let started = std::time::Instant::now();
    let outcome = engine
        .run(
            &plan,
            MemoryJournalStore::new(),
            &SystemClock,
            &activity,
            RunSetup::default(),
        )
        .await
        .expect("run");
    let seconds = started.elapsed().as_secs_f64().ceil() as usize;
    assert_eq!(outcome.state, RunState::Finished);
    assert_eq!(outcome.report.rows.len(), 240);
    assert!(outcome
        .report
        .rows
        .iter()
        .all(|r| r.outcome == RowOutcome::Done));
    for g in &groups {
        let members = members_of(&env, &g.id);
        for d in &desired {
            let address = d.person.as_ref().unwrap().email.to_string();
            let h = env.holders(&address);
            assert_eq!(h.guests.len(), 1, "{address}");
            assert!(members.contains(&h.guests[0]), "{address} in {}", g.name);
        }
    }
    assert_eq!(activity.log.borrow().entries.len(), 360);
    assert!(outcomes(&activity).iter().all(|o| *o == Outcome::Done));
    // Written in batches, not once per operation: one per FLUSH_AT entries or per second of
    // the run, and the last.
    assert!(
        activity.writes.get() <= 360 / FLUSH_AT + seconds + 2,
        "{} writes in {seconds} s",
        activity.writes.get()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_mode_hands_over_once_then_verify_confirms_and_the_run_finishes() {
    let env = Env::start(Knobs::default()).await;
    let scripted = script_mode(&env);
    let sales = target(&scripted, "Sales Team").await;
    // Without Exchange the sender setting of a DG can't be read: unknown, not guessed.
    assert_eq!(sales.external_senders, ExternalSenders::Unknown);
    let desired = people("script", 3);
    let plan = plan_adds(&scripted, std::slice::from_ref(&sales), &desired)
        .await
        .without_optional(|_| false);
    let store = MemoryJournalStore::new();
    let activity = MemoryActivity::default();
    let first = run(&scripted, &plan, &store, &activity).await;
    assert_eq!(first.pending_script.len(), plan.ops.len());
    let script = scripted
        .script(&plan, &first.pending_script)
        .unwrap()
        .expect("a script");
    assert_eq!(script.matches("New-MailContact -Name").count(), 3);
    assert!(
        script.contains(&format!("-UserPrincipalName '{ADMIN_UPN}'")),
        "{script}"
    );
    assert_eq!(activity.log.borrow().entries.len(), plan.ops.len());
    assert!(outcomes(&activity).iter().all(|o| *o == Outcome::Script));

    // Verify before the script ran: all missing, nothing recorded as confirmed.
    let early = scripted
        .verify(&plan, &store, &SystemClock, &activity, None)
        .await
        .expect("verify");
    assert_eq!((early.done(), early.missing()), (0, plan.ops.len()));
    assert!(early.added.is_empty());

    // Resumed before the script ran: the handover is not said again.
    let resumed = run(&scripted, &plan, &store, &activity).await;
    assert_eq!(resumed.pending_script, first.pending_script);
    assert_eq!(activity.log.borrow().entries.len(), plan.ops.len());

    // The admin runs the script: its cmdlets, against the sim.
    let admin = direct(&env);
    let by_script = admin
        .run(
            &plan,
            MemoryJournalStore::new(),
            &SystemClock,
            &MemoryActivity::default(),
            RunSetup::default(),
        )
        .await
        .expect("the script's steps");
    assert_eq!(by_script.state, RunState::Finished);

    let verified = scripted
        .verify(&plan, &store, &SystemClock, &activity, None)
        .await
        .expect("verify");
    assert_eq!((verified.done(), verified.missing()), (plan.ops.len(), 0));
    assert_eq!(verified.added.len(), plan.ops.len());
    let confirmed = activity
        .log
        .borrow()
        .entries
        .iter()
        .filter(|e| e.reason == Some(Reason::ConfirmedByVerify) && e.outcome == Outcome::Done)
        .count();
    assert_eq!(confirmed, plan.ops.len());
    let done = run(&scripted, &plan, &store, &activity).await;
    assert!(done.pending_script.is_empty());
    // Done by the script, as Verify found: every row done (not "already a member").
    assert!(
        done.report
            .rows
            .iter()
            .all(|r| r.outcome == RowOutcome::Done),
        "{:?}",
        done.report.rows
    );
    // A second Verify finds nothing new to confirm.
    let again = scripted
        .verify(&plan, &store, &SystemClock, &activity, None)
        .await
        .expect("verify again");
    assert!(again.added.is_empty());
    assert_eq!(activity.log.borrow().entries.len(), 2 * plan.ops.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_resumes_from_its_journal_without_repeating_or_rerecording() {
    let env = Env::start(Knobs::default()).await;
    let engine = direct(&env);
    let groups = [target(&engine, "Suppliers").await];
    let desired = people("resume", 40);
    let plan = plan_adds(&engine, &groups, &desired)
        .await
        .without_optional(|_| false);
    let store = MemoryJournalStore::new();
    let activity = MemoryActivity::default();
    let control = RunControl::new();
    let stop = control.clone();
    let finished = std::cell::Cell::new(0usize);
    let first = engine
        .run(
            &plan,
            &store,
            &SystemClock,
            &activity,
            RunSetup::default().with_control(control).on_event(|e| {
                if let RunEvent::OpFinished { .. } = e {
                    finished.set(finished.get() + 1);
                    if finished.get() == 25 {
                        stop.cancel();
                    }
                }
            }),
        )
        .await
        .expect("first part");
    assert_eq!(first.state, RunState::Cancelled);
    let recorded = activity.log.borrow().entries.len();
    assert!(
        (25..plan.ops.len()).contains(&recorded),
        "{recorded} recorded of {}",
        plan.ops.len()
    );

    // "After a reload": the same journal, a new run.
    let rest = run(&engine, &plan, &store, &activity).await;
    assert_eq!(rest.state, RunState::Finished);
    assert!(rest
        .report
        .rows
        .iter()
        .all(|r| r.outcome == RowOutcome::Done));
    // Each operation started once, recorded once; one contact per person.
    let started = rest
        .journal
        .entries
        .iter()
        .filter(|e| matches!(e, JournalEntry::Started { .. }))
        .count();
    assert_eq!(started, plan.ops.len());
    assert_eq!(activity.log.borrow().entries.len(), plan.ops.len());
    for d in &desired {
        let h = env.holders(&d.person.as_ref().unwrap().email.to_string());
        assert_eq!(h.contacts.len(), 1);
    }
}

/// A log whose writes never land: a tab closed before its waiting entries were written.
struct Lost;

impl ActivitySink for Lost {
    fn record(&self, _entries: Vec<Entry>) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journalled_run_records_every_operation_once_even_when_a_reload_lost_entries() {
    let env = Env::start(Knobs::default()).await;
    let engine = direct(&env);
    let groups = [target(&engine, "Event Attendees 2025").await];
    let plan = plan_adds(&engine, &groups, &people("lost", 20))
        .await
        .without_optional(|_| false);
    let store = MemoryJournalStore::new();
    let control = RunControl::new();
    let stop = control.clone();
    let finished = std::cell::Cell::new(0usize);
    let first = engine
        .run(
            &plan,
            &store,
            &SystemClock,
            &Lost,
            RunSetup::default()
                .recorded_as("run-lost")
                .with_control(control)
                .on_event(|e| {
                    if let RunEvent::OpFinished { .. } = e {
                        finished.set(finished.get() + 1);
                        if finished.get() == 15 {
                            stop.cancel();
                        }
                    }
                }),
        )
        .await
        .expect("first part");
    assert_eq!(first.state, RunState::Cancelled);
    let activity = MemoryActivity::default();
    for _ in 0..2 {
        let rest = engine
            .run(
                &plan,
                &store,
                &SystemClock,
                &activity,
                RunSetup::default().recorded_as("run-lost"),
            )
            .await
            .expect("resumed");
        assert_eq!(rest.state, RunState::Finished);
        let log = activity.log.borrow();
        assert_eq!(log.entries.len(), plan.ops.len());
        let mut ops: Vec<u32> = log
            .entries
            .iter()
            .map(|e| e.run.as_ref().expect("of the run").op)
            .collect();
        ops.sort_unstable();
        ops.dedup();
        assert_eq!(ops.len(), plan.ops.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_group_pages_single_changes_are_one_operation_plans() {
    let env = Env::start(Knobs::default()).await;
    let engine = direct(&env);
    // A contact out of a distribution group (Exchange) and a guest out of a Microsoft 365
    // group (Graph), each as the group page does it: a member row → a one-operation plan.
    for (name, kind) in [
        ("Partner Announcements", GroupKind::Distribution),
        ("Project Falcon", GroupKind::Microsoft365),
    ] {
        let group = target(&engine, name).await;
        assert_eq!(group.kind, kind);
        let members = engine
            .graph()
            .all_pages::<Member>(
                engine
                    .graph()
                    .list_members(&GroupId(group.id.clone()))
                    .await
                    .expect("members"),
                usize::MAX,
            )
            .await
            .expect("all members")
            .items;
        let guests = env.guest_ids();
        let external = members
            .iter()
            .find(|m| match m {
                Member::Contact(_) => true,
                Member::User(u) => guests.contains(u.id.as_str()),
                _ => false,
            })
            .expect("an external member");
        let plan = Plan::removal(&group, member_ref(external).expect("named")).expect("removable");
        let activity = MemoryActivity::default();
        let out = engine
            .run(
                &plan,
                MemoryJournalStore::new(),
                &SystemClock,
                &activity,
                RunSetup::default(),
            )
            .await
            .expect("remove");
        assert_eq!(out.state, RunState::Finished);
        assert!(
            !members_of(&env, &group.id).contains(&external.id().to_owned()),
            "{name}"
        );
        let log = activity.log.borrow();
        assert_eq!(log.entries.len(), 1);
        assert_eq!(log.entries[0].outcome, Outcome::Done);
        assert!(
            log.entries[0].what.starts_with("Remove "),
            "{}",
            log.entries[0].what
        );
    }

    // Sales Team accepts internal senders only; opening it is a plan of one Exchange step.
    let sales = target(&engine, "Sales Team").await;
    assert_eq!(sales.external_senders, ExternalSenders::Rejected);
    let plan = Plan::opening(&sales).expect("a DG has the setting");
    let activity = MemoryActivity::default();
    engine
        .run(
            &plan,
            MemoryJournalStore::new(),
            &SystemClock,
            &activity,
            RunSetup::default(),
        )
        .await
        .expect("open");
    assert_eq!(
        engine.external_senders(&sales).await.expect("read again"),
        ExternalSenders::Allowed
    );
    assert_eq!(
        activity.log.borrow().entries[0].what,
        "Let Sales Team receive mail from outside the organisation"
    );
    // Security groups have no mail to open.
    let mut security = sales.clone();
    security.kind = GroupKind::Security;
    assert!(Plan::opening(&security).is_none());
    // A group synced from on-premises (Graph's onPremisesSyncEnabled) is opened there, not here.
    let legacy = target(&engine, "Legacy Staff List").await;
    assert!(legacy.on_premises_synced);
    assert_eq!(legacy.external_senders, ExternalSenders::Rejected);
    assert!(Plan::opening(&legacy).is_none());
}

/// The sim's delivery oracle (`POST /_sim/deliver`): (outcome, code).
async fn oracle(env: &Env, from: &str, to: &str) -> (String, Option<String>) {
    let v: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/_sim/deliver", env.sim.base_url()))
        .json(&serde_json::json!({"from": from, "to": to}))
        .send()
        .await
        .expect("oracle answers")
        .json()
        .await
        .expect("oracle JSON");
    (
        v["outcome"].as_str().expect("outcome").to_owned(),
        v["code"].as_str().map(str::to_owned),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_fix_is_a_plan_run_by_the_engine_until_the_oracle_delivers() {
    use guestlist_core::activity::Action;
    use guestlist_core::domain::delivery::{Fix, NdrCode, Outcome as Sent, SenderList};
    use guestlist_core::domain::plan::Operation;

    let env = Env::start(Knobs::default()).await;
    let engine = direct(&env);
    let (vendor, to) = vendor_updates(&engine).await;
    let from = "new.supplier@unknown.example";

    // Before: the allowed-senders list bounces the stranger, and the domain says why.
    assert_eq!(
        oracle(&env, from, &to).await,
        ("rejected".into(), Some("5.7.124".into()))
    );
    let check = engine.delivery_check(&vendor, from).await.expect("check");
    assert_eq!(
        check.send.outcome,
        Sent::Rejected {
            code: NdrCode::NotInAllowedSenders
        }
    );
    let fix = &check.send.findings[0].fixes[0];
    assert_eq!(
        fix,
        &Fix::AllowSender {
            create_contact: true
        }
    );
    // The plan: the contact first, then the list entry that waits for it.
    let plan = engine.delivery_fix(&vendor, &check, fix).expect("a plan");
    assert_eq!(plan.ops.len(), 2);
    assert!(matches!(plan.ops[0].op, Operation::CreateContact { .. }));
    assert!(matches!(
        plan.ops[1].op,
        Operation::EditSenderList {
            list: SenderList::AcceptMessagesOnlyFrom,
            add: true,
            ..
        }
    ));
    assert_eq!(plan.ops[1].depends_on, vec![plan.ops[0].id]);
    // Nothing changed by planning.
    assert_eq!(oracle(&env, from, &to).await.0, "rejected");

    let activity = MemoryActivity::default();
    let run = engine
        .run_now(&plan, None, &SystemClock, &activity)
        .await
        .expect("run");
    assert_eq!(run.outcome.state, RunState::Finished);
    assert!(run.script.is_none());
    assert_eq!(oracle(&env, from, &to).await, ("delivered".into(), None));
    assert_eq!(outcomes(&activity), vec![Outcome::Done, Outcome::Done]);
    {
        let log = activity.log.borrow();
        assert!(matches!(
            &log.entries[0].action,
            Some(Action::EditSenderList { entry, add: true, .. }) if entry == from
        ));
        assert_eq!(
            log.entries[0].what,
            format!("Put {from} on the allowed senders of Vendor Portal Updates")
        );
    }
    // The check agrees afterwards, and a second run of the same plan changes nothing.
    let after = engine.delivery_check(&vendor, from).await.expect("check");
    assert_eq!(after.send.outcome, Sent::Delivered);
    let again = engine
        .run_now(&plan, None, &SystemClock, &MemoryActivity::default())
        .await
        .expect("again");
    assert_eq!(again.outcome.state, RunState::Finished);
    assert_eq!(oracle(&env, from, &to).await.0, "delivered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_fix_in_script_mode_is_the_script_then_verify() {
    use guestlist_core::domain::delivery::Fix;
    use guestlist_core::domain::verify::Verified;

    let env = Env::start(Knobs::default()).await;
    let admin = direct(&env);
    let scripted = script_mode(&env);
    let press = target(&admin, "Press Releases").await;
    let to = press.mail.clone().expect("address");
    let from = "reporter@unknown.example";
    assert_eq!(oracle(&env, from, &to).await.0, "held");
    // Script mode can't read Exchange's restrictions.
    assert!(scripted.delivery_check(&press, from).await.is_err());
    let check = admin.delivery_check(&press, from).await.expect("check");
    let fix = &check.send.findings[0].fixes[0];
    assert_eq!(
        fix,
        &Fix::BypassModeration {
            create_contact: true
        }
    );
    let plan = scripted.delivery_fix(&press, &check, fix).expect("a plan");

    let activity = MemoryActivity::default();
    let run = scripted
        .run_now(&plan, None, &SystemClock, &activity)
        .await
        .expect("run");
    assert_eq!(run.outcome.pending_script.len(), 2);
    let script = run.script.expect("a script");
    assert!(
        script.contains("New-MailContact -Name 'reporter@unknown.example'"),
        "{script}"
    );
    assert!(
        script.contains(&format!(
            "Set-DistributionGroup -Identity '{to}' -BypassModerationFromSendersOrMembers @{{Add='{from}'}}"
        )),
        "{script}"
    );
    assert!(outcomes(&activity).iter().all(|o| *o == Outcome::Script));
    // Handed over, not made.
    assert_eq!(oracle(&env, from, &to).await.0, "held");

    // The admin runs the script's cmdlets (here: the same changes through the sim's Exchange).
    admin
        .run(
            &plan,
            MemoryJournalStore::new(),
            &SystemClock,
            &MemoryActivity::default(),
            RunSetup::default(),
        )
        .await
        .expect("the script's steps");
    assert_eq!(oracle(&env, from, &to).await, ("delivered".into(), None));

    // Verify: Graph shows the contact; the list is Exchange's alone, said so, not guessed.
    let verified = scripted
        .verify(&plan, &run.store, &SystemClock, &activity, None)
        .await
        .expect("verify");
    assert!(matches!(verified.results[0].1, Verified::Done { .. }));
    assert!(matches!(
        verified.results[1].1,
        Verified::CannotCheck { .. }
    ));
    assert_eq!(verified.missing(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn will_they_receive_reads_nested_membership_and_the_return_path() {
    use guestlist_core::domain::delivery::{Membership, ReceiveFinding};

    let env = Env::start(Knobs::default()).await;
    let engine = direct(&env);
    let alliance = target(&engine, "Alliance Network").await;
    let receive = |address: &'static str, group: TargetGroup| {
        let engine = &engine;
        async move {
            let check = engine.delivery_check(&group, address).await.expect("check");
            engine
                .receive_check(&group, &check)
                .await
                .expect("receive")
                .expect("a distribution group's members can be read")
        }
    };
    // A contact in a group nested in Alliance Network.
    let aaron = receive("aaron.con@fabrikam.com", alliance.clone()).await;
    assert!(
        matches!(aaron.membership, Membership::Nested { ref via } if via.len() == 1),
        "{aaron:?}"
    );
    assert!(aaron.receives() && aaron.findings.is_empty(), "{aaron:?}");
    // A contact that isn't in it; an address nothing in the directory carries.
    let paul = receive("paul.west@gmail.com", alliance.clone()).await;
    assert_eq!(paul.findings, vec![ReceiveFinding::NotAMember]);
    let nobody = receive("nobody@unknown.example", alliance.clone()).await;
    assert_eq!(
        nobody.findings,
        vec![
            ReceiveFinding::NotAMember,
            ReceiveFinding::AddressNotCarried { carried: None }
        ]
    );
    assert!(!nobody.receives());
    // Customer Feedback sends its delivery reports nowhere.
    let feedback = target(&engine, "Customer Feedback").await;
    let r = receive("paul.west@gmail.com", feedback).await;
    assert!(r.findings.contains(&ReceiveFinding::NoReturnPath), "{r:?}");
    // Script mode can't read Exchange's nested membership.
    let scripted = script_mode(&env);
    let check = engine
        .delivery_check(&alliance, "aaron.con@fabrikam.com")
        .await
        .expect("check");
    assert!(scripted.receive_check(&alliance, &check).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_mode_fixes_a_reported_bounce_with_a_script_that_verify_checks() {
    use guestlist_core::domain::delivery::ReportedBounce;
    use guestlist_core::domain::email::EmailAddress;
    use guestlist_core::domain::plan::Operation;

    let env = Env::start(Knobs::default()).await;
    let scripted = script_mode(&env);
    let (vendor, to) = vendor_updates(&scripted).await;
    // A stranger: the contact is created first. Chris Preston is on the list already; a contact
    // of the directory that isn't (Paul West) gets no second contact.
    let stranger = EmailAddress::parse("stranger@unknown.example").unwrap();
    let plan = scripted
        .reported_fix(&vendor, &stranger, ReportedBounce::NotAllowed)
        .await
        .expect("reads")
        .expect("a plan");
    assert_eq!(plan.ops.len(), 2);
    assert!(matches!(plan.ops[0].op, Operation::CreateContact { .. }));
    let paul = EmailAddress::parse("paul.west@gmail.com").unwrap();
    let for_paul = scripted
        .reported_fix(&vendor, &paul, ReportedBounce::NotAllowed)
        .await
        .expect("reads")
        .expect("a plan");
    assert_eq!(for_paul.ops.len(), 1);
    assert!(matches!(
        for_paul.ops[0].op,
        Operation::EditSenderList { add: true, .. }
    ));
    // A Microsoft 365 group has no moderation bypass list: no fix to offer.
    let cab = target(&scripted, "Customer Advisory Board").await;
    assert!(scripted
        .reported_fix(&cab, &stranger, ReportedBounce::Held)
        .await
        .expect("reads")
        .is_none());

    let from = stranger.to_ascii();
    assert_eq!(oracle(&env, &from, &to).await.1.as_deref(), Some("5.7.124"));
    let run = scripted
        .run_now(&plan, None, &SystemClock, &MemoryActivity::default())
        .await
        .expect("run");
    assert!(run.script.as_deref().is_some_and(|s| s.contains("@{Add=")));
    // The script's cmdlets, run by the admin.
    direct(&env)
        .run(
            &plan,
            MemoryJournalStore::new(),
            &SystemClock,
            &MemoryActivity::default(),
            RunSetup::default(),
        )
        .await
        .expect("the script's steps");
    assert_eq!(oracle(&env, &from, &to).await, ("delivered".into(), None));
    let verified = scripted
        .verify(
            &plan,
            &run.store,
            &SystemClock,
            &MemoryActivity::default(),
            None,
        )
        .await
        .expect("verify");
    assert_eq!(verified.missing(), 0);
    assert_eq!(verified.done(), 1, "the contact, seen through Graph");
}

/// Adding people to a group that takes mail only from its allowed senders: the plan warns that
/// they would still bounce (5.7.124) and offers, per person, to put them on the list; run with
/// the offer, the sim's oracle delivers their mail. Script mode can't read the list: no offer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_to_an_allowed_senders_group_offers_the_list_and_the_run_lets_them_mail() {
    use guestlist_core::domain::plan::{GroupWarning, Operation};

    let env = Env::start(Knobs::default()).await;
    let engine = direct(&env);
    let (vendor, to) = vendor_updates(&engine).await;
    let desired = people("listed", 2);
    let addresses: Vec<String> = desired
        .iter()
        .map(|d| d.person.as_ref().unwrap().email.to_string())
        .collect();
    let plan = plan_adds(&engine, std::slice::from_ref(&vendor), &desired).await;
    let fixes = plan
        .warnings
        .iter()
        .find_map(|w| match w {
            GroupWarning::NotOnAllowedSenders { group: 0, fixes } => Some(fixes.clone()),
            _ => None,
        })
        .expect("the allowed-senders warning");
    assert_eq!(fixes.len(), 2);
    assert!(fixes.iter().all(|f| matches!(
        plan.op(*f).map(|o| &o.op),
        Some(Operation::EditSenderList { add: true, .. })
    )));
    // Nothing changed by planning.
    for a in &addresses {
        assert_eq!(
            oracle(&env, a, &to).await,
            ("rejected".into(), Some("5.7.124".into()))
        );
    }
    // Run with the first person's offer taken and the second's declined.
    let plan = plan.without_optional(|o| o.id == fixes[0]);
    let outcome = engine
        .run(
            &plan,
            MemoryJournalStore::new(),
            &SystemClock,
            &MemoryActivity::default(),
            RunSetup::default(),
        )
        .await
        .expect("run");
    assert_eq!(outcome.state, RunState::Finished);
    assert_eq!(
        oracle(&env, &addresses[0], &to).await,
        ("delivered".into(), None)
    );
    assert_eq!(
        oracle(&env, &addresses[1], &to).await,
        ("rejected".into(), Some("5.7.124".into()))
    );
    // Script mode: the lists can't be read, so the plan has no offer.
    let scripted = plan_adds(
        &script_mode(&env),
        std::slice::from_ref(&vendor),
        &people("unlisted", 1),
    )
    .await;
    assert!(!scripted
        .warnings
        .iter()
        .any(|w| matches!(w, GroupWarning::NotOnAllowedSenders { .. })));
}

/// Get-DistributionGroup shows list entries by the recipients' Names, and a contact's Name isn't
/// its address or its display name (Chris Preston's contact shows as "Chris Preston (Northwind
/// Traders)" in Graph): adding him to Vendor Portal Updates, where he is listed by Name, offers
/// nothing for him — the engine resolves the entries through Exchange — and still offers the
/// list for a new person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_listed_by_name_gets_no_offer() {
    use guestlist_core::domain::plan::{GroupWarning, Operation};

    let env = Env::start(Knobs::default()).await;
    let engine = direct(&env);
    let (vendor, to) = vendor_updates(&engine).await;
    let chris = "chris.preston@northwindtraders.com";
    assert_eq!(oracle(&env, chris, &to).await, ("delivered".into(), None));
    let mut desired = people("listed", 1);
    let mut his = people("chris", 1).remove(0);
    if let Ok(p) = his.person.as_mut() {
        p.email = guestlist_core::domain::email::EmailAddress::parse(chris).unwrap();
    }
    his.row = 3;
    desired.push(his);
    let plan = plan_adds(&engine, std::slice::from_ref(&vendor), &desired).await;
    // Chris's contact is added to the group (he isn't a member), but not offered for the list.
    assert!(plan.adds_existing_to(0));
    let fixes = plan
        .warnings
        .iter()
        .find_map(|w| match w {
            GroupWarning::NotOnAllowedSenders { group: 0, fixes } => Some(fixes.clone()),
            _ => None,
        })
        .expect("the allowed-senders warning for the new person");
    let entries: Vec<String> = fixes
        .iter()
        .filter_map(|f| match plan.op(*f).map(|o| &o.op) {
            Some(Operation::EditSenderList { entry, .. }) => Some(entry.to_lowercase()),
            _ => None,
        })
        .collect();
    assert_eq!(entries, ["listed.0@partner0.example"]);
}
