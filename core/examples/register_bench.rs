//! The externals register against the large simulated tenant (`--large-tenant`), native, in-process
//! over real HTTP with 40 ms added latency per request: externals and groups, the requests the
//! reads took (and what `register_read_requests` says they should), the time to the first rows
//! (people without groups) and until every membership is known, building the register, one filter and one search pass, and the CSV
//! export; then the cross-tenant register a partner's admin (GDAP) reads over the seeded
//! customers, tenant by tenant with each tenant's own tokens: tenants, externals, requests,
//! time, and the one CSV with a tenant column. Prints, doesn't assert. Run: `cargo run --release -p guestlist-core --example
//! register_bench`.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    bench::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::rc::Rc;
    use std::time::{Duration, Instant};

    use guestlist_core::domain::csv_export::ExportOptions;
    use guestlist_core::domain::register::{Day, Filter, Register, Sort};
    use guestlist_core::tenant::lookup::{register_read_requests, MEMBER_PAGE};
    use guestlist_core::tenant::{ExchangeClient, GraphClient};
    use guestlist_sim::client::{SimTokens, SimTransport, TokioSleeper};
    use guestlist_sim::seed::ACCESS_UNTIL_ATTRIBUTE;
    use guestlist_sim::state::TENANT_ID;
    use guestlist_sim::store::{GroupKind, ADMIN_UPN};
    use guestlist_sim::{Knobs, SimConfig};

    const LATENCY_MS: u64 = 40;

    fn ms(d: Duration) -> String {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }

    pub fn main() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(run());
    }

    async fn run() {
        let sim = guestlist_sim::start(SimConfig {
            large_tenant: true,
            knobs: Knobs {
                latency_ms: LATENCY_MS,
                ..Knobs::default()
            },
            ..SimConfig::default()
        })
        .await
        .expect("sim starts");
        let (contacts, guests, groups, large) = {
            let t = sim.state.tenant.lock().expect("tenant");
            let graph_groups: Vec<_> = t
                .groups()
                .iter()
                .filter(|g| g.kind != GroupKind::DynamicDistribution)
                .collect();
            (
                t.contacts().len(),
                t.users()
                    .iter()
                    .filter(|u| u.user_type == guestlist_sim::store::UserType::Guest)
                    .count(),
                graph_groups.len(),
                graph_groups
                    .iter()
                    .filter(|g| g.members().len() > MEMBER_PAGE)
                    .count(),
            )
        };
        let tokens = Rc::new(SimTokens::new(&sim, ADMIN_UPN));
        let graph = GraphClient::new(
            format!("{}/v1.0", sim.base_url()),
            SimTransport::new(),
            tokens.clone(),
            TokioSleeper::default(),
        );
        let exchange = ExchangeClient::new(
            sim.base_url(),
            TENANT_ID,
            ADMIN_UPN,
            SimTransport::new(),
            tokens,
            TokioSleeper::default(),
        );
        println!("== the externals register, large tenant, {LATENCY_MS} ms per request");
        println!(
            "tenant: {contacts} mail contacts, {guests} guests, {groups} groups ({large} past a page of members)"
        );
        let start = Instant::now();
        let mut reads = graph.register_people().await.expect("people");
        let first_rows = start.elapsed();
        graph
            .register_memberships(&mut reads)
            .await
            .expect("memberships");
        let read_time = start.elapsed();
        println!(
            "Graph reads: {} requests (register_read_requests: {}); first rows (people, no groups yet) after {}, all memberships after {}",
            reads.requests,
            register_read_requests(contacts, guests, groups, large),
            ms(first_rows),
            ms(read_time)
        );
        let t = Instant::now();
        let details = exchange
            .mail_contact_details()
            .await
            .expect("Get-MailContact");
        println!(
            "Exchange (direct mode, contacts' dates and custom attributes): {} contacts in {}",
            details.len(),
            ms(t.elapsed())
        );
        let t = Instant::now();
        let n = ACCESS_UNTIL_ATTRIBUTE as u8;
        let mut source = reads.source(n);
        source.add_exchange_contacts(&details, n);
        let register = Register::build(source);
        println!(
            "register built: {} rows, {} groups, in {}",
            register.people.len(),
            register.groups.len(),
            ms(t.elapsed())
        );
        let today = Day::parse("2026-01-01").expect("day");
        let t = Instant::now();
        let ended = register.filter(&Filter {
            access_ended_by: Some(today),
            ..Filter::default()
        });
        println!(
            "filter pass (access ended): {} rows in {}",
            ended.len(),
            ms(t.elapsed())
        );
        let t = Instant::now();
        let hits = register.select(
            &Filter {
                search: "jansen".into(),
                ..Filter::default()
            },
            Sort::default(),
        );
        println!(
            "search + sort (\"jansen\"): {} rows in {}",
            hits.len(),
            ms(t.elapsed())
        );
        let all = register.filter(&Filter::default());
        let t = Instant::now();
        let csv = register.to_csv(&all, ExportOptions::default());
        println!(
            "CSV export: {} rows, {} KB in {}",
            all.len(),
            csv.len() / 1024,
            ms(t.elapsed())
        );
        println!(
            "one memberOf per person instead: {} requests",
            contacts + guests
        );
        cross_tenant(&sim).await;
    }

    /// The cross-tenant register: every seeded customer consented, the partner's admin reads
    /// each customer's register with tokens from that customer's authority, one after another.
    async fn cross_tenant(sim: &guestlist_sim::RunningSim) {
        use guestlist_sim::contract::{CUSTOMERS, PARTNER};
        let admin = format!("admin@{}", PARTNER.domain);
        for c in CUSTOMERS {
            sim.state.tenancy.consent(c.id);
        }
        println!(
            "== the cross-tenant register (partners, GDAP): {} customers, {LATENCY_MS} ms per request",
            CUSTOMERS.len()
        );
        let start = Instant::now();
        let mut registers = Vec::new();
        let mut requests = 0;
        for c in CUSTOMERS {
            let graph = GraphClient::new(
                format!("{}/v1.0", sim.base_url()),
                SimTransport::new(),
                SimTokens::in_tenant(sim, &admin, c.id),
                TokioSleeper::default(),
            );
            let mut reads = graph.register_people().await.expect("people");
            graph
                .register_memberships(&mut reads)
                .await
                .expect("memberships");
            requests += reads.requests;
            let register = Register::build(reads.source(ACCESS_UNTIL_ATTRIBUTE as u8));
            println!(
                "  {}: {} externals, {} groups, {} requests",
                c.name,
                register.people.len(),
                register.groups.len(),
                reads.requests
            );
            registers.push((c.name, register));
        }
        let read_time = start.elapsed();
        let rows: Vec<Vec<u32>> = registers
            .iter()
            .map(|(_, r)| r.filter(&Filter::default()))
            .collect();
        let parts: Vec<_> = registers
            .iter()
            .zip(&rows)
            .map(|((name, r), rows)| (*name, r, rows.as_slice()))
            .collect();
        let t = Instant::now();
        let csv = Register::tenants_csv(&parts, ExportOptions::default());
        let externals: usize = rows.iter().map(Vec::len).sum();
        println!(
            "cross-tenant register: {} tenants, {externals} externals, {requests} Graph requests, read in {}; one CSV with a tenant column: {} lines, {} KB in {}",
            registers.len(),
            ms(read_time),
            csv.trim_end().lines().count(),
            csv.len().div_ceil(1024),
            ms(t.elapsed())
        );
    }
}
