//! What the browser provides to the core's clients and executor: `fetch` (cancellable),
//! `setTimeout`, `Math.random()` and `Date.now()`, behind the core's traits.

#[cfg(target_arch = "wasm32")]
mod fetch;

#[cfg(target_arch = "wasm32")]
pub use fetch::{FetchTransport, TimeoutSleeper};

use guestlist_core::run::Clock;

/// The browser's clock (`Date.now()`); natively (the app's unit tests) the system clock, since
/// `SystemTime` is not available on wasm32-unknown-unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ms(&self) -> u64 {
        #[cfg(target_arch = "wasm32")]
        {
            js_sys::Date::now() as u64
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            guestlist_core::run::SystemClock.now_ms()
        }
    }
}
