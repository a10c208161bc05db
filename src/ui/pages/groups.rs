use crate::i18n::use_i18n;
use crate::ui::components::{ComingSoon, Page};
use leptos::prelude::*;

/// Placeholder until the groups work lands; says what will come here.
#[component]
pub fn GroupsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|t| t.groups_title>
            <p class="lead">{move || i18n.t().groups_intro}</p>
            <ComingSoon text=|t| t.groups_coming/>
        </Page>
    }
}
