use crate::config::Config;
use crate::i18n::use_i18n;
use crate::ui::components::{Page, TextFn};
use leptos::prelude::*;

/// What Guestlist is, and which tenant and endpoints this installation talks to.
#[component]
pub fn AboutPage() -> impl IntoView {
    let i18n = use_i18n();
    let config = expect_context::<Config>();
    let rows: [(TextFn, String); 6] = [
        (|t| t.common.about_client_id, config.client_id.clone()),
        (|t| t.common.about_tenant, config.tenant.as_str().to_owned()),
        (|t| t.common.about_authority, config.authority_url()),
        (|t| t.common.about_redirect, config.redirect_uri.clone()),
        (|t| t.common.about_graph, config.graph_base_url.clone()),
        (
            |t| t.common.about_exchange,
            config.exchange_base_url.clone(),
        ),
    ];
    view! {
        <Page title=|t| t.common.about_title>
            <p class="lead">{move || i18n.t().common.about_intro}</p>
            <p>{move || i18n.t().common.about_privacy}</p>
            <section class="card">
                <h2>{move || i18n.t().common.about_installation}</h2>
                <dl class="facts">
                    {rows
                        .map(|(label, value)| {
                            view! {
                                <dt>{move || label(i18n.t())}</dt>
                                <dd>
                                    <code>{value}</code>
                                </dd>
                            }
                        })}
                </dl>
            </section>
        </Page>
    }
}
