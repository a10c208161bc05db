//! The frame every screen shares: skip link, header, optional primary navigation, main
//! landmark and footer.

use crate::ui::components::{LanguageSwitch, ModeStatus, SignInSlot};
use crate::ui::groups::tx;
use crate::ui::router::A;
use crate::ui::tenants::TenantSwitcher;
use leptos::html::Main;
use leptos::prelude::*;

/// Page frame. `configured` adds the sign-in slot and the primary navigation, which only make
/// sense once `config.json` is valid (they need the router the shell provides).
#[component]
pub fn Frame(#[prop(optional)] configured: bool, children: Children) -> impl IntoView {
    let main_ref = NodeRef::<Main>::new();
    view! {
        <div class=("app--configured", configured) class="app">
            <SkipLink target=main_ref/>
            <AppHeader configured/>
            {configured.then(|| view! { <PrimaryNav/> })}
            <main id="main" class="app-main" tabindex="-1" node_ref=main_ref>
                {children()}
            </main>
            <AppFooter/>
        </div>
    }
}

/// First tab stop: jumps past header and navigation. Handled here rather than by the browser
/// because the router would otherwise treat `#main` as a navigation, and focus must move too,
/// not only the scroll position.
#[component]
fn SkipLink(target: NodeRef<Main>) -> impl IntoView {
    let jump = move |ev: leptos::ev::MouseEvent| {
        if let Some(main) = target.get() {
            ev.prevent_default();
            let _ = main.focus();
        }
    };
    view! {
        <a class="skip-link" href="#main" on:click=jump>
            {tx(|t| t.common.skip_to_content)}
        </a>
    }
}

#[component]
fn AppHeader(configured: bool) -> impl IntoView {
    view! {
        <header class="app-header">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"G"</span>
                <span class="brand-name">{tx(|t| t.common.app_name)}</span>
                <span class="brand-tagline">{tx(|t| t.common.tagline)}</span>
            </div>
            <div class="header-tools">
                <LanguageSwitch/>
                {configured.then(|| view! { <TenantSwitcher/> <ModeStatus/> <SignInSlot/> })}
            </div>
        </header>
    }
}

/// The areas of the app. `A` sets `aria-current="page"` on the active link.
#[component]
fn PrimaryNav() -> impl IntoView {
    view! {
        <nav class="app-nav" aria-label=tx(|t| t.common.nav_label)>
            <ul>
                <li>
                    <A href="/" exact=true>{tx(|t| t.common.nav_groups)}</A>
                </li>
                <li>
                    <A href="/import">{tx(|t| t.common.nav_import)}</A>
                </li>
                <li>
                    <A href="/externals">{tx(|t| t.common.nav_externals)}</A>
                </li>
                <li>
                    <A href="/activity">{tx(|t| t.common.nav_activity)}</A>
                </li>
                <li>
                    <A href="/about">{tx(|t| t.common.nav_about)}</A>
                </li>
            </ul>
        </nav>
    }
}

#[component]
fn AppFooter() -> impl IntoView {
    view! {
        <footer class="app-footer">
            <p>
                {tx(|t| t.common.app_name)} " " {env!("CARGO_PKG_VERSION")} " · "
                {tx(|t| t.common.footer_note)}
            </p>
        </footer>
    }
}
