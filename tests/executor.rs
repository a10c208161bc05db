//! The bulk-run executor against the simulated tenant, in-process over real HTTP (reqwest):
//! faults (429, 503, dropped connections), a crash in the middle of a run and the resume, token
//! expiry, replication delay, "already a member", pause/resume/cancel, script mode. After each
//! run the sim's own state is compared with the run report: one contact and one guest per
//! address, every member present, nothing the report doesn't account for.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use guestlist::domain::group::{ExternalSenders, GroupKind};
use guestlist::domain::journal::{resume_actions, OpResult, ResumeAction};
use guestlist::domain::person::PersonInput;
use guestlist::domain::plan::{
    plan, Desired, ExistingContact, ExistingUser, Operation, Plan, PlanOptions, TargetGroup,
    TenantSnapshot, UserType,
};
use guestlist::domain::powershell::exchange_script;
use guestlist::domain::report::{RowOutcome, RunReport};
use guestlist::domain::retry::{ReplicationSchedule, RetryPolicy};
use guestlist::domain::{email::EmailAddress, plan::SkipReason};
use guestlist::run::{
    Clients, Executor, ExecutorOptions, LimitedTransport, Limiter, MemoryJournalStore, RunControl,
    RunEvent, RunOutcome, RunState, SystemClock,
};
use guestlist::tenant::{
    AuthError, ExchangeClient, GraphClient, HttpRequest, HttpResponse, Method, Resource, Sleeper,
    TokenSource, Transport, TransportError,
};
use guestlist_sim::identity::SIM_CLIENT_ID;
use guestlist_sim::state::TENANT_ID;
use guestlist_sim::store::{
    GroupKind as SimKind, UserType as SimUserType, ADMIN_UPN, DEMO_PASSWORD,
};
use guestlist_sim::{Knobs, RunningSim, SimConfig};
use serde_json::Value;

// ====================================================================== support

/// reqwest over real HTTP; counts answers by status (`None`: no answer).
#[derive(Clone)]
struct Reqwest {
    http: reqwest::Client,
    statuses: Arc<Mutex<HashMap<Option<u16>, usize>>>,
}

impl Reqwest {
    fn new() -> Self {
        Reqwest {
            http: reqwest::Client::new(),
            statuses: Arc::default(),
        }
    }
    fn count(&self, status: Option<u16>) -> usize {
        self.statuses
            .lock()
            .unwrap()
            .get(&status)
            .copied()
            .unwrap_or(0)
    }
}

impl Transport for Reqwest {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut b = self.http.request(method, &req.url);
        for (k, v) in &req.headers {
            b = b.header(k, v);
        }
        if let Some(body) = req.body {
            b = b.body(body);
        }
        let result = async {
            let resp = b.send().await?;
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                .collect();
            let body = resp.text().await?;
            Ok::<_, reqwest::Error>(HttpResponse {
                status,
                headers,
                body,
            })
        }
        .await;
        let status = result.as_ref().ok().map(|r| r.status);
        *self.statuses.lock().unwrap().entry(status).or_default() += 1;
        result.map_err(|e| TransportError::Network(format!("{e:?}")))
    }
}

/// Tokens by the password grant, cached per resource; a forced refresh asks the sim again.
struct SimTokens {
    http: reqwest::Client,
    token_url: String,
    cache: RefCell<HashMap<Resource, String>>,
    grants: Cell<u32>,
    forced: Cell<u32>,
}

impl SimTokens {
    fn new(sim: &RunningSim) -> Self {
        SimTokens {
            http: reqwest::Client::new(),
            token_url: format!("{}/oauth2/v2.0/token", sim.authority()),
            cache: RefCell::default(),
            grants: Cell::new(0),
            forced: Cell::new(0),
        }
    }
}

impl TokenSource for SimTokens {
    async fn token(&self, resource: Resource, force_refresh: bool) -> Result<String, AuthError> {
        if force_refresh {
            self.forced.set(self.forced.get() + 1);
        } else if let Some(t) = self.cache.borrow().get(&resource) {
            return Ok(t.clone());
        }
        let scope = match resource {
            Resource::Graph => "https://graph.microsoft.com/.default",
            Resource::Exchange => "https://outlook.office365.com/.default",
        };
        let form = [
            ("grant_type", "password"),
            ("client_id", SIM_CLIENT_ID),
            ("username", ADMIN_UPN),
            ("password", DEMO_PASSWORD),
            ("scope", scope),
        ];
        let body: Value = self
            .http
            .post(&self.token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| AuthError::Failed(e.to_string()))?
            .json()
            .await
            .map_err(|e| AuthError::Failed(e.to_string()))?;
        let token = body["access_token"]
            .as_str()
            .ok_or_else(|| AuthError::Failed(format!("no access_token: {body}")))?
            .to_owned();
        self.grants.set(self.grants.get() + 1);
        self.cache.borrow_mut().insert(resource, token.clone());
        Ok(token)
    }
}

struct TokioSleeper;

impl Sleeper for TokioSleeper {
    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

type Transp = LimitedTransport<Reqwest>;
type Graph = GraphClient<Transp, Rc<SimTokens>, TokioSleeper>;
type Exchange = ExchangeClient<Transp, Rc<SimTokens>, TokioSleeper>;

/// Patient enough that a handful of faults in a row is ridden out; short waits.
fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        base: Duration::from_millis(100),
        cap: Duration::from_secs(1),
        replication: ReplicationSchedule {
            delays: vec![Duration::from_millis(300); 15],
        },
    }
}

struct Env {
    sim: RunningSim,
    wire: Reqwest,
    tokens: Rc<SimTokens>,
    graph: Graph,
    exchange: Exchange,
}

impl Env {
    async fn start(knobs: Knobs) -> Env {
        let sim = guestlist_sim::start(SimConfig {
            knobs,
            ..SimConfig::default()
        })
        .await
        .expect("sim starts");
        let wire = Reqwest::new();
        let tokens = Rc::new(SimTokens::new(&sim));
        let graph = GraphClient::new(
            format!("{}/v1.0", sim.base_url()),
            LimitedTransport::new(wire.clone(), Limiter::new(4)),
            tokens.clone(),
            TokioSleeper,
        )
        .with_policy(policy());
        let exchange = ExchangeClient::new(
            sim.base_url(),
            TENANT_ID,
            ADMIN_UPN,
            LimitedTransport::new(wire.clone(), Limiter::new(4)),
            tokens.clone(),
            TokioSleeper,
        )
        .with_policy(policy());
        Env {
            sim,
            wire,
            tokens,
            graph,
            exchange,
        }
    }

    fn clients(&self) -> Clients<'_, Transp, Rc<SimTokens>, TokioSleeper> {
        Clients {
            graph: &self.graph,
            exchange: Some(&self.exchange),
        }
    }

    /// A seeded group of `kind` as the plan sees it.
    fn target(&self, kind: SimKind) -> TargetGroup {
        let t = self.sim.state.tenant.lock().unwrap();
        let g = t
            .groups()
            .iter()
            .find(|g| g.kind == kind && g.members().len() < 1000)
            .expect("a seeded group of that kind");
        let (kind, external_senders) = match kind {
            SimKind::Distribution => (
                GroupKind::Distribution,
                if g.require_sender_auth {
                    ExternalSenders::Rejected
                } else {
                    ExternalSenders::Allowed
                },
            ),
            SimKind::Unified => (
                GroupKind::Microsoft365,
                if g.allow_external_senders {
                    ExternalSenders::Allowed
                } else {
                    ExternalSenders::Rejected
                },
            ),
            other => panic!("not used here: {other:?}"),
        };
        TargetGroup {
            id: g.id.clone(),
            name: g.display_name.clone(),
            mail: g.mail.clone(),
            kind,
            external_senders,
            dynamic_membership: false,
            on_premises_synced: false,
        }
    }

    /// What bulk reads would find: every contact and user, the target groups' members, every
    /// recipient name (Exchange names are unique).
    fn snapshot(&self, groups: &[TargetGroup]) -> TenantSnapshot {
        let t = self.sim.state.tenant.lock().unwrap();
        let contacts = t
            .contacts()
            .iter()
            .filter_map(|c| {
                Some(ExistingContact {
                    id: c.id.clone(),
                    mail: EmailAddress::parse(&c.external_email).ok()?,
                    display_name: c.display_name.clone(),
                })
            })
            .collect();
        let users = t
            .users()
            .iter()
            .filter(|u| !u.bulk)
            .map(|u| ExistingUser {
                id: u.id.clone(),
                user_type: match u.user_type {
                    SimUserType::Guest => UserType::Guest,
                    SimUserType::Member => UserType::Member,
                },
                user_principal_name: u.user_principal_name.clone(),
                mail: u.mail.as_deref().and_then(|m| EmailAddress::parse(m).ok()),
                other_mails: u
                    .other_mails
                    .iter()
                    .filter_map(|m| EmailAddress::parse(m).ok())
                    .collect(),
                display_name: u.display_name.clone(),
            })
            .collect();
        let members = groups
            .iter()
            .map(|g| {
                let sim_group = t.group(&g.id).expect("target group");
                (
                    g.id.clone(),
                    sim_group.members().iter().cloned().collect::<HashSet<_>>(),
                )
            })
            .collect();
        let taken_names = t
            .contacts()
            .iter()
            .map(|c| c.name.clone())
            .chain(t.users().iter().map(|u| u.mail_nickname.clone()))
            .chain(t.groups().iter().map(|g| g.name.clone()))
            .collect();
        TenantSnapshot {
            contacts,
            users,
            members,
            taken_names,
        }
    }

    /// Contacts and guests holding `address`, and the target groups they are in.
    fn holders(&self, address: &str) -> Holders {
        let t = self.sim.state.tenant.lock().unwrap();
        let contacts: Vec<String> = t
            .contacts()
            .iter()
            .filter(|c| c.external_email.eq_ignore_ascii_case(address))
            .map(|c| c.id.clone())
            .collect();
        let guests: Vec<String> = t
            .users()
            .iter()
            .filter(|u| {
                u.user_type == SimUserType::Guest
                    && u.mail
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(address))
            })
            .map(|u| u.id.clone())
            .collect();
        let in_groups = t
            .groups()
            .iter()
            .filter(|g| contacts.iter().chain(&guests).any(|id| g.has_member(id)))
            .map(|g| g.id.clone())
            .collect();
        Holders {
            contacts,
            guests,
            in_groups,
        }
    }
}

struct Holders {
    contacts: Vec<String>,
    guests: Vec<String>,
    in_groups: HashSet<String>,
}

fn people(prefix: &str, n: usize) -> Vec<Desired> {
    (0..n)
        .map(|i| Desired {
            row: i as u64 + 2,
            person: PersonInput {
                email: format!("{prefix}.{i}@partner{}.example", i % 7),
                display_name: format!("{prefix} Partner {i}"),
                first_name: prefix.to_owned(),
                last_name: format!("Partner {i}"),
                // The sim has no Set-Contact (company): left empty here.
                company: String::new(),
            }
            .validate(),
        })
        .collect()
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
        if let guestlist::domain::journal::JournalEntry::Finished { op, result, .. } = e {
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
    let groups = [
        env.target(SimKind::Distribution),
        env.target(SimKind::Unified),
    ];
    let desired = people("bulk", 200);
    let plan = plan(
        &groups,
        &desired,
        &env.snapshot(&groups),
        &PlanOptions::default(),
    );
    // 200 × (contact, DG add, guest, M365 add) and the groups' optional fixes, accepted.
    assert!(plan.ops.len() >= 800, "{}", plan.ops.len());
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
        env.wire.count(Some(429)),
        env.wire.count(Some(503)),
        env.wire.count(None),
    );
    println!(
        "{} ops in {:?}: {throttled} × 429, {unavailable} × 503, {dropped} dropped; totals {:?}",
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
        400
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
    // Groups that rejected external senders are open now.
    let t = env.sim.state.tenant.lock().unwrap();
    let dg = t.group(&groups[0].id).unwrap();
    assert!(!dg.require_sender_auth);
    assert!(t.group(&groups[1].id).unwrap().allow_external_senders);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_mid_run_resumes_from_the_saved_journal_without_duplicates() {
    let env = Env::start(Knobs {
        latency_ms: 40,
        ..Knobs::default()
    })
    .await;
    let groups = [
        env.target(SimKind::Distribution),
        env.target(SimKind::Unified),
    ];
    let plan = plan(
        &groups,
        &people("crash", 40),
        &env.snapshot(&groups),
        &PlanOptions::default(),
    )
    .without_optional(|_| false);
    assert_eq!(plan.ops.len(), 160);
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
                    guestlist::domain::journal::OpState::Finished(OpResult::Done { .. })
                ),
                "{op}: {:?}",
                resumed.journal.state(*op)
            );
        }
    }
    // Nothing done before the crash was sent again.
    let started_after: usize = resumed.journal.entries[saved.entries.len()..]
        .iter()
        .filter(|e| matches!(e, guestlist::domain::journal::JournalEntry::Started { .. }))
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
    let groups = [
        env.target(SimKind::Distribution),
        env.target(SimKind::Unified),
    ];
    let plan = plan(
        &groups,
        // 160 requests per service, at most 4 at once, each ≥ 100 ms: the run lasts ≥ 4 s.
        &people("token", 80),
        &env.snapshot(&groups),
        &PlanOptions::default(),
    )
    .without_optional(|_| false);
    let store = MemoryJournalStore::new();
    let sign_in = Cell::new(false);
    let control = RunControl::new();
    let outcome = Executor::new(env.clients(), &store, SystemClock)
        .with_options(options())
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
        env.tokens.grants.get(),
        env.tokens.forced.get(),
        env.wire.count(Some(401)),
        outcome.progress.elapsed
    );
    assert!(
        outcome.progress.elapsed > Duration::from_secs(3),
        "the run outlived a token"
    );
    assert!(env.wire.count(Some(401)) > 0, "a token expired mid-run");
    assert!(env.tokens.forced.get() > 0);
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
    let groups = [
        env.target(SimKind::Distribution),
        env.target(SimKind::Unified),
    ];
    let plan = plan(
        &groups,
        &people("replica", 12),
        &env.snapshot(&groups),
        &PlanOptions::default(),
    )
    .without_optional(|_| false);
    let outcome = Executor::new(env.clients(), MemoryJournalStore::new(), SystemClock)
        .with_options(options())
        .run(&plan)
        .await
        .expect("run");
    let not_yet = env.wire.count(Some(400)) + env.wire.count(Some(404));
    println!("{not_yet} not-yet-replicated answers ridden out");
    assert!(not_yet > 0, "the replication delay was hit");
    assert_eq!(outcome.report.totals.done, 24);
    assert_sim_matches_report(&env, &plan, &outcome.report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn already_members_are_skipped_and_a_late_member_counts_as_skipped() {
    let env = Env::start(Knobs::default()).await;
    let groups = [
        env.target(SimKind::Distribution),
        env.target(SimKind::Unified),
    ];
    let first = people("member", 6);
    let plan1 = plan(
        &groups,
        &first,
        &env.snapshot(&groups),
        &PlanOptions::default(),
    )
    .without_optional(|_| false);
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
    // Someone adds row 9's contact to the DG after the plan was read (the contact exists
    // already, so the plan's create resolves to it): Exchange answers "already a member".
    let late = "member.9@partner2.example";
    env.exchange
        .new_mail_contact(&guestlist::tenant::NewMailContact {
            name: "Late Member".into(),
            external_email_address: late.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    env.exchange
        .add_distribution_group_member(
            groups[0].mail.as_deref().unwrap(),
            late,
            guestlist::tenant::ReplicationWait::None,
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
    let groups = [
        env.target(SimKind::Distribution),
        env.target(SimKind::Unified),
    ];
    let plan = plan(
        &groups,
        &people("script", 5),
        &env.snapshot(&groups),
        &PlanOptions::default(),
    )
    .without_optional(|_| false);
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
                        via: guestlist::domain::group::MembershipApi::Exchange,
                        ..
                    }
            )
        })
        .map(|o| o.id)
        .collect();
    assert_eq!(outcome.pending_script, exchange_ops);
    assert_eq!(outcome.progress.pending_script, 10);
    assert_eq!(outcome.progress.done, 10);
    // M365 rows done, DG rows pending (for the script), nothing in Exchange yet.
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
    assert_eq!(script.matches("New-MailContact -Name").count(), 5);
    assert_eq!(script.matches("Add-DistributionGroupMember").count(), 5);
}
