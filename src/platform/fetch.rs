//! Browser implementations: [`FetchTransport`] over gloo-net's `fetch`, cancellable through an
//! `AbortController`, and [`TimeoutSleeper`] over `setTimeout`.

use std::time::Duration;

use wasm_bindgen::prelude::*;

use guestlist_core::tenant::{
    HttpRequest, HttpResponse, Method, Sleeper, Transport, TransportError,
};

/// Sends requests with the browser's `fetch`. Every request carries this transport's `AbortSignal`:
/// call [`FetchTransport::abort`] when the page that owns it goes away (Leptos `on_cleanup`) and its
/// requests in flight end as [`TransportError::Aborted`]. Jobs that must outlive a page hold their
/// own transport.
pub struct FetchTransport {
    controller: web_sys::AbortController,
}

impl FetchTransport {
    pub fn new() -> Result<Self, TransportError> {
        let controller = web_sys::AbortController::new()
            .map_err(|e| TransportError::Invalid(format!("AbortController unavailable: {e:?}")))?;
        Ok(Self { controller })
    }

    /// Cancels every request of this transport, in flight or future.
    pub fn abort(&self) {
        self.controller.abort();
    }

    pub fn signal(&self) -> web_sys::AbortSignal {
        self.controller.signal()
    }
}

fn transport_error(e: gloo_net::Error) -> TransportError {
    match e {
        gloo_net::Error::JsError(j) if j.name == "AbortError" => TransportError::Aborted,
        // `TypeError: Failed to fetch`: network down, connection dropped, or CORS refused.
        gloo_net::Error::JsError(j) => {
            TransportError::Network(format!("{}: {}", j.name, j.message))
        }
        other => TransportError::Network(other.to_string()),
    }
}

/// Per request: its own `AbortController`, aborted when the transport's signal fires and also when
/// the request's future is dropped before it finished (a Leptos resource dropped with its page), so a
/// forgotten request never keeps running in the browser.
struct RequestAbort {
    parent: web_sys::AbortSignal,
    child: web_sys::AbortController,
    on_parent_abort: Closure<dyn FnMut()>,
    finished: bool,
}

impl RequestAbort {
    fn new(parent: web_sys::AbortSignal) -> Result<Self, TransportError> {
        if parent.aborted() {
            return Err(TransportError::Aborted);
        }
        let child = web_sys::AbortController::new()
            .map_err(|e| TransportError::Invalid(format!("AbortController unavailable: {e:?}")))?;
        let to_abort = child.clone();
        let on_parent_abort = Closure::<dyn FnMut()>::new(move || to_abort.abort());
        parent
            .add_event_listener_with_callback("abort", on_parent_abort.as_ref().unchecked_ref())
            .map_err(|e| {
                TransportError::Invalid(format!("cannot watch the abort signal: {e:?}"))
            })?;
        Ok(Self {
            parent,
            child,
            on_parent_abort,
            finished: false,
        })
    }
}

impl Drop for RequestAbort {
    fn drop(&mut self) {
        let _ = self.parent.remove_event_listener_with_callback(
            "abort",
            self.on_parent_abort.as_ref().unchecked_ref(),
        );
        if !self.finished {
            self.child.abort();
        }
    }
}

impl Transport for FetchTransport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match req.method {
            Method::Get => gloo_net::http::Method::GET,
            Method::Post => gloo_net::http::Method::POST,
            Method::Patch => gloo_net::http::Method::PATCH,
            Method::Delete => gloo_net::http::Method::DELETE,
        };
        let mut abort = RequestAbort::new(self.controller.signal())?;
        let signal = abort.child.signal();
        let mut builder = gloo_net::http::RequestBuilder::new(&req.url)
            .method(method)
            .abort_signal(Some(&signal));
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        let request = match req.body {
            Some(text) => builder.body(text),
            None => builder.build(),
        }
        .map_err(|e| TransportError::Invalid(e.to_string()))?;
        let resp = request.send().await.map_err(transport_error)?;
        let status = resp.status();
        // Only headers the server exposes through CORS are visible here (Retry-After and request-id
        // need `Access-Control-Expose-Headers`).
        let headers = resp.headers().entries().collect();
        let body = resp.text().await.map_err(transport_error)?;
        abort.finished = true;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

#[wasm_bindgen]
extern "C" {
    // The global `setTimeout`, present in windows and workers alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, timeout_ms: i32) -> JsValue;
}

/// Waits with `setTimeout`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimeoutSleeper;

impl Sleeper for TimeoutSleeper {
    async fn sleep(&self, duration: Duration) {
        let ms = duration.as_millis().min(i32::MAX as u128) as i32;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            set_timeout(&resolve, ms);
        });
        // The promise only ever resolves.
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    fn jitter(&self) -> f64 {
        js_sys::Math::random()
    }
}
