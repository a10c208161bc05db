//! The bulk-run executor against the simulated tenant, in-process over real HTTP (reqwest):
//! faults (429, 503, dropped connections), a crash in the middle of a run and the resume, token
//! expiry, replication delay, "already a member", pause/resume/cancel, script mode. After each
//! run the sim's own state is compared with the run report: one contact and one guest per
//! address, every member present, nothing the report doesn't account for.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use guestlist_core::domain::journal::{resume_actions, OpResult, ResumeAction};
use guestlist_core::domain::plan::{
    plan, Operation, Plan, PlanOptions, SkipReason, TargetGroup, TenantSnapshot,
};
use guestlist_core::domain::powershell::exchange_script;
use guestlist_core::domain::report::{RowOutcome, RunReport};
use guestlist_core::run::{
    Clients, Executor, ExecutorOptions, MemoryJournalStore, RunControl, RunEvent, RunOutcome,
    RunState, SystemClock,
};
use guestlist_sim::client::{snapshot, target_group};
use guestlist_sim::store::{GroupKind as SimKind, ADMIN_UPN};
use guestlist_sim::Knobs;

// ====================================================================== support

use crate::support;

use support::{people, Env};

impl Env {
    /// The seeded DG and Microsoft 365 group, and the plan for `n` new people (`people`) into
    /// both, without the optional fixes.
    fn plan_for_both(&self, prefix: &str, n: usize) -> ([TargetGroup; 2], Plan) {
        let groups = [
            self.target(SimKind::Distribution),
            self.target(SimKind::Unified),
        ];
        let p = plan(
            &groups,
            &people(prefix, n),
            &self.snapshot(&groups),
            &PlanOptions::default(),
        )
        .without_optional(|_| false);
        (groups, p)
    }

    /// A seeded group of `kind` as the plan sees it.
    fn target(&self, kind: SimKind) -> TargetGroup {
        target_group(&self.sim, kind)
    }

    /// What bulk reads would find.
    fn snapshot(&self, groups: &[TargetGroup]) -> TenantSnapshot {
        snapshot(&self.sim, groups)
    }
}

fn options() -> ExecutorOptions {
    // More operations under way than requests on the wire (4 per service, the transports'
    // limiters): operations waiting out a Retry-After don't idle the service.
    ExecutorOptions {
        graph_concurrency: 8,
        exchange_concurrency: 8,
        ..ExecutorOptions::default()
    }
}

/// Every row of the report against the sim: done or "already a member" ⇒ the person is in the
/// group, through exactly one contact (distribution group) or one guest (Microsoft 365 group);
/// nothing failed or pending (call it on finished runs); no address holds two contacts or two guests.
fn assert_sim_matches_report(env: &Env, plan: &Plan, report: &RunReport) {
    assert_eq!(report.rows.len(), plan.entries.len(), "every row reported");
    for row in &report.rows {
        let Some(address) = &row.address else {
            continue;
        };
        let h = env.holders(address);
        assert!(
            h.contacts.len() <= 1,
            "{address}: contacts {:?}",
            h.contacts
        );
        assert!(h.guests.len() <= 1, "{address}: guests {:?}", h.guests);
        let member = h.in_groups.contains(&row.group_id);
        match &row.outcome {
            RowOutcome::Done | RowOutcome::Skipped(SkipReason::AlreadyMember) => {
                assert!(
                    member,
                    "{address} reported {:?} but not in {}",
                    row.outcome, row.group_name
                )
            }
            RowOutcome::Failed(f) => panic!("{address} → {}: failed: {f}", row.group_name),
            RowOutcome::Pending => panic!("{address} → {}: still pending", row.group_name),
            RowOutcome::Skipped(other) => panic!("{address}: unexpected skip {other:?}"),
        }
    }
}

/// The journal holds exactly one successful result per operation that ran, and no creation
/// or invitation succeeded twice.
fn assert_each_op_settled_once(outcome: &RunOutcome, plan: &Plan) {
    let mut ok: HashMap<_, usize> = HashMap::new();
    for e in &outcome.journal.entries {
        if let guestlist_core::domain::journal::JournalEntry::Finished { op, result, .. } = e {
            if result.is_success() {
                *ok.entry(*op).or_default() += 1;
            }
        }
    }
    for op in &plan.ops {
        assert_eq!(ok.get(&op.id), Some(&1), "{} settled once", op.id);
    }
}

// ====================================================================== tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_rows_into_a_dg_and_an_m365_group_through_429_503_and_drops() {
    let env = Env::start(Knobs {
        latency_ms: 5,
        throttle_fraction: 0.05,
        unavailable_fraction: 0.05,
        drop_fraction: 0.05,
        retry_after_secs: 1,
        ..Knobs::default()
    })
    .await;
    let dg = env.target(SimKind::Distribution);
    let m365 = env.target(SimKind::Unified);
    // Two runs of 100 rows, both through the faults: into the DG alone (a contact per person,
    // added through Exchange), then into both groups (one guest per person, who joins the DG
    // through Exchange and the Microsoft 365 group through Graph).
    let runs = [
        ("contact", vec![dg.clone()], 2 * 100),
        ("guest", vec![dg.clone(), m365.clone()], 3 * 100),
    ];
    for (prefix, groups, ops) in runs {
        env.wire.log().clear();
        let desired = people(prefix, 100);
        let plan = plan(
            &groups,
            &desired,
            &env.snapshot(&groups),
            &PlanOptions::default(),
        );
        // The people's operations, and the groups' optional fixes, accepted.
        assert!(plan.ops.len() >= ops, "{}", plan.ops.len());
        let store = MemoryJournalStore::new();
        let events = RefCell::new(Vec::new());
        let outcome = Executor::new(env.clients(), &store, SystemClock)
            .with_options(options())
            .on_event(|e| {
                if let RunEvent::Progress(p) = e {
                    events.borrow_mut().push(p.clone());
                }
            })
            .run(&plan)
            .await
            .expect("run");
        let (throttled, unavailable, dropped) = (
            env.wire.log().count(Some(429)),
            env.wire.log().count(Some(503)),
            env.wire.log().count(None),
        );
        println!(
            "{prefix}: {} ops in {:?}: {throttled} × 429, {unavailable} × 503, {dropped} dropped; totals {:?}",
            plan.ops.len(),
            outcome.progress.elapsed,
            outcome.report.totals
        );
        assert!(
            throttled > 0 && unavailable > 0 && dropped > 0,
            "faults were injected"
        );
        for r in outcome
            .report
            .rows
            .iter()
            .filter(|r| matches!(r.outcome, RowOutcome::Failed(_)))
            .take(5)
        {
            println!("{:?} {} {:?}", r.address, r.group_name, r.outcome);
        }
        assert_eq!(outcome.state, RunState::Finished);
        assert_eq!(outcome.report.totals.failed, 0);
        assert_eq!(outcome.report.totals.pending, 0);
        assert_eq!(
            outcome.report.totals.done + outcome.report.totals.skipped,
            100 * groups.len()
        );
        assert_each_op_settled_once(&outcome, &plan);
        assert_sim_matches_report(&env, &plan, &outcome.report);
        // What the store saved is what the run returned.
        assert_eq!(store.snapshot(), outcome.journal);
        // Progress went up to the total, ending finished.
        let last = events.borrow().last().cloned().expect("progress events");
        assert_eq!((last.done, last.total), (plan.ops.len(), plan.ops.len()));
        assert_eq!(last.state, RunState::Finished);
        assert!(events.borrow().windows(2).all(|w| w[0].done <= w[1].done));
        // Contacts for the DG-only run, guests for the other.
        let h = env.holders(&format!("{prefix}.0@partner0.example"));
        assert_eq!(
            (h.contacts.len(), h.guests.len()),
            if prefix == "contact" { (1, 0) } else { (0, 1) }
        );
    }
    // Groups that rejected external senders are open now.
    let t = env.sim.state.tenant.lock().unwrap();
    assert!(!t.group(&dg.id).unwrap().require_sender_auth);
    assert!(t.group(&m365.id).unwrap().allow_external_senders);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_mid_run_resumes_from_the_saved_journal_without_duplicates() {
    let env = Env::start(Knobs {
        latency_ms: 40,
        ..Knobs::default()
    })
    .await;
    let (_, plan) = env.plan_for_both("crash", 40);
    // 40 × (guest, DG add, M365 add)
    assert_eq!(plan.ops.len(), 120);
    let store = MemoryJournalStore::new();
    let crash = tokio::sync::Notify::new();
    {
        let executor = Executor::new(env.clients(), &store, SystemClock)
            .with_options(options())
            .on_event(|e| {
                if let RunEvent::Progress(p) = e {
                    if p.done >= 60 {
                        crash.notify_one();
                    }
                }
            });
        // The "tab" dies: the run future is dropped with requests in flight.
        tokio::select! {
            r = executor.run(&plan) => panic!("finished before the crash: {:?}", r.map(|o| o.report.totals)),
            () = crash.notified() => {}
        }
    }
    let saved = store.snapshot();
    let actions = resume_actions(&plan, &saved);
    let rechecks = actions
        .iter()
        .filter(|(_, a)| *a == ResumeAction::Recheck)
        .count();
    let skips = actions
        .iter()
        .filter(|(_, a)| *a == ResumeAction::Skip)
        .count();
    println!("after the crash: {skips} done, {rechecks} to re-check");
    assert!(rechecks > 0, "operations were under way at the crash");
    assert!(skips >= 60);

    // A new executor (as after a reload) from the saved journal.
    let resumed = Executor::new(env.clients(), &store, SystemClock)
        .with_options(options())
        .run(&plan)
        .await
        .expect("resumed run");
    assert_eq!(resumed.state, RunState::Finished);
    assert_eq!(resumed.report.totals.failed, 0);
    assert_eq!(resumed.report.totals.pending, 0);
    assert_sim_matches_report(&env, &plan, &resumed.report);
    // The re-checked operations ended done, not as "already done by someone else".
    for (op, a) in &actions {
        if *a == ResumeAction::Recheck {
            assert!(
                matches!(
                    resumed.journal.state(*op),
                    guestlist_core::domain::journal::OpState::Finished(OpResult::Done { .. })
                ),
                "{op}: {:?}",
                resumed.journal.state(*op)
            );
        }
    }
    // Nothing done before the crash was sent again.
    let started_after: usize = resumed.journal.entries[saved.entries.len()..]
        .iter()
        .filter(|e| {
            matches!(
                e,
                guestlist_core::domain::journal::JournalEntry::Started { .. }
            )
        })
        .count();
    assert_eq!(started_after, plan.ops.len() - skips);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_expiry_mid_run_is_recovered_by_a_fresh_token() {
    let env = Env::start(Knobs {
        latency_ms: 100,
        // `exp` has whole seconds: a 3 s token is good for at least 2 s, so a freshly
        // refreshed token isn't refused again while its request waits for a slot on a busy
        // machine (a 1 s one could expire a millisecond after issue).
        token_lifetime_secs: 3,
        ..Knobs::default()
    })
    .await;
    // 80 guests: 160 Graph requests (invite, add; one each, not batched) and 80 Exchange ones
    // (DG add), at most 4 at once per service, each ≥ 100 ms: the run lasts ≥ 4 s.
    let (_, plan) = env.plan_for_both("token", 80);
    let store = MemoryJournalStore::new();
    let sign_in = Cell::new(false);
    let control = RunControl::new();
    let outcome = Executor::new(env.clients(), &store, SystemClock)
        .with_options(ExecutorOptions {
            graph_batch_size: 1,
            ..options()
        })
        .with_control(control.clone())
        .on_event(|e| {
            // The run would wait for the admin: end it instead, and fail below.
            if matches!(e, RunEvent::NeedsSignIn { .. }) {
                sign_in.set(true);
                control.cancel();
            }
        })
        .run(&plan)
        .await
        .expect("run");
    println!(
        "{} token grants, {} forced refreshes, {} × 401, in {:?}",
        env.tokens.grants(),
        env.tokens.forced(),
        env.wire.log().count(Some(401)),
        outcome.progress.elapsed
    );
    assert!(
        outcome.progress.elapsed > Duration::from_secs(3),
        "the run outlived a token"
    );
    assert!(
        env.wire.log().count(Some(401)) > 0,
        "a token expired mid-run"
    );
    assert!(env.tokens.forced() > 0);
    assert!(!sign_in.get(), "recovered silently");
    assert_eq!(outcome.report.totals.failed, 0);
    assert_eq!(outcome.report.totals.pending, 0);
    assert_sim_matches_report(&env, &plan, &outcome.report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_delay_is_ridden_out() {
    let env = Env::start(Knobs {
        replication_delay_ms: 1200,
        ..Knobs::default()
    })
    .await;
    let (_, plan) = env.plan_for_both("replica", 12);
    let outcome = Executor::new(env.clients(), MemoryJournalStore::new(), SystemClock)
        .with_options(options())
        .run(&plan)
        .await
        .expect("run");
    let not_yet = env.wire.log().count(Some(400)) + env.wire.log().count(Some(404));
    println!("{not_yet} not-yet-replicated answers ridden out");
    assert!(not_yet > 0, "the replication delay was hit");
    assert_eq!(outcome.report.totals.done, 24);
    assert_sim_matches_report(&env, &plan, &outcome.report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn already_members_are_skipped_and_a_late_member_counts_as_skipped() {
    let env = Env::start(Knobs::default()).await;
    let (groups, plan1) = env.plan_for_both("member", 6);
    let done = Executor::new(env.clients(), MemoryJournalStore::new(), SystemClock)
        .run(&plan1)
        .await
        .expect("first run");
    assert_eq!(done.report.totals.done, 12);

    // The same six plus four new: the six are planned as skips.
    let again = people("member", 10);
    let plan2 = plan(
        &groups,
        &again,
        &env.snapshot(&groups),
        &PlanOptions::default(),
    );
    let plan2 = plan2.without_optional(|_| false);
    assert_eq!(
        plan2
            .entries
            .iter()
            .filter(|e| e.skip_reason() == Some(&SkipReason::AlreadyMember))
            .count(),
        12
    );
    // After the plan was read, someone invites row 9 and adds the guest to the DG: the run's
    // invitation gets the same guest back (Graph answers a re-invitation with the existing
    // user), and Exchange answers the DG add "already a member".
    let late = "member.9@partner2.example";
    let guest = env
        .graph
        .invite_guest(&guestlist_core::tenant::NewInvitation {
            email: late.into(),
            display_name: Some("Late Member".into()),
            redirect_url: "https://myapps.microsoft.com".into(),
            send_invitation_message: false,
            message: None,
        })
        .await
        .unwrap()
        .invited_user
        .expect("invited user")
        .id;
    env.exchange
        .add_distribution_group_member(
            groups[0].mail.as_deref().unwrap(),
            &guest.0,
            guestlist_core::tenant::ReplicationWait::JustCreated,
        )
        .await
        .unwrap();
    let outcome = Executor::new(env.clients(), MemoryJournalStore::new(), SystemClock)
        .run(&plan2)
        .await
        .expect("second run");
    let row9_dg = outcome
        .report
        .rows
        .iter()
        .find(|r| r.address.as_deref() == Some(late) && r.group_id == groups[0].id)
        .unwrap();
    assert_eq!(
        row9_dg.outcome,
        RowOutcome::Skipped(SkipReason::AlreadyMember)
    );
    assert_eq!(outcome.report.totals.skipped, 13);
    assert_eq!(outcome.report.totals.done, 7);
    assert_eq!(outcome.report.totals.failed, 0);
    assert_sim_matches_report(&env, &plan2, &outcome.report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_new_operations_and_cancel_stops_resumably() {
    let env = Env::start(Knobs {
        latency_ms: 20,
        ..Knobs::default()
    })
    .await;
    let groups = [env.target(SimKind::Distribution)];
    let plan = plan(
        &groups,
        &people("pause", 30),
        &env.snapshot(&groups),
        &PlanOptions::default(),
    )
    .without_optional(|_| false);
    assert_eq!(plan.ops.len(), 60);
    let control = RunControl::new();
    let store = MemoryJournalStore::new();
    // Pause at 10 done; resume once the pause has drained what was in flight; cancel at 30.
    let started_while_paused = Cell::new(0);
    let paused_seen = Cell::new(false);
    let outcome = Executor::new(env.clients(), &store, SystemClock)
        .with_control(control.clone())
        .on_event(|e| match e {
            RunEvent::Progress(p) => {
                if p.done >= 10 && !paused_seen.get() && !control.is_paused() {
                    control.pause();
                }
                if p.state == RunState::Paused && p.in_flight == 0 {
                    paused_seen.set(true);
                    control.resume();
                }
                if p.done >= 30 {
                    control.cancel();
                }
            }
            RunEvent::OpStarted { .. } if control.is_paused() => {
                started_while_paused.set(started_while_paused.get() + 1)
            }
            _ => {}
        })
        .run(&plan)
        .await
        .expect("run");
    assert!(paused_seen.get(), "the run paused and drained");
    assert_eq!(started_while_paused.get(), 0);
    assert_eq!(outcome.state, RunState::Cancelled);
    assert!(outcome.report.totals.pending > 0);
    assert_eq!(
        outcome.progress.in_flight, 0,
        "cancel waits for requests in flight"
    );
    // Resumed later: finishes, nothing twice.
    let rest = Executor::new(env.clients(), &store, SystemClock)
        .run(&plan)
        .await
        .expect("resumed");
    assert_eq!(rest.state, RunState::Finished);
    assert_eq!(rest.report.totals.done, 30);
    assert_each_op_settled_once(&rest, &plan);
    assert_sim_matches_report(&env, &plan, &rest.report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_mode_runs_graph_steps_and_leaves_exchange_steps_for_the_script() {
    let env = Env::start(Knobs::default()).await;
    let (groups, plan) = env.plan_for_both("script", 5);
    let graph_only = Clients {
        graph: &env.graph,
        exchange: None,
    };
    let outcome = Executor::new(graph_only, MemoryJournalStore::new(), SystemClock)
        .run(&plan)
        .await
        .expect("run");
    assert_eq!(outcome.state, RunState::Finished);
    let exchange_ops: Vec<_> = plan
        .ops
        .iter()
        .filter(|o| {
            matches!(
                o.op,
                Operation::CreateContact { .. }
                    | Operation::AddMember {
                        via: guestlist_core::domain::group::MembershipApi::Exchange,
                        ..
                    }
            )
        })
        .map(|o| o.id)
        .collect();
    assert_eq!(outcome.pending_script, exchange_ops);
    // Each person's guest is invited and joins the M365 group through Graph; its DG add waits
    // for the script.
    assert_eq!(outcome.progress.pending_script, 5);
    assert_eq!(outcome.progress.done, 10);
    // M365 rows done, DG rows pending (for the script), no contact made.
    for row in &outcome.report.rows {
        let expected = if row.group_id == groups[1].id {
            RowOutcome::Done
        } else {
            RowOutcome::Pending
        };
        assert_eq!(row.outcome, expected, "{:?}", row.address);
        assert!(env
            .holders(row.address.as_deref().unwrap())
            .contacts
            .is_empty());
    }
    let script = exchange_script(&plan, Some(ADMIN_UPN)).unwrap();
    assert_eq!(script.matches("New-MailContact -Name").count(), 0);
    assert_eq!(script.matches("Add-DistributionGroupMember").count(), 5);
}
