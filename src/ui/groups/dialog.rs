//! A modal dialog on the native `<dialog>` element, opened with `showModal()`: the browser puts it
//! in the top layer and makes the rest of the page inert (no clicks, no focus, hidden from
//! assistive technology), and focuses its `autofocus` element (or its first focusable one).
//!
//! On top of that, because the browser alone lets Tab leave a modal dialog for the browser's own
//! controls, and a focused element that a dialog replaces leaves focus on `<body>`:
//! - Tab and Shift+Tab cycle through the dialog's focusable elements, wherever focus is;
//! - Escape closes it through the owner's `on_close`, but only while `can_close` (not while a
//!   change is running); the browser's own Escape handling is cancelled so the two never race;
//! - on close, focus returns to the element that opened it, or to `fallback_focus` when that
//!   element is gone (e.g. the row of a member just removed).
//!
//! The owner decides when it is open by mounting it; unmounting closes it.

use leptos::html::Dialog;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wasm_bindgen::JsCast;

/// What can take focus by Tab. Hidden or disabled elements are filtered out afterwards.
const FOCUSABLE: &str =
    "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), \
     select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

/// `Node.DOCUMENT_POSITION_PRECEDING` / `…_FOLLOWING`.
const PRECEDING: u16 = 2;
const FOLLOWING: u16 = 4;

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Rendered (has a box): `display: none` parts and closed `<details>` contents don't count.
fn rendered(el: &web_sys::HtmlElement) -> bool {
    el.offset_width() > 0 || el.offset_height() > 0
}

/// The dialog's focusable elements in document order (= Tab order: no positive tabindex here).
fn focusables(root: &web_sys::Element) -> Vec<web_sys::HtmlElement> {
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(el) = stack.pop() {
        let children = el.children();
        // Reverse onto the stack so they come off in document order.
        for i in (0..children.length()).rev() {
            if let Some(child) = children.item(i) {
                stack.push(child);
            }
        }
        if &el == root {
            continue;
        }
        if el.matches(FOCUSABLE).unwrap_or(false) {
            if let Ok(h) = el.dyn_into::<web_sys::HtmlElement>() {
                if rendered(&h) {
                    out.push(h);
                }
            }
        }
    }
    out
}

/// The element Tab (or Shift+Tab) moves to from `active`, cycling inside `list`.
fn next_focus(
    list: &[web_sys::HtmlElement],
    active: Option<&web_sys::Element>,
    backwards: bool,
) -> Option<web_sys::HtmlElement> {
    let first = list.first()?.clone();
    let last = list.last()?.clone();
    let Some(active) = active else {
        return Some(if backwards { last } else { first });
    };
    if let Some(i) = list
        .iter()
        .position(|e| AsRef::<web_sys::Element>::as_ref(e) == active)
    {
        let n = list.len();
        let j = if backwards {
            (i + n - 1) % n
        } else {
            (i + 1) % n
        };
        return Some(list[j].clone());
    }
    // Focus is on something not in the cycle (a heading with tabindex=-1, the dialog itself,
    // or <body>): go to the nearest focusable after (before) it, wrapping around.
    let node: &web_sys::Node = active.as_ref();
    if backwards {
        list.iter()
            .rev()
            .find(|e| node.compare_document_position(e.as_ref()) & PRECEDING != 0)
            .cloned()
            .or(Some(last))
    } else {
        list.iter()
            .find(|e| node.compare_document_position(e.as_ref()) & FOLLOWING != 0)
            .cloned()
            .or(Some(first))
    }
}

/// After the current render, moves focus to the element `selector` names (e.g. the heading of
/// a dialog's new step, whose content just replaced the button that had focus). Owners call it
/// when the dialog's content changes step, so keyboard and screen reader users land on it.
pub fn focus_soon(selector: &'static str) {
    set_timeout(
        move || {
            if let Some(el) = document()
                .and_then(|doc| doc.query_selector(selector).ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        },
        Duration::ZERO,
    );
}

/// The modal dialog. `labelled_by` is the id of its heading (inside `children`).
#[component]
pub fn Modal(
    labelled_by: &'static str,
    /// Whether Escape (or another close request) may close it now.
    #[prop(into)]
    can_close: Signal<bool>,
    /// Asks the owner to close (unmount) it.
    on_close: impl Fn() + Clone + Send + Sync + 'static,
    /// Extra classes (e.g. `dialog--wide`).
    #[prop(optional)]
    class: &'static str,
    /// Where focus goes on close when the opener is no longer on the page.
    #[prop(optional)]
    fallback_focus: Option<&'static str>,
    /// Whether focus may go back to the opener on close (default yes); `false` when the
    /// opener now stands for something else, e.g. a list row reused for the next member.
    #[prop(optional, into)]
    restore_opener: Option<Signal<bool>>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    // The element that had focus when the dialog opened: focus goes back there on close.
    let opener = SendWrapper::new(document().and_then(|d| d.active_element()));
    let alive = Arc::new(AtomicBool::new(true));

    // The element itself, for closing it on cleanup (when the node ref may be gone already).
    let element = Arc::new(SendWrapper::new(RefCell::new(
        None::<web_sys::HtmlDialogElement>,
    )));

    // Open as modal once the element is on the page.
    {
        let element = element.clone();
        Effect::new(move |_| {
            if let Some(d) = dialog.get() {
                if !d.open() && d.is_connected() {
                    if let Err(e) = d.show_modal() {
                        leptos::logging::warn!("showModal failed: {e:?}");
                    }
                }
                element.borrow_mut().replace(d);
            }
        });
    }

    // Tab and Escape, wherever focus is while the dialog is open (on <body> too).
    let keys = {
        let on_close = on_close.clone();
        window_event_listener(leptos::ev::keydown, move |ev| {
            let Some(d) = dialog.get_untracked() else {
                return;
            };
            match ev.key().as_str() {
                "Tab" => {
                    ev.prevent_default();
                    let active = document().and_then(|doc| doc.active_element());
                    if let Some(el) = next_focus(&focusables(&d), active.as_ref(), ev.shift_key()) {
                        let _ = el.focus();
                    }
                }
                "Escape" => {
                    // Ours, not the browser's: it closes only when the owner allows.
                    ev.prevent_default();
                    if can_close.try_get_untracked().unwrap_or(false) {
                        on_close();
                    }
                }
                _ => {}
            }
        })
    };

    // A close request the browser carried out itself (it may ignore a cancelled one): close
    // for real when allowed, else open it again.
    let on_native_close = {
        let on_close = on_close.clone();
        let alive = alive.clone();
        move |_: leptos::ev::Event| {
            if !alive.load(Ordering::Relaxed) {
                return;
            }
            if can_close.try_get_untracked().unwrap_or(false) {
                on_close();
            } else if let Some(d) = dialog.get_untracked() {
                if d.is_connected() {
                    let _ = d.show_modal();
                }
            }
        }
    };

    // Closing: leave the top layer (so the page is no longer inert), then give focus back once
    // the page has re-rendered.
    on_cleanup(move || {
        alive.store(false, Ordering::Relaxed);
        keys.remove();
        if let Some(d) = element.borrow_mut().take() {
            if d.open() {
                d.close();
            }
        }
        let opener = opener.take();
        let restore = restore_opener.is_none_or(|r| r.try_get_untracked().unwrap_or(true));
        let opener = opener.filter(|_| restore);
        set_timeout(
            move || {
                let back = opener
                    .filter(|o| o.is_connected())
                    .and_then(|o| o.dyn_into::<web_sys::HtmlElement>().ok());
                let target = back.or_else(|| {
                    let selector = fallback_focus?;
                    document()?
                        .query_selector(selector)
                        .ok()
                        .flatten()?
                        .dyn_into::<web_sys::HtmlElement>()
                        .ok()
                });
                if let Some(t) = target {
                    let _ = t.focus();
                }
            },
            Duration::ZERO,
        );
    });

    let class = if class.is_empty() {
        "dialog".to_owned()
    } else {
        format!("dialog {class}")
    };
    view! {
        <dialog class=class node_ref=dialog aria-labelledby=labelled_by on:close=on_native_close>
            {children()}
        </dialog>
    }
}
