//! The benchmark itself (native only: it starts the simulated tenant in-process).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::time::{Duration, Instant};

use guestlist::domain::csv_import::{import, synthetic_csv};
use guestlist::domain::group::{ExternalSenders, GroupKind};
use guestlist::domain::person::PersonInput;
use guestlist::domain::plan::{
    plan, Desired, ExistingContact, Operation, PlanOptions, TargetGroup, TenantSnapshot,
};
use guestlist::domain::retry::RetryPolicy;
use guestlist::run::{
    Clients, Executor, ExecutorOptions, LimitedTransport, Limiter, MemoryJournalStore, SystemClock,
};
use guestlist::tenant::{
    AuthError, ExchangeClient, GraphClient, HttpRequest, HttpResponse, Method, Resource, Sleeper,
    TokenSource, Transport, TransportError,
};
use guestlist_sim::identity::SIM_CLIENT_ID;
use guestlist_sim::state::TENANT_ID;
use guestlist_sim::store::{GroupKind as SimKind, ADMIN_UPN, DEMO_PASSWORD};
use guestlist_sim::{Knobs, SimConfig};

const ROWS: usize = 1000;
const LATENCY_MS: u64 = 100;
const EXCHANGE_REQUESTS: usize = 4;

/// reqwest, counting answers by status (`None`: no answer).
#[derive(Clone)]
struct Reqwest {
    http: reqwest::Client,
    statuses: Rc<RefCell<HashMap<Option<u16>, usize>>>,
    /// Time spent on the wire, summed over requests.
    busy: Rc<RefCell<Duration>>,
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
        let sent = Instant::now();
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
        *self.busy.borrow_mut() += sent.elapsed();
        let status = result.as_ref().ok().map(|r| r.status);
        *self.statuses.borrow_mut().entry(status).or_default() += 1;
        result.map_err(|e| TransportError::Network(format!("{e:?}")))
    }
}

/// Password-grant tokens, cached per resource.
struct SimTokens {
    http: reqwest::Client,
    token_url: String,
    cache: RefCell<HashMap<Resource, String>>,
}

impl TokenSource for SimTokens {
    async fn token(&self, resource: Resource, force_refresh: bool) -> Result<String, AuthError> {
        if !force_refresh {
            if let Some(t) = self.cache.borrow().get(&resource) {
                return Ok(t.clone());
            }
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
        let body: serde_json::Value = self
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(bulk_into_distribution_group());
    csv_plan_10k();
}

async fn bulk_into_distribution_group() {
    let sim = guestlist_sim::start(SimConfig {
        knobs: Knobs {
            latency_ms: LATENCY_MS,
            throttle_fraction: 0.05,
            retry_after_secs: 1,
            ..Knobs::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");

    // The target and what bulk reads would find (taken names, so contact names are unique).
    let (group, snapshot) = {
        let t = sim.state.tenant.lock().unwrap();
        let g = t
            .groups()
            .iter()
            .find(|g| g.kind == SimKind::Distribution && g.members().len() < 1000)
            .expect("a seeded distribution group");
        let group = TargetGroup {
            id: g.id.clone(),
            name: g.display_name.clone(),
            mail: g.mail.clone(),
            kind: GroupKind::Distribution,
            external_senders: ExternalSenders::Allowed,
            dynamic_membership: false,
            on_premises_synced: false,
        };
        let snapshot = TenantSnapshot {
            contacts: t
                .contacts()
                .iter()
                .filter_map(|c| {
                    Some(ExistingContact {
                        id: c.id.clone(),
                        mail: guestlist::domain::email::EmailAddress::parse(&c.external_email)
                            .ok()?,
                        display_name: c.display_name.clone(),
                    })
                })
                .collect(),
            users: Vec::new(),
            members: HashMap::from([(
                g.id.clone(),
                g.members().iter().cloned().collect::<HashSet<_>>(),
            )]),
            taken_names: t
                .contacts()
                .iter()
                .map(|c| c.name.clone())
                .chain(t.users().iter().map(|u| u.mail_nickname.clone()))
                .chain(t.groups().iter().map(|g| g.name.clone()))
                .collect(),
        };
        (group, snapshot)
    };
    let desired: Vec<Desired> = (0..ROWS)
        .map(|i| Desired {
            row: i as u64 + 2,
            person: PersonInput {
                email: format!("bench.{i}@partner{}.example", i % 13),
                display_name: format!("Bench Partner {i}"),
                ..PersonInput::default()
            }
            .validate(),
        })
        .collect();
    // Not hidden: the bound counts New-MailContact and Add-DistributionGroupMember per row (a
    // hidden contact costs one Set-MailContact more).
    let options = PlanOptions {
        hide_contacts: false,
        ..PlanOptions::default()
    };
    let plan = plan(std::slice::from_ref(&group), &desired, &snapshot, &options)
        .without_optional(|_| false);
    let n: usize = plan
        .ops
        .iter()
        .map(|o| match &o.op {
            Operation::CreateContact {
                hidden, company, ..
            } => 1 + usize::from(*hidden) + usize::from(company.is_some()),
            Operation::AddMember { .. } | Operation::OpenExternalSenders { .. } => 1,
            Operation::InviteGuest { .. } => 0,
        })
        .sum();

    let wire = Reqwest {
        http: reqwest::Client::new(),
        statuses: Rc::default(),
        busy: Rc::default(),
    };
    let tokens = Rc::new(SimTokens {
        http: reqwest::Client::new(),
        token_url: format!("{}/oauth2/v2.0/token", sim.authority()),
        cache: RefCell::default(),
    });
    let exchange_limit = Limiter::new(EXCHANGE_REQUESTS);
    let policy = RetryPolicy {
        max_attempts: 10,
        ..RetryPolicy::default()
    };
    let graph = GraphClient::new(
        format!("{}/v1.0", sim.base_url()),
        LimitedTransport::new(wire.clone(), Limiter::new(4)),
        tokens.clone(),
        TokioSleeper,
    )
    .with_policy(policy.clone());
    let exchange = ExchangeClient::new(
        sim.base_url(),
        TENANT_ID,
        ADMIN_UPN,
        LimitedTransport::new(wire.clone(), exchange_limit.clone()),
        tokens.clone(),
        TokioSleeper,
    )
    .with_policy(policy);
    // Tokens first, so the timed run measures the Exchange calls.
    tokens
        .token(Resource::Exchange, false)
        .await
        .expect("token");

    let store = MemoryJournalStore::new();
    let executor = Executor::new(
        Clients {
            graph: &graph,
            exchange: Some(&exchange),
        },
        &store,
        SystemClock,
    )
    // Operations waiting out a Retry-After hold no request slot: more operations under way
    // than requests on the wire keeps all 4 slots busy.
    .with_options(ExecutorOptions {
        exchange_concurrency: 3 * EXCHANGE_REQUESTS,
        ..ExecutorOptions::default()
    });
    let started = Instant::now();
    let outcome = executor.run(&plan).await.expect("run");
    let wall = started.elapsed();

    // Lost and duplicated rows, from the sim's state.
    let (mut lost, mut duplicated) = (0, 0);
    {
        let t = sim.state.tenant.lock().unwrap();
        let dg = t.group(&group.id).expect("group");
        let mut by_address: HashMap<String, Vec<&str>> = HashMap::new();
        for c in t.contacts() {
            by_address
                .entry(c.external_email.to_lowercase())
                .or_default()
                .push(&c.id);
        }
        for d in &desired {
            let address = d.person.as_ref().expect("valid").email.key().to_owned();
            let ids = by_address.get(&address).cloned().unwrap_or_default();
            if ids.len() > 1 {
                duplicated += 1;
            }
            if !ids.iter().any(|id| dg.has_member(id)) {
                lost += 1;
            }
        }
    }
    let statuses = wire.statuses.borrow().clone();
    let requests: usize = statuses.values().sum();
    let busy = *wire.busy.borrow();
    let bound = Duration::from_millis(n as u64 * LATENCY_MS / EXCHANGE_REQUESTS as u64);
    println!("== {ROWS} externals into one distribution group");
    println!(
        "   sim: {LATENCY_MS} ms latency per request, 5% 429 with Retry-After 1 s; client: {EXCHANGE_REQUESTS} Exchange requests in flight (peak seen {})",
        exchange_limit.peak()
    );
    println!(
        "   answers: {} × 200, {} × 429, {} without answer",
        statuses.get(&Some(200)).copied().unwrap_or(0),
        statuses.get(&Some(429)).copied().unwrap_or(0),
        statuses.get(&None).copied().unwrap_or(0)
    );
    println!(
        "   wall time {:.2} s; bound N·L/C = {n} × {LATENCY_MS} ms / {EXCHANGE_REQUESTS} = {:.2} s; ratio {:.3} (goal ≤ 1.3)",
        wall.as_secs_f64(),
        bound.as_secs_f64(),
        wall.as_secs_f64() / bound.as_secs_f64()
    );
    println!(
        "   report: {} done, {} skipped, {} failed, {} pending; rows lost {lost}, duplicated {duplicated} (goal 0)",
        outcome.report.totals.done,
        outcome.report.totals.skipped,
        outcome.report.totals.failed,
        outcome.report.totals.pending
    );
    let mean = busy / requests.max(1) as u32;
    let floor = mean * requests as u32 / EXCHANGE_REQUESTS as u32;
    println!(
        "   {requests} requests (429s included), {:.1} ms each on average (latency {LATENCY_MS} ms + the sim's own time); slots busy {:.0}% of the wall time",
        ms(mean),
        100.0 * busy.as_secs_f64() / (wall.as_secs_f64() * EXCHANGE_REQUESTS as f64)
    );
    println!(
        "   floor with the measured request time: {requests} × {:.1} ms / {EXCHANGE_REQUESTS} = {:.2} s; wall / floor {:.3} (the executor's own overhead)",
        ms(mean),
        floor.as_secs_f64(),
        wall.as_secs_f64() / floor.as_secs_f64()
    );
    // The machine is shared: its load explains request times well above the latency.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "   load average during the run: {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    sim.shutdown().await;
}

fn csv_plan_10k() {
    let csv = synthetic_csv(10_000);
    let t0 = Instant::now();
    let imported = import(csv.as_bytes()).expect("import");
    let validated = imported.validated.expect("e-mail column recognised");
    let desired = validated.desired();
    let t1 = Instant::now();
    let groups = [TargetGroup {
        id: "dg".into(),
        name: "Partners".into(),
        mail: Some("partners@contoso.com".into()),
        kind: GroupKind::Distribution,
        external_senders: ExternalSenders::Rejected,
        dynamic_membership: false,
        on_premises_synced: false,
    }];
    let p = plan(
        &groups,
        &desired,
        &TenantSnapshot::default(),
        &PlanOptions::default(),
    );
    let t2 = Instant::now();
    println!("== 10,000 CSV rows (csv_import::synthetic_csv), natively");
    println!(
        "   parse + validate {:.1} ms ({} valid, {} invalid); plan {:.1} ms ({} operations); total {:.1} ms",
        ms(t1 - t0),
        validated.valid_count(),
        validated.invalid_count(),
        ms(t2 - t1),
        p.ops.len(),
        ms(t2 - t0)
    );
}
