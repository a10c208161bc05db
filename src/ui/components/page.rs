use crate::i18n::{fill, use_i18n, Texts};
use crate::ui::groups::tx;
use crate::ui::{browser, NavFocus};
use leptos::html::H1;
use leptos::prelude::*;

/// Picks one text out of the catalogue, so components can take "which text" as a prop and
/// still follow language changes.
pub type TextFn = fn(&'static Texts) -> &'static str;

/// A screen's heading and body. Sets the document title and, after in-app navigation, moves
/// focus to the heading (see [`NavFocus`]).
#[component]
pub fn Page(title: TextFn, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let heading = NodeRef::<H1>::new();
    Effect::new(move |_| {
        let t = i18n.t();
        browser::set_document_title(&fill(t.common.document_title, &[("page", title(t))]));
    });
    if let Some(NavFocus(shown)) = use_context::<NavFocus>() {
        Effect::new(move |_| {
            if let Some(h) = heading.get() {
                if shown.get_value() {
                    let _ = h.focus();
                } else {
                    shown.set_value(true);
                }
            }
        });
    }
    view! {
        <div class="page">
            <h1 class="page-title" tabindex="-1" node_ref=heading>
                {move || title(i18n.t())}
            </h1>
            {children()}
        </div>
    }
}

/// What a placeholder screen will hold, in words.
#[component]
pub fn ComingSoon(text: TextFn) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card card--placeholder">
            <h2>{tx(|t| t.common.coming_heading)}</h2>
            <p>{move || text(i18n.t())}</p>
        </section>
    }
}
