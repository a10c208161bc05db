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
    let keys: [(&str, TextFn); 6] = [
        ("clientId", |t| t.key_client_id),
        ("tenantId", |t| t.key_tenant_id),
        ("authority", |t| t.key_authority),
        ("redirectUri", |t| t.key_redirect_uri),
        ("graphBaseUrl", |t| t.key_graph_base_url),
        ("exchangeBaseUrl", |t| t.key_exchange_base_url),
    ];
    view! {
        <Frame>
            <Page title=|t| t.config_title>
                <section class="card message-bar message-bar--error" aria-labelledby="config-problem">
                    <h2 id="config-problem">{move || i18n.t().config_problem}</h2>
                    <p class="config-error-message">{move || i18n.t().config_error(&error)}</p>
                </section>
                <section class="card" aria-labelledby="config-fix">
                    <h2 id="config-fix">{move || i18n.t().config_fix}</h2>
                    <p>{move || i18n.t().config_fix_intro}</p>
                    // Focusable so keyboard users can scroll it on narrow screens.
                    <pre class="code" tabindex="0" aria-label=move || i18n.t().config_example_label>
                        <code>{example}</code>
                    </pre>
                    <p>{move || i18n.t().config_keys_intro}</p>
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
                    <p>{move || i18n.t().config_reload_hint}</p>
                    <button type="button" class="button button--primary" on:click=|_| browser::reload()>
                        {move || i18n.t().config_reload}
                    </button>
                </section>
            </Page>
        </Frame>
    }
}
