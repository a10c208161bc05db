//! The externals register's reads against the simulated tenant over HTTP: every contact, guest
//! and group, memberships from `$batch`ed member lists inverted per person, the requests it takes
//! (counted on the wire and against `register_read_requests`), and the register built from them.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use guestlist_core::domain::register::{
    AccessUntil, Day, ExternalKind, Filter, InvitationState, Register,
};
use guestlist_core::tenant::lookup::{register_read_requests, MEMBER_PAGE};
use guestlist_core::tenant::{
    ExchangeClient, GraphClient, HttpRequest, HttpResponse, Transport, TransportError,
};
use guestlist_sim::client::{SimTokens, SimTransport, TokioSleeper};
use guestlist_sim::seed::ACCESS_UNTIL_ATTRIBUTE;
use guestlist_sim::state::TENANT_ID;
use guestlist_sim::store::{GroupKind as SimKind, UserType, ADMIN_UPN};
use guestlist_sim::{RunningSim, SimConfig};

/// Counts every HTTP request that reaches the wire.
#[derive(Clone)]
struct Counting {
    inner: SimTransport,
    sent: Rc<Cell<usize>>,
}

impl Transport for Counting {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.set(self.sent.get() + 1);
        self.inner.send(req).await
    }
}

type Graph = GraphClient<Counting, Rc<SimTokens>, TokioSleeper>;

async fn start(large: bool) -> (RunningSim, Graph, Rc<Cell<usize>>, Rc<SimTokens>) {
    let sim = guestlist_sim::start(SimConfig {
        large_tenant: large,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");
    let sent = Rc::new(Cell::new(0));
    let tokens = Rc::new(SimTokens::new(&sim, ADMIN_UPN));
    let graph = GraphClient::new(
        format!("{}/v1.0", sim.base_url()),
        Counting {
            inner: SimTransport::new(),
            sent: sent.clone(),
        },
        tokens.clone(),
        TokioSleeper::default(),
    );
    (sim, graph, sent, tokens)
}

/// What the sim holds: each contact's and guest's groups (Graph-visible groups only).
struct Truth {
    contacts: usize,
    guests: usize,
    groups: usize,
    large_groups: usize,
    groups_of: HashMap<String, HashSet<String>>,
    kind_of: HashMap<String, ExternalKind>,
}

fn truth(sim: &RunningSim) -> Truth {
    let t = sim.state.tenant.lock().unwrap();
    let mut kind_of = HashMap::new();
    for c in t.contacts() {
        kind_of.insert(c.id.clone(), ExternalKind::Contact);
    }
    for u in t.users().iter().filter(|u| u.user_type == UserType::Guest) {
        kind_of.insert(u.id.clone(), ExternalKind::Guest);
    }
    let graph_groups: Vec<_> = t
        .groups()
        .iter()
        .filter(|g| g.kind != SimKind::DynamicDistribution)
        .collect();
    let mut groups_of: HashMap<String, HashSet<String>> = HashMap::new();
    for g in &graph_groups {
        for m in g.members() {
            if kind_of.contains_key(m) {
                groups_of.entry(m.clone()).or_default().insert(g.id.clone());
            }
        }
    }
    Truth {
        contacts: t.contacts().len(),
        guests: kind_of.len() - t.contacts().len(),
        groups: graph_groups.len(),
        large_groups: graph_groups
            .iter()
            .filter(|g| g.members().len() > MEMBER_PAGE)
            .count(),
        groups_of,
        kind_of,
    }
}

/// The register's memberships equal the sim's, person by person.
fn assert_memberships(register: &Register, truth: &Truth) {
    assert_eq!(register.people.len(), truth.kind_of.len());
    for p in &register.people {
        assert_eq!(Some(&p.kind), truth.kind_of.get(&p.id), "{}", p.name);
        let got: HashSet<String> = p
            .groups
            .iter()
            .map(|&g| register.groups[g as usize].id.clone())
            .collect();
        let want = truth.groups_of.get(&p.id).cloned().unwrap_or_default();
        assert_eq!(got, want, "{} ({})", p.name, p.address);
    }
}

#[tokio::test]
async fn the_default_tenant_reads_in_few_requests_and_inverts_memberships() {
    let (sim, graph, sent, _) = start(false).await;
    let truth = truth(&sim);
    assert_eq!(truth.large_groups, 1, "the 50,000-member list");
    // People first (the register's first rows), then the memberships.
    let mut reads = graph.register_people().await.expect("people");
    assert_eq!(reads.contacts.len(), truth.contacts);
    assert_eq!(reads.guests.len(), truth.guests);
    assert!(reads.groups.is_empty() && reads.members.is_empty());
    assert_eq!(reads.requests, 2);
    let first = Register::build(reads.source(ACCESS_UNTIL_ATTRIBUTE as u8));
    assert_eq!(first.people.len(), truth.kind_of.len());
    assert!(first.people.iter().all(|p| p.groups.is_empty()));
    graph
        .register_memberships(&mut reads)
        .await
        .expect("memberships");
    assert_eq!(reads.contacts.len(), truth.contacts);
    assert_eq!(reads.guests.len(), truth.guests);
    assert_eq!(reads.groups.len(), truth.groups);
    let want = register_read_requests(
        truth.contacts,
        truth.guests,
        truth.groups,
        truth.large_groups,
    );
    assert_eq!(reads.requests, want);
    // Token requests don't go through the transport: every request on the wire is a read.
    assert_eq!(sent.get(), want);
    // The guests came with the properties only $select brings.
    let mei = reads
        .guests
        .iter()
        .find(|u| u.mail.as_deref() == Some("mei.lin@tailspintoys.com"))
        .expect("seeded guest");
    assert_eq!(
        mei.external_user_state.as_deref(),
        Some("PendingAcceptance")
    );
    assert!(mei.external_user_state_change_date_time.is_some());
    assert!(mei.created_date_time.is_some());
    assert!(mei.on_premises_extension_attributes.is_some());

    let register = Register::build(reads.source(ACCESS_UNTIL_ATTRIBUTE as u8));
    assert_memberships(&register, &truth);
    let pending = register.filter(&Filter {
        invitation: Some(InvitationState::PendingAcceptance),
        ..Filter::default()
    });
    assert_eq!(pending.len(), 1);
    // Graph alone can't read contacts' custom attributes: not guessed.
    assert!(register
        .people
        .iter()
        .filter(|p| p.kind == ExternalKind::Contact)
        .all(|p| p.access_until == AccessUntil::NotAvailable));
}

#[tokio::test]
async fn one_person_is_read_with_every_group_they_are_in() {
    let (sim, graph, _, _) = start(false).await;
    let truth = truth(&sim);
    for (id, kind) in truth.kind_of.iter().take(40) {
        let reads = graph.register_person(*kind, id).await.expect("person");
        assert_eq!(reads.requests, 2);
        let register = Register::build(reads.source(ACCESS_UNTIL_ATTRIBUTE as u8));
        assert_eq!(register.people.len(), 1);
        let p = &register.people[0];
        assert_eq!((&p.id, p.kind), (id, *kind));
        let got: HashSet<String> = p
            .groups
            .iter()
            .map(|&g| register.groups[g as usize].id.clone())
            .collect();
        assert_eq!(got, truth.groups_of.get(id).cloned().unwrap_or_default());
    }
    assert!(matches!(
        graph
            .register_person(ExternalKind::Guest, "00000000-0000-0000-0000-000000000000")
            .await,
        Err(guestlist_core::tenant::TenantError::NotFound(_))
    ));
}

#[tokio::test]
async fn the_large_tenant_register_matches_the_sim_and_its_request_count() {
    let (sim, graph, sent, tokens) = start(true).await;
    let truth = truth(&sim);
    assert!(truth.contacts > 4_000 && truth.guests > 1_500 && truth.groups > 300);
    let reads = graph.register_reads().await.expect("register reads");
    let want = register_read_requests(
        truth.contacts,
        truth.guests,
        truth.groups,
        truth.large_groups,
    );
    assert_eq!((reads.requests, sent.get()), (want, want));
    // Against one memberOf per person.
    assert!(want * 100 < truth.contacts + truth.guests, "{want}");

    let mut source = reads.source(ACCESS_UNTIL_ATTRIBUTE as u8);
    // Direct mode: the contacts' creation dates and custom attributes from Exchange.
    let exchange = ExchangeClient::new(
        sim.base_url(),
        TENANT_ID,
        ADMIN_UPN,
        SimTransport::new(),
        tokens.clone(),
        TokioSleeper::default(),
    );
    let details = exchange
        .mail_contact_details()
        .await
        .expect("Get-MailContact");
    assert_eq!(details.len(), truth.contacts);
    source.add_exchange_contacts(&details, ACCESS_UNTIL_ATTRIBUTE as u8);
    let register = Register::build(source);
    assert_memberships(&register, &truth);

    // "Access ended" as of 2026-01-01 is exactly the people whose attribute 15 holds an
    // earlier date in the sim.
    let today = Day::parse("2026-01-01").unwrap();
    let expected: HashSet<String> = {
        let t = sim.state.tenant.lock().unwrap();
        let i = ACCESS_UNTIL_ATTRIBUTE - 1;
        let ended =
            |v: &Option<String>| v.as_deref().and_then(Day::parse).is_some_and(|d| d < today);
        t.contacts()
            .iter()
            .filter(|c| ended(&c.custom_attributes[i]))
            .map(|c| c.id.clone())
            .chain(
                t.users()
                    .iter()
                    .filter(|u| u.user_type == UserType::Guest && ended(&u.extension_attributes[i]))
                    .map(|u| u.id.clone()),
            )
            .collect()
    };
    assert!(!expected.is_empty());
    let ended: HashSet<String> = register
        .filter(&Filter {
            access_ended_by: Some(today),
            ..Filter::default()
        })
        .into_iter()
        .map(|i| register.people[i as usize].id.clone())
        .collect();
    assert_eq!(ended, expected);
    assert!(register
        .people
        .iter()
        .all(|p| p.access_until != AccessUntil::NotAvailable));
    let orphans = register.filter(&Filter {
        in_no_group: true,
        ..Filter::default()
    });
    let want_orphans = truth
        .kind_of
        .keys()
        .filter(|id| !truth.groups_of.contains_key(*id))
        .count();
    assert_eq!(orphans.len(), want_orphans);
    assert!(want_orphans > 0);
}
