//! The change engine: every change Guestlist makes to a tenant goes the same way —
//! read what the tenant holds → plan → (the admin previews) → run, journalled and resumable →
//! verify (script mode) → recorded in the activity log. The add-person dialog is this pipeline
//! with one row and an in-memory journal, the bulk import with thousands and IndexedDB, and the
//! group page's single changes (remove a member, open to external senders) are one-operation
//! plans ([`Plan::single`]). The UI only renders what the engine answers.
//!
//! ```ignore
//! let engine = Engine::new(&graph, direct.then_some(&exchange)).signed_in_as(&upn);
//! let targets = engine.targets(&groups).await?;
//! let plan = engine.plan_adds(&targets, &desired, &PlanOptions::default()).await?;
//! // … the admin reads the plan …
//! let outcome = engine.run(&plan, &store, &clock, &activity, RunSetup::default()).await?;
//! let script = engine.script(&plan, &outcome.pending_script)?;   // script mode
//! // … the admin runs the script …
//! let verification = engine.verify(&plan, &store, &clock, &activity).await?;
//! ```

pub mod reads;
pub mod record;

use std::collections::{HashMap, HashSet};

use crate::domain::delivery::{
    changes_for, evaluate, fix_for_reported, membership, receive_check, DeliverySettings, Fix,
    Mastered, Membership, ReceiveCheck, RecipientRef, ReportedBounce, Sender, SenderRecipient,
};
use crate::domain::email::EmailAddress;
use crate::domain::group::ExternalSenders;
use crate::domain::group::GroupKind;
use crate::domain::journal::{JournalEntry, OpResult, OpState};
use crate::domain::plan::{
    plan, Desired, OpId, Plan, PlanOptions, Step, TargetGroup, TenantSnapshot,
};
use crate::domain::powershell::{exchange_script, PsError};
use crate::domain::verify::{self, Verified};
use crate::run::{
    Clients, Clock, Executor, ExecutorOptions, JournalStore, MemoryJournalStore, RunControl,
    RunError, RunEvent, RunOutcome, StoreError,
};
use crate::tenant::{
    DeliveryCheck, ExchangeClient, GraphClient, Group, GroupId, Sleeper, TenantError, TokenSource,
    Transport,
};
use record::{ActivitySink, Recorder};

/// What can stop the engine: the tenant, or the journal's storage.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error(transparent)]
    Tenant(#[from] TenantError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<RunError> for EngineError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Store(s) => EngineError::Store(s),
        }
    }
}

/// How a run goes: concurrency, the pause/resume/cancel handle, who else hears its events, and
/// the id of a journalled run whose activity is recorded once per operation.
#[derive(Default)]
pub struct RunSetup<'a> {
    pub options: ExecutorOptions,
    pub control: RunControl,
    #[allow(clippy::type_complexity)]
    pub on_event: Option<Box<dyn Fn(&RunEvent) + 'a>>,
    pub run_id: Option<&'a str>,
}

impl<'a> RunSetup<'a> {
    pub fn with_control(mut self, control: RunControl) -> Self {
        self.control = control;
        self
    }

    pub fn with_options(mut self, options: ExecutorOptions) -> Self {
        self.options = options;
        self
    }

    /// A journalled run that may be resumed (after a reload): its activity entries carry the
    /// id, and a resumed run first records what its journal holds, so nothing a reload kept
    /// from being written is missing and nothing is recorded twice.
    pub fn recorded_as(mut self, run_id: &'a str) -> Self {
        self.run_id = Some(run_id);
        self
    }

    /// Called for every event, synchronously, on the run's own thread: keep it short.
    pub fn on_event(mut self, listener: impl Fn(&RunEvent) + 'a) -> Self {
        self.on_event = Some(Box::new(listener));
        self
    }
}

/// Script mode's Verify, answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Every operation of the plan: done, missing, or not checkable through Graph.
    pub results: Vec<(OpId, Verified)>,
    /// What Verify added to the journal (operations now known to be done).
    pub added: Vec<JournalEntry>,
}

impl Verification {
    pub fn done(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, v)| matches!(v, Verified::Done { .. }))
            .count()
    }

    pub fn missing(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, v)| matches!(v, Verified::Missing))
            .count()
    }
}

/// A run held in memory, for changes made while the admin watches (the add-person dialog, the
/// group page): it ends rather than wait when it can't go on without the admin.
#[derive(Debug)]
pub struct RunNow {
    pub outcome: RunOutcome,
    /// A token can't be had without the admin (sign in again, or consent to a permission asked
    /// only when needed): what was not done stays undone; run again after the admin acts.
    pub needs_sign_in: Option<String>,
    /// Script mode: the PowerShell for the operations left to it.
    pub script: Option<String>,
    /// The run's journal, for Verify and for running again.
    pub store: MemoryJournalStore,
}

impl RunNow {
    /// How an operation ended; `None` if it didn't (left for the script, or not reached).
    pub fn result(&self, op: OpId) -> Option<OpResult> {
        match self.outcome.journal.state(op) {
            OpState::Finished(r) => Some(r),
            _ => None,
        }
    }
}

/// The engine over one tenant's clients. `exchange: None` is script mode: the Exchange steps
/// become the PowerShell script, and Verify checks them through Graph.
pub struct Engine<'c, T, K, S> {
    graph: &'c GraphClient<T, K, S>,
    exchange: Option<&'c ExchangeClient<T, K, S>>,
    admin: Option<&'c str>,
}

impl<'c, T: Transport, K: TokenSource, S: Sleeper> Engine<'c, T, K, S> {
    pub fn new(
        graph: &'c GraphClient<T, K, S>,
        exchange: Option<&'c ExchangeClient<T, K, S>>,
    ) -> Self {
        Engine {
            graph,
            exchange,
            admin: None,
        }
    }

    /// The signed-in admin's UPN: pre-filled in the script's `Connect-ExchangeOnline`.
    pub fn signed_in_as(mut self, upn: &'c str) -> Self {
        self.admin = Some(upn);
        self
    }

    /// Direct mode: Exchange steps are run here.
    pub fn direct(&self) -> bool {
        self.exchange.is_some()
    }

    pub fn graph(&self) -> &'c GraphClient<T, K, S> {
        self.graph
    }

    pub fn exchange(&self) -> Option<&'c ExchangeClient<T, K, S>> {
        self.exchange
    }

    // --- read ---

    /// A group as a planning target (kind, external senders).
    pub async fn target(&self, group: &Group) -> Result<TargetGroup, TenantError> {
        reads::target_group(self.graph, self.exchange, group).await
    }

    pub async fn targets(&self, groups: &[Group]) -> Result<Vec<TargetGroup>, TenantError> {
        let mut out = Vec::with_capacity(groups.len());
        for g in groups {
            out.push(self.target(g).await?);
        }
        Ok(out)
    }

    /// Whether `group` takes mail from outside, read afresh.
    pub async fn external_senders(
        &self,
        group: &TargetGroup,
    ) -> Result<ExternalSenders, TenantError> {
        reads::external_senders(
            self.graph,
            self.exchange,
            &GroupId(group.id.clone()),
            group.kind,
            group.exchange_identity(),
        )
        .await
    }

    /// A group's delivery restrictions, read through Exchange (with a Microsoft 365 group's
    /// `allowExternalSenders` read afresh from Graph). Exchange keeps them, so script mode can't
    /// read them: [`TenantError::InvalidRequest`].
    pub async fn delivery_settings(
        &self,
        group: &TargetGroup,
    ) -> Result<DeliverySettings, TenantError> {
        let exchange = self.exchange.ok_or_else(|| {
            TenantError::InvalidRequest(
                "a group's delivery restrictions are kept by Exchange, which is not reachable from here (script mode)".into(),
            )
        })?;
        let allow = match group.kind {
            GroupKind::Microsoft365 => match self.external_senders(group).await? {
                ExternalSenders::Allowed => Some(true),
                ExternalSenders::Rejected => Some(false),
                _ => None,
            },
            _ => None,
        };
        Ok(exchange
            .get_group_delivery(group.exchange_identity(), group.kind)
            .await?
            .settings(group.kind, allow))
    }

    /// "Can `address` mail `group`?": the group's restrictions ([`Engine::delivery_settings`])
    /// and who the address is to Exchange, evaluated in Exchange's order.
    pub async fn delivery_check(
        &self,
        group: &TargetGroup,
        address: &str,
    ) -> Result<DeliveryCheck, TenantError> {
        let settings = self.delivery_settings(group).await?;
        let exchange = self
            .exchange
            .ok_or_else(|| TenantError::InvalidRequest("script mode".into()))?;
        let sender = exchange.delivery_sender(address, &settings).await?;
        let send = evaluate(&settings, &sender);
        Ok(DeliveryCheck {
            settings,
            sender,
            send,
        })
    }

    /// "Can any external sender mail `group`?": its restrictions evaluated for an address the
    /// directory holds nothing for (no list can name it).
    pub async fn delivery_check_any(
        &self,
        group: &TargetGroup,
    ) -> Result<DeliveryCheck, TenantError> {
        let settings = self.delivery_settings(group).await?;
        let sender = Sender::any_external(String::new());
        let send = evaluate(&settings, &sender);
        Ok(DeliveryCheck {
            settings,
            sender,
            send,
        })
    }

    /// "Will they receive the group's mail?" for the sender of `check`: a member directly or
    /// through nested groups (Exchange's `Get-DistributionGroupMember`; a Microsoft 365 group's
    /// members through Graph, where a guest is always subscribed to the group's mail), the address
    /// carried by their contact or guest, and a return path for delivery reports. `None` for a
    /// dynamic distribution group, whose members a rule picks when mail is sent.
    pub async fn receive_check(
        &self,
        group: &TargetGroup,
        check: &DeliveryCheck,
    ) -> Result<Option<ReceiveCheck>, TenantError> {
        let ids: Vec<&String> = check
            .sender
            .recipient
            .recipient()
            .map(|r| r.identities.iter().collect())
            .unwrap_or_default();
        let found = match group.kind {
            GroupKind::DynamicDistribution | GroupKind::Security => return Ok(None),
            GroupKind::Microsoft365 => {
                let members = self.graph.member_ids(&GroupId(group.id.clone())).await?;
                if ids.iter().any(|i| members.contains(i.as_str())) {
                    Membership::Direct
                } else {
                    Membership::NotMember
                }
            }
            GroupKind::Distribution | GroupKind::MailEnabledSecurity => {
                let Some(exchange) = self.exchange else {
                    return Err(TenantError::InvalidRequest(
                        "nested membership is read through Exchange, which is not reachable from here (script mode)".into(),
                    ));
                };
                if ids.is_empty() {
                    Membership::NotMember
                } else {
                    let (root, tree) = exchange.member_tree(group.exchange_identity()).await?;
                    ids.iter()
                        .map(|i| membership(&root, i, &tree))
                        .find(|m| *m != Membership::NotMember)
                        .unwrap_or(Membership::NotMember)
                }
            }
        };
        // The sender was found by this address: their contact or guest carries it.
        let carried = (!ids.is_empty()).then_some(check.sender.address.as_str());
        Ok(Some(receive_check(
            &check.settings,
            found,
            &check.sender.address,
            carried,
        )))
    }

    /// Script mode: the plan that fixes a bounce the sender reports
    /// ([`crate::domain::delivery::fix_for_reported`]), with what Graph shows for the address (a
    /// contact or a guest carrying it: no new contact then). `None` where there is no fix.
    pub async fn reported_fix(
        &self,
        group: &TargetGroup,
        address: &EmailAddress,
        bounce: ReportedBounce,
    ) -> Result<Option<Plan>, TenantError> {
        let found = reads::snapshot(self.graph, &[], std::slice::from_ref(address)).await?;
        let recipient = if let Some(c) = found.contacts.iter().find(|c| c.mail == *address) {
            SenderRecipient::Contact(RecipientRef::new(
                c.display_name.clone(),
                &[c.id.as_str(), &address.to_string()],
            ))
        } else if let Some(u) = found
            .users
            .iter()
            .find(|u| u.mail.as_ref() == Some(address) || u.other_mails.contains(address))
        {
            let me = RecipientRef::new(
                u.display_name.clone(),
                &[u.id.as_str(), &address.to_string()],
            );
            match u.user_type {
                crate::domain::plan::UserType::Guest => SenderRecipient::Guest(me),
                crate::domain::plan::UserType::Member => SenderRecipient::Mailbox(me),
            }
        } else {
            SenderRecipient::None
        };
        let sender = Sender {
            address: address.to_ascii(),
            external: true,
            recipient,
            member_of: Vec::new(),
        };
        let me = RecipientRef::new(group.name.clone(), &[group.exchange_identity()]);
        let mastered = if group.on_premises_synced {
            Mastered::OnPremises
        } else {
            Mastered::Cloud
        };
        Ok(
            fix_for_reported(me, group.kind, mastered, sender, bounce).and_then(
                |(settings, sender, fix)| {
                    Plan::fixing(group, &changes_for(&settings, &sender, &fix))
                },
            ),
        )
    }

    /// The plan that makes `fix` of a [`Engine::delivery_check`]'s finding, to be shown before it
    /// runs; `None` for a fix Guestlist can't make.
    pub fn delivery_fix(
        &self,
        group: &TargetGroup,
        check: &DeliveryCheck,
        fix: &Fix,
    ) -> Option<Plan> {
        Plan::fixing(group, &changes_for(&check.settings, &check.sender, fix))
    }

    /// What the tenant holds for these people and groups. `known_members` are member ids the
    /// caller has just read (a group page's list): those groups aren't read again.
    pub async fn snapshot(
        &self,
        groups: &[TargetGroup],
        desired: &[Desired],
        known_members: HashMap<String, HashSet<String>>,
    ) -> Result<TenantSnapshot, TenantError> {
        let addresses: Vec<_> = desired
            .iter()
            .filter_map(|d| d.person.as_ref().ok().map(|p| p.email.clone()))
            .collect();
        let to_read: Vec<TargetGroup> = groups
            .iter()
            .filter(|g| !known_members.contains_key(&g.id))
            .cloned()
            .collect();
        let mut snapshot = reads::snapshot(self.graph, &to_read, &addresses).await?;
        snapshot.members.extend(known_members);
        Ok(snapshot)
    }

    // --- plan ---

    /// Reads what the plan needs and makes it: the desired people into the target groups.
    pub async fn plan_adds(
        &self,
        groups: &[TargetGroup],
        desired: &[Desired],
        options: &PlanOptions,
    ) -> Result<Plan, TenantError> {
        self.plan_adds_knowing(groups, desired, options, HashMap::new())
            .await
    }

    /// [`Engine::plan_adds`] with member ids already read (see [`Engine::snapshot`]).
    pub async fn plan_adds_knowing(
        &self,
        groups: &[TargetGroup],
        desired: &[Desired],
        options: &PlanOptions,
        known_members: HashMap<String, HashSet<String>>,
    ) -> Result<Plan, TenantError> {
        let snapshot = self.snapshot(groups, desired, known_members).await?;
        let mut planned = plan(groups, desired, &snapshot, options);
        // Direct mode: a group that takes mail only from its allowed senders would still bounce
        // the new people after the external-senders switch; the plan offers to list them. (One
        // Exchange read per group that gets new members, and one per named entry of its list
        // when someone who exists is added; script mode can't read the lists.)
        if let Some(exchange) = self.exchange {
            let gaining: Vec<usize> = (0..groups.len())
                .filter(|&g| {
                    planned.entries.iter().any(|e| {
                        e.group == g && e.steps.iter().any(|s| matches!(s, Step::AddMember(_)))
                    })
                })
                .collect();
            for g in gaining {
                let target = &groups[g];
                if target.on_premises_synced
                    || !matches!(
                        target.kind,
                        GroupKind::Distribution
                            | GroupKind::MailEnabledSecurity
                            | GroupKind::Microsoft365
                    )
                {
                    continue;
                }
                let settings = exchange
                    .get_group_delivery(target.exchange_identity(), target.kind)
                    .await?
                    .settings(target.kind, None);
                // The lists show their entries by Name: who they are, for the people who exist.
                let resolved = if settings.has_allowed_senders_list() && planned.adds_existing_to(g)
                {
                    exchange
                        .resolve_entries(&settings.allowed_sender_entries())
                        .await?
                } else {
                    Vec::new()
                };
                planned = planned.allowing_senders(g, &settings, &resolved);
            }
        }
        Ok(planned)
    }

    // --- run ---

    /// Runs (or resumes, from `store`'s journal) `plan`, recording every operation's outcome
    /// in `activity`.
    pub async fn run<J: JournalStore, C: Clock, A: ActivitySink>(
        &self,
        plan: &Plan,
        store: J,
        clock: &C,
        activity: &A,
        setup: RunSetup<'_>,
    ) -> Result<RunOutcome, RunError> {
        if let Some(run) = setup.run_id {
            let journal = store.load().await?;
            activity.record(record::from_journal(plan, &journal, run));
        }
        let recorder = Recorder::new(plan, activity, setup.run_id);
        let listener = setup.on_event;
        let clients = Clients {
            graph: self.graph,
            exchange: self.exchange,
        };
        let outcome = Executor::new(clients, store, clock)
            .with_options(setup.options)
            .with_control(setup.control)
            .on_event(|e| {
                recorder.on_event(e, clock.now_ms());
                if let Some(l) = &listener {
                    l(e);
                }
            })
            .run(plan)
            .await;
        recorder.flush();
        outcome
    }

    /// Runs `plan` now with a journal in memory (or the one `again` brings, to go on after the
    /// admin signed in or consented). A token that can't be had without the admin ends the run
    /// instead of pausing it.
    pub async fn run_now<C: Clock, A: ActivitySink>(
        &self,
        plan: &Plan,
        again: Option<MemoryJournalStore>,
        clock: &C,
        activity: &A,
    ) -> Result<RunNow, RunError> {
        let store = again.unwrap_or_default();
        let control = RunControl::new();
        let needs_sign_in = std::cell::RefCell::new(None);
        let setup = RunSetup::default()
            .with_control(control.clone())
            .on_event(|e| {
                if let RunEvent::NeedsSignIn { message, .. } = e {
                    needs_sign_in.replace(Some(message.clone()));
                    control.cancel();
                }
            });
        let outcome = self.run(plan, &store, clock, activity, setup).await?;
        let script = self
            .script(plan, &outcome.pending_script)
            .unwrap_or_else(|e| Some(format!("# {e}")));
        Ok(RunNow {
            outcome,
            needs_sign_in: needs_sign_in.into_inner(),
            script,
            store,
        })
    }

    /// Script mode: the idempotent PowerShell for the operations left to it (`None` when there
    /// are none).
    pub fn script(&self, plan: &Plan, pending: &[OpId]) -> Result<Option<String>, PsError> {
        if pending.is_empty() {
            return Ok(None);
        }
        let script_plan = Plan {
            ops: plan
                .ops
                .iter()
                .filter(|o| pending.contains(&o.id))
                .cloned()
                .collect(),
            ..plan.clone()
        };
        exchange_script(&script_plan, self.admin).map(Some)
    }

    // --- verify ---

    /// Script mode's Verify: fresh Graph reads; every operation done, missing or not checkable.
    /// What is now done is journalled in `store` (so a resumed run and the report see it) and
    /// recorded in `activity` as confirmed (as of the journalled run `run_id`, if it is one).
    pub async fn verify<J: JournalStore, C: Clock, A: ActivitySink>(
        &self,
        plan: &Plan,
        store: J,
        clock: &C,
        activity: &A,
        run_id: Option<&str>,
    ) -> Result<Verification, EngineError> {
        let reads::AfterReads {
            after,
            senders,
            details,
        } = reads::after_snapshot(self.graph, plan).await?;
        let results = verify::verify(plan, &after, &senders, &details);
        let mut journal = store.load().await?;
        let before = journal.entries.len();
        let now = clock.now_ms();
        verify::record(&mut journal, &results, now);
        let added = journal.entries.split_off(before);
        for entry in &added {
            store.append(entry).await?;
        }
        activity.record(
            added
                .iter()
                .filter_map(|e| {
                    let entry = record::scripted(
                        plan,
                        e.op(),
                        crate::activity::Reason::ConfirmedByVerify,
                        now,
                    )?;
                    Some(match run_id {
                        Some(run) => entry.of_run(run, e.op().0),
                        None => entry,
                    })
                })
                .collect(),
        );
        Ok(Verification { results, added })
    }
}
