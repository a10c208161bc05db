use crate::i18n::use_i18n;
use crate::ui::components::{ComingSoon, Page};
use leptos::prelude::*;

/// Placeholder until the activity work lands; says what will come here.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|t| t.activity_title>
            <p class="lead">{move || i18n.t().activity_intro}</p>
            <ComingSoon text=|t| t.activity_coming/>
        </Page>
    }
}
