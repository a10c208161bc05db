use crate::ui::components::Page;
use crate::ui::groups::finder::Finder;
use crate::ui::groups::tx;
use crate::ui::session::use_session;
use leptos::prelude::*;

/// The Groups page: the group finder once someone is signed in.
#[component]
pub fn GroupsPage() -> impl IntoView {
    view! {
        <Page title=|t| t.finder.title>
            <p class="lead">{tx(|t| t.finder.intro)}</p>
            {move || match use_session() {
                Some(session) => view! { <Finder session/> }.into_any(),
                None => view! { <SignInFirst/> }.into_any(),
            }}
        </Page>
    }
}

/// Shown instead of tenant data while nobody is signed in.
#[component]
pub fn SignInFirst() -> impl IntoView {
    view! {
        <section class="card card--placeholder">
            <p>{tx(|t| t.finder.sign_in_first)}</p>
        </section>
    }
}
