//! Which operation runs next: dependency order, one ready queue per service, plan order within
//! a queue. Pure (no I/O, no clock), so the ordering rules are tested directly.
//!
//! Rules:
//! - an operation is ready when every operation it depends on finished successfully;
//! - in each service's queue the lowest plan position goes first. A member add comes right
//!   after the creation it depends on in the plan, so a finished creation's add overtakes later
//!   creations: rows complete in order and the report fills from the top;
//! - a failure blocks everything that depends on it, transitively;
//! - the journal decides the start: finished operations stay finished, an operation that was
//!   started but has no result is re-checked before anything else in its queue;
//! - script mode (no Exchange): Exchange operations are left for the PowerShell script and
//!   Graph operations depending on them wait for it.

use crate::domain::journal::{resume_actions, Journal, ResumeAction, Service};
use crate::domain::plan::{OpId, Plan};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// How to carry out an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// As planned (still tolerant of "already exists / already a member").
    Run,
    /// It may have happened (started, no result recorded): read the tenant first.
    Recheck,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpStatus {
    /// Waiting for operations it depends on.
    Waiting,
    Ready(Mode),
    Running(Mode),
    Succeeded,
    Failed,
    /// An operation it depends on failed.
    Blocked {
        failed: OpId,
    },
    /// An Exchange operation left for the script (script mode).
    PendingScript,
    /// A Graph operation that depends on one left for the script.
    WaitingOnScript {
        op: OpId,
    },
}

/// Counts for progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub total: usize,
    pub succeeded: usize,
    /// Failed or blocked.
    pub failed: usize,
    pub pending_script: usize,
    pub running: usize,
    pub ready: usize,
    pub waiting: usize,
}

pub fn service_of(plan_op: &crate::domain::plan::PlannedOp) -> Service {
    match plan_op.op.service() {
        crate::domain::group::MembershipApi::Graph => Service::Graph,
        crate::domain::group::MembershipApi::Exchange => Service::Exchange,
    }
}

fn lane(s: Service) -> usize {
    match s {
        Service::Graph => 0,
        Service::Exchange => 1,
    }
}

#[derive(Debug, Clone)]
pub struct Scheduler {
    ids: Vec<OpId>,
    index: HashMap<OpId, usize>,
    service: Vec<Service>,
    status: Vec<OpStatus>,
    /// Dependencies not yet succeeded.
    remaining: Vec<usize>,
    dependents: Vec<Vec<usize>>,
    /// Per lane: re-checks first (0), then runs (1), each in plan order.
    ready: [BTreeSet<(u8, usize)>; 2],
}

impl Scheduler {
    /// Starts from the journal. `exchange_available: false` is script mode.
    pub fn new(plan: &Plan, journal: &Journal, exchange_available: bool) -> Self {
        let n = plan.ops.len();
        let ids: Vec<OpId> = plan.ops.iter().map(|o| o.id).collect();
        let index: HashMap<OpId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let service: Vec<Service> = plan.ops.iter().map(service_of).collect();
        let actions: HashMap<OpId, ResumeAction> =
            resume_actions(plan, journal).into_iter().collect();
        let mut dependents = vec![Vec::new(); n];
        for (i, op) in plan.ops.iter().enumerate() {
            for dep in &op.depends_on {
                if let Some(&d) = index.get(dep) {
                    dependents[d].push(i);
                }
            }
        }
        let mut s = Scheduler {
            ids,
            index,
            service,
            status: vec![OpStatus::Waiting; n],
            remaining: vec![0; n],
            dependents,
            ready: [BTreeSet::new(), BTreeSet::new()],
        };
        // First what the journal settled, so dependencies below see it.
        for (i, op) in plan.ops.iter().enumerate() {
            s.status[i] = match actions.get(&op.id) {
                Some(ResumeAction::Skip) => OpStatus::Succeeded,
                Some(ResumeAction::KeepFailed) => OpStatus::Failed,
                _ => OpStatus::Waiting,
            };
        }
        // Dependencies always come earlier in the plan; still, settle in a loop until stable
        // so that the order of `plan.ops` is not relied on.
        for (i, op) in plan.ops.iter().enumerate() {
            if s.status[i] != OpStatus::Waiting {
                continue;
            }
            if !exchange_available && s.service[i] == Service::Exchange {
                s.status[i] = OpStatus::PendingScript;
                continue;
            }
            s.remaining[i] = op
                .depends_on
                .iter()
                .filter(|d| {
                    s.index
                        .get(d)
                        .is_some_and(|&j| s.status[j] != OpStatus::Succeeded)
                })
                .count();
        }
        let mut changed = true;
        while changed {
            changed = false;
            for (i, op) in plan.ops.iter().enumerate() {
                if s.status[i] != OpStatus::Waiting {
                    continue;
                }
                for dep in &op.depends_on {
                    let Some(&j) = s.index.get(dep) else { continue };
                    let new = match &s.status[j] {
                        OpStatus::Failed => Some(OpStatus::Blocked { failed: s.ids[j] }),
                        OpStatus::Blocked { failed } => Some(OpStatus::Blocked { failed: *failed }),
                        OpStatus::PendingScript => Some(OpStatus::WaitingOnScript { op: s.ids[j] }),
                        OpStatus::WaitingOnScript { op } => {
                            Some(OpStatus::WaitingOnScript { op: *op })
                        }
                        _ => None,
                    };
                    if let Some(new) = new {
                        s.status[i] = new;
                        changed = true;
                        break;
                    }
                }
            }
        }
        for (i, op) in plan.ops.iter().enumerate() {
            if s.status[i] == OpStatus::Waiting && s.remaining[i] == 0 {
                let mode = match actions.get(&op.id) {
                    Some(ResumeAction::Recheck) => Mode::Recheck,
                    _ => Mode::Run,
                };
                s.make_ready(i, mode);
            }
        }
        s
    }

    fn make_ready(&mut self, i: usize, mode: Mode) {
        self.status[i] = OpStatus::Ready(mode);
        let rank = match mode {
            Mode::Recheck => 0,
            Mode::Run => 1,
        };
        self.ready[lane(self.service[i])].insert((rank, i));
    }

    /// The next operation for `service`, now marked running.
    pub fn next(&mut self, service: Service) -> Option<(OpId, Mode)> {
        let (_, i) = self.ready[lane(service)].pop_first()?;
        let OpStatus::Ready(mode) = self.status[i] else {
            unreachable!("only ready operations are queued")
        };
        self.status[i] = OpStatus::Running(mode);
        Some((self.ids[i], mode))
    }

    /// Up to `max` more ready operations for `service` that `fits` (in queue order, skipping
    /// those that don't, which keep their place), now marked running: the companions of a
    /// `$batch`.
    pub fn next_fitting(
        &mut self,
        service: Service,
        max: usize,
        fits: impl Fn(OpId, Mode) -> bool,
    ) -> Vec<(OpId, Mode)> {
        let queue = &self.ready[lane(service)];
        let picked: Vec<(u8, usize)> = queue
            .iter()
            .filter(|&&(_, i)| match self.status[i] {
                OpStatus::Ready(mode) => fits(self.ids[i], mode),
                _ => false,
            })
            .take(max)
            .copied()
            .collect();
        picked
            .into_iter()
            .map(|key| {
                self.ready[lane(service)].remove(&key);
                let i = key.1;
                let OpStatus::Ready(mode) = self.status[i] else {
                    unreachable!("only ready operations are queued")
                };
                self.status[i] = OpStatus::Running(mode);
                (self.ids[i], mode)
            })
            .collect()
    }

    /// A running operation ended: dependents become ready, or blocked on failure.
    pub fn finish(&mut self, op: OpId, ok: bool) {
        let Some(&i) = self.index.get(&op) else {
            return;
        };
        if ok {
            self.status[i] = OpStatus::Succeeded;
            for k in self.dependents[i].clone() {
                if self.status[k] != OpStatus::Waiting {
                    continue;
                }
                self.remaining[k] = self.remaining[k].saturating_sub(1);
                if self.remaining[k] == 0 {
                    self.make_ready(k, Mode::Run);
                }
            }
        } else {
            self.status[i] = OpStatus::Failed;
            let mut stack = self.dependents[i].clone();
            while let Some(k) = stack.pop() {
                if matches!(self.status[k], OpStatus::Waiting) {
                    self.status[k] = OpStatus::Blocked { failed: op };
                    stack.extend(self.dependents[k].iter().copied());
                }
            }
        }
    }

    /// A running operation could not be settled (e.g. the admin must sign in again): it goes
    /// back to the front of its queue, to be re-checked.
    pub fn requeue(&mut self, op: OpId) {
        if let Some(&i) = self.index.get(&op) {
            self.make_ready(i, Mode::Recheck);
        }
    }

    /// A running operation that never began (cancelled first) goes back as it was.
    pub fn put_back(&mut self, op: OpId) {
        if let Some(&i) = self.index.get(&op) {
            if let OpStatus::Running(mode) = self.status[i] {
                self.make_ready(i, mode);
            }
        }
    }

    pub fn status(&self, op: OpId) -> Option<&OpStatus> {
        self.index.get(&op).map(|&i| &self.status[i])
    }

    pub fn has_ready(&self, service: Service) -> bool {
        !self.ready[lane(service)].is_empty()
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            total: self.status.len(),
            ..Counts::default()
        };
        for s in &self.status {
            match s {
                OpStatus::Waiting => c.waiting += 1,
                OpStatus::Ready(_) => c.ready += 1,
                OpStatus::Running(_) => c.running += 1,
                OpStatus::Succeeded => c.succeeded += 1,
                OpStatus::Failed | OpStatus::Blocked { .. } => c.failed += 1,
                OpStatus::PendingScript | OpStatus::WaitingOnScript { .. } => c.pending_script += 1,
            }
        }
        c
    }

    /// Operations left for the script, and Graph operations waiting on them, in plan order.
    pub fn pending_script(&self) -> Vec<OpId> {
        self.ids
            .iter()
            .zip(&self.status)
            .filter(|(_, s)| {
                matches!(
                    s,
                    OpStatus::PendingScript | OpStatus::WaitingOnScript { .. }
                )
            })
            .map(|(id, _)| *id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::group::{ExternalSenders, GroupKind};
    use crate::domain::journal::{Failure, OpResult};
    use crate::domain::person::PersonInput;
    use crate::domain::plan::{plan, Desired, Operation, PlanOptions, TargetGroup, TenantSnapshot};

    fn group(id: &str, kind: GroupKind) -> TargetGroup {
        TargetGroup {
            id: id.into(),
            name: id.into(),
            mail: Some(format!("{id}@contoso.com")),
            kind,
            external_senders: ExternalSenders::Allowed,
            dynamic_membership: false,
            on_premises_synced: false,
        }
    }

    /// The shared fixture, with the shape these tests rely on.
    fn two_group_plan() -> Plan {
        let p = crate::domain::fixtures::two_group_plan();
        assert!(matches!(p.ops[0].op, Operation::InviteGuest { .. }));
        assert!(matches!(p.ops[3].op, Operation::InviteGuest { .. }));
        assert_eq!(p.ops.len(), 9);
        p
    }

    fn drain(s: &mut Scheduler, service: Service) -> Vec<(OpId, Mode)> {
        std::iter::from_fn(|| s.next(service)).collect()
    }

    fn failure() -> OpResult {
        OpResult::Failed(Failure {
            status: Some(403),
            ..Failure::new(Service::Exchange, "no")
        })
    }

    fn ids(ops: Vec<(OpId, Mode)>) -> Vec<OpId> {
        ops.into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn creations_first_then_each_add_right_after_its_creation() {
        let p = two_group_plan();
        let mut s = Scheduler::new(&p, &Journal::default(), true);
        // only the independent operations are ready, in plan order: the invitations
        assert_eq!(drain(&mut s, Service::Exchange), vec![]);
        assert_eq!(
            ids(drain(&mut s, Service::Graph)),
            vec![OpId(0), OpId(3), OpId(6)]
        );
        assert_eq!(s.counts().running, 3);
        assert_eq!(s.counts().waiting, 6);
        // b's guest first: both its adds become ready, one per service
        s.finish(OpId(3), true);
        assert_eq!(s.next(Service::Exchange), Some((OpId(4), Mode::Run)));
        assert_eq!(s.next(Service::Exchange), None);
        assert_eq!(s.next(Service::Graph), Some((OpId(5), Mode::Run)));
        // a's and c's at once: lower plan position first
        s.finish(OpId(6), true);
        s.finish(OpId(0), true);
        assert_eq!(
            drain(&mut s, Service::Exchange),
            vec![(OpId(1), Mode::Run), (OpId(7), Mode::Run)]
        );
        assert_eq!(
            drain(&mut s, Service::Graph),
            vec![(OpId(2), Mode::Run), (OpId(8), Mode::Run)]
        );
    }

    #[test]
    fn ready_add_overtakes_later_creations() {
        let p = two_group_plan();
        let mut s = Scheduler::new(&p, &Journal::default(), true);
        assert_eq!(s.next(Service::Graph), Some((OpId(0), Mode::Run)));
        s.finish(OpId(0), true);
        // op 2 (a's M365 add) is ahead of op 3 (b's invitation)
        assert_eq!(s.next(Service::Graph), Some((OpId(2), Mode::Run)));
        assert_eq!(s.next(Service::Graph), Some((OpId(3), Mode::Run)));
    }

    #[test]
    fn failure_blocks_dependents() {
        let p = two_group_plan();
        let mut s = Scheduler::new(&p, &Journal::default(), true);
        drain(&mut s, Service::Graph);
        s.finish(OpId(0), false);
        for add in [OpId(1), OpId(2)] {
            assert_eq!(s.status(add), Some(&OpStatus::Blocked { failed: OpId(0) }));
        }
        assert_eq!(s.next(Service::Graph), None);
        assert_eq!(s.next(Service::Exchange), None);
        s.finish(OpId(3), true);
        assert_eq!(s.next(Service::Graph), Some((OpId(5), Mode::Run)));
        assert_eq!(s.next(Service::Exchange), Some((OpId(4), Mode::Run)));
        let c = s.counts();
        assert_eq!((c.failed, c.succeeded), (3, 1));
    }

    #[test]
    fn journal_decides_the_start_and_rechecks_go_first() {
        let p = two_group_plan();
        let mut j = Journal::default();
        j.finished(
            OpId(0),
            1,
            OpResult::Done {
                object_id: Some("g-a".into()),
            },
        );
        j.started(OpId(1), 2); // a's DG add: in flight when the tab died
        j.finished(OpId(3), 3, failure()); // b's invitation failed
        j.started(OpId(6), 4); // c's invitation in flight
        let mut s = Scheduler::new(&p, &j, true);
        assert_eq!(s.status(OpId(0)), Some(&OpStatus::Succeeded));
        assert_eq!(s.status(OpId(3)), Some(&OpStatus::Failed));
        for add in [OpId(4), OpId(5)] {
            assert_eq!(s.status(add), Some(&OpStatus::Blocked { failed: OpId(3) }));
        }
        assert_eq!(s.status(OpId(7)), Some(&OpStatus::Waiting));
        assert_eq!(
            drain(&mut s, Service::Exchange),
            vec![(OpId(1), Mode::Recheck)]
        );
        assert_eq!(
            drain(&mut s, Service::Graph),
            vec![(OpId(6), Mode::Recheck), (OpId(2), Mode::Run)]
        );
        s.finish(OpId(6), true);
        assert_eq!(s.next(Service::Exchange), Some((OpId(7), Mode::Run)));
        assert_eq!(s.next(Service::Graph), Some((OpId(8), Mode::Run)));
    }

    #[test]
    fn batch_companions_are_taken_in_queue_order_and_the_others_keep_their_place() {
        let p = two_group_plan();
        let mut j = Journal::default();
        j.started(OpId(3), 1); // b's invitation: a re-check, first in the queue
        let mut s = Scheduler::new(&p, &j, true);
        // Only runs fit (a re-check reads first): 0 and 6, not 3.
        let taken = s.next_fitting(Service::Graph, 5, |_, mode| mode == Mode::Run);
        assert_eq!(taken, vec![(OpId(0), Mode::Run), (OpId(6), Mode::Run)]);
        assert_eq!(s.counts().running, 2);
        assert_eq!(s.next(Service::Graph), Some((OpId(3), Mode::Recheck)));
        assert_eq!(s.next(Service::Graph), None);
        // At most `max`.
        s.finish(OpId(0), true);
        s.finish(OpId(6), true);
        assert_eq!(
            ids(s.next_fitting(Service::Graph, 1, |_, _| true)),
            vec![OpId(2)]
        );
        assert_eq!(s.next(Service::Graph), Some((OpId(8), Mode::Run)));
    }

    #[test]
    fn requeued_operation_is_rechecked_first() {
        let p = two_group_plan();
        let mut s = Scheduler::new(&p, &Journal::default(), true);
        assert_eq!(s.next(Service::Graph), Some((OpId(0), Mode::Run)));
        s.requeue(OpId(0));
        assert_eq!(s.next(Service::Graph), Some((OpId(0), Mode::Recheck)));
        assert_eq!(s.next(Service::Graph), Some((OpId(3), Mode::Run)));
        // one that never began goes back as it was
        s.put_back(OpId(3));
        assert_eq!(s.status(OpId(3)), Some(&OpStatus::Ready(Mode::Run)));
        assert_eq!(s.next(Service::Graph), Some((OpId(3), Mode::Run)));
    }

    #[test]
    fn script_mode_leaves_exchange_operations_for_the_script() {
        let p = two_group_plan();
        let mut s = Scheduler::new(&p, &Journal::default(), false);
        assert_eq!(s.next(Service::Exchange), None);
        assert_eq!(
            ids(drain(&mut s, Service::Graph)),
            vec![OpId(0), OpId(3), OpId(6)]
        );
        assert_eq!(s.pending_script(), vec![OpId(1), OpId(4), OpId(7)]);
        assert_eq!(s.counts().pending_script, 3);
    }

    #[test]
    fn graph_operation_on_a_script_created_contact_waits_for_the_script() {
        // a security group takes the new contact through Graph, after Exchange creates it
        let desired = vec![Desired {
            row: 2,
            person: Ok(PersonInput {
                email: "a@x.nl".into(),
                ..Default::default()
            }
            .validate()
            .unwrap()),
        }];
        let p = plan(
            &[group("sec", GroupKind::Security)],
            &desired,
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        );
        assert_eq!(p.ops.len(), 2);
        let s = Scheduler::new(&p, &Journal::default(), false);
        assert_eq!(s.status(OpId(0)), Some(&OpStatus::PendingScript));
        assert_eq!(
            s.status(OpId(1)),
            Some(&OpStatus::WaitingOnScript { op: OpId(0) })
        );
        // direct mode: the Graph add waits for the Exchange creation
        let mut s = Scheduler::new(&p, &Journal::default(), true);
        assert_eq!(s.next(Service::Graph), None);
        assert_eq!(s.next(Service::Exchange), Some((OpId(0), Mode::Run)));
        s.finish(OpId(0), true);
        assert_eq!(s.next(Service::Graph), Some((OpId(1), Mode::Run)));
    }
}
