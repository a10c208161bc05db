use crate::i18n::use_i18n;
use crate::ui::components::{ComingSoon, Page};
use leptos::prelude::*;

/// Placeholder until the import work lands; says what will come here.
#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|t| t.import_title>
            <p class="lead">{move || i18n.t().import_intro}</p>
            <ComingSoon text=|t| t.import_coming/>
        </Page>
    }
}
