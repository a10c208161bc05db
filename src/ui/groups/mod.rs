//! The groups workflow: find a group, see its members, add an external person the right way for
//! the group's kind, open it to external senders, remove members. Pages are in
//! `ui::pages::{groups, group}`; the pieces are here.
//!
//! - [`finder`]: search as you type.
//! - [`members`]: the virtualized member list with filter, export and remove.
//! - [`external`]: the external-senders status and its fix.
//! - [`delivery`]: the delivery check (can they send, will they receive), its badge and fixes.
//! - [`add_person`]: the add-an-external-person dialog (plan, run or script, verify).
//! - [`run_result`]: a run's result per operation, and script mode's script and Verify.
//! - [`virtual_list`]: the window arithmetic of the member list (pure).

pub mod add_person;
pub mod delivery;
pub mod dialog;
pub mod external;
pub mod finder;
pub mod members;
pub mod run_result;
pub mod virtual_list;

use crate::i18n::{fill, use_i18n, Texts};
use guestlist_core::domain::delivery::{NdrCode, Outcome};
use guestlist_core::domain::group::{ExternalSenders, GroupKind};
use guestlist_core::domain::journal::{Failure, Service};
use guestlist_core::tenant::TenantError;
use leptos::prelude::*;

fn kind_class(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::Distribution => "badge badge--dl",
        GroupKind::MailEnabledSecurity => "badge badge--mes",
        GroupKind::Microsoft365 => "badge badge--m365",
        GroupKind::Security => "badge badge--sec",
        GroupKind::DynamicDistribution => "badge badge--dyn",
    }
}

/// A group kind as a badge (text, so screen readers read it too).
#[component]
pub fn KindBadge(kind: GroupKind) -> impl IntoView {
    let i18n = use_i18n();
    view! { <span class=kind_class(kind)>{move || i18n.t().finder.kind(kind)}</span> }
}

/// What a group does with any external sender's mail, as a badge in the finder and on the group
/// page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExternalsBadge {
    /// Any external sender's mail is delivered.
    Open,
    /// Any external sender bounces with this code.
    Bounces(NdrCode),
    /// Any external sender's mail waits for a moderator.
    Moderated,
}

impl ExternalsBadge {
    /// The badge for the "any external sender" outcome, or, where Exchange's restrictions
    /// weren't read (script mode), for the group's external-senders switch alone when closed.
    pub fn of(any: Option<&Outcome>, external: ExternalSenders) -> Option<ExternalsBadge> {
        match any {
            Some(Outcome::Delivered) => Some(ExternalsBadge::Open),
            Some(Outcome::Rejected { code }) => Some(ExternalsBadge::Bounces(*code)),
            Some(Outcome::Held { .. }) => Some(ExternalsBadge::Moderated),
            None if external == ExternalSenders::Rejected => {
                Some(ExternalsBadge::Bounces(NdrCode::SenderNotAuthenticated))
            }
            None => None,
        }
    }

    /// Its class and words.
    pub fn class_and_text(self, t: &Texts) -> (&'static str, String) {
        let g = t.groups();
        match self {
            ExternalsBadge::Open => ("badge badge--ok", g.dl_badge_ok.to_owned()),
            ExternalsBadge::Bounces(code) => (
                "badge badge--bounce",
                fill(g.dl_badge_bounces, &[("code", code.as_str())]),
            ),
            ExternalsBadge::Moderated => ("badge badge--held", g.dl_badge_moderated.to_owned()),
        }
    }
}

/// A failure in words, in the admin's language (it follows the language switch), with the
/// service's request id and the raw detail one click away.
///
/// `hint` puts a sentence of the caller's before it (e.g. which permission a fix needs), in the
/// current language too.
#[component]
pub fn FailureView(
    failure: Failure,
    #[prop(optional)] raw: Option<String>,
    #[prop(optional)] hint: Option<crate::ui::components::TextFn>,
) -> impl IntoView {
    let i18n = use_i18n();
    let request_id = failure.request_id.clone();
    let sentence = move || {
        let t = i18n.t();
        let words = t.failure(&failure);
        match hint {
            Some(hint) => format!("{} {words}", hint(t)),
            None => words,
        }
    };
    view! {
        <div class="failure" role="alert">
            <p>{sentence}</p>
            {request_id.map(|id| view! {
                <p class="failure-rid">{tx(|t| t.finder.request_id)} " " <code>{id.clone()}</code></p>
            })}
            {raw.map(|raw| view! {
                <details class="failure-raw">
                    <summary>{tx(|t| t.finder.raw_detail)}</summary>
                    <pre>{raw}</pre>
                </details>
            })}
        </div>
    }
}

/// The admin's sentence for a tenant error (see [`guestlist_core::run::failure`]): stored in English,
/// shown by [`FailureView`] in the admin's language.
pub fn explain(service: Service, e: &TenantError) -> Failure {
    guestlist_core::run::failure(service, e)
}

/// Offers `content` as a file download through a Blob URL (no data: URL, no inline script).
pub fn download(file_name: &str, mime: &str, content: &str) -> Result<(), String> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(content));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
            .map_err(|e| format!("{e:?}"))?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or("no document")?;
        let a: web_sys::HtmlAnchorElement = document
            .create_element("a")
            .map_err(|e| format!("{e:?}"))?
            .unchecked_into();
        a.set_href(&url);
        a.set_download(file_name);
        a.click();
        // The click has started the download; the URL can go.
        let _ = web_sys::Url::revoke_object_url(&url);
        Ok(())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (file_name, mime, content);
        Err("downloads happen in the browser only".into())
    }
}

/// Puts `text` on the clipboard (`navigator.clipboard.writeText`).
pub async fn copy_text(text: &str) -> Result<(), String> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let navigator = web_sys::window().ok_or("no window")?.navigator();
        let clipboard =
            js_sys::Reflect::get(&navigator, &"clipboard".into()).map_err(|e| format!("{e:?}"))?;
        let write: js_sys::Function = js_sys::Reflect::get(&clipboard, &"writeText".into())
            .map_err(|e| format!("{e:?}"))?
            .dyn_into()
            .map_err(|_| "no clipboard in this browser".to_owned())?;
        let promise: js_sys::Promise = write
            .call1(&clipboard, &text.into())
            .map_err(|e| format!("{e:?}"))?
            .dyn_into()
            .map_err(|_| "no clipboard in this browser".to_owned())?;
        wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = text;
        Err("the clipboard is in the browser only".into())
    }
}

/// Waits `ms` milliseconds (debouncing).
pub async fn sleep_ms(ms: u64) {
    use guestlist_core::tenant::Sleeper;
    crate::ui::session::wait()
        .sleep(std::time::Duration::from_millis(ms))
        .await;
}

/// A file name from a group name: letters, digits, dashes; never empty.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        "group".into()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn file_stems() {
        assert_eq!(file_stem("Sales Team"), "Sales-Team");
        assert_eq!(
            file_stem("<script>alert('x')</script>"),
            "script-alert-x-script"
        );
        assert_eq!(file_stem("../.."), "group");
    }
}

/// What the group pages know about one group.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupInfo {
    pub target: guestlist_core::domain::plan::TargetGroup,
    pub description: Option<String>,
    /// Dynamic distribution groups: the rule that picks the members.
    pub recipient_filter: Option<String>,
}

/// Azure Cloud Shell: PowerShell with the ExchangeOnlineManagement module available.
pub const CLOUD_SHELL_URL: &str = "https://shell.azure.com";

/// A PowerShell script to hand over: shown, copyable, downloadable, with a link to Cloud Shell.
#[component]
pub fn ScriptBox(script: String, file_name: String) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(None::<Result<(), String>>);
    let for_copy = script.clone();
    let for_download = script.clone();
    let copy = move |_| {
        let text = for_copy.clone();
        leptos::task::spawn_local(async move {
            let r = copy_text(&text).await;
            copied.try_set(Some(r));
        });
    };
    let save = move |_| {
        if let Err(e) = download(&file_name, "text/plain;charset=utf-8", &for_download) {
            copied.set(Some(Err(e)));
        }
    };
    view! {
        <div class="script-box">
            <pre class="script" tabindex="0" aria-label=tx(|t| t.groups().script_label)><code>{script}</code></pre>
            <div class="actions">
                <button type="button" class="button" on:click=copy>{tx(|t| t.groups().copy)}</button>
                <button type="button" class="button" on:click=save>{tx(|t| t.groups().download)}</button>
                <a class="button" href=CLOUD_SHELL_URL target="_blank" rel="noopener noreferrer">
                    {tx(|t| t.groups().open_cloud_shell)}
                </a>
            </div>
            <p class="script-status" role="status">
                {move || match copied.get() {
                    Some(Ok(())) => i18n.t().groups().copied.to_owned(),
                    Some(Err(e)) => format!("{} {e}", i18n.t().groups().copy_failed),
                    None => String::new(),
                }}
            </p>
        </div>
    }
}

/// A catalogue text that follows the language. Every call returns the same closure type, so
/// the WebAssembly holds one copy of the code that renders a reactive text instead of one per
/// text (each `move || i18n.t().x` is a type of its own).
pub fn tx(
    pick: crate::ui::components::TextFn,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || pick(i18n.t())
}
