//! What the wasm-bindgen-test suites (`tests/web*.rs`) share: the document, and waiting for a
//! condition. Leptos applies reactive updates asynchronously, so a check after an interaction
//! polls for the expected state with a deadline instead of sleeping a fixed time.

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
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
