use crate::i18n::{use_i18n, Lang};
use crate::ui::browser;
use crate::ui::groups::tx;
use leptos::prelude::*;

/// A labelled `<select>`: native keyboard behaviour, announced as "Language, combo box".
/// Each option carries its own `lang` so it is read in its own language.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let choose = move |ev: leptos::ev::Event| {
        if let Some(lang) = Lang::from_tag(&event_target_value(&ev)) {
            i18n.set(lang);
            // Only an explicit choice is stored; until then the browser's language leads.
            browser::save_lang(lang);
        }
    };
    view! {
        <div class="lang-switch">
            <label for="lang-select">{tx(|t| t.common.language_label)}</label>
            <select id="lang-select" class="select" on:change=choose>
                {Lang::ALL
                    .map(|lang| {
                        view! {
                            <option
                                value=lang.code()
                                lang=lang.code()
                                prop:selected=move || i18n.lang() == lang
                            >
                                {lang.native_name()}
                            </option>
                        }
                    })}
            </select>
        </div>
    }
}
