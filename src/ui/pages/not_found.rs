use crate::i18n::use_i18n;
use crate::ui::components::Page;
use crate::ui::router::A;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page title=|t| t.common.not_found_title>
            <p>{move || i18n.t().common.not_found_body}</p>
            <p>
                <A href="/">{move || i18n.t().common.not_found_home}</A>
            </p>
        </Page>
    }
}
