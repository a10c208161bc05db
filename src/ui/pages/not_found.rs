use crate::ui::components::Page;
use crate::ui::groups::tx;
use crate::ui::router::A;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <Page title=|t| t.common.not_found_title>
            <p>{tx(|t| t.common.not_found_body)}</p>
            <p>
                <A href="/">{tx(|t| t.common.not_found_home)}</A>
            </p>
        </Page>
    }
}
