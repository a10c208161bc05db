use crate::i18n::use_i18n;
use leptos::prelude::*;

/// Where the signed-in account and the sign-in/sign-out button go. Until sign-in exists it
/// states plainly that nobody is signed in.
#[component]
pub fn SignInSlot() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="sign-in-slot">
            <span class="account-status">{move || i18n.t().sign_in_status}</span>
        </div>
    }
}
