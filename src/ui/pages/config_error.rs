use crate::config::{example_config, ConfigError};
use crate::i18n::use_i18n;
use crate::ui::browser;
use crate::ui::components::{Page, TextFn};
use crate::ui::layout::Frame;
use leptos::prelude::*;

/// Shown instead of the app when `config.json` is missing or invalid: what is wrong, in plain
/// words, and a complete example to put there.
#[component]
pub fn ConfigErrorPage(error: ConfigError) -> impl IntoView {
    let i18n = use_i18n();
    let example = example_config(&browser::default_redirect_uri());
    let keys: [(&str, TextFn); 7] = [
        ("clientId", |t| t.config().key_client_id),
        ("tenantId", |t| t.config().key_tenant_id),
        ("authority", |t| t.config().key_authority),
        ("redirectUri", |t| t.config().key_redirect_uri),
        ("graphBaseUrl", |t| t.config().key_graph_base_url),
        ("exchangeBaseUrl", |t| t.config().key_exchange_base_url),
        ("accessUntilAttribute", |t| {
            t.config().key_access_until_attribute
        }),
    ];
    view! {
        <Frame>
            <Page title=|t| t.config().title>
                <section class="card message-bar message-bar--error" aria-labelledby="config-problem">
                    <h2 id="config-problem">{move || i18n.t().config().problem}</h2>
                    <p class="config-error-message">{move || i18n.t().config().error(&error)}</p>
                </section>
                <section class="card" aria-labelledby="config-fix">
                    <h2 id="config-fix">{move || i18n.t().config().fix}</h2>
                    <p>{move || i18n.t().config().fix_intro}</p>
                    // Focusable so keyboard users can scroll it on narrow screens.
                    <pre class="code" tabindex="0" aria-label=move || i18n.t().config().example_label>
                        <code>{example}</code>
                    </pre>
                    <p>{move || i18n.t().config().keys_intro}</p>
                    <dl class="keys">
                        {keys
                            .map(|(key, text)| {
                                view! {
                                    <dt>
                                        <code>{key}</code>
                                    </dt>
                                    <dd>{move || text(i18n.t())}</dd>
                                }
                            })}
                    </dl>
                    <p>{move || i18n.t().config().reload_hint}</p>
                    <button type="button" class="button button--primary" on:click=|_| browser::reload()>
                        {move || i18n.t().config().reload}
                    </button>
                </section>
            </Page>
        </Frame>
    }
}
