//! The benchmark itself (native only: it starts the simulated tenant in-process).

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::{Duration, Instant};

use guestlist_core::domain::csv_import::{import, synthetic_csv};
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::person::PersonInput;
use guestlist_core::domain::plan::{
    plan, Desired, Operation, PlanOptions, TargetGroup, TenantSnapshot,
};
use guestlist_core::domain::retry::RetryPolicy;
use guestlist_core::run::{
    Clients, Executor, ExecutorOptions, LimitedTransport, Limiter, MemoryJournalStore, SystemClock,
    WriteBudget,
};
use guestlist_core::tenant::{ExchangeClient, GraphClient, Resource, TokenSource};
use guestlist_sim::client::{snapshot, target_group, SimTokens, SimTransport, TokioSleeper, Wire};
use guestlist_sim::state::TENANT_ID;
use guestlist_sim::store::{GroupKind as SimKind, ADMIN_UPN};
use guestlist_sim::{Knobs, SimConfig};

const ROWS: usize = 1000;
const GUESTS: usize = 2000;
const LATENCY_MS: u64 = 100;
const EXCHANGE_REQUESTS: usize = 4;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!("== {ROWS} externals into one distribution group");
    rt.block_on(bulk_into_distribution_group(200, 0, 0.0, true));
    rt.block_on(bulk_into_distribution_group(ROWS, LATENCY_MS, 0.05, false));
    println!("== {GUESTS} new guests into one Microsoft 365 group");
    rt.block_on(bulk_into_m365_group(GUESTS, LATENCY_MS));
    csv_plan_10k();
}

/// One run of `rows` externals into a distribution group, against a sim answering each request
/// after `latency_ms` and `throttle_fraction` of them with 429. `calibration`: only print the
/// request times (what the sim and the machine add to the latency).
async fn bulk_into_distribution_group(
    rows: usize,
    latency_ms: u64,
    throttle_fraction: f64,
    calibration: bool,
) {
    let sim = guestlist_sim::start(SimConfig {
        knobs: Knobs {
            latency_ms,
            throttle_fraction,
            retry_after_secs: 1,
            ..Knobs::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");

    // The target and what bulk reads would find (taken names, so contact names are unique).
    let group = target_group(&sim, SimKind::Distribution);
    let snapshot = snapshot(&sim, std::slice::from_ref(&group));
    let desired: Vec<Desired> = (0..rows)
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
    // N: the Exchange calls the plan needs when nothing goes wrong, by cmdlet.
    let mut needed: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &plan.ops {
        let calls: &[(&str, bool)] = match &o.op {
            Operation::CreateContact {
                hidden, company, ..
            } => &[
                ("New-MailContact", true),
                ("Set-MailContact", *hidden),
                ("Set-Contact", company.is_some()),
            ],
            Operation::AddMember { .. } => &[("Add-DistributionGroupMember", true)],
            Operation::OpenExternalSenders { .. } | Operation::EditSenderList { .. } => {
                &[("Set-DistributionGroup", true)]
            }
            Operation::RemoveMember { .. } => &[("Remove-DistributionGroupMember", true)],
            Operation::DeleteContact { .. } => &[("Remove-MailContact", true)],
            Operation::EditContact { .. } | Operation::SetAccessUntil { .. } => {
                &[("Set-MailContact", true)]
            }
            Operation::InviteGuest { .. }
            | Operation::DeleteGuest { .. }
            | Operation::RestoreGuest { .. }
            | Operation::ResendInvitation { .. } => &[],
        };
        for (cmdlet, _) in calls.iter().filter(|(_, needed)| *needed) {
            *needed.entry(cmdlet).or_default() += 1;
        }
    }
    let n: usize = needed.values().sum();
    let calls_per_row = needed
        .iter()
        .map(|(cmdlet, k)| format!("{cmdlet} {:.2}", *k as f64 / rows as f64))
        .collect::<Vec<_>>()
        .join(" + ");

    let wire = SimTransport::new();
    let tokens = Rc::new(SimTokens::new(&sim, ADMIN_UPN));
    let exchange_limit = Limiter::new(EXCHANGE_REQUESTS);
    let policy = RetryPolicy {
        max_attempts: 10,
        ..RetryPolicy::default()
    };
    let graph = GraphClient::new(
        format!("{}/v1.0", sim.base_url()),
        LimitedTransport::new(wire.clone(), Limiter::new(4)),
        tokens.clone(),
        TokioSleeper::default(),
    )
    .with_policy(policy.clone());
    let exchange_sleeper = TokioSleeper::default();
    let exchange = ExchangeClient::new(
        sim.base_url(),
        TENANT_ID,
        ADMIN_UPN,
        LimitedTransport::new(wire.clone(), exchange_limit.clone()),
        tokens.clone(),
        exchange_sleeper.clone(),
    )
    .with_policy(policy);
    // Tokens first, so the timed run measures the Exchange calls.
    tokens
        .token(Resource::Exchange, false)
        .await
        .expect("token");

    let store = MemoryJournalStore::new();
    // Operations waiting out a Retry-After hold no request slot: more operations under way
    // than requests on the wire keeps all 4 slots busy.
    let options = ExecutorOptions {
        exchange_concurrency: 3 * EXCHANGE_REQUESTS,
        ..ExecutorOptions::default()
    };
    let executor = Executor::new(
        Clients {
            graph: &graph,
            exchange: Some(&exchange),
        },
        &store,
        SystemClock,
    )
    .with_options(options.clone());
    let cpu_before = process_cpu();
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
    let log: Vec<Wire> = wire.log().all();
    let cpu = process_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let requests = log.len();
    let took: Vec<Duration> = log.iter().map(Wire::took).collect();
    if calibration {
        let per_cmdlet = |cmdlet: &str| {
            let t: Vec<Duration> = log
                .iter()
                .filter(|w| w.what == cmdlet)
                .map(Wire::took)
                .collect();
            ms(t.iter().sum::<Duration>() / t.len().max(1) as u32)
        };
        println!(
            "   calibration, {rows} rows at L = {latency_ms} ms without 429s: {requests} requests in {:.2} s; request time mean {:.1} ms, median {:.1} ms (New-MailContact {:.1} ms, Add-DistributionGroupMember {:.1} ms): the sim's own time and the client's, on this machine now",
            wall.as_secs_f64(),
            ms(took.iter().sum::<Duration>() / requests.max(1) as u32),
            ms(percentile(&took, 50)),
            per_cmdlet("New-MailContact"),
            per_cmdlet("Add-DistributionGroupMember"),
        );
        sim.shutdown().await;
        return;
    }
    let l = Duration::from_millis(latency_ms);
    let c = EXCHANGE_REQUESTS as u32;
    let bound = l * n as u32 / c;
    let ratio = |d: Duration| wall.as_secs_f64() / d.as_secs_f64();
    println!(
        "   sim: L = {latency_ms} ms latency per request, {:.0}% answered 429 with Retry-After 1 s; client: C = {EXCHANGE_REQUESTS} Exchange requests on the wire at most (peak seen {}), {} operations under way",
        throttle_fraction * 100.0,
        exchange_limit.peak(),
        options.exchange_concurrency
    );
    println!(
        "   wall time {:.2} s; bound N·L/C = {n} × {latency_ms} ms / {EXCHANGE_REQUESTS} = {:.2} s; ratio {:.3} (goal ≤ 1.3)",
        wall.as_secs_f64(),
        bound.as_secs_f64(),
        ratio(bound)
    );
    println!(
        "     N = the calls the plan needs, {:.2} a row ({}); not in N: requests repeated after a 429 (each costs L too) and the sim's own time per request",
        n as f64 / rows as f64,
        calls_per_row
    );
    println!(
        "   report: {} done, {} skipped, {} failed, {} pending; rows lost {lost}, duplicated {duplicated} (goal 0)",
        outcome.report.totals.done,
        outcome.report.totals.skipped,
        outcome.report.totals.failed,
        outcome.report.totals.pending
    );
    // Where the time went.
    let mut by_what: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for w in &log {
        let e = by_what.entry(w.what.as_str()).or_default();
        match w.status {
            Some(s) if s < 400 => e.0 += 1,
            Some(429) => e.1 += 1,
            _ => e.2 += 1,
        }
    }
    println!(
        "   requests sent: {requests} ({:.2} a row)",
        requests as f64 / rows as f64
    );
    for (what, (ok, throttled, other)) in &by_what {
        println!(
            "     {what:<32} {ok:>5} answered, {throttled:>4} × 429, {other:>3} other ({:.2} a row)",
            (ok + throttled + other) as f64 / rows as f64
        );
    }
    let busy: Duration = took.iter().sum();
    let mean = busy / requests.max(1) as u32;
    let repeats = l * requests as u32 / c;
    let floor = mean * requests as u32 / c;
    println!(
        "   with the repeats: {requests} × {latency_ms} ms / {EXCHANGE_REQUESTS} = {:.2} s (ratio {:.3})",
        repeats.as_secs_f64(),
        ratio(repeats)
    );
    println!(
        "   request time: mean {:.1} ms, median {:.1} ms, 95th percentile {:.1} ms (L = {latency_ms} ms; the rest is the sim's own time and the machine)",
        ms(mean),
        ms(percentile(&took, 50)),
        ms(percentile(&took, 95)),
    );
    println!(
        "   with the measured request time: {requests} × {:.1} ms / {EXCHANGE_REQUESTS} = {:.2} s; wall / that {:.3} (idle slots: the executor's share)",
        ms(mean),
        floor.as_secs_f64(),
        ratio(floor)
    );
    let occupancy = occupancy(&log, started, started + wall);
    println!(
        "   requests on the wire, share of the wall time: {}",
        occupancy
            .iter()
            .enumerate()
            .map(|(k, share)| format!("{k}: {:.1}%", 100.0 * share))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let asked = exchange_sleeper.asked();
    println!(
        "   waits (Retry-After, backoff, replication): {} asked, {:.1} s in all; they hold no request slot",
        asked.len(),
        asked.iter().sum::<Duration>().as_secs_f64()
    );
    if let Some(cpu) = cpu {
        println!(
            "   CPU of this process (sim + client) during the run: {:.1} s, {:.0}% of one core",
            cpu.as_secs_f64(),
            100.0 * cpu.as_secs_f64() / wall.as_secs_f64()
        );
    }
    // The machine is shared: its load explains request times well above the latency.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "   load average after the run: {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    sim.shutdown().await;
}

/// `rows` new guests into one Microsoft 365 group (an invitation and a member add each: two
/// Graph writes a row), against a sim enforcing Graph's write budgets scaled down to a short
/// window: per app and tenant 300 writes per 3 s (100 a second; documented 3,000 per 150 s), per
/// tenant 1,800 per 6 s (documented 18,000 per 5 min, here 3 × the app's rate as documented).
/// The executor paces to the same budgets (its default share: all of them) and batches 20 writes.
async fn bulk_into_m365_group(rows: usize, latency_ms: u64) {
    let app = WriteBudget {
        limit: 300,
        window: Duration::from_secs(3),
    };
    let tenant = WriteBudget {
        limit: 1_800,
        window: Duration::from_secs(6),
    };
    let sim = guestlist_sim::start(SimConfig {
        knobs: Knobs {
            latency_ms,
            graph_app_write_limit: app.limit,
            graph_app_write_window_ms: app.window.as_millis() as u64,
            graph_tenant_write_limit: tenant.limit,
            graph_tenant_write_window_ms: tenant.window.as_millis() as u64,
            ..Knobs::default()
        },
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");
    let group = target_group(&sim, SimKind::Unified);
    let snapshot = snapshot(&sim, std::slice::from_ref(&group));
    let desired: Vec<Desired> = (0..rows)
        .map(|i| Desired {
            row: i as u64 + 2,
            person: PersonInput {
                email: format!("guest.{i}@partner{}.example", i % 17),
                display_name: format!("Guest Partner {i}"),
                ..PersonInput::default()
            }
            .validate(),
        })
        .collect();
    let plan = plan(
        std::slice::from_ref(&group),
        &desired,
        &snapshot,
        &PlanOptions::default(),
    )
    .without_optional(|_| false);
    let writes = plan.ops.len();

    let wire = SimTransport::new();
    let tokens = Rc::new(SimTokens::new(&sim, ADMIN_UPN));
    let graph_limit = Limiter::new(4);
    let graph = GraphClient::new(
        format!("{}/v1.0", sim.base_url()),
        LimitedTransport::new(wire.clone(), graph_limit.clone()),
        tokens.clone(),
        TokioSleeper::default(),
    )
    .with_policy(RetryPolicy {
        max_attempts: 10,
        ..RetryPolicy::default()
    });
    tokens.token(Resource::Graph, false).await.expect("token");
    let options = ExecutorOptions {
        graph_write_budgets: vec![app, tenant],
        ..ExecutorOptions::default()
    };
    let store = MemoryJournalStore::new();
    let executor = Executor::new(
        Clients {
            graph: &graph,
            exchange: None,
        },
        &store,
        SystemClock,
    )
    .with_options(options.clone());
    let started = Instant::now();
    let outcome = executor.run(&plan).await.expect("run");
    let wall = started.elapsed();

    let (mut lost, mut duplicated) = (0, 0);
    {
        let t = sim.state.tenant.lock().unwrap();
        let g = t.group(&group.id).expect("group");
        let mut by_address: HashMap<String, Vec<&str>> = HashMap::new();
        for u in t.users() {
            if let Some(mail) = &u.mail {
                by_address
                    .entry(mail.to_lowercase())
                    .or_default()
                    .push(&u.id);
            }
        }
        for d in &desired {
            let address = d.person.as_ref().expect("valid").email.key().to_owned();
            let ids = by_address.get(&address).cloned().unwrap_or_default();
            if ids.len() > 1 {
                duplicated += 1;
            }
            if !ids.iter().any(|id| g.has_member(id)) {
                lost += 1;
            }
        }
    }
    let counts = sim.state.graph_writes.counts();
    let log: Vec<Wire> = wire.log().all();
    let per_sec = f64::from(app.limit) / app.window.as_secs_f64();
    let bound = writes as f64 / per_sec;
    println!(
        "   sim: L = {latency_ms} ms per request; write budget {} per {} s per app and tenant, {} per {} s per tenant; client: batches of {}, {} Graph requests on the wire at most (peak seen {}), paced to {} % of the budgets",
        app.limit,
        app.window.as_secs(),
        tenant.limit,
        tenant.window.as_secs(),
        options.graph_batch_size,
        options.graph_concurrency,
        graph_limit.peak(),
        options.graph_write_use_percent,
    );
    println!(
        "   wall time {:.2} s; bound writes ÷ allowed writes a second = {writes} ÷ {per_sec:.0} = {bound:.2} s; ratio {:.3} (goal ≤ 1.10)",
        wall.as_secs_f64(),
        wall.as_secs_f64() / bound
    );
    let attempted = counts.admitted + counts.throttled;
    println!(
        "   writes: {} planned, {} reached Graph ({} admitted, {} × 429: {:.2} % throttled, goal ≤ 2 %)",
        writes,
        attempted,
        counts.admitted,
        counts.throttled,
        100.0 * counts.throttled as f64 / attempted.max(1) as f64
    );
    let mut by_what: BTreeMap<&str, usize> = BTreeMap::new();
    for w in &log {
        *by_what.entry(w.what.as_str()).or_default() += 1;
    }
    println!(
        "   requests sent: {} ({})",
        log.len(),
        by_what
            .iter()
            .map(|(what, n)| format!("{what} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "   report: {} done, {} skipped, {} failed, {} pending; rows lost {lost}, duplicated {duplicated} (goal 0)",
        outcome.report.totals.done,
        outcome.report.totals.skipped,
        outcome.report.totals.failed,
        outcome.report.totals.pending
    );
    sim.shutdown().await;
}

/// The `p`th percentile (nearest rank) of `v`.
fn percentile(v: &[Duration], p: usize) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v.get((v.len() * p / 100).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// Share of `[from, to]` with 0, 1, 2, … requests on the wire.
fn occupancy(log: &[Wire], from: Instant, to: Instant) -> Vec<f64> {
    let mut edges: Vec<(Instant, i32)> = log
        .iter()
        .flat_map(|w| [(w.sent, 1), (w.received, -1)])
        .collect();
    edges.sort();
    let mut shares = [Duration::ZERO; EXCHANGE_REQUESTS + 1];
    let (mut at, mut k) = (from, 0i32);
    for (t, d) in edges {
        let t = t.clamp(from, to);
        let slot = (k.max(0) as usize).min(EXCHANGE_REQUESTS);
        shares[slot] += t - at;
        at = t;
        k += d;
    }
    shares[0] += to.saturating_duration_since(at);
    let total = (to - from).as_secs_f64();
    shares.iter().map(|d| d.as_secs_f64() / total).collect()
}

/// User + system CPU time of this process so far (Linux).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses): utime and stime are the 12th
    // and 13th, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
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
