//! The few browser facts the shell needs, each behind a small function so components stay
//! declarative. Failures here (private mode without storage, no `window`) fall back to defaults:
//! none of them may keep the app from starting.

use crate::i18n::Lang;

/// localStorage key for the chosen UI language.
pub const LANG_KEY: &str = "guestlist.lang";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The language the user picked earlier, as stored.
pub fn stored_lang() -> Option<String> {
    storage()?.get_item(LANG_KEY).ok().flatten()
}

/// Remembers an explicit choice. Storage can be full or disabled; the choice then lasts for
/// this page only, which is the best we can do.
pub fn save_lang(lang: Lang) {
    if let Some(s) = storage() {
        let _ = s.set_item(LANG_KEY, lang.code());
    }
}

/// `navigator.language`, e.g. `nl-NL`.
pub fn browser_lang() -> Option<String> {
    web_sys::window()?.navigator().language()
}

/// The starting language for this browser.
pub fn initial_lang() -> Lang {
    Lang::initial(stored_lang().as_deref(), browser_lang().as_deref())
}

/// Keeps `<html lang>` in step with the UI so screen readers pronounce it right.
pub fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", lang.code());
    }
}

pub fn set_document_title(title: &str) {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        d.set_title(title);
    }
}

/// The document's base URL (from `<base href>`, which Trunk fills with its public URL) as a
/// directory: the app's own address and the default redirect URI. Falls back to origin + "/".
pub fn app_base_url() -> String {
    let window = web_sys::window();
    let base = window
        .as_ref()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten());
    match base {
        Some(base) => directory_of(&base),
        None => window
            .and_then(|w| w.location().origin().ok())
            .map(|o| format!("{o}/"))
            .unwrap_or_else(|| "/".to_owned()),
    }
}

/// The redirect URI when config.json names none: MSAL 5's redirect bridge page next to
/// index.html (js/redirect.html). Popup sign-in and silent renewal in a hidden iframe only work
/// through it (https://learn.microsoft.com/entra/msal/javascript/browser/redirect-bridge).
pub fn default_redirect_uri() -> String {
    format!("{}{REDIRECT_PAGE}", app_base_url())
}

/// MSAL 5's redirect bridge page, copied next to index.html by Trunk.
pub const REDIRECT_PAGE: &str = "redirect.html";

/// The path the router works under, without trailing slash ("" at the site root).
pub fn router_base() -> String {
    router_base_of(&app_base_url())
}

/// `https://h/app/index.html?x#y` → `https://h/app/`: the redirect URI is the directory the
/// app lives in, whatever page or query the base URL carries.
fn directory_of(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    let path_start = url
        .find("://")
        .and_then(|i| url[i + 3..].find('/').map(|j| i + 3 + j));
    match (path_start, url.rfind('/')) {
        (Some(start), Some(last)) if last >= start => url[..=last].to_owned(),
        // No path at all: `https://h` → `https://h/`.
        _ => format!("{url}/"),
    }
}

/// `https://h/app/` → `/app`; `https://h/` → "".
fn router_base_of(directory: &str) -> String {
    let path = directory
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/");
    path.trim_end_matches('/').to_owned()
}

pub fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// The file chosen in a file input's `change` event: its name, and a future with its bytes or
/// the browser's words for why it couldn't be read. `None` when no file was chosen.
#[cfg(target_arch = "wasm32")]
pub fn chosen_file(
    ev: &leptos::ev::Event,
) -> Option<(
    String,
    impl std::future::Future<Output = Result<Vec<u8>, String>>,
)> {
    use wasm_bindgen::JsCast;
    let input = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())?;
    let file = input.files().and_then(|f| f.get(0))?;
    let name = file.name();
    let bytes = async move {
        match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
            Ok(buf) => Ok(js_sys::Uint8Array::new(&buf).to_vec()),
            Err(e) => Err(e
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .or_else(|| e.as_string())
                .unwrap_or_default()),
        }
    };
    Some((name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_directory_from_base_url() {
        assert_eq!(directory_of("https://h.example/"), "https://h.example/");
        assert_eq!(directory_of("https://h.example"), "https://h.example/");
        assert_eq!(
            directory_of("http://127.0.0.1:8080/about?x=1#y"),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            directory_of("https://h.example/tools/guestlist/index.html"),
            "https://h.example/tools/guestlist/"
        );
        assert_eq!(
            directory_of("https://h.example/tools/guestlist/"),
            "https://h.example/tools/guestlist/"
        );
    }

    #[test]
    fn router_base_from_directory() {
        assert_eq!(router_base_of("https://h.example/"), "");
        assert_eq!(
            router_base_of("https://h.example/tools/guestlist/"),
            "/tools/guestlist"
        );
    }
}
