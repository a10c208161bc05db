//! The frame every screen shares: skip link, header, optional primary navigation, main
//! landmark and footer.

use crate::i18n::use_i18n;
use crate::ui::components::{LanguageSwitch, ModeStatus, SignInSlot};
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
    let i18n = use_i18n();
    let jump = move |ev: leptos::ev::MouseEvent| {
        if let Some(main) = target.get() {
            ev.prevent_default();
            let _ = main.focus();
        }
    };
    view! {
        <a class="skip-link" href="#main" on:click=jump>
            {move || i18n.t().common.skip_to_content}
        </a>
    }
}

#[component]
fn AppHeader(configured: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="app-header">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"G"</span>
                <span class="brand-name">{move || i18n.t().common.app_name}</span>
                <span class="brand-tagline">{move || i18n.t().common.tagline}</span>
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
    let i18n = use_i18n();
    view! {
        <nav class="app-nav" aria-label=move || i18n.t().common.nav_label>
            <ul>
                <li>
                    <A href="/" exact=true>{move || i18n.t().common.nav_groups}</A>
                </li>
                <li>
                    <A href="/import">{move || i18n.t().common.nav_import}</A>
                </li>
                <li>
                    <A href="/externals">{move || i18n.t().common.nav_externals}</A>
                </li>
                <li>
                    <A href="/activity">{move || i18n.t().common.nav_activity}</A>
                </li>
                <li>
                    <A href="/about">{move || i18n.t().common.nav_about}</A>
                </li>
            </ul>
        </nav>
    }
}

#[component]
fn AppFooter() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="app-footer">
            <p>
                {move || i18n.t().common.app_name} " " {env!("CARGO_PKG_VERSION")} " · "
                {move || i18n.t().common.footer_note}
            </p>
        </footer>
    }
}
