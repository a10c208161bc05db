//! What the native suites against the simulated tenant share: the sim started in-process,
//! the clients over real HTTP (reqwest) with a patient retry policy, and the sim's own view of
//! who holds an address.
#![allow(dead_code)]

use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;

use guestlist_core::domain::person::PersonInput;
use guestlist_core::domain::plan::Desired;
use guestlist_core::domain::retry::{ReplicationSchedule, RetryPolicy};
use guestlist_core::run::{Clients, LimitedTransport, Limiter};
use guestlist_core::tenant::{ExchangeClient, GraphClient};
use guestlist_sim::client::{SimTokens, SimTransport, TokioSleeper};
use guestlist_sim::state::TENANT_ID;
use guestlist_sim::store::{UserType as SimUserType, ADMIN_UPN};
use guestlist_sim::{Knobs, RunningSim, SimConfig};

pub type Transp = LimitedTransport<SimTransport>;
pub type Graph = GraphClient<Transp, Rc<SimTokens>, TokioSleeper>;
pub type Exchange = ExchangeClient<Transp, Rc<SimTokens>, TokioSleeper>;

/// Patient enough that a handful of faults in a row is ridden out; short waits.
pub fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        base: Duration::from_millis(100),
        cap: Duration::from_secs(1),
        replication: ReplicationSchedule {
            delays: vec![Duration::from_millis(300); 15],
        },
    }
}

pub struct Env {
    pub sim: RunningSim,
    pub wire: SimTransport,
    pub tokens: Rc<SimTokens>,
    pub graph: Graph,
    pub exchange: Exchange,
}

impl Env {
    pub async fn start(knobs: Knobs) -> Env {
        let sim = guestlist_sim::start(SimConfig {
            knobs,
            ..SimConfig::default()
        })
        .await
        .expect("sim starts");
        let wire = SimTransport::new();
        let tokens = Rc::new(SimTokens::new(&sim, ADMIN_UPN));
        let graph = GraphClient::new(
            format!("{}/v1.0", sim.base_url()),
            LimitedTransport::new(wire.clone(), Limiter::new(4)),
            tokens.clone(),
            TokioSleeper::default(),
        )
        .with_policy(policy());
        let exchange = ExchangeClient::new(
            sim.base_url(),
            TENANT_ID,
            ADMIN_UPN,
            LimitedTransport::new(wire.clone(), Limiter::new(4)),
            tokens.clone(),
            TokioSleeper::default(),
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

    pub fn clients(&self) -> Clients<'_, Transp, Rc<SimTokens>, TokioSleeper> {
        Clients {
            graph: &self.graph,
            exchange: Some(&self.exchange),
        }
    }

    /// The ids of every guest the sim holds.
    pub fn guest_ids(&self) -> HashSet<String> {
        let t = self.sim.state.tenant.lock().unwrap();
        t.users()
            .iter()
            .filter(|u| u.user_type == SimUserType::Guest)
            .map(|u| u.id.clone())
            .collect()
    }

    /// Contacts and guests holding `address`, and the target groups they are in.
    pub fn holders(&self, address: &str) -> Holders {
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

pub struct Holders {
    pub contacts: Vec<String>,
    pub guests: Vec<String>,
    pub in_groups: HashSet<String>,
}

pub fn people(prefix: &str, n: usize) -> Vec<Desired> {
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
                access_until: String::new(),
            }
            .validate(),
        })
        .collect()
}
