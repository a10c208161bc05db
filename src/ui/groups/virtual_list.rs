//! Which rows of a long list to put in the DOM: the visible window plus some overscan, for a
//! fixed row height ([`window`], pure arithmetic, tested natively), and [`VirtualRows`], the
//! scrolling box that renders only that window (the member list and the External people page).

use crate::ui::components::TextFn;
use crate::ui::groups::tx;
use leptos::html::Div;
use leptos::prelude::*;

/// Rows `start..end` of the list are rendered; the rest is empty space of the right height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
}

/// The rows to render when the viewport (`viewport_px` high) is scrolled to `scroll_top_px`.
/// `overscan` rows are added on both sides, so fast scrolling doesn't show gaps.
pub fn window(
    scroll_top_px: f64,
    viewport_px: f64,
    row_px: f64,
    len: usize,
    overscan: usize,
) -> Window {
    if len == 0 || row_px <= 0.0 {
        return Window { start: 0, end: 0 };
    }
    let top = scroll_top_px.max(0.0);
    let first = ((top / row_px).floor() as usize).min(len.saturating_sub(1));
    let visible = (viewport_px.max(row_px) / row_px).ceil() as usize + 1;
    let start = first.saturating_sub(overscan);
    let end = (first + visible + overscan).min(len);
    Window { start, end }
}

/// Where a [`VirtualRows`] box is scrolled to: made by the list's owner, who can send it back
/// to the top (a new filter makes the old position meaningless).
#[derive(Clone, Copy)]
pub struct Scroll {
    top: RwSignal<f64>,
    viewport_px: RwSignal<f64>,
    node: NodeRef<Div>,
}

impl Scroll {
    /// `viewport_px`: the box's height before it has been measured (its CSS height).
    pub fn new(viewport_px: f64) -> Scroll {
        Scroll {
            top: RwSignal::new(0.0),
            viewport_px: RwSignal::new(viewport_px),
            node: NodeRef::new(),
        }
    }

    /// Back to the first row.
    pub fn to_top(&self) {
        self.top.set(0.0);
        if let Some(el) = self.node.get_untracked() {
            el.set_scroll_top(0);
        }
    }
}

/// A list of `len` rows of `row_px` pixels in a scrolling box (`.member-viewport`): a spacer as
/// tall as every row, and in it only the rows of the visible [`Window`] (plus `overscan` on
/// each side), moved into place with a transform. `rows(window, len)` renders the `<li>`s of
/// `window.start..window.end`; `label` names the box and the list for assistive technology.
#[component]
pub fn VirtualRows<F, V>(
    scroll: Scroll,
    #[prop(into)] len: Signal<usize>,
    row_px: f64,
    overscan: usize,
    label: TextFn,
    /// An extra class on the scrolling box.
    #[prop(optional)]
    class: &'static str,
    rows: F,
) -> impl IntoView
where
    F: Fn(Window, usize) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let Scroll {
        top,
        viewport_px,
        node,
    } = scroll;
    let win = Memo::new(move |_| window(top.get(), viewport_px.get(), row_px, len.get(), overscan));
    let on_scroll = move |_| {
        if let Some(el) = node.get() {
            top.set(el.scroll_top() as f64);
            let h = el.client_height() as f64;
            if h > 0.0 {
                viewport_px.set(h);
            }
        }
    };
    let box_class = if class.is_empty() {
        "member-viewport".to_owned()
    } else {
        format!("member-viewport {class}")
    };
    view! {
        <div class=box_class node_ref=node on:scroll=on_scroll tabindex="0" aria-label=tx(label)>
            <div class="member-spacer" style:height=move || format!("{}px", len.get() as f64 * row_px)>
                <ul
                    class="member-rows"
                    aria-label=tx(label)
                    style:transform=move || format!("translateY({}px)", win.get().start as f64 * row_px)
                >
                    {move || rows(win.get(), len.get())}
                </ul>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_of_the_list() {
        assert_eq!(
            window(0.0, 400.0, 40.0, 50_000, 10),
            Window { start: 0, end: 21 }
        );
    }

    #[test]
    fn middle_and_end() {
        // Scrolled to row 1000: rows 990..1021 rendered.
        let w = window(40_000.0, 400.0, 40.0, 50_000, 10);
        assert_eq!(
            w,
            Window {
                start: 990,
                end: 1021
            }
        );
        // Past the end (list shrank under a filter): still a valid, non-empty window.
        let w = window(4_000_000.0, 400.0, 40.0, 30, 10);
        assert_eq!(w, Window { start: 19, end: 30 });
    }

    #[test]
    fn bounded_whatever_the_length() {
        for len in [0usize, 1, 7, 1_000, 50_000] {
            let w = window(12_345.0, 600.0, 36.0, len, 20);
            assert!(w.start <= w.end && w.end <= len);
            assert!(w.end - w.start <= 600 / 36 + 2 + 40);
        }
        assert_eq!(window(0.0, 400.0, 40.0, 0, 10), Window { start: 0, end: 0 });
    }
}
