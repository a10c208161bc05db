//! Runs a plan against the tenant: dependency order, bounded concurrency per service, every
//! operation journalled before it is sent and after it is answered, pause/resume/cancel,
//! progress events, script mode. One future, no spawned tasks: it runs wherever it is awaited
//! (`wasm_bindgen_futures::spawn_local` in the browser, a tokio runtime natively).
//!
//! Nothing created twice: an operation the journal shows started without a result is re-checked
//! first (does the contact / guest exist? then it's done, with its id); "already exists" on a
//! create resolves the existing contact by its address; "already a member" is success.
//! Nothing lost: an operation only ends as a journalled result, and one whose result couldn't be
//! had for a reason outside the operation (sign-in needed, request aborted) goes back to the
//! queue to be re-checked.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::pin::pin;
use std::time::Duration;

use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};

use super::control::RunControl;
use super::failure::failure;
use super::pacer::{Pacer, WriteBudget};
use super::progress::{eta, ActiveClock, Progress, RateMeter, RunState};
use super::schedule::{service_of, Mode, Scheduler};
use super::store::{JournalStore, StoreError};
use super::tenant::TenantApi;
use crate::domain::group::{ExternalSendersControl, MemberKind};
use crate::domain::journal::{Journal, JournalEntry, OpResult, Service};
use crate::domain::plan::{MemberRef, MemberTarget, OpId, Operation, Plan, PlannedOp};
use crate::domain::report::{build_report, RunReport};
use crate::tenant::{
    GraphWrite, GraphWritten, GroupId, Invitation, NewInvitation, NewMailContact, ObjectId,
    Recipient, ReplicationWait, TenantError, TransportError,
};

/// Milliseconds since the Unix epoch; journal timestamps and the progress clock.
pub trait Clock {
    fn now_ms(&self) -> u64;
}

/// The operating system's clock (native: tests, the benchmark). The browser's (`Date.now()`,
/// since `SystemTime` is not available on wasm32-unknown-unknown) is the app crate's
/// `platform::BrowserClock`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_ms(&self) -> u64 {
        (**self).now_ms()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutorOptions {
    /// Graph requests under way at once (a `$batch` counts one).
    pub graph_concurrency: usize,
    /// Exchange operations under way at once. Pair with a
    /// [`LimitedTransport`](super::control::LimitedTransport) to bound requests on the wire
    /// separately: then this may be higher, so that operations waiting out a `Retry-After`
    /// don't leave the service idle.
    pub exchange_concurrency: usize,
    /// Window of the recent-rate measurement.
    pub rate_window: Duration,
    /// Invitations and member adds sent together in one Graph `$batch` (1: each on its own;
    /// Graph takes at most 20).
    pub graph_batch_size: usize,
    /// The budgets Graph writes are paced to (empty: not paced).
    pub graph_write_budgets: Vec<WriteBudget>,
    /// The share of each budget a run uses, in percent (1–100): less leaves room for other
    /// applications writing to the tenant at the same time.
    pub graph_write_use_percent: u32,
}

impl Default for ExecutorOptions {
    /// 4 and 4: Exchange's admin API throttles per user, and Graph's per-app limits for
    /// directory writes are modest (<https://learn.microsoft.com/graph/throttling-limits>).
    /// Batches of 20, paced to the whole of Graph's documented write budgets: the pacer counts a
    /// write from its answer, never earlier than Graph did, so no share needs holding back for
    /// timing (see [`pacer`](super::pacer)).
    fn default() -> Self {
        ExecutorOptions {
            graph_concurrency: 4,
            exchange_concurrency: 4,
            rate_window: Duration::from_secs(20),
            graph_batch_size: MAX_GRAPH_BATCH,
            graph_write_budgets: WriteBudget::graph_documented(),
            graph_write_use_percent: 100,
        }
    }
}

/// Graph takes at most 20 requests in one `$batch` (<https://learn.microsoft.com/graph/json-batching>).
const MAX_GRAPH_BATCH: usize = crate::tenant::graph::MAX_BATCH;

/// What the UI hears while a run goes.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// Journalled as started; the request goes out now.
    OpStarted {
        op: OpId,
        mode: Mode,
    },
    /// Journalled with its result.
    OpFinished {
        op: OpId,
        result: OpResult,
    },
    /// Script mode, at the end of a run: these operations are handed to the admin as the
    /// PowerShell script for the first time (journalled as such, so a resumed run doesn't say it
    /// again).
    HandedOver(Vec<OpId>),
    /// The run paused itself: a token can't be had without the admin. Sign in, then resume.
    NeedsSignIn {
        op: OpId,
        message: String,
    },
    Progress(Progress),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The journal can't be written: the run stops rather than act without a record. Resuming
    /// later re-checks whatever was under way.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// `Finished` (nothing left this executor can do) or `Cancelled`.
    pub state: RunState,
    pub journal: Journal,
    pub report: RunReport,
    /// Script mode: operations left for the PowerShell script (and Graph operations waiting on
    /// them), in plan order.
    pub pending_script: Vec<OpId>,
    pub progress: Progress,
}

/// How one operation ended, inside the run loop.
enum Settle {
    Result(OpResult),
    /// No result that should be recorded: put it back (to be re-checked) and pause.
    SignInNeeded(String),
    /// Cancelled before it began: nothing was journalled or sent.
    NotStarted,
    Store(StoreError),
}

/// The event callback.
type Listener<'a> = Box<dyn Fn(&RunEvent) + 'a>;

pub struct Executor<'a, A, J, C = SystemClock> {
    tenant: A,
    store: J,
    clock: C,
    options: ExecutorOptions,
    control: RunControl,
    listener: Option<Listener<'a>>,
}

impl<'a, A: TenantApi, J: JournalStore, C: Clock> Executor<'a, A, J, C> {
    pub fn new(tenant: A, store: J, clock: C) -> Self {
        Executor {
            tenant,
            store,
            clock,
            options: ExecutorOptions::default(),
            control: RunControl::new(),
            listener: None,
        }
    }

    pub fn with_options(mut self, options: ExecutorOptions) -> Self {
        self.options = options;
        self
    }

    /// Shares a control handle (the UI keeps a clone for its buttons).
    pub fn with_control(mut self, control: RunControl) -> Self {
        self.control = control;
        self
    }

    /// Called for every event, on the run's own thread, synchronously: keep it short (set a
    /// signal, push to a channel).
    pub fn on_event(mut self, listener: impl Fn(&RunEvent) + 'a) -> Self {
        self.listener = Some(Box::new(listener));
        self
    }

    pub fn control(&self) -> &RunControl {
        &self.control
    }

    fn emit(&self, e: RunEvent) {
        if let Some(l) = &self.listener {
            l(&e);
        }
    }

    /// Runs (or resumes, from the store's journal) `plan` until nothing more can be done here,
    /// or until cancelled. Dropping the future mid-run is safe: the journal then shows what
    /// was under way, and the next run re-checks it.
    pub async fn run(&self, plan: &Plan) -> Result<RunOutcome, RunError> {
        let journal = RefCell::new(self.store.load().await?);
        // Operations handed out but waiting for a resume before they begin.
        let parked = Cell::new(0usize);
        let mut sched = Scheduler::new(plan, &journal.borrow(), self.tenant.exchange_available());
        let ops: HashMap<OpId, &PlannedOp> = plan.ops.iter().map(|o| (o.id, o)).collect();
        let pacer = RefCell::new(Pacer::new(
            &self.options.graph_write_budgets,
            self.options.graph_write_use_percent,
        ));
        let batch_size = self.options.graph_batch_size.clamp(1, MAX_GRAPH_BATCH);
        let batchable = |id: OpId, mode: Mode| mode == Mode::Run && batch_write(&ops[&id].op);
        let mut running = FuturesUnordered::new();
        let mut in_flight = [0usize; 2];
        let mut meter = RateMeter::new(self.options.rate_window);
        let mut active = ActiveClock::default();
        let mut sign_in_needed = false;
        let limit = |s: Service| match s {
            Service::Graph => self.options.graph_concurrency.max(1),
            Service::Exchange => self.options.exchange_concurrency.max(1),
        };
        let slot = |s: Service| match s {
            Service::Graph => 0,
            Service::Exchange => 1,
        };

        let state = loop {
            // Taken first: a pause, resume or cancel from here on (also from inside the event
            // listener below) wakes the waits at the end of this turn.
            let changed = self.control.changed();
            let state = if self.control.is_cancelled() {
                RunState::Cancelling
            } else if self.control.is_paused() && sign_in_needed {
                RunState::NeedsSignIn
            } else if self.control.is_paused() {
                RunState::Paused
            } else {
                RunState::Running
            };
            // Before starting anything: a listener that pauses on this report stops the
            // operations this turn would start.
            self.emit(RunEvent::Progress(self.progress(
                &sched,
                &mut meter,
                &active,
                state,
                parked.get(),
            )));
            let now = self.clock.now_ms();
            let paused = self.control.is_paused();
            let cancelled = self.control.is_cancelled();
            if paused || cancelled {
                active.stop(now);
            } else {
                active.start(now);
                sign_in_needed = false;
                for service in [Service::Exchange, Service::Graph] {
                    while in_flight[slot(service)] < limit(service) {
                        let Some((id, mode)) = sched.next(service) else {
                            break;
                        };
                        in_flight[slot(service)] += 1;
                        let mut group = vec![(ops[&id], mode)];
                        if service == Service::Graph && batch_size > 1 && batchable(id, mode) {
                            let more = sched.next_fitting(service, batch_size - 1, batchable);
                            group.extend(more.into_iter().map(|(id, mode)| (ops[&id], mode)));
                        }
                        running.push(self.perform(group, &journal, &parked, &pacer));
                    }
                }
            }
            if running.is_empty() {
                if cancelled {
                    break RunState::Cancelled;
                }
                if paused {
                    changed.await;
                    continue;
                }
                // Nothing under way and nothing ready: all settled (or left for the script).
                break RunState::Finished;
            }
            let next = running.next();
            let (service, settled) = match select(next, pin!(changed)).await {
                Either::Left((Some(done), _)) => done,
                // Not empty, checked above.
                Either::Left((None, _)) => continue,
                Either::Right(((), _)) => continue,
            };
            in_flight[slot(service)] -= 1;
            // One request (a batch of them, too) asks for a sign-in once.
            let mut asked = false;
            for (id, settle) in settled {
                match settle {
                    Settle::Result(result) => {
                        sched.finish(id, result.is_success());
                        meter.record(active.active_ms(self.clock.now_ms()));
                        self.emit(RunEvent::OpFinished { op: id, result });
                    }
                    Settle::NotStarted => sched.put_back(id),
                    Settle::SignInNeeded(message) => {
                        sched.requeue(id);
                        sign_in_needed = true;
                        if !asked {
                            asked = true;
                            self.control.pause();
                            self.emit(RunEvent::NeedsSignIn { op: id, message });
                        }
                    }
                    // Operations still under way are dropped with `running`: as after a crash,
                    // their journal entries say "started" and the next run re-checks them.
                    Settle::Store(e) => return Err(e.into()),
                }
            }
        };
        drop(running);
        let pending_script = sched.pending_script();
        if state == RunState::Finished && !pending_script.is_empty() {
            let before = journal.borrow().handed_over();
            let new: Vec<OpId> = pending_script
                .iter()
                .copied()
                .filter(|op| !before.contains(op))
                .collect();
            for op in &new {
                let entry = JournalEntry::HandedOver {
                    op: *op,
                    at_ms: self.clock.now_ms(),
                };
                self.store.append(&entry).await?;
                journal.borrow_mut().entries.push(entry);
            }
            if !new.is_empty() {
                self.emit(RunEvent::HandedOver(new));
            }
        }
        let journal = journal.into_inner();
        let progress = self.progress(&sched, &mut meter, &active, state, parked.get());
        self.emit(RunEvent::Progress(progress.clone()));
        Ok(RunOutcome {
            state,
            report: build_report(plan, &journal),
            journal,
            pending_script,
            progress,
        })
    }

    fn progress(
        &self,
        sched: &Scheduler,
        meter: &mut RateMeter,
        active: &ActiveClock,
        state: RunState,
        parked: usize,
    ) -> Progress {
        let c = sched.counts();
        let active_ms = active.active_ms(self.clock.now_ms());
        let rate = meter.rate(active_ms);
        let remaining = c.total - c.succeeded - c.failed - c.pending_script;
        Progress {
            state,
            total: c.total,
            done: c.succeeded,
            failed: c.failed,
            pending_script: c.pending_script,
            in_flight: c.running - parked,
            rate_per_sec: rate,
            eta: eta(remaining, rate),
            elapsed: Duration::from_millis(active_ms),
        }
    }

    /// One operation, or several Graph writes sent as one `$batch`: wait for the write budget,
    /// journal each "started", carry them out, journal each result.
    async fn perform(
        &self,
        group: Vec<(&PlannedOp, Mode)>,
        journal: &RefCell<Journal>,
        parked: &Cell<usize>,
        pacer: &RefCell<Pacer>,
    ) -> (Service, Vec<(OpId, Settle)>) {
        let service = service_of(group[0].0);
        let settle_all = |settle: &dyn Fn() -> Settle| -> Vec<(OpId, Settle)> {
            group.iter().map(|(p, _)| (p.id, settle())).collect()
        };
        let writes = match service {
            Service::Graph => group.iter().filter(|(p, _)| graph_write(&p.op)).count(),
            Service::Exchange => 0,
        };
        let Some(sent_ms) = self.admit(group.len(), writes, parked, pacer).await else {
            return (service, settle_all(&|| Settle::NotStarted));
        };
        for (planned, mode) in &group {
            let started = JournalEntry::Started {
                op: planned.id,
                at_ms: self.clock.now_ms(),
            };
            journal.borrow_mut().entries.push(started.clone());
            // Saved before the request goes out: if the tab dies after sending, the next run
            // knows this may have happened and re-checks it.
            if let Err(e) = self.store.append(&started).await {
                return (service, settle_all(&|| Settle::Store(e.clone())));
            }
            self.emit(RunEvent::OpStarted {
                op: planned.id,
                mode: *mode,
            });
        }
        let outcomes = match group.as_slice() {
            [(planned, mode)] => vec![self.carry_out(planned, *mode, journal).await],
            _ => self.carry_out_batch(&group, journal, pacer).await,
        };
        pacer
            .borrow_mut()
            .answered(sent_ms, writes, self.clock.now_ms());
        let mut settled = Vec::with_capacity(group.len());
        for ((planned, _), outcome) in group.iter().zip(outcomes) {
            let id = planned.id;
            let result = match outcome {
                Ok(r) => r,
                Err(e) if needs_sign_in(&e) => {
                    settled.push((id, Settle::SignInNeeded(e.to_string())));
                    continue;
                }
                Err(e) => OpResult::Failed(failure(service, &e)),
            };
            let finished = JournalEntry::Finished {
                op: id,
                at_ms: self.clock.now_ms(),
                result: result.clone(),
            };
            journal.borrow_mut().entries.push(finished.clone());
            if let Err(e) = self.store.append(&finished).await {
                settled.push((id, Settle::Store(e)));
                break;
            }
            settled.push((id, Settle::Result(result)));
        }
        (service, settled)
    }

    /// Before anything of `ops` operations is journalled: waits while paused (handed out but
    /// not begun when a pause came: nothing starts while paused), then until `writes` Graph
    /// writes fit the write budget, and records them as sent: the time recorded. None when
    /// cancelled meanwhile: give them back unstarted.
    async fn admit(
        &self,
        ops: usize,
        writes: usize,
        parked: &Cell<usize>,
        pacer: &RefCell<Pacer>,
    ) -> Option<u64> {
        loop {
            if self.control.is_paused() && !self.control.is_cancelled() {
                parked.set(parked.get() + ops);
                // Without this the loop could wait for a settle that never comes, having last
                // counted these operations as in flight.
                self.control.nudge();
                while self.control.is_paused() && !self.control.is_cancelled() {
                    self.control.changed().await;
                }
                parked.set(parked.get() - ops);
            }
            if self.control.is_cancelled() {
                return None;
            }
            let now = self.clock.now_ms();
            if writes == 0 {
                return Some(now);
            }
            // Taken before the checks above are stale: a pause or cancel ends the wait.
            let changed = self.control.changed();
            let wait = pacer.borrow_mut().wait(now, writes);
            if wait.is_zero() {
                pacer.borrow_mut().record(now, writes);
                return Some(now);
            }
            select(pin!(self.tenant.sleep(wait)), pin!(changed)).await;
        }
    }

    /// Invitations and member adds in one `$batch`, one outcome per operation. An item that
    /// failed is sent again on its own (the single request waits for a guest not yet
    /// replicated, and gives the error in words), so one bad row never fails its neighbours;
    /// "already a member" is settled as it is. A batch whose own request failed may still have
    /// been carried out: each operation is then re-checked on its own.
    async fn carry_out_batch(
        &self,
        group: &[(&PlannedOp, Mode)],
        journal: &RefCell<Journal>,
        pacer: &RefCell<Pacer>,
    ) -> Vec<Result<OpResult, TenantError>> {
        let writes: Vec<Result<GraphWrite, TenantError>> = group
            .iter()
            .map(|(p, _)| batch_request(&p.op, journal))
            .collect();
        let (sendable, index): (Vec<GraphWrite>, Vec<usize>) = writes
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.as_ref().ok().map(|w| (w.clone(), i)))
            .unzip();
        let mut outcomes: Vec<Option<Result<OpResult, TenantError>>> =
            writes.into_iter().map(|w| w.err().map(Err)).collect();
        // (position, mode to carry it out on its own in)
        let mut again: Vec<(usize, Mode)> = Vec::new();
        match self.tenant.graph_write_batch(&sendable).await {
            Ok(answers) => {
                for (&i, answer) in index.iter().zip(answers) {
                    outcomes[i] = match answer {
                        Ok(GraphWritten::Invited(invitation)) => Some(invited(invitation)),
                        Ok(GraphWritten::Added) => Some(Ok(OpResult::Done { object_id: None })),
                        Err(TenantError::AlreadyMember(_)) => {
                            Some(Ok(OpResult::AlreadyDone { object_id: None }))
                        }
                        Err(e) if needs_sign_in(&e) => Some(Err(e)),
                        Err(_) => {
                            again.push((i, Mode::Run));
                            None
                        }
                    };
                }
            }
            Err(e) if needs_sign_in(&e) => {
                for &i in &index {
                    outcomes[i] = Some(Err(e.clone()));
                }
            }
            Err(_) => again.extend(index.iter().map(|&i| (i, Mode::Recheck))),
        }
        let singles = futures::future::join_all(again.iter().map(|&(i, mode)| async move {
            let (planned, _) = group[i];
            let writes = usize::from(graph_write(&planned.op));
            let sent_ms = self.pace(writes, pacer).await;
            let outcome = self.carry_out(planned, mode, journal).await;
            pacer
                .borrow_mut()
                .answered(sent_ms, writes, self.clock.now_ms());
            outcome
        }))
        .await;
        for (&(i, _), outcome) in again.iter().zip(singles) {
            outcomes[i] = Some(outcome);
        }
        outcomes
            .into_iter()
            .map(|o| o.expect("every operation has an outcome"))
            .collect()
    }

    /// Waits until `writes` more Graph writes fit the budget, and records them as sent: the
    /// time recorded.
    async fn pace(&self, writes: usize, pacer: &RefCell<Pacer>) -> u64 {
        loop {
            let now = self.clock.now_ms();
            let wait = pacer.borrow_mut().wait(now, writes);
            if wait.is_zero() {
                pacer.borrow_mut().record(now, writes);
                return now;
            }
            self.tenant.sleep(wait).await;
        }
    }

    async fn carry_out(
        &self,
        planned: &PlannedOp,
        mode: Mode,
        journal: &RefCell<Journal>,
    ) -> Result<OpResult, TenantError> {
        let op = &planned.op;
        match op {
            Operation::CreateContact {
                address,
                name,
                display_name,
                first_name,
                last_name,
                company,
                hidden,
            } => {
                let identity = address.to_ascii();
                let existing = match mode {
                    Mode::Recheck => found(self.tenant.get_mail_contact(&identity).await)?,
                    Mode::Run => None,
                };
                // (object id, created by this run, is a mail contact)
                let (object_id, created, contact) = match existing {
                    // Started before and there now: this run made it.
                    Some(c) => (c.external_directory_object_id, true, true),
                    None => {
                        let new = NewMailContact {
                            name: name.clone(),
                            external_email_address: identity.clone(),
                            display_name: Some(display_name.clone()),
                            first_name: first_name.clone(),
                            last_name: last_name.clone(),
                        };
                        match self.tenant.new_mail_contact(&new).await {
                            Ok(c) => (c.external_directory_object_id, true, true),
                            // A retried request whose first try got through, a contact made
                            // since the plan was read, or a guest invited for the same address
                            // meanwhile (proxy addresses are unique across recipients): the
                            // same address means the same person, reused as the plan's rules
                            // say. A name taken by someone else stays an error.
                            // Found again on a re-check: the request that was under way made
                            // it.
                            Err(e @ TenantError::AlreadyExists(_)) => {
                                let ours = mode == Mode::Recheck;
                                // A contact first: with a guest holding the address too, the
                                // address alone is ambiguous among all recipients.
                                if let Some(c) =
                                    found(self.tenant.get_mail_contact(&identity).await)?
                                {
                                    (c.external_directory_object_id, ours, true)
                                } else {
                                    match found(self.tenant.get_recipient(&identity).await)? {
                                        Some(r) if holds_person(&r) => {
                                            (r.external_directory_object_id, ours, false)
                                        }
                                        _ => return Err(e),
                                    }
                                }
                            }
                            Err(e) => return Err(e),
                        }
                    }
                };
                // Applied whether created now or found again: setting the same value again is
                // harmless, and a run interrupted right after the creation still ends right.
                // Not on someone else's recipient found by its address.
                if *hidden && contact {
                    self.tenant
                        .hide_mail_contact(&identity, ReplicationWait::JustCreated)
                        .await?;
                }
                if let (Some(company), true) = (company, contact) {
                    self.tenant.set_contact_company(&identity, company).await?;
                }
                Ok(if created {
                    OpResult::Done { object_id }
                } else {
                    OpResult::AlreadyDone { object_id }
                })
            }
            Operation::InviteGuest {
                address,
                display_name,
                send_invitation,
                redirect_url,
            } => {
                if mode == Mode::Recheck {
                    if let Some(id) = self.tenant.find_guest(&address.to_ascii()).await? {
                        return Ok(OpResult::Done {
                            object_id: Some(id.0),
                        });
                    }
                }
                let invitation = self
                    .tenant
                    .invite_guest(&new_invitation(
                        address,
                        display_name,
                        *send_invitation,
                        redirect_url,
                    ))
                    .await?;
                invited(invitation)
            }
            Operation::AddMember {
                group_id,
                group_exchange_identity,
                member,
                via,
                ..
            } => {
                let wait = match member.target {
                    MemberTarget::Created { .. } => ReplicationWait::JustCreated,
                    MemberTarget::Existing { .. } => ReplicationWait::None,
                };
                let added = match via {
                    crate::domain::group::MembershipApi::Exchange => {
                        self.tenant
                            .add_distribution_group_member(
                                group_exchange_identity,
                                &exchange_member_identity(member, journal),
                                wait,
                            )
                            .await
                    }
                    crate::domain::group::MembershipApi::Graph => {
                        let member_id = member_object_id(member, journal)?;
                        self.tenant
                            .add_member_ref(&GroupId::from(group_id.as_str()), &member_id, wait)
                            .await
                    }
                };
                match added {
                    Ok(()) => Ok(OpResult::Done { object_id: None }),
                    // Re-checking our own add that got through before the crash: done by us.
                    Err(TenantError::AlreadyMember(_)) if mode == Mode::Recheck => {
                        Ok(OpResult::Done { object_id: None })
                    }
                    Err(TenantError::AlreadyMember(_)) => {
                        Ok(OpResult::AlreadyDone { object_id: None })
                    }
                    Err(e) => Err(e),
                }
            }
            Operation::RemoveMember {
                group_id,
                group_exchange_identity,
                member,
                via,
                ..
            } => {
                let removed = match via {
                    crate::domain::group::MembershipApi::Exchange => {
                        self.tenant
                            .remove_distribution_group_member(
                                group_exchange_identity,
                                &exchange_member_identity(member, journal),
                            )
                            .await
                    }
                    crate::domain::group::MembershipApi::Graph => {
                        let member_id = member_object_id(member, journal)?;
                        // Graph answers the removal of someone who isn't (any more) in the
                        // group with 404 Request_ResourceNotFound ("… does not exist or one of
                        // its queried reference-property objects are not present",
                        // microsoftgraph/microsoft-graph-docs-contrib#4847): not a member.
                        match self
                            .tenant
                            .remove_member_ref(&GroupId::from(group_id.as_str()), &member_id)
                            .await
                        {
                            Err(TenantError::NotFound(d)) => Err(TenantError::NotMember(d)),
                            other => other,
                        }
                    }
                };
                match removed {
                    Ok(()) => Ok(OpResult::Done { object_id: None }),
                    // Our own remove that got through before a reload: done by us.
                    Err(TenantError::NotMember(_)) if mode == Mode::Recheck => {
                        Ok(OpResult::Done { object_id: None })
                    }
                    Err(TenantError::NotMember(_)) => Ok(OpResult::AlreadyDone { object_id: None }),
                    Err(e) => Err(e),
                }
            }
            Operation::OpenExternalSenders {
                group_id,
                group_exchange_identity,
                control,
                ..
            } => {
                match control {
                    ExternalSendersControl::ExchangeRequireSenderAuthentication => {
                        self.tenant
                            .open_distribution_group(group_exchange_identity)
                            .await?
                    }
                    ExternalSendersControl::GraphAllowExternalSenders => {
                        self.tenant
                            .open_m365_group(&GroupId::from(group_id.as_str()))
                            .await?
                    }
                }
                Ok(OpResult::Done { object_id: None })
            }
            Operation::DeleteContact { person } => {
                // By its object id: its address may be a guest's too (see
                // `exchange_member_identity`).
                let gone = self.tenant.remove_mail_contact(&person.id).await;
                gone_already(gone, mode)
            }
            Operation::DeleteGuest { person } => {
                let gone = self
                    .tenant
                    .delete_user(&ObjectId::from(person.id.as_str()))
                    .await;
                gone_already(gone, mode)
            }
            Operation::RestoreGuest { person } => {
                match self
                    .tenant
                    .restore_deleted_user(&ObjectId::from(person.id.as_str()))
                    .await
                {
                    Ok(()) => Ok(OpResult::Done { object_id: None }),
                    // Not in deleted items: back already (live with its id), or gone for good.
                    Err(e @ TenantError::NotFound(_)) => {
                        let live = self.tenant.find_guest(&person.address.to_ascii()).await?;
                        match live {
                            Some(id) if id.as_str() == person.id && mode == Mode::Recheck => {
                                Ok(OpResult::Done { object_id: None })
                            }
                            Some(id) if id.as_str() == person.id => {
                                Ok(OpResult::AlreadyDone { object_id: None })
                            }
                            _ => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                }
            }
            Operation::ResendInvitation {
                person,
                send_mail,
                message,
                redirect_url,
            } => {
                let invitation = self
                    .tenant
                    .invite_guest(&NewInvitation {
                        message: message.clone(),
                        ..new_invitation(&person.address, &person.name, *send_mail, redirect_url)
                    })
                    .await?;
                invited(invitation)
            }
            Operation::EditContact { person, edit } => {
                self.tenant.edit_mail_contact(&person.id, edit).await?;
                Ok(OpResult::Done { object_id: None })
            }
            Operation::SetAccessUntil {
                person,
                kind,
                attribute,
                until,
            } => {
                // A person this run created: their id is in the journal of that operation.
                let id = match (person.id.is_empty(), planned.depends_on.first()) {
                    (true, Some(op)) => journal.borrow().object_id(*op).ok_or_else(|| {
                        TenantError::InvalidRequest(format!(
                            "the id of the object {op} created for {} is not known",
                            person.address
                        ))
                    })?,
                    _ => person.id.clone(),
                };
                match kind {
                    MemberKind::MailContact => {
                        self.tenant
                            .set_mail_contact_custom_attribute(&id, *attribute, until.as_deref())
                            .await?
                    }
                    MemberKind::Guest | MemberKind::MemberUser => {
                        self.tenant
                            .set_extension_attribute(
                                &ObjectId::from(id.as_str()),
                                *attribute,
                                until.as_deref(),
                            )
                            .await?
                    }
                }
                Ok(OpResult::Done { object_id: None })
            }
            Operation::EditSenderList { .. } => {
                let change = op
                    .sender_list_change()
                    .expect("an EditSenderList has a list change");
                // After a contact this plan created: Exchange may not see it for seconds.
                let wait = if !planned.depends_on.is_empty() {
                    ReplicationWait::JustCreated
                } else {
                    ReplicationWait::None
                };
                match self.tenant.apply_delivery_change(&change, wait).await? {
                    crate::tenant::Applied::Done => Ok(OpResult::Done { object_id: None }),
                    // Our own change that got through before a reload: done by us.
                    crate::tenant::Applied::AlreadyDone if mode == Mode::Recheck => {
                        Ok(OpResult::Done { object_id: None })
                    }
                    crate::tenant::Applied::AlreadyDone => {
                        Ok(OpResult::AlreadyDone { object_id: None })
                    }
                }
            }
        }
    }
}

/// A delete answered: "not found" is gone already — done by us when re-checking our own delete
/// that got through before a reload.
fn gone_already(r: Result<(), TenantError>, mode: Mode) -> Result<OpResult, TenantError> {
    match r {
        Ok(()) => Ok(OpResult::Done { object_id: None }),
        Err(TenantError::NotFound(_)) if mode == Mode::Recheck => {
            Ok(OpResult::Done { object_id: None })
        }
        Err(TenantError::NotFound(_)) => Ok(OpResult::AlreadyDone { object_id: None }),
        Err(e) => Err(e),
    }
}

/// Whether the operation writes through Graph (what the write budget counts).
fn graph_write(op: &Operation) -> bool {
    match op {
        Operation::InviteGuest { .. }
        | Operation::DeleteGuest { .. }
        | Operation::RestoreGuest { .. }
        | Operation::ResendInvitation { .. } => true,
        Operation::SetAccessUntil { kind, .. } => *kind != MemberKind::MailContact,
        Operation::AddMember { via, .. } | Operation::RemoveMember { via, .. } => {
            *via == crate::domain::group::MembershipApi::Graph
        }
        Operation::OpenExternalSenders { control, .. } => {
            *control == ExternalSendersControl::GraphAllowExternalSenders
        }
        Operation::CreateContact { .. }
        | Operation::EditSenderList { .. }
        | Operation::DeleteContact { .. }
        | Operation::EditContact { .. } => false,
    }
}

/// Whether the operation may go inside a Graph `$batch`: invitations and Graph member adds.
fn batch_write(op: &Operation) -> bool {
    match op {
        Operation::InviteGuest { .. } => true,
        Operation::AddMember { via, .. } => *via == crate::domain::group::MembershipApi::Graph,
        _ => false,
    }
}

/// The `$batch` item for a [`batch_write`] operation.
fn batch_request(op: &Operation, journal: &RefCell<Journal>) -> Result<GraphWrite, TenantError> {
    match op {
        Operation::InviteGuest {
            address,
            display_name,
            send_invitation,
            redirect_url,
        } => Ok(GraphWrite::Invite(new_invitation(
            address,
            display_name,
            *send_invitation,
            redirect_url,
        ))),
        Operation::AddMember {
            group_id, member, ..
        } => Ok(GraphWrite::AddMember {
            group: GroupId::from(group_id.as_str()),
            member: member_object_id(member, journal)?,
        }),
        other => Err(TenantError::InvalidRequest(format!(
            "not a batched Graph write: {other:?}"
        ))),
    }
}

fn new_invitation(
    address: &crate::domain::email::EmailAddress,
    display_name: &str,
    send_invitation: bool,
    redirect_url: &str,
) -> NewInvitation {
    NewInvitation {
        email: address.to_ascii(),
        display_name: Some(display_name.to_owned()),
        redirect_url: redirect_url.to_owned(),
        send_invitation_message: send_invitation,
        message: None,
    }
}

/// An answered invitation: done, with the guest's id.
fn invited(invitation: Invitation) -> Result<OpResult, TenantError> {
    let id = invitation
        .invited_user
        .map(|u| u.id.0)
        .ok_or_else(|| TenantError::Decode {
            what: "POST /invitations".into(),
            path: "invitedUser.id".into(),
            message: "missing".into(),
        })?;
    Ok(OpResult::Done {
        object_id: Some(id),
    })
}

/// A recipient that stands for a person (contact, guest or mailbox), not a group.
fn holds_person(r: &Recipient) -> bool {
    r.recipient_type_details
        .as_deref()
        .is_some_and(|t| !t.contains("Group") && t != "RoomList")
        && r.external_directory_object_id.is_some()
}

/// `Ok(None)` for "not found", the object otherwise; other errors pass.
fn found<T>(r: Result<T, TenantError>) -> Result<Option<T>, TenantError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(TenantError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// How Exchange names the member. A contact, and any object this run created (a guest that
/// joins a DG too), by its object id: an address is ambiguous as soon as a contact and a guest
/// both hold it (Exchange answers `ManagementObjectAmbiguousException`), and `-Member` takes the
/// id as well (<https://learn.microsoft.com/powershell/module/exchange/add-distributiongroupmember>).
/// Existing users and guests by their UPN, which is unique. The address (ASCII form) when no id
/// is known.
fn exchange_member_identity(member: &MemberRef, journal: &RefCell<Journal>) -> String {
    let by_id = member.kind == MemberKind::MailContact
        || matches!(member.target, MemberTarget::Created { .. });
    if by_id {
        if let Ok(id) = member_object_id(member, journal) {
            return id.0;
        }
    }
    if member.exchange_identity == member.address.to_string() {
        member.address.to_ascii()
    } else {
        member.exchange_identity.clone()
    }
}

/// The Entra id of the member: known from the plan, or from the journal of the operation that
/// created it.
fn member_object_id(
    member: &MemberRef,
    journal: &RefCell<Journal>,
) -> Result<ObjectId, TenantError> {
    match &member.target {
        MemberTarget::Existing { id } => Ok(ObjectId::from(id.as_str())),
        MemberTarget::Created { op } => journal
            .borrow()
            .object_id(*op)
            .map(ObjectId::from)
            .ok_or_else(|| {
                TenantError::InvalidRequest(format!(
                    "the id of the object {op} created for {} is not known",
                    member.address
                ))
            }),
    }
}

/// Errors that say nothing about the operation itself: it is retried after the admin acts.
fn needs_sign_in(e: &TenantError) -> bool {
    matches!(
        e,
        TenantError::SignInAgain(_) | TenantError::Transport(TransportError::Aborted)
    )
}

#[cfg(test)]
mod tests {
    //! Against an in-memory tenant: the re-check and reuse paths, deterministically.
    use super::*;
    use crate::domain::group::{ExternalSenders, GroupKind};
    use crate::domain::journal::OpState;
    use crate::domain::person::PersonInput;
    use crate::domain::plan::{plan, Desired, PlanOptions, TargetGroup, TenantSnapshot};
    use crate::domain::report::RowOutcome;
    use crate::run::store::MemoryJournalStore;
    use crate::tenant::{ErrorDetail, Invitation, MailContact};
    use futures::executor::block_on;
    use std::collections::HashSet;

    fn err(status: u16) -> Box<ErrorDetail> {
        Box::new(ErrorDetail {
            status,
            ..ErrorDetail::default()
        })
    }

    /// Contacts by address, members as (group, member) pairs, and the calls made.
    #[derive(Default)]
    struct Fake {
        contacts: RefCell<HashMap<String, String>>,
        members: RefCell<HashSet<(String, String)>>,
        calls: RefCell<Vec<String>>,
        /// Graph adds answer "sign in again" this many times first.
        sign_in_failures: Cell<u32>,
        /// Invitations succeed (the guest's id is `guest-` and the address); else 403.
        invites: Cell<bool>,
        /// Guests by address (made by invitations).
        guests: RefCell<HashMap<String, String>>,
        /// Addresses whose invitation is refused (400).
        refused: RefCell<HashSet<String>>,
        /// Members not yet replicated when a batch adds them (404 inside the batch only).
        unreplicated_in_batch: RefCell<HashSet<String>>,
        /// The clock: advanced by `sleep`.
        now_ms: Cell<u64>,
        slept: RefCell<Vec<Duration>>,
        /// When each Graph write reached the tenant.
        writes_at: RefCell<Vec<u64>>,
    }

    impl Fake {
        fn call(&self, c: String) {
            self.calls.borrow_mut().push(c);
        }
        fn invite(&self, invite: &NewInvitation) -> Result<Invitation, TenantError> {
            self.writes_at.borrow_mut().push(self.now_ms.get());
            if !self.invites.get() {
                return Err(TenantError::Forbidden(err(403)));
            }
            if self.refused.borrow().contains(&invite.email) {
                return Err(TenantError::Other(err(400)));
            }
            let id = format!("guest-{}", invite.email);
            self.guests
                .borrow_mut()
                .insert(invite.email.clone(), id.clone());
            Ok(Invitation {
                invited_user: Some(crate::tenant::models::InvitedUser {
                    id: ObjectId::from(id.as_str()),
                }),
                ..Invitation::default()
            })
        }
        fn add(&self, group: &GroupId, member: &ObjectId) -> Result<(), TenantError> {
            self.writes_at.borrow_mut().push(self.now_ms.get());
            if self
                .members
                .borrow_mut()
                .insert((group.0.clone(), member.0.clone()))
            {
                Ok(())
            } else {
                Err(TenantError::AlreadyMember(err(400)))
            }
        }
        fn contact(&self, address: &str) -> Result<MailContact, TenantError> {
            match self.contacts.borrow().get(address) {
                Some(id) => Ok(MailContact {
                    external_directory_object_id: Some(id.clone()),
                    ..MailContact::default()
                }),
                None => Err(TenantError::NotFound(err(404))),
            }
        }
    }

    impl TenantApi for Fake {
        fn exchange_available(&self) -> bool {
            true
        }
        async fn new_mail_contact(&self, c: &NewMailContact) -> Result<MailContact, TenantError> {
            self.call(format!("New-MailContact {}", c.external_email_address));
            let address = c.external_email_address.clone();
            if self.contacts.borrow().contains_key(&address) {
                return Err(TenantError::AlreadyExists(err(400)));
            }
            let id = format!("c-{}", self.contacts.borrow().len() + 1);
            self.contacts.borrow_mut().insert(address.clone(), id);
            self.contact(&address)
        }
        async fn get_mail_contact(&self, identity: &str) -> Result<MailContact, TenantError> {
            self.call(format!("Get-MailContact {identity}"));
            self.contact(identity)
        }
        async fn get_recipient(&self, identity: &str) -> Result<Recipient, TenantError> {
            self.call(format!("Get-Recipient {identity}"));
            Err(TenantError::NotFound(err(404)))
        }
        async fn hide_mail_contact(
            &self,
            identity: &str,
            _wait: ReplicationWait,
        ) -> Result<(), TenantError> {
            self.call(format!("Set-MailContact {identity}"));
            Ok(())
        }
        async fn set_contact_company(&self, identity: &str, _c: &str) -> Result<(), TenantError> {
            self.call(format!("Set-Contact {identity}"));
            Ok(())
        }
        async fn add_distribution_group_member(
            &self,
            group: &str,
            member: &str,
            _wait: ReplicationWait,
        ) -> Result<(), TenantError> {
            self.call(format!("Add-DistributionGroupMember {group} {member}"));
            if self
                .members
                .borrow_mut()
                .insert((group.to_owned(), member.to_owned()))
            {
                Ok(())
            } else {
                Err(TenantError::AlreadyMember(err(400)))
            }
        }
        async fn open_distribution_group(&self, group: &str) -> Result<(), TenantError> {
            self.call(format!("Set-DistributionGroup {group}"));
            Ok(())
        }
        async fn apply_delivery_change(
            &self,
            change: &crate::domain::delivery::DeliveryChange,
            wait: ReplicationWait,
        ) -> Result<crate::tenant::Applied, TenantError> {
            self.call(format!("delivery {change:?} {wait:?}"));
            Ok(crate::tenant::Applied::Done)
        }
        async fn invite_guest(&self, invite: &NewInvitation) -> Result<Invitation, TenantError> {
            self.call(format!("invite {}", invite.email));
            self.invite(invite)
        }
        async fn remove_mail_contact(&self, identity: &str) -> Result<(), TenantError> {
            self.call(format!("Remove-MailContact {identity}"));
            let mut contacts = self.contacts.borrow_mut();
            let before = contacts.len();
            contacts.retain(|_, id| id != identity);
            if contacts.len() < before {
                Ok(())
            } else {
                Err(TenantError::NotFound(err(404)))
            }
        }
        async fn delete_user(&self, id: &ObjectId) -> Result<(), TenantError> {
            self.call(format!("DELETE users/{id}"));
            let mut guests = self.guests.borrow_mut();
            let before = guests.len();
            guests.retain(|_, g| g != id.as_str());
            if guests.len() < before {
                Ok(())
            } else {
                Err(TenantError::NotFound(err(404)))
            }
        }
        async fn restore_deleted_user(&self, id: &ObjectId) -> Result<(), TenantError> {
            self.call(format!("restore {id}"));
            Err(TenantError::NotFound(err(404)))
        }
        async fn edit_mail_contact(
            &self,
            identity: &str,
            _edit: &crate::domain::plan::ContactEdit,
        ) -> Result<(), TenantError> {
            self.call(format!("Set-MailContact {identity}"));
            Ok(())
        }
        async fn set_mail_contact_custom_attribute(
            &self,
            identity: &str,
            n: u8,
            value: Option<&str>,
        ) -> Result<(), TenantError> {
            self.call(format!(
                "Set-MailContact {identity} CustomAttribute{n}={value:?}"
            ));
            Ok(())
        }
        async fn set_extension_attribute(
            &self,
            id: &ObjectId,
            n: u8,
            value: Option<&str>,
        ) -> Result<(), TenantError> {
            self.call(format!("PATCH users/{id} extensionAttribute{n}={value:?}"));
            Ok(())
        }
        async fn find_guest(&self, address: &str) -> Result<Option<ObjectId>, TenantError> {
            self.call(format!("find guest {address}"));
            Ok(self
                .guests
                .borrow()
                .get(address)
                .map(|id| ObjectId::from(id.as_str())))
        }
        async fn add_member_ref(
            &self,
            group: &GroupId,
            member: &ObjectId,
            _wait: ReplicationWait,
        ) -> Result<(), TenantError> {
            self.call(format!("POST members/$ref {group} {member}"));
            if self.sign_in_failures.get() > 0 {
                self.sign_in_failures.set(self.sign_in_failures.get() - 1);
                return Err(TenantError::SignInAgain("interaction_required".into()));
            }
            self.add(group, member)
        }
        async fn remove_distribution_group_member(
            &self,
            group: &str,
            member: &str,
        ) -> Result<(), TenantError> {
            self.call(format!("Remove-DistributionGroupMember {group} {member}"));
            if self
                .members
                .borrow_mut()
                .remove(&(group.to_owned(), member.to_owned()))
            {
                Ok(())
            } else {
                Err(TenantError::NotMember(err(400)))
            }
        }
        async fn remove_member_ref(
            &self,
            group: &GroupId,
            member: &ObjectId,
        ) -> Result<(), TenantError> {
            self.call(format!("DELETE members/{member}/$ref {group}"));
            if self
                .members
                .borrow_mut()
                .remove(&(group.0.clone(), member.0.clone()))
            {
                Ok(())
            } else {
                Err(TenantError::NotFound(err(404)))
            }
        }
        async fn open_m365_group(&self, group: &GroupId) -> Result<(), TenantError> {
            self.call(format!("PATCH {group}"));
            Ok(())
        }
        async fn graph_write_batch(
            &self,
            writes: &[GraphWrite],
        ) -> Result<Vec<Result<GraphWritten, TenantError>>, TenantError> {
            let items: Vec<String> = writes
                .iter()
                .map(|w| match w {
                    GraphWrite::Invite(i) => format!("invite {}", i.email),
                    GraphWrite::AddMember { group, member } => format!("add {group} {member}"),
                })
                .collect();
            self.call(format!("$batch [{}]", items.join(", ")));
            Ok(writes
                .iter()
                .map(|w| match w {
                    GraphWrite::Invite(i) => self.invite(i).map(GraphWritten::Invited),
                    GraphWrite::AddMember { member, .. }
                        if self.unreplicated_in_batch.borrow().contains(&member.0) =>
                    {
                        self.writes_at.borrow_mut().push(self.now_ms.get());
                        Err(TenantError::NotFound(err(404)))
                    }
                    GraphWrite::AddMember { group, member } => {
                        self.add(group, member).map(|()| GraphWritten::Added)
                    }
                })
                .collect())
        }
        async fn sleep(&self, duration: Duration) {
            self.slept.borrow_mut().push(duration);
            self.now_ms
                .set(self.now_ms.get() + duration.as_millis() as u64);
        }
    }

    impl Clock for Fake {
        fn now_ms(&self) -> u64 {
            self.now_ms.get()
        }
    }

    fn remove_plan(kind: GroupKind, member_id: &str) -> Plan {
        let group = TargetGroup {
            id: "g1".into(),
            name: "G".into(),
            mail: Some("g@contoso.com".into()),
            kind,
            external_senders: ExternalSenders::Allowed,
            dynamic_membership: false,
            on_premises_synced: false,
        };
        let via = kind.membership_api().expect("a group with members");
        let op = Operation::RemoveMember {
            group_id: group.id.clone(),
            group_name: group.name.clone(),
            group_exchange_identity: group.exchange_identity().to_owned(),
            member: MemberRef {
                kind: MemberKind::MailContact,
                target: MemberTarget::Existing {
                    id: member_id.into(),
                },
                address: "ann@fabrikam.example".parse().unwrap(),
                exchange_identity: "ann@fabrikam.example".into(),
            },
            via,
        };
        Plan::single(group, op)
    }

    #[test]
    fn a_member_is_removed_once_and_a_second_remove_is_already_done() {
        for (kind, member, call) in [
            (
                GroupKind::Distribution,
                ("g@contoso.com", "c-1"),
                "Remove-DistributionGroupMember g@contoso.com c-1",
            ),
            (
                GroupKind::Microsoft365,
                ("g1", "c-1"),
                "DELETE members/c-1/$ref g1",
            ),
        ] {
            let fake = Fake::default();
            fake.members
                .borrow_mut()
                .insert((member.0.to_owned(), member.1.to_owned()));
            let plan = remove_plan(kind, "c-1");
            let store = MemoryJournalStore::new();
            let out = block_on(Executor::new(&fake, &store, FixedClock).run(&plan)).unwrap();
            assert_eq!(
                out.journal.state(OpId(0)),
                OpState::Finished(OpResult::Done { object_id: None }),
                "{kind:?}"
            );
            assert_eq!(*fake.calls.borrow(), [call]);
            assert!(fake.members.borrow().is_empty());
            {
                // Not a member (any more): already done, not a failure (Exchange's
                // MemberNotFoundException, Graph's 404).
                let again = MemoryJournalStore::new();
                let out = block_on(Executor::new(&fake, &again, FixedClock).run(&plan)).unwrap();
                assert_eq!(
                    out.journal.state(OpId(0)),
                    OpState::Finished(OpResult::AlreadyDone { object_id: None })
                );
            }
        }
    }

    #[test]
    fn a_person_is_deleted_once_and_a_second_delete_is_already_done() {
        use crate::domain::plan::PersonRef;
        let fake = Fake::default();
        fake.contacts
            .borrow_mut()
            .insert("ann@fabrikam.example".into(), "c-1".into());
        fake.guests
            .borrow_mut()
            .insert("kim@fabrikam.example".into(), "g-1".into());
        let person = |id: &str, address: &str| PersonRef {
            id: id.into(),
            name: id.into(),
            address: address.parse().unwrap(),
            exchange_identity: address.into(),
        };
        let plan = Plan::of(
            Vec::new(),
            vec![
                Operation::DeleteContact {
                    person: person("c-1", "ann@fabrikam.example"),
                },
                Operation::DeleteGuest {
                    person: person("g-1", "kim@fabrikam.example"),
                },
            ],
        );
        let done = OpState::Finished(OpResult::Done { object_id: None });
        let out = block_on(Executor::new(&fake, MemoryJournalStore::new(), FixedClock).run(&plan))
            .unwrap();
        assert_eq!(
            (out.journal.state(OpId(0)), out.journal.state(OpId(1))),
            (done.clone(), done.clone())
        );
        // A contact is named by its object id, not by an address a guest may hold too.
        assert!(fake
            .calls
            .borrow()
            .contains(&"Remove-MailContact c-1".to_owned()));
        assert!(fake.contacts.borrow().is_empty() && fake.guests.borrow().is_empty());
        // Gone already: done, not a failure; and our own delete re-checked after a reload is ours.
        let again =
            block_on(Executor::new(&fake, MemoryJournalStore::new(), FixedClock).run(&plan))
                .unwrap();
        let already = OpState::Finished(OpResult::AlreadyDone { object_id: None });
        assert_eq!(again.journal.state(OpId(0)), already);
        assert_eq!(again.journal.state(OpId(1)), already);
        let mut j = Journal::default();
        j.started(OpId(1), 1);
        let resumed = block_on(
            Executor::new(&fake, MemoryJournalStore::with_journal(j), FixedClock).run(&plan),
        )
        .unwrap();
        assert_eq!(resumed.journal.state(OpId(1)), done);

        // Restoring: a guest live again with its id is back already; one gone for good fails.
        let restore = Plan::restoring(person("g-1", "kim@fabrikam.example"));
        let out =
            block_on(Executor::new(&fake, MemoryJournalStore::new(), FixedClock).run(&restore))
                .unwrap();
        assert!(matches!(
            out.journal.state(OpId(0)),
            OpState::Finished(OpResult::Failed(_))
        ));
        fake.guests
            .borrow_mut()
            .insert("kim@fabrikam.example".into(), "g-1".into());
        let out =
            block_on(Executor::new(&fake, MemoryJournalStore::new(), FixedClock).run(&restore))
                .unwrap();
        assert_eq!(out.journal.state(OpId(0)), already);
    }

    struct FixedClock;
    impl Clock for FixedClock {
        fn now_ms(&self) -> u64 {
            1_000
        }
    }

    fn one_person_plan(kind: GroupKind) -> Plan {
        let group = TargetGroup {
            id: "g1".into(),
            name: "G".into(),
            mail: Some("g@contoso.com".into()),
            kind,
            external_senders: ExternalSenders::Allowed,
            dynamic_membership: false,
            on_premises_synced: false,
        };
        let desired = [Desired {
            row: 2,
            person: PersonInput {
                email: "ann@fabrikam.example".into(),
                ..PersonInput::default()
            }
            .validate(),
        }];
        let options = PlanOptions {
            hide_contacts: false,
            ..PlanOptions::default()
        };
        plan(&[group], &desired, &TenantSnapshot::default(), &options)
    }

    #[test]
    fn recheck_finds_the_contact_made_before_the_crash_and_adds_it_by_id() {
        let p = one_person_plan(GroupKind::Distribution);
        let fake = Fake::default();
        // The request got through, the answer was lost with the tab.
        fake.contacts
            .borrow_mut()
            .insert("ann@fabrikam.example".into(), "c-9".into());
        let mut j = Journal::default();
        j.started(OpId(0), 1);
        let store = MemoryJournalStore::with_journal(j);
        let out = block_on(Executor::new(&fake, &store, FixedClock).run(&p)).unwrap();
        assert_eq!(
            *fake.calls.borrow(),
            vec![
                "Get-MailContact ann@fabrikam.example".to_owned(),
                "Add-DistributionGroupMember g@contoso.com c-9".to_owned(),
            ]
        );
        assert_eq!(out.journal.object_id(OpId(0)).as_deref(), Some("c-9"));
        assert_eq!(out.report.rows[0].outcome, RowOutcome::Done);
        assert_eq!(store.snapshot(), out.journal);
    }

    #[test]
    fn taken_address_resolves_to_the_existing_contact_whose_id_graph_adds() {
        let p = one_person_plan(GroupKind::Security);
        let fake = Fake::default();
        // Made since the plan was read.
        fake.contacts
            .borrow_mut()
            .insert("ann@fabrikam.example".into(), "c-7".into());
        let out =
            block_on(Executor::new(&fake, MemoryJournalStore::new(), FixedClock).run(&p)).unwrap();
        assert_eq!(
            *fake.calls.borrow(),
            vec![
                "New-MailContact ann@fabrikam.example".to_owned(),
                "Get-MailContact ann@fabrikam.example".to_owned(),
                "POST members/$ref g1 c-7".to_owned(),
            ]
        );
        assert_eq!(
            out.journal.state(OpId(0)),
            crate::domain::journal::OpState::Finished(OpResult::AlreadyDone {
                object_id: Some("c-7".into())
            })
        );
        assert_eq!(out.report.rows[0].outcome, RowOutcome::Done);
    }

    #[test]
    fn sign_in_needed_pauses_and_the_operation_is_rechecked_after_resume() {
        let p = one_person_plan(GroupKind::Security);
        let fake = Fake::default();
        fake.sign_in_failures.set(1);
        let control = RunControl::new();
        let states = RefCell::new(Vec::new());
        let out = block_on(
            Executor::new(&fake, MemoryJournalStore::new(), FixedClock)
                .with_control(control.clone())
                .on_event(|e| match e {
                    RunEvent::NeedsSignIn { op, .. } => {
                        assert_eq!(*op, OpId(1));
                        assert!(control.is_paused());
                        states.borrow_mut().push("sign in");
                    }
                    RunEvent::Progress(p) if p.state == RunState::NeedsSignIn => {
                        // the admin signs in and resumes
                        states.borrow_mut().push("resume");
                        control.resume();
                    }
                    _ => {}
                })
                .run(&p),
        )
        .unwrap();
        assert_eq!(*states.borrow(), vec!["sign in", "resume"]);
        assert_eq!(out.state, RunState::Finished);
        assert_eq!(out.report.totals.done, 1);
        // started twice (the second time as a re-check), finished once
        let starts = out
            .journal
            .entries
            .iter()
            .filter(|e| matches!(e, JournalEntry::Started { op, .. } if *op == OpId(1)))
            .count();
        assert_eq!(starts, 2);
    }

    #[test]
    fn a_guest_the_run_invited_joins_the_dg_by_its_id() {
        // DG and Microsoft 365 group: one guest for both; Exchange names it by the id the
        // invitation returned, not by the address (which a contact may share).
        let group = |id: &str, kind| TargetGroup {
            id: id.into(),
            name: id.into(),
            mail: Some(format!("{id}@contoso.com")),
            kind,
            external_senders: ExternalSenders::Allowed,
            dynamic_membership: false,
            on_premises_synced: false,
        };
        let desired = [Desired {
            row: 2,
            person: PersonInput {
                email: "ann@fabrikam.example".into(),
                ..PersonInput::default()
            }
            .validate(),
        }];
        let p = plan(
            &[
                group("dg", GroupKind::Distribution),
                group("m365", GroupKind::Microsoft365),
            ],
            &desired,
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        );
        let fake = Fake::default();
        fake.invites.set(true);
        let out =
            block_on(Executor::new(&fake, MemoryJournalStore::new(), FixedClock).run(&p)).unwrap();
        assert_eq!(out.report.totals.done, 2);
        let calls = fake.calls.borrow();
        assert!(
            calls.contains(
                &"Add-DistributionGroupMember dg@contoso.com guest-ann@fabrikam.example".to_owned()
            ),
            "{calls:?}"
        );
        assert!(!calls.iter().any(|c| c.starts_with("New-MailContact")));
    }

    #[test]
    fn failures_block_dependents_and_say_why_in_words() {
        // Microsoft 365 group: the invitation is refused (403) → the add never runs.
        let p = one_person_plan(GroupKind::Microsoft365);
        let fake = Fake::default();
        let out =
            block_on(Executor::new(&fake, MemoryJournalStore::new(), FixedClock).run(&p)).unwrap();
        assert_eq!(out.state, RunState::Finished);
        assert_eq!(out.progress.failed, 2);
        assert_eq!(
            *fake.calls.borrow(),
            vec!["invite ann@fabrikam.example".to_owned()]
        );
        let RowOutcome::Failed(f) = &out.report.rows[0].outcome else {
            panic!("{:?}", out.report.rows[0].outcome)
        };
        assert_eq!(f.status, Some(403));
        assert!(f.message.starts_with("You aren't allowed"), "{}", f.message);
    }

    /// `n` new people (`p0@partner.example`, …) into one Microsoft 365 group: an invitation
    /// and a member add each.
    fn m365_plan(n: usize) -> Plan {
        let group = TargetGroup {
            id: "g1".into(),
            name: "G".into(),
            mail: Some("g@contoso.com".into()),
            kind: GroupKind::Microsoft365,
            external_senders: ExternalSenders::Allowed,
            dynamic_membership: false,
            on_premises_synced: false,
        };
        let desired: Vec<Desired> = (0..n)
            .map(|i| Desired {
                row: i as u64 + 2,
                person: PersonInput {
                    email: format!("p{i}@partner.example"),
                    ..PersonInput::default()
                }
                .validate(),
            })
            .collect();
        plan(
            &[group],
            &desired,
            &TenantSnapshot::default(),
            &PlanOptions::default(),
        )
        .without_optional(|_| false)
    }

    /// Batches without pacing.
    fn unpaced() -> ExecutorOptions {
        ExecutorOptions {
            graph_write_budgets: Vec::new(),
            ..ExecutorOptions::default()
        }
    }

    #[test]
    fn a_failing_item_of_a_batch_is_sent_again_alone_and_fails_alone() {
        let p = m365_plan(5);
        let fake = Fake::default();
        fake.invites.set(true);
        fake.refused
            .borrow_mut()
            .insert("p2@partner.example".into());
        // p1's guest isn't replicated yet when the batch adds it; alone, the add waits for it.
        fake.unreplicated_in_batch
            .borrow_mut()
            .insert("guest-p1@partner.example".into());
        let out = block_on(
            Executor::new(&fake, MemoryJournalStore::new(), FixedClock)
                .with_options(unpaced())
                .run(&p),
        )
        .unwrap();
        let invites: Vec<String> = (0..5)
            .map(|i| format!("invite p{i}@partner.example"))
            .collect();
        let adds: Vec<String> = [0, 1, 3, 4]
            .iter()
            .map(|i| format!("add g1 guest-p{i}@partner.example"))
            .collect();
        assert_eq!(
            *fake.calls.borrow(),
            vec![
                format!("$batch [{}]", invites.join(", ")),
                "invite p2@partner.example".to_owned(),
                format!("$batch [{}]", adds.join(", ")),
                "POST members/$ref g1 guest-p1@partner.example".to_owned(),
            ]
        );
        assert_eq!(out.report.totals.done, 4);
        let failed: Vec<&str> = out
            .report
            .rows
            .iter()
            .filter(|r| matches!(r.outcome, RowOutcome::Failed(_)))
            .filter_map(|r| r.address.as_deref())
            .collect();
        assert_eq!(failed, ["p2@partner.example"]);
        assert_eq!(fake.members.borrow().len(), 4);
    }

    #[test]
    fn a_member_already_in_the_group_is_already_done_inside_a_batch() {
        let p = m365_plan(3);
        let fake = Fake::default();
        fake.invites.set(true);
        fake.members
            .borrow_mut()
            .insert(("g1".into(), "guest-p1@partner.example".into()));
        let out = block_on(
            Executor::new(&fake, MemoryJournalStore::new(), FixedClock)
                .with_options(unpaced())
                .run(&p),
        )
        .unwrap();
        assert_eq!(fake.calls.borrow().len(), 2, "{:?}", fake.calls.borrow());
        let add_p1 = p
            .ops
            .iter()
            .find(|o| {
                matches!(&o.op, Operation::AddMember { member, .. }
                    if member.address.to_string() == "p1@partner.example")
            })
            .unwrap();
        assert_eq!(
            out.journal.state(add_p1.id),
            OpState::Finished(OpResult::AlreadyDone { object_id: None })
        );
        assert_eq!(out.report.totals.failed, 0);
    }

    #[test]
    fn a_reload_in_the_middle_of_a_batch_resumes_without_repeating_a_write() {
        let p = m365_plan(4);
        let invite_of = |i: usize| {
            p.ops
                .iter()
                .filter(|o| matches!(o.op, Operation::InviteGuest { .. }))
                .nth(i)
                .unwrap()
                .id
        };
        let fake = Fake::default();
        fake.invites.set(true);
        // A batch of the four invitations went out; p0 and p1 were answered and journalled,
        // p2's went through but its answer was lost with the tab, p3's never ran.
        let mut j = Journal::default();
        for i in 0..4 {
            j.started(invite_of(i), 1);
        }
        for i in 0..2 {
            j.finished(
                invite_of(i),
                2,
                OpResult::Done {
                    object_id: Some(format!("guest-p{i}@partner.example")),
                },
            );
        }
        for i in 0..3 {
            fake.guests.borrow_mut().insert(
                format!("p{i}@partner.example"),
                format!("guest-p{i}@partner.example"),
            );
        }
        let store = MemoryJournalStore::with_journal(j);
        let out = block_on(
            Executor::new(&fake, &store, FixedClock)
                .with_options(unpaced())
                .run(&p),
        )
        .unwrap();
        let calls = fake.calls.borrow();
        let invited: Vec<&String> = calls
            .iter()
            .filter(|c| c.starts_with("invite ") || c.contains("[invite"))
            .collect();
        // Only p3 is invited (once, on its own after its re-check); p2 is found.
        assert_eq!(invited, ["invite p3@partner.example"], "{calls:?}");
        assert!(calls.contains(&"find guest p2@partner.example".to_owned()));
        // Each add sent once, in a batch or alone.
        let adds = calls
            .iter()
            .map(|c| c.matches("add g1 ").count() + c.matches("POST members").count())
            .sum::<usize>();
        assert_eq!(adds, 4, "{calls:?}");
        assert_eq!(fake.members.borrow().len(), 4);
        assert_eq!(out.report.totals.done, 4);
        assert_eq!(store.snapshot(), out.journal);
    }

    #[test]
    fn pacing_keeps_graph_writes_within_the_budget_in_every_window() {
        // 100 people: 200 writes, against 40 writes per 10 s.
        let p = m365_plan(100);
        let fake = Fake::default();
        fake.invites.set(true);
        let options = ExecutorOptions {
            graph_write_budgets: vec![WriteBudget {
                limit: 40,
                window: Duration::from_secs(10),
            }],
            graph_write_use_percent: 100,
            ..ExecutorOptions::default()
        };
        let out = block_on(
            Executor::new(&fake, MemoryJournalStore::new(), &fake)
                .with_options(options)
                .run(&p),
        )
        .unwrap();
        assert_eq!(out.report.totals.done, 100);
        let at = fake.writes_at.borrow();
        assert_eq!(at.len(), 200);
        let busiest = at
            .iter()
            .map(|&start| {
                at.iter()
                    .filter(|&&t| t >= start && t < start + 10_000)
                    .count()
            })
            .max()
            .unwrap();
        assert!(busiest <= 40, "{busiest} writes in one 10 s window");
        // 40 go at once, then 4 a second: no sooner than 40 s, and no budget left unused.
        let last = *at.iter().max().unwrap();
        assert!((40_000..=50_000).contains(&last), "last write at {last} ms");
        assert!(!fake.slept.borrow().is_empty());
    }

    #[test]
    fn journal_write_failure_stops_the_run() {
        let p = one_person_plan(GroupKind::Distribution);
        let fake = Fake::default();
        let store = MemoryJournalStore::new();
        store.fail_after(2); // op0 started + finished, then the disk is full
        let r = block_on(Executor::new(&fake, &store, FixedClock).run(&p));
        assert!(matches!(r, Err(RunError::Store(_))), "{r:?}");
        // the add was never sent without its "started" record
        assert_eq!(fake.calls.borrow().len(), 1);
    }
}
