//! What the wasm-bindgen-test suites (`tests/web*.rs`) share: mounting a view into an element
//! of its own, and waiting for a condition. Leptos applies reactive updates asynchronously, so a
//! check after an interaction polls for the expected state with a deadline instead of sleeping
//! a fixed time.

use guestlist::i18n::{I18n, Lang};
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A view mounted into its own element under a fresh owner; unmounted and removed on drop.
pub struct Mounted {
    pub root: HtmlElement,
    owner: Owner,
    handle: Option<Box<dyn std::any::Any>>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.handle.take();
        // Dropping the mount handle alone leaves the router's window listeners behind while
        // anything still holds the app's owner; a later test's link clicks would then go to
        // this dead router. Cleaning up the enclosing owner removes them.
        self.owner.cleanup();
        self.root.remove();
    }
}

impl Mounted {
    /// How many elements inside match `selector`.
    pub fn count(&self, selector: &str) -> u32 {
        self.root.query_selector_all(selector).unwrap().length()
    }
}

/// Mounts `view`; `context` runs first under the new owner, to provide what the view expects,
/// and what it returns is handed back.
pub fn mount_with<T, V: IntoView + 'static>(
    context: impl FnOnce() -> T,
    view: impl FnOnce() -> V + 'static,
) -> (Mounted, T) {
    let root: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&root).unwrap();
    let owner = Owner::new();
    let (handle, provided) = owner.with(|| {
        let provided = context();
        (mount_to(root.clone(), view), provided)
    });
    let mounted = Mounted {
        root,
        owner,
        handle: Some(Box::new(handle)),
    };
    (mounted, provided)
}

/// Mounts `view` with the language context in `lang`, returned so a test can switch language.
pub fn mount<V: IntoView + 'static>(
    lang: Lang,
    view: impl FnOnce() -> V + 'static,
) -> (Mounted, I18n) {
    mount_with(
        || {
            let i18n = I18n::new(lang);
            provide_context(i18n);
            i18n
        },
        view,
    )
}

/// Yields to the browser for `ms` milliseconds (one poll interval of [`until`]).
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Polls `condition` every 10 ms until it holds; fails the test after five seconds (a cold
/// Chromium on two busy cores is slow to lay out the first page).
pub async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = js_sys::Date::now() + 5000.0;
    while !condition() {
        assert!(
            js_sys::Date::now() < deadline,
            "timed out waiting for {what}"
        );
        sleep_ms(10).await;
    }
}
