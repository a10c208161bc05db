use crate::auth::{use_auth, AuthStatus, SignInMode};
use crate::i18n::{fill, use_i18n};
use crate::ui::browser;
use crate::ui::groups::tx;
use leptos::prelude::*;

/// The header's account area: "Sign in" (a redirect to the sign-in page, or a popup window), or
/// the signed-in account — name, user principal name and tenant — with "Sign out".
#[component]
pub fn SignInSlot() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let simulated = auth.is_simulated().then(|| {
        view! {
            <span class="badge badge--demo" title=tx(|t| t.common.simulated_tenant_hint)>
                {tx(|t| t.common.simulated_tenant)}
            </span>
        }
    });
    let body = move || {
        match auth.status() {
        AuthStatus::Starting => view! {
            <span class="account-status" aria-busy="true">{tx(|t| t.common.auth_starting)}</span>
        }
        .into_any(),
        AuthStatus::SigningIn => view! {
            <span class="account-status" aria-busy="true">{tx(|t| t.common.signing_in)}</span>
        }
        .into_any(),
        AuthStatus::SignedOut => view! { <SignInButtons/> }.into_any(),
        // What failed and what to change is below the header (SignInProblemPanel).
        AuthStatus::Failed(_) => view! {
            <p class="account-error" role="alert">
                {tx(|t| t.common.sign_in_failed_explained)}
            </p>
            <SignInButtons/>
        }
        .into_any(),
        AuthStatus::SignedIn(account) => {
            let tenant = account.tenant_id.clone();
            view! {
                <div class="account" role="group" aria-label=tx(|t| t.common.account_label)>
                    <span class="account-name">{account.name.clone()}</span>
                    <span class="account-upn">{account.username.clone()}</span>
                    <span class="account-tenant">
                        {move || fill(i18n.t().common.account_tenant, &[("tenant", &tenant)])}
                    </span>
                </div>
                <button type="button" class="button" on:click=move |_| auth.sign_out()>
                    {tx(|t| t.common.sign_out)}
                </button>
            }
            .into_any()
        }
    }
    };
    view! {
        <div class="sign-in-slot">
            {simulated}
            {body}
        </div>
    }
}

/// "Sign in" sends the whole tab to the sign-in page; the popup variant keeps the page open.
#[component]
fn SignInButtons() -> impl IntoView {
    let auth = use_auth();
    view! {
        <span class="account-status">{tx(|t| t.common.sign_in_status)}</span>
        <button
            type="button"
            class="button button--primary"
            on:click=move |_| auth.sign_in(SignInMode::Redirect)
        >
            {tx(|t| t.common.sign_in)}
        </button>
        <button
            type="button"
            class="button button--quiet"
            on:click=move |_| auth.sign_in(SignInMode::Popup)
        >
            {tx(|t| t.common.sign_in_popup)}
        </button>
        // What Microsoft's own error pages mean, and the deployment check: on the About page.
        // A plain link (the router still handles it in the page): `A` would add its own copy of
        // the router's link code to the first load.
        <a href=format!("{}/about", browser::router_base()) class="sign-in-help-link">
            {tx(|t| t.common.sign_in_help_link)}
        </a>
    }
}
