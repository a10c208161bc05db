//! Partners (GDAP): the tenant switcher in the header and the chosen tenant. The choices are the
//! admin's own tenant and its GDAP customers ([`crate::tenancy::choices`]), read once per sign-in
//! in a partner's deployment (`tenantId` `organizations`); a single-tenant admin has only the
//! home tenant, and the switcher is not shown.
//!
//! The chosen tenant is kept in sessionStorage, so a reload comes back in the same tenant (a run
//! resumed after a reload acts where it was planned). The session ([`crate::ui::session`]) is
//! rebuilt for each choice: tokens from that tenant's authority, a new mode probe.

use crate::auth::Account;
use crate::config::{Config, Tenant};
use crate::i18n::{fill, use_i18n};
use crate::tenancy::{choices, TenantChoice};
use crate::ui::session::Session;
use guestlist_core::tenant::TenantError;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::RefCell;
use std::rc::Rc;

/// sessionStorage key of the chosen tenant.
const CHOSEN_KEY: &str = "guestlist.tenant";

/// The tenants the admin can act in and the one chosen (`None`: the admin's own).
#[derive(Clone, Copy)]
pub struct Tenants {
    pub choices: RwSignal<Vec<TenantChoice>>,
    pub chosen: RwSignal<Option<TenantChoice>>,
}

impl Tenants {
    /// Acts in `choice` from now on (the home tenant: `None`).
    pub fn choose(&self, choice: Option<TenantChoice>) {
        store(choice.as_ref());
        self.chosen.set(choice);
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn stored() -> Option<TenantChoice> {
    let text = session_storage()?.get_item(CHOSEN_KEY).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

fn store(choice: Option<&TenantChoice>) {
    let Some(s) = session_storage() else { return };
    let _ = match choice.and_then(|c| serde_json::to_string(c).ok()) {
        Some(json) => s.set_item(CHOSEN_KEY, &json),
        None => s.remove_item(CHOSEN_KEY),
    };
}

/// Sessions in other tenants than the header's, for work across tenants (a partner's import
/// with a tenant column, the cross-tenant register): made on first use — tokens from that
/// tenant's authority, its own mode probe — and kept for the tab. Provided by the shell.
#[derive(Clone)]
pub struct OtherSessions {
    config: Config,
    sessions: SendWrapper<Rc<RefCell<Vec<Session>>>>,
    /// Owns the sessions' signals (a child of the shell's owner): they outlive the page that
    /// asked for them.
    owner: Owner,
}

impl OtherSessions {
    fn new(config: &Config) -> OtherSessions {
        OtherSessions {
            config: config.clone(),
            sessions: SendWrapper::new(Rc::new(RefCell::new(Vec::new()))),
            owner: Owner::new(),
        }
    }

    /// A session acting in `tenant` for the admin of `current`: `current` itself when it acts
    /// there, else one made for that tenant and kept — unless Guestlist isn't consented there
    /// yet, so that trying again after consenting finds it consented.
    pub async fn session(
        &self,
        current: &Session,
        tenant: &TenantChoice,
    ) -> Result<Session, TenantError> {
        if let Some(s) = self.kept(current, tenant) {
            return Ok(s);
        }
        let session = self
            .owner
            .with(|| Session::new(&self.config, current.account.clone(), Some(tenant.clone())))?;
        session.probe().await;
        if !not_consented(&session) {
            self.sessions.borrow_mut().push(session.clone());
        }
        Ok(session)
    }
}

impl OtherSessions {
    /// The session acting in `tenant` if there is one already (`current`, or one made before),
    /// without making one: for a view, which can't wait.
    pub fn kept(&self, current: &Session, tenant: &TenantChoice) -> Option<Session> {
        if current.tenant.id.eq_ignore_ascii_case(&tenant.id) {
            return Some(current.clone());
        }
        self.sessions
            .borrow()
            .iter()
            .find(|s| s.tenant.id.eq_ignore_ascii_case(&tenant.id) && s.account == current.account)
            .cloned()
    }
}

/// Whether the session's probe found Guestlist not consented in its tenant (AADSTS65001).
pub fn not_consented(session: &Session) -> bool {
    untrack(|| session.report())
        .is_some_and(|r| matches!(r.graph, crate::probe::GraphStatus::NotConsented(_)))
}

/// Provides [`Tenants`] once (the shell) and returns it. The choices are read for each new
/// signed-in account through [`crate::ui::session::load_customers`].
pub fn provide_tenants(config: &Config) -> Tenants {
    if let Some(t) = use_context::<Tenants>() {
        return t;
    }
    let tenants = Tenants {
        choices: RwSignal::new(Vec::new()),
        chosen: RwSignal::new(stored().filter(|c| !c.home)),
    };
    provide_context(tenants);
    provide_context(OtherSessions::new(config));
    let partner = config.tenant == Tenant::Organizations;
    let config = config.clone();
    Effect::new(move |previous: Option<Option<Account>>| {
        let account = use_context::<crate::auth::Auth>().and_then(|a| a.account());
        if previous.as_ref() == Some(&account) {
            return account;
        }
        match &account {
            None => {
                tenants.choices.set(Vec::new());
                if previous.is_some_and(|p| p.is_some()) {
                    tenants.choose(None);
                }
            }
            Some(account) if partner => {
                let (config, account) = (config.clone(), account.clone());
                leptos::task::spawn_local(async move {
                    if let Some(made) = customer_choices(config, account).await {
                        tenants.choices.try_set(made);
                    }
                });
            }
            Some(_) => {}
        }
        account
    });
    tenants
}

/// The switcher's list for a signed-in partner: their own tenant first, then their GDAP
/// customers with their default domains; `None` when the customers can't be listed (no
/// permission, not consented, not a partner): the admin then works in their own tenant, as a
/// single-tenant admin does. A split point of its own with the `split` feature (see
/// `lazy_view!` in `ui/mod.rs`): only a partner's sign-in fetches these reads.
#[cfg_attr(feature = "split", leptos::lazy)]
async fn customer_choices(config: Config, account: Account) -> Option<Vec<TenantChoice>> {
    match crate::ui::session::load_customers(&config).await {
        Ok(customers) => {
            let (list, domains): (Vec<_>, Vec<_>) = customers.into_iter().unzip();
            let mut made = choices(&account, &list);
            for (c, domain) in list.iter().zip(domains) {
                if let Some(choice) = made.iter_mut().find(|m| m.id == c.tenant_id) {
                    choice.domain = domain;
                }
            }
            Some(made)
        }
        Err(e) => {
            leptos::logging::log!("GDAP customers not listed: {e}");
            None
        }
    }
}

/// A tenant as the switcher names it: "Tailspin Toys · {id}", the admin's own marked.
pub fn tenant_label(t: &crate::i18n::Texts, c: &TenantChoice) -> String {
    let pattern = match (&c.domain, c.home) {
        (_, true) => t.common.tenant_home,
        (Some(_), false) => t.common.tenant_customer_domain,
        (None, false) => t.common.tenant_customer,
    };
    let domain = c.domain.clone().unwrap_or_default();
    fill(
        pattern,
        &[("name", &c.name), ("domain", &domain), ("id", &c.id)],
    )
}

/// The header's switcher: the tenant Guestlist acts in, and the others to choose from. Shown
/// only when there is more than the admin's own tenant.
#[component]
pub fn TenantSwitcher() -> impl IntoView {
    let i18n = use_i18n();
    let tenants = use_context::<Tenants>()?;
    let list = move || tenants.choices.get();
    let selected = move || {
        tenants
            .chosen
            .get()
            .map(|c| c.id)
            .unwrap_or_else(|| list().first().map(|h| h.id.clone()).unwrap_or_default())
    };
    let on_change = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        let choice = tenants
            .choices
            .get_untracked()
            .into_iter()
            .find(|c| c.id == id)
            .filter(|c| !c.home);
        tenants.choose(choice);
    };
    Some::<AnyView>(
        (move || {
            (list().len() > 1).then(|| {
                view! {
                    <div class="tenant-switcher">
                        <label for="tenant-switcher">{move || i18n.t().common.tenant_label}</label>
                        <select id="tenant-switcher" on:change=on_change prop:value=selected>
                            {list()
                                .into_iter()
                                .map(|c| {
                                    let id = c.id.clone();
                                    let text = move || tenant_label(i18n.t(), &c);
                                    let is_selected = {
                                        let id = id.clone();
                                        move || selected() == id
                                    };
                                    view! { <option value=id selected=is_selected>{text}</option> }
                                })
                                .collect_view()}
                        </select>
                    </div>
                }
            })
        })
        .into_any(),
    )
}
