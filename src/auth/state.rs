//! The auth state the UI reads, provided once as context by the shell.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::bridge::{self, SignInMode};
use super::{Account, BridgeError, BridgeSettings};

/// Where sign-in stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthStatus {
    /// MSAL is starting (and possibly completing a redirect sign-in).
    Starting,
    SignedOut,
    /// Sent to the sign-in page, or a popup is open.
    SigningIn,
    SignedIn(Account),
    /// Starting, signing in or out failed; the admin may try again.
    Failed(BridgeError),
}

/// The auth context: status signal plus the bridge settings it was started with.
#[derive(Clone, Copy)]
pub struct Auth {
    status: RwSignal<AuthStatus>,
    /// Bumped when the admin asks to check the mode again (the mode panel re-probes on change).
    generation: RwSignal<u32>,
    simulated: bool,
}

impl Auth {
    /// Provides the context and starts MSAL. Called once by the shell.
    pub fn provide(settings: BridgeSettings) -> Auth {
        let auth = Auth {
            status: RwSignal::new(AuthStatus::Starting),
            generation: RwSignal::new(0),
            simulated: settings.is_simulated_http(),
        };
        provide_context(auth);
        spawn_local(async move {
            let next = match bridge::init(&settings).await {
                Ok(Some(account)) => AuthStatus::SignedIn(account),
                Ok(None) => AuthStatus::SignedOut,
                Err(e) => AuthStatus::Failed(e),
            };
            // The shell lives as long as the page; try_set in case it was torn down (tests).
            auth.status.try_set(next);
        });
        auth
    }

    /// An auth context with a fixed status and no bridge (component tests).
    pub fn fixed(status: AuthStatus) -> Auth {
        let auth = Auth {
            status: RwSignal::new(status),
            generation: RwSignal::new(0),
            simulated: false,
        };
        provide_context(auth);
        auth
    }

    /// The current status (tracked).
    pub fn status(&self) -> AuthStatus {
        self.status.get()
    }

    /// Whether starting, signing in or out failed (tracked).
    pub fn failed(&self) -> bool {
        self.status.with(|s| matches!(s, AuthStatus::Failed(_)))
    }

    /// The signed-in account (tracked).
    pub fn account(&self) -> Option<Account> {
        self.status.with(|s| match s {
            AuthStatus::SignedIn(a) => Some(a.clone()),
            _ => None,
        })
    }

    /// Sign-in goes to the simulated tenant over plain HTTP (`cargo xtask demo`).
    pub fn is_simulated(&self) -> bool {
        self.simulated
    }

    /// Probe generation (tracked): changes when the admin asks to check the mode again.
    pub fn generation(&self) -> u32 {
        self.generation.get()
    }

    pub fn recheck(&self) {
        self.generation.update(|g| *g = g.wrapping_add(1));
    }

    pub fn sign_in(&self, mode: SignInMode) {
        let status = self.status;
        status.set(AuthStatus::SigningIn);
        spawn_local(async move {
            let next = match bridge::sign_in(mode).await {
                Ok(Some(account)) => Some(AuthStatus::SignedIn(account)),
                // A redirect is under way: the page is about to go.
                Ok(None) => None,
                Err(BridgeError::Cancelled { .. }) => Some(AuthStatus::SignedOut),
                Err(e) => Some(AuthStatus::Failed(e)),
            };
            if let Some(next) = next {
                status.try_set(next);
            }
        });
    }

    pub fn sign_out(&self) {
        let status = self.status;
        spawn_local(async move {
            if let Err(e) = bridge::sign_out().await {
                status.try_set(AuthStatus::Failed(e));
            }
        });
    }
}

/// The [`Auth`] provided by the shell.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
