//! Guestlist's native client parts for talking to a running sim (feature `test-client`): the
//! one place the app's integration tests (`tests/clients.rs`, `tests/executor.rs`) and the
//! bulk benchmark (`examples/bulk_bench`) take them from.
//!
//! - [`SimTransport`]: the app's [`Transport`] over reqwest and real HTTP, logging every
//!   request ([`WireLog`]: when sent and answered, status, `Retry-After`, what was asked);
//! - [`SimTokens`]: the app's [`TokenSource`] by the password grant (ROPC) against the sim's
//!   Entra ID, cached per resource, counting grants and forced refreshes;
//! - [`TokioSleeper`]: the app's [`Sleeper`] on tokio's timer, recording the waits asked for;
//! - [`target_group`] and [`snapshot`]: what the app's bulk reads would find in the sim's
//!   tenant, as the plan takes it.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use guestlist_core::domain::email::EmailAddress;
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::plan::{
    ExistingContact, ExistingUser, TargetGroup, TenantSnapshot, UserType,
};
use guestlist_core::tenant::{
    AuthError, HttpRequest, HttpResponse, Method, Resource, Sleeper, TokenSource, Transport,
    TransportError,
};

use crate::identity::SIM_CLIENT_ID;
use crate::store::{GroupKind as SimKind, UserType as SimUserType, DEMO_PASSWORD};
use crate::RunningSim;

/// One request as the wire saw it.
#[derive(Clone, Debug)]
pub struct Wire {
    /// What was asked: the cmdlet for Exchange (`New-MailContact`), else method and path
    /// (`POST /v1.0/invitations`).
    pub what: String,
    pub sent: Instant,
    pub received: Instant,
    /// `None`: no answer (refused, reset, closed mid-answer).
    pub status: Option<u16>,
    /// The answer's `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
}

impl Wire {
    /// Time on the wire.
    pub fn took(&self) -> Duration {
        self.received.duration_since(self.sent)
    }
}

/// The requests a [`SimTransport`] sent, in the order they were answered. Clones share the log.
#[derive(Clone, Default)]
pub struct WireLog(Arc<Mutex<Vec<Wire>>>);

impl WireLog {
    pub fn all(&self) -> Vec<Wire> {
        self.0.lock().expect("wire log").clone()
    }

    pub fn clear(&self) {
        self.0.lock().expect("wire log").clear();
    }

    /// Answers with `status` (`None`: requests without an answer).
    pub fn count(&self, status: Option<u16>) -> usize {
        self.0
            .lock()
            .expect("wire log")
            .iter()
            .filter(|w| w.status == status)
            .count()
    }

    fn push(&self, w: Wire) {
        self.0.lock().expect("wire log").push(w);
    }
}

/// The native transport: reqwest over real HTTP, logging each request. Clones share the
/// connection pool and the log.
#[derive(Clone, Default)]
pub struct SimTransport {
    http: reqwest::Client,
    log: WireLog,
}

impl SimTransport {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn log(&self) -> &WireLog {
        &self.log
    }
}

/// What a request asks for, for the log.
fn what(req: &HttpRequest) -> String {
    if req.url.contains("/InvokeCommand") {
        let cmdlet = req
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
            .and_then(|v| v["CmdletInput"]["CmdletName"].as_str().map(str::to_owned));
        if let Some(cmdlet) = cmdlet {
            return cmdlet;
        }
    }
    let method = match req.method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    };
    let path = url::Url::parse(&req.url)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| req.url.clone());
    format!("{method} {path}")
}

impl Transport for SimTransport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let what = what(&req);
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
        let (status, retry_after) = match &result {
            Ok(r) => (
                Some(r.status),
                r.header("Retry-After").and_then(|v| v.parse().ok()),
            ),
            Err(_) => (None, None),
        };
        self.log.push(Wire {
            what,
            sent,
            received: Instant::now(),
            status,
            retry_after,
        });
        // Every failure without an answer (refused, reset, closed mid-answer) is a network error.
        result.map_err(|e| TransportError::Network(format!("{e:?}")))
    }
}

/// Tokens from the sim's Entra ID by the password grant (ROPC), cached per resource; a forced
/// refresh asks the sim again.
pub struct SimTokens {
    http: reqwest::Client,
    token_url: String,
    username: String,
    cache: RefCell<HashMap<Resource, String>>,
    grants: Cell<u32>,
    forced: Cell<u32>,
    /// Handed out (once per resource) instead of the cached token: a token the service refuses.
    poisoned: RefCell<HashSet<Resource>>,
}

impl SimTokens {
    /// Tokens for `username` (a seeded account; they all have the demo password).
    pub fn new(sim: &RunningSim, username: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            token_url: format!("{}/oauth2/v2.0/token", sim.authority()),
            username: username.to_owned(),
            cache: RefCell::default(),
            grants: Cell::new(0),
            forced: Cell::new(0),
            poisoned: RefCell::default(),
        }
    }

    /// Tokens for `username` from tenant `tenant`'s authority (a partner's admin in a GDAP
    /// customer, once the app is consented there).
    pub fn in_tenant(sim: &RunningSim, username: &str, tenant: &str) -> Self {
        Self {
            token_url: format!("{}/{tenant}/oauth2/v2.0/token", sim.base_url()),
            ..Self::new(sim, username)
        }
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    /// Tokens the sim issued.
    pub fn grants(&self) -> u32 {
        self.grants.get()
    }

    /// Refreshes forced by a client (after a 401).
    pub fn forced(&self) -> u32 {
        self.forced.get()
    }

    /// The next token for `r` (not forced) is one the service refuses.
    pub fn poison(&self, r: Resource) {
        self.poisoned.borrow_mut().insert(r);
    }
}

impl TokenSource for SimTokens {
    async fn token(&self, resource: Resource, force_refresh: bool) -> Result<String, AuthError> {
        if force_refresh {
            self.forced.set(self.forced.get() + 1);
        } else {
            if self.poisoned.borrow_mut().remove(&resource) {
                // Well-formed, expired in 1970, signed by no one.
                return Ok("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJl".into());
            }
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
            ("username", self.username.as_str()),
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
        self.grants.set(self.grants.get() + 1);
        self.cache.borrow_mut().insert(resource, token.clone());
        Ok(token)
    }
}

/// Really waits (tokio), and records what was asked. Clones share the record.
#[derive(Clone, Default)]
pub struct TokioSleeper {
    asked: Arc<Mutex<Vec<Duration>>>,
}

impl TokioSleeper {
    /// The waits asked for so far.
    pub fn asked(&self) -> Vec<Duration> {
        self.asked.lock().expect("sleeper").clone()
    }
}

impl Sleeper for TokioSleeper {
    async fn sleep(&self, d: Duration) {
        self.asked.lock().expect("sleeper").push(d);
        tokio::time::sleep(d).await;
    }
}

/// The first seeded group of `kind` with fewer than 1,000 members, as the plan sees it.
/// Distribution and Microsoft 365 groups only.
pub fn target_group(sim: &RunningSim, kind: SimKind) -> TargetGroup {
    let t = sim.state.tenant.lock().expect("tenant");
    let g = t
        .groups()
        .iter()
        .find(|g| g.kind == kind && g.members().len() < 1000)
        .expect("a seeded group of that kind");
    let (kind, open) = match kind {
        SimKind::Distribution => (GroupKind::Distribution, !g.require_sender_auth),
        SimKind::Unified => (GroupKind::Microsoft365, g.allow_external_senders),
        other => panic!("no target group of kind {other:?} here"),
    };
    TargetGroup {
        id: g.id.clone(),
        name: g.display_name.clone(),
        mail: g.mail.clone(),
        kind,
        external_senders: if open {
            ExternalSenders::Allowed
        } else {
            ExternalSenders::Rejected
        },
        dynamic_membership: false,
        on_premises_synced: false,
    }
}

/// What the app's bulk reads would find: every contact and (seeded, not bulk) user, the target
/// groups' members, every recipient name (Exchange names are unique).
pub fn snapshot(sim: &RunningSim, groups: &[TargetGroup]) -> TenantSnapshot {
    let t = sim.state.tenant.lock().expect("tenant");
    let contacts = t
        .contacts()
        .iter()
        .filter(|c| !c.provenance.is_removed())
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
        .filter(|u| !u.bulk && !u.provenance.is_removed())
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
        .filter(|c| !c.provenance.is_removed())
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
