//! The Leptos app: root, layout, pages and shared components.
//!
//! [`App`] is what `start()` mounts: it fetches `config.json` and then shows either the shell
//! or the page explaining what is wrong with the file ([`AppWithConfig`]). Tests mount
//! [`AppWithConfig`] directly with a configuration of their choosing, without network.

pub mod browser;
pub mod components;
pub mod externals;
pub mod groups;
pub mod import;
pub mod layout;
pub mod pages;
pub mod router;
pub mod runs;
pub mod session;
pub mod tenants;

use crate::auth::{bridge_settings, Auth, AuthStatus};
use crate::config::{self, Config, ConfigError};
use crate::i18n::I18n;
use crate::ui::groups::tx;
use components::{ModeDetails, ModePanel, SignInProblemPanel};
use layout::Frame;
use leptos::prelude::*;
use pages::{
    AboutPage, ActivityPage, ConfigErrorPage, ExternalsPage, GroupPage, GroupsPage, ImportPage,
    NotFoundPage, PersonPage,
};
use router::{provide_router, Page, Routes};
use send_wrapper::SendWrapper;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// `text` in lower case, for comparing and sorting names. In the browser this is JavaScript's
/// `toLowerCase()`: the same Unicode mapping as `str::to_lowercase`, without the latter's case
/// tables (12 KB) in the first load, where only the group finder needs lower case.
pub(crate) fn lowercase(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}

/// Provides the language context once, at the root, and keeps `<html lang>` in step with it.
fn provide_i18n() {
    if use_context::<I18n>().is_some() {
        return;
    }
    let i18n = I18n::new(browser::initial_lang());
    provide_context(i18n);
    Effect::new(move |_| browser::set_document_lang(i18n.lang()));
}

/// The whole app: loads `config.json`, then renders the shell or the configuration help.
///
/// The file is read once, into a plain signal: a `LocalResource` here would be the first load's
/// only async-derived value, and its machinery (with async_lock's lock around the value) 7 KB
/// gzip of the main module (measured: 179.2 → 171.9 KB).
#[component]
pub fn App() -> impl IntoView {
    provide_i18n();
    let redirect = browser::default_redirect_uri();
    let loaded = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        let config = config::load(&redirect).await;
        loaded.try_set(Some(config));
    });
    move || match loaded.get() {
        None => view! { <Loading/> }.into_any(),
        Some(config) => view! { <AppWithConfig config/> }.into_any(),
    }
}

#[component]
fn Loading() -> impl IntoView {
    view! {
        <Frame>
            <p class="loading" aria-busy="true">{tx(|t| t.common.loading)}</p>
        </Frame>
    }
}

/// The app for a given configuration outcome: the shell, or the page saying what is wrong.
#[component]
pub fn AppWithConfig(config: Result<Config, ConfigError>) -> impl IntoView {
    provide_i18n();
    match config {
        Ok(config) => view! { <Shell config/> }.into_any(),
        Err(error) => lazy(config_error_view(error)),
    }
}

/// Whether a page has been shown yet. The first page leaves focus alone (the skip link must
/// stay the first stop); later pages move focus to their heading, so keyboard and screen
/// reader users land on the new content after following a link.
#[derive(Clone, Copy)]
pub struct NavFocus(pub StoredValue<bool>);

/// Whether the first screen works yet: the finder has shown its first list, the app knows
/// nobody is signed in, or another page was shown. What a session starts with
/// besides — MSAL.js, the mode probe, its module and its requests — waits for it, so a
/// visitor's first screen gets the network first. The mode status says "Checking…" until then.
#[derive(Clone, Copy)]
pub struct FirstScreen {
    shown: StoredValue<bool>,
    waiting: StoredValue<Vec<futures::channel::oneshot::Sender<()>>>,
}

impl FirstScreen {
    fn provide() -> FirstScreen {
        let first = FirstScreen {
            shown: StoredValue::new(false),
            waiting: StoredValue::new(Vec::new()),
        };
        provide_context(first);
        first
    }

    /// The first screen works: whatever waits for it goes on.
    pub fn shown(&self) {
        if self.shown.try_get_value() == Some(false) {
            self.shown.set_value(true);
            for waiting in self
                .waiting
                .try_update_value(std::mem::take)
                .unwrap_or_default()
            {
                let _ = waiting.send(());
            }
        }
    }

    /// Resolves once the first screen works (at once if it does).
    pub async fn wait(self) {
        if self.shown.try_get_value() != Some(false) {
            return;
        }
        let (tx, rx) = futures::channel::oneshot::channel();
        self.waiting.update_value(|w| w.push(tx));
        // Dropped unsent only when the shell goes: nothing is left to wait for then.
        let _ = rx.await;
    }
}

/// Where long jobs live above the routes, so that navigating away can't end them: a lazily
/// loaded page keeps its job's state here (the import's: `import_state`) and
/// finds it again when it is shown again. Owned by the shell, for the tab's lifetime.
#[derive(Clone, Copy)]
pub struct JobSlot(StoredValue<Vec<Rc<dyn Any>>, LocalStorage>);

impl JobSlot {
    fn new() -> Self {
        JobSlot(StoredValue::new_local(Vec::new()))
    }

    /// The job state of type `T`, if one was put here.
    pub fn get<T: Clone + 'static>(&self) -> Option<T> {
        self.0
            .with_value(|jobs| jobs.iter().find_map(|j| j.downcast_ref::<T>().cloned()))
    }

    /// Keeps `job` (one of each type).
    pub fn put<T: 'static>(&self, job: T) {
        self.0.update_value(|jobs| {
            jobs.retain(|j| !j.is::<T>());
            jobs.push(Rc::new(job));
        });
    }
}

/// The configured app: header, navigation, routed pages, footer. Provides the [`Config`].
#[component]
pub fn Shell(config: Config) -> impl IntoView {
    // Sign-in starts with the shell: MSAL completes a redirect sign-in on this page load.
    let auth = Auth::provide(bridge_settings(&config, &browser::app_base_url()));
    session::provide_session(config.clone());
    provide_context(config);
    provide_context(NavFocus(StoredValue::new(false)));
    provide_context(JobSlot::new());
    let first = FirstScreen::provide();
    // A signed-out visitor's first screen works once the app knows nobody is signed in (or
    // that signing in failed, which the sign-in help then explains).
    Effect::new(move |_| {
        if matches!(auth.status(), AuthStatus::SignedOut | AuthStatus::Failed(_)) {
            first.shown();
        }
    });
    // MSAL.js isn't in the first load: it follows the first screen, unless a sign-in, a
    // consent or a token the tab's session lacks needed it sooner (js/auth.js).
    leptos::task::spawn_local(async move {
        first.wait().await;
        crate::auth::bridge::prefetch();
    });
    ModeDetails::provide();
    provide_router(browser::router_base());
    view! {
        <Frame configured=true>
            <SignInProblemPanel/>
            <ModePanel/>
            <Routes page=page_view/>
        </Frame>
    }
}

/// The view of each page: the finder's at once, every other from its own module. A page other than
/// the finder is the first screen as soon as it is shown (the finder says so itself once its
/// first list is there).
fn page_view(page: Page) -> AnyView {
    if page != Page::Groups {
        if let Some(first) = use_context::<FirstScreen>() {
            first.shown();
        }
    }
    match page {
        Page::Groups => view! { <GroupsPage/> }.into_any(),
        Page::Group => lazy(group_page_view()),
        Page::Import => lazy(import_page_view()),
        Page::Externals => lazy(externals_page_view()),
        Page::Person => lazy(person_page_view()),
        Page::Activity => lazy(activity_page_view()),
        Page::About => lazy(about_page_view()),
        Page::NotFound => view! { <NotFoundPage/> }.into_any(),
    }
}

/// A page whose view arrives with its module: nothing until then (at once when the module is
/// already here). The browser runs one thread, so the future needn't be `Send`.
pub(crate) fn lazy(view: impl Future<Output = AnyView> + 'static) -> AnyView {
    Suspend::new(SendWrapper::new(Untracked(Box::pin(view)))).into_any()
}

/// A future polled outside any reactive observer. A page's component reads signals as it is
/// built (the session, say); `Suspend` would hand those reads to the route, which would then
/// build the whole page again whenever one changed.
struct Untracked<F>(Pin<Box<F>>);

impl<F: Future> Future for Untracked<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        untrack(|| self.0.as_mut().poll(cx))
    }
}

// Code splitting. The first load carries the shell, sign-in, the mode panel and the group finder;
// every other page's view comes from its own WebAssembly module, fetched the first
// time the route is shown. With the `split` feature (the Trunk build: index.html) each view
// function below is a `#[lazy]` split point, which `wasm-split` (xtask/src/split.rs) cuts out of
// the module; without it (tests, clippy) the same functions are plain `async fn`s that resolve at
// once. `#[lazy]` turns a function into an import only wasm-split resolves, so a build
// with the feature cannot run unsplit.

/// Declares a page view that is a split point.
macro_rules! lazy_view {
    ($view:ident, $page:ident) => {
        #[cfg_attr(feature = "split", leptos::lazy)]
        async fn $view() -> AnyView {
            view! { <$page/> }.into_any()
        }
    };
}

lazy_view!(group_page_view, GroupPage);
lazy_view!(import_page_view, ImportPage);
lazy_view!(activity_page_view, ActivityPage);
lazy_view!(externals_page_view, ExternalsPage);
lazy_view!(person_page_view, PersonPage);
lazy_view!(about_page_view, AboutPage);

/// The configuration help, shown instead of the app when `config.json` is wrong: a split point
/// like the pages (a working deployment never fetches it).
#[cfg_attr(feature = "split", leptos::lazy)]
async fn config_error_view(error: ConfigError) -> AnyView {
    view! { <ConfigErrorPage error/> }.into_any()
}

#[cfg(test)]
mod tests {
    use super::FirstScreen;
    use leptos::prelude::*;
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    #[test]
    fn what_waits_for_the_first_screen_goes_on_once_it_works() {
        Owner::new().with(|| {
            FirstScreen::provide();
            let first = expect_context::<FirstScreen>();
            let mut cx = Context::from_waker(Waker::noop());
            let mut probe = Box::pin(first.wait());
            let mut another = Box::pin(first.wait());
            assert!(probe.as_mut().poll(&mut cx).is_pending());
            assert!(another.as_mut().poll(&mut cx).is_pending());
            first.shown();
            assert!(probe.as_mut().poll(&mut cx).is_ready());
            assert!(another.as_mut().poll(&mut cx).is_ready());
            // Later sessions (another tenant, "Check again") don't wait.
            first.shown();
            assert_eq!(
                Box::pin(first.wait()).as_mut().poll(&mut cx),
                Poll::Ready(())
            );
        });
    }
}
