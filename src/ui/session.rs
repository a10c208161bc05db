//! The signed-in session: the Graph and Exchange clients built once per sign-in from
//! `config.json` and the signed-in account, and the mode (direct or script) once the probe has
//! decided it. Pages read it with [`use_session`]; it is `None` while nobody is signed in.
//!
//! The clients are shared (`Rc`), so every page talks through the same transport and token
//! source instead of building its own.

use crate::auth::{Account, Auth, BridgeTokenSource, Permissions};
use crate::config::Config;
use crate::probe::{Mode, ModeReport, Observations};
use crate::tenancy::TenantChoice;
use guestlist_core::domain::retry::RetryPolicy;
use guestlist_core::engine::Engine;
use guestlist_core::tenant::{ExchangeClient, GraphClient, TenantError};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::rc::Rc;

/// How requests travel: the browser's `fetch`.
#[cfg(target_arch = "wasm32")]
pub type Net = Rc<crate::platform::FetchTransport>;
/// How retries wait: `setTimeout`.
#[cfg(target_arch = "wasm32")]
pub type Wait = crate::platform::TimeoutSleeper;

/// Natively there is no browser: the UI is only type-checked there, so the session's clients get
/// a transport that refuses every request (no silent success).
#[cfg(not(target_arch = "wasm32"))]
pub type Net = Rc<NoBrowser>;
#[cfg(not(target_arch = "wasm32"))]
pub type Wait = NoBrowser;

/// The transport and sleeper used when compiling the UI natively.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default)]
pub struct NoBrowser;

#[cfg(not(target_arch = "wasm32"))]
impl guestlist_core::tenant::Transport for NoBrowser {
    async fn send(
        &self,
        _req: guestlist_core::tenant::HttpRequest,
    ) -> Result<guestlist_core::tenant::HttpResponse, guestlist_core::tenant::TransportError> {
        Err(guestlist_core::tenant::TransportError::Invalid(
            "requests are sent from the browser only".into(),
        ))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl guestlist_core::tenant::Sleeper for NoBrowser {
    async fn sleep(&self, _duration: std::time::Duration) {}
}

pub type Graph = GraphClient<Net, BridgeTokenSource, Wait>;
pub type Exchange = ExchangeClient<Net, BridgeTokenSource, Wait>;
/// The change engine over a session's clients.
pub type SessionEngine<'s> = Engine<'s, Net, BridgeTokenSource, Wait>;

/// A client shared by every page: `Rc` (the clients are single-threaded) inside a
/// `SendWrapper`, because Leptos views must be `Send`; the app runs on the browser's one thread,
/// so the wrapper's thread check always passes. Derefs to the client.
pub struct Shared<T>(SendWrapper<Rc<T>>);

impl<T> Shared<T> {
    pub fn new(client: T) -> Self {
        Shared(SendWrapper::new(Rc::new(client)))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(SendWrapper::new(Rc::clone(&self.0)))
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// What the probe has said about this sign-in so far.
#[derive(Clone, Debug, PartialEq)]
pub enum ModeState {
    /// The probe is running (or has not started).
    Unknown,
    Known(ModeReport),
}

/// One signed-in session in one tenant: the admin's own, or a GDAP customer's. Switching tenant
/// makes a new session (new clients, a new probe). Cheap to clone.
#[derive(Clone)]
pub struct Session {
    pub account: Account,
    /// The tenant every client of this session acts in.
    pub tenant: TenantChoice,
    pub graph: Shared<Graph>,
    /// Graph with the permissions asked only when needed (`Group.ReadWrite.All`, for
    /// `allowExternalSenders`); its calls fail with "sign in again" until the admin consents
    /// ([`crate::auth::bridge::consent`]).
    pub graph_when_needed: Shared<Graph>,
    /// Graph with `User.ReadWrite.All` as well (deleting and restoring guests, their end date),
    /// asked only when needed like `graph_when_needed`'s.
    pub graph_people: Shared<Graph>,
    pub exchange: Shared<Exchange>,
    /// The same Exchange endpoint for the mode probe, which gives up after a second try
    /// ([`RetryPolicy::probe`]): the verdict shouldn't wait out a long backoff.
    probe_exchange: Shared<Exchange>,
    /// The probe's verdict (tracked).
    pub mode_state: RwSignal<ModeState>,
}

fn transport() -> Result<Net, TenantError> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::platform::FetchTransport::new()
            .map(Rc::new)
            .map_err(TenantError::Transport)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Ok(Rc::new(NoBrowser))
    }
}

/// The sleeper retries and debouncing use.
pub fn wait() -> Wait {
    sleeper()
}

fn sleeper() -> Wait {
    #[cfg(target_arch = "wasm32")]
    {
        crate::platform::TimeoutSleeper
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        NoBrowser
    }
}

impl Session {
    /// Builds the clients for `account` in `tenant` (`None`: the account's own) from the
    /// configuration.
    pub fn new(
        config: &Config,
        account: Account,
        tenant: Option<TenantChoice>,
    ) -> Result<Session, TenantError> {
        let net = transport()?;
        let tenant = tenant.unwrap_or_else(|| TenantChoice::home(&account));
        let authority = tenant.authority_tenant().map(str::to_owned);
        // config.json names the Graph host; the client wants the version root.
        let graph_client = |permissions| {
            GraphClient::new(
                format!("{}/v1.0", config.graph_base_url.trim_end_matches('/')),
                net.clone(),
                BridgeTokenSource {
                    permissions,
                    tenant: authority.clone(),
                },
                sleeper(),
            )
        };
        let graph = graph_client(Permissions::SignIn);
        let graph_when_needed = graph_client(Permissions::GroupSettings);
        let graph_people = graph_client(Permissions::People);
        // The tenant id is the directory GUID; config's tenant may be a name or
        // `organizations`, which the Exchange endpoint does not take when the account has one.
        let exchange_tenant = if tenant.id.is_empty() {
            config.tenant.as_str().to_owned()
        } else {
            tenant.id.clone()
        };
        let exchange_client = |net| {
            ExchangeClient::new(
                config.exchange_base_url.clone(),
                exchange_tenant.clone(),
                &account.username,
                net,
                BridgeTokenSource {
                    permissions: Permissions::SignIn,
                    tenant: authority.clone(),
                },
                sleeper(),
            )
        };
        let probe_exchange = exchange_client(net.clone()).with_policy(RetryPolicy::probe());
        let exchange = exchange_client(net);
        Ok(Session {
            account,
            tenant,
            graph: Shared::new(graph),
            graph_when_needed: Shared::new(graph_when_needed),
            graph_people: Shared::new(graph_people),
            exchange: Shared::new(exchange),
            probe_exchange: Shared::new(probe_exchange),
            mode_state: RwSignal::new(ModeState::Unknown),
        })
    }

    /// Direct mode, as the probe decided it (untracked: a job asks once, when it starts).
    pub fn is_direct(&self) -> bool {
        untrack(|| self.mode()) == Some(Mode::Direct)
    }

    /// The change engine over this session's clients: Exchange only in direct mode.
    pub fn engine(&self) -> SessionEngine<'_> {
        self.engine_with(&self.graph)
    }

    /// The engine with another of the session's Graph clients (e.g. [`Session::graph_when_needed`]
    /// for a change that needs a permission asked only when needed).
    pub fn engine_with<'s>(&'s self, graph: &'s Shared<Graph>) -> SessionEngine<'s> {
        Engine::new(graph, self.is_direct().then_some(&*self.exchange))
            .signed_in_as(&self.account.username)
    }

    /// The Activity log of this session's tenant, which the engine records to.
    pub fn activity(&self) -> crate::activity::LocalActivity {
        crate::activity::LocalActivity {
            tenant: self.tenant.authority_tenant().map(str::to_owned),
        }
    }

    /// The mode once the probe has decided it (tracked).
    pub fn mode(&self) -> Option<Mode> {
        self.mode_state.with(|m| match m {
            ModeState::Unknown => None,
            ModeState::Known(r) => Some(r.mode),
        })
    }

    /// The probe's full report once known (tracked).
    pub fn report(&self) -> Option<ModeReport> {
        self.mode_state.with(|m| match m {
            ModeState::Unknown => None,
            ModeState::Known(r) => Some(r.clone()),
        })
    }

    /// Runs the mode probe of [`crate::probe`] with this session's clients and records the
    /// verdict.
    pub async fn probe(&self) -> ModeReport {
        self.mode_state.try_set(ModeState::Unknown);
        let report = run_probe(self.clone()).await;
        self.mode_state.try_set(ModeState::Known(report.clone()));
        report
    }
}

/// The probe's reads and verdict. A split point of its own with the `split` feature (see
/// `lazy_view!` in `ui/mod.rs`): the Exchange calls, the verdict's rules and their error
/// decoding are fetched when a session starts, not with the first load, whose screen (sign-in,
/// or the finder) doesn't wait for the mode.
#[cfg_attr(feature = "split", leptos::lazy)]
async fn run_probe(session: Session) -> ModeReport {
    use crate::auth::bridge;
    use crate::probe::ROLE_CHECK_IDENTITY;
    use guestlist_core::tenant::{AuthError, ReplicationWait, Resource};

    let graph_token = bridge::token(Resource::Graph, false, session.tenant.authority_tenant())
        .await
        .map(|t| t.scopes)
        .map_err(|e| TenantError::from(AuthError::from(e)));
    let graph_me = session.graph.me_answers().await;
    let exchange_read = session
        .probe_exchange
        .get_organization_config()
        .await
        .map(|_| ());
    let exchange_role_check = match exchange_read {
        Ok(()) => Some(
            session
                .probe_exchange
                .set_mail_contact_hidden(ROLE_CHECK_IDENTITY, true, ReplicationWait::None)
                .await,
        ),
        Err(_) => None,
    };
    let report = Observations {
        graph_token,
        graph_me,
        exchange_read,
        exchange_role_check,
        customer: !session.tenant.home,
    }
    .decide();
    // On the console for whoever investigates a mode they didn't expect.
    leptos::logging::log!("Guestlist mode: {report:?}");
    report
}

/// The session slot the shell provides: `None` while nobody is signed in.
#[derive(Clone, Copy)]
pub struct SessionSlot(pub RwSignal<Option<Session>, LocalStorage>);

/// Provides the session slot and keeps it in step with the auth state: a new session (and one
/// probe) per signed-in account, none when signed out. Called once by the shell; finds the auth
/// context lazily, so it works whichever of the two is provided first.
pub fn provide_session(config: Config) {
    if use_context::<SessionSlot>().is_some() {
        return;
    }
    let slot = SessionSlot(RwSignal::new_local(None));
    provide_context(slot);
    let tenants = crate::ui::tenants::provide_tenants(&config);
    // Sessions are made inside the effect below, but must outlive its re-runs: their signals
    // belong to the shell.
    let owner = Owner::current();
    type Key = (Account, Option<TenantChoice>, u32);
    Effect::new(move |previous: Option<Option<Key>>| {
        let auth = use_context::<Auth>()?;
        let account = auth.account();
        // Another tenant chosen in the header: a new session (its own tokens, its own probe).
        let tenant = tenants.chosen.get();
        // "Check again" in the mode panel bumps the generation: probe again, same clients.
        let generation = auth.generation();
        let key = account.clone().map(|a| (a, tenant.clone(), generation));
        if previous.as_ref() == Some(&key) {
            return key;
        }
        let same_account = matches!(
            (&previous, &account),
            (Some(Some((before, was, _))), Some(now)) if before == now && *was == tenant
        );
        match account {
            None => slot.0.set(None),
            Some(account) => {
                let session = if same_account {
                    slot.0.get_untracked()
                } else {
                    let made = match &owner {
                        Some(owner) => owner.with(|| Session::new(&config, account, tenant)),
                        None => Session::new(&config, account, tenant),
                    };
                    match made {
                        Ok(s) => {
                            slot.0.set(Some(s.clone()));
                            Some(s)
                        }
                        Err(e) => {
                            leptos::logging::error!("could not start the session: {e}");
                            slot.0.set(None);
                            None
                        }
                    }
                };
                if let Some(session) = session {
                    // After the first screen (crate::ui::FirstScreen), which doesn't need the
                    // mode: the finder searches Graph at once and again once the mode is known.
                    let first_screen = use_context::<crate::ui::FirstScreen>();
                    leptos::task::spawn_local(async move {
                        if let Some(first) = first_screen {
                            first.wait().await;
                        }
                        session.probe().await;
                    });
                }
            }
        }
        key
    });
}

/// The signed-in admin's GDAP customers, read from their own tenant with the partners'
/// permissions ([`Permissions::Partners`]), each with its default domain where Graph tells it
/// (`findTenantInformationByTenantId`; a customer whose lookup fails is listed without one).
pub async fn load_customers(
    config: &Config,
) -> Result<
    Vec<(
        guestlist_core::tenant::DelegatedAdminCustomer,
        Option<String>,
    )>,
    TenantError,
> {
    let graph = GraphClient::new(
        format!("{}/v1.0", config.graph_base_url.trim_end_matches('/')),
        transport()?,
        BridgeTokenSource {
            permissions: Permissions::Partners,
            tenant: None,
        },
        sleeper(),
    );
    let customers = graph.delegated_admin_customers().await?;
    let mut out = Vec::with_capacity(customers.len());
    for c in customers {
        let domain = match graph.tenant_information(&c.tenant_id).await {
            Ok(info) => info.default_domain_name,
            Err(e) => {
                leptos::logging::log!("no domain for tenant {}: {e}", c.tenant_id);
                None
            }
        };
        out.push((c, domain));
    }
    Ok(out)
}

/// The current session (tracked); `None` while nobody is signed in or outside the shell.
pub fn use_session() -> Option<Session> {
    use_context::<SessionSlot>().and_then(|s| s.0.get())
}

/// Provides a fixed session (component tests).
pub fn provide_fixed_session(session: Option<Session>) {
    provide_context(SessionSlot(RwSignal::new_local(session)));
}
