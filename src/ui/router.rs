//! The app's routes and links: seven flat routes, two with parameters, and links that mark the
//! current page. A router of our own in place of `leptos_router`, whose nested-route machinery
//! was about 57 KB of the first load's code (before wasm-opt) for what this module does.
//!
//! - [`provide_router`] (the shell) keeps the path, relative to the app's base, in a signal. It
//!   follows the browser's back and forward buttons (`popstate`), and turns a click on any link
//!   inside the app into a `history.pushState` instead of a page load — a plain `<a>` as well as
//!   [`A`] — unless the click asks for something else (a modifier key, a middle click, a
//!   `target`, a `download`, another origin, or only a jump within the page).
//! - [`Routes`] renders the page the path names, and gives it its parameters ([`use_params`]).
//!   Changing only a parameter (one group's page to another's) keeps the page and updates what it
//!   reads.
//! - [`A`] is a link relative to the app's base that carries `aria-current="page"` on its page.

use leptos::prelude::*;

/// A page of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Groups,
    Group,
    Import,
    Externals,
    Person,
    Activity,
    About,
    NotFound,
}

/// The routes, in the order they are tried. `:name` matches one path segment.
const ROUTES: &[(&str, Page)] = &[
    ("/", Page::Groups),
    ("/groups/:id", Page::Group),
    ("/import", Page::Import),
    ("/externals", Page::Externals),
    ("/externals/:kind/:id", Page::Person),
    ("/activity", Page::Activity),
    ("/about", Page::About),
];

/// A route's parameters, by name, percent-decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(&'static str, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    }
}

/// The page a path (relative to the app's base, without query or fragment) names, and its
/// parameters. Empty segments don't count: `/import/` is `/import`.
pub fn resolve(path: &str) -> (Page, Params) {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    'routes: for (pattern, page) in ROUTES {
        let parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut params = Vec::new();
        for (part, segment) in parts.iter().zip(&segments) {
            match part.strip_prefix(':') {
                Some(name) => params.push((name, percent_decoded(segment))),
                None if part == segment => {}
                None => continue 'routes,
            }
        }
        return (*page, Params(params));
    }
    (Page::NotFound, Params::default())
}

/// `%41b` → `Ab`; a segment that doesn't decode to UTF-8 stays as it is.
fn percent_decoded(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| segment.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_owned())
}

/// `pathname` relative to `base` (`/app/groups/1` under `/app` → `/groups/1`); `None` when the
/// path is outside the app. The base itself, with or without its slash, is `/`.
pub fn within_base(pathname: &str, base: &str) -> Option<String> {
    let rest = pathname.strip_prefix(base)?;
    if rest.is_empty() {
        return Some("/".to_owned());
    }
    rest.starts_with('/').then(|| rest.to_owned())
}

/// Whether a link to `href` is the current page at `path`: the same path when `exact`, else
/// `path` is `href` or below it, segment by segment (`/externals` is current on
/// `/externals/guest/1`, not on `/externalsx`).
pub fn is_current(path: &str, href: &str, exact: bool) -> bool {
    let segments = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decoded)
            .collect()
    };
    let (here, link) = (segments(path), segments(href));
    if exact {
        here == link
    } else {
        here.starts_with(&link)
    }
}

/// Where the app is: its base path (`""` or `/app`) and the path within it.
#[derive(Clone, Copy)]
pub struct Location {
    base: StoredValue<String>,
    path: RwSignal<String>,
}

impl Location {
    /// The address of a path within the app: `/import` under `/app` → `/app/import`.
    pub fn href(&self, path: &str) -> String {
        format!("{}{path}", self.base.get_value())
    }

    /// Shows the app's page at `href` (a full path with the base, and any query or fragment),
    /// adding it to the tab's history.
    #[cfg(target_arch = "wasm32")]
    fn go(&self, pathname: &str, href: &str) {
        let Some(path) = within_base(pathname, &self.base.get_value()) else {
            return;
        };
        let window = window();
        let current = window.location().href().unwrap_or_default();
        if let Ok(history) = window.history() {
            if !current.ends_with(href) {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href));
            }
        }
        self.path.set(path);
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// The current page's path from the address bar, relative to `base` (`/` when outside it).
fn path_now(base: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let pathname = window().location().pathname().unwrap_or_default();
        within_base(&pathname, base).unwrap_or_else(|| "/".to_owned())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = base;
        "/".to_owned()
    }
}

/// Starts routing under `base` (`""` or `/app`, no trailing slash) for the calling component
/// and everything below it.
pub fn provide_router(base: String) -> Location {
    let location = Location {
        path: RwSignal::new(path_now(&base)),
        base: StoredValue::new(base),
    };
    provide_context(location);
    #[cfg(target_arch = "wasm32")]
    {
        let back_forward = window_event_listener(leptos::ev::popstate, move |_| {
            location.path.set(path_now(&location.base.get_value()));
        });
        let clicks = window_event_listener(leptos::ev::click, move |ev| {
            if let Some((pathname, href)) = link_in_app(&ev, &location.base.get_value()) {
                ev.prevent_default();
                location.go(&pathname, &href);
            }
        });
        on_cleanup(move || {
            back_forward.remove();
            clicks.remove();
        });
    }
    location
}

/// The link a click followed, as (pathname, pathname + query + fragment), when the app should
/// show it itself: a plain left click on a link to a page of the app.
#[cfg(target_arch = "wasm32")]
fn link_in_app(ev: &web_sys::MouseEvent, base: &str) -> Option<(String, String)> {
    use wasm_bindgen::JsCast;
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.ctrl_key()
        || ev.shift_key()
        || ev.alt_key()
    {
        return None;
    }
    let link: web_sys::HtmlAnchorElement = ev
        .target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("a[href]")
        .ok()??
        .dyn_into()
        .ok()?;
    let target = link.target();
    let elsewhere = !(target.is_empty() || target == "_self")
        || link.has_attribute("download")
        || link.rel().split_whitespace().any(|r| r == "external");
    let here = window().location();
    if elsewhere || link.origin() != here.origin().ok()? {
        return None;
    }
    let (pathname, search, hash) = (link.pathname(), link.search(), link.hash());
    // Only a jump within the page (`#main`): the browser's own.
    if !hash.is_empty() && Some(&pathname) == here.pathname().ok().as_ref() {
        return None;
    }
    within_base(&pathname, base)?;
    Some((pathname.clone(), format!("{pathname}{search}{hash}")))
}

/// The current route's parameters, for the page [`Routes`] shows.
#[derive(Clone, Copy)]
struct RouteParams(Memo<Params>);

/// The parameters of the route being shown (tracked); empty outside [`Routes`].
pub fn use_params() -> Signal<Params> {
    match use_context::<RouteParams>() {
        Some(RouteParams(params)) => params.into(),
        None => Signal::derive(Params::default),
    }
}

/// Renders the page the current path names with `page`. A new page is rendered when the page
/// changes, and only then: a change of parameters reaches the page through [`use_params`], and
/// what a page reads as it is built (untracked here) is the page's own business.
#[component]
pub fn Routes(page: fn(Page) -> AnyView) -> impl IntoView {
    let location = expect_context::<Location>();
    let resolved = Memo::new(move |_| location.path.with(|p| resolve(p)));
    let shown = Memo::new(move |_| resolved.with(|(page, _)| *page));
    move || {
        let shown = shown.get();
        untrack(|| {
            // This page's parameters: they follow the path while the page is shown, and stay
            // as they were when the path leaves it, so the page being taken down never sees
            // another page's (empty) parameters.
            let params = Memo::new(move |before: Option<&Params>| {
                resolved.with(|(now, params)| match before {
                    Some(before) if *now != shown => before.clone(),
                    _ => params.clone(),
                })
            });
            provide_context(RouteParams(params));
            page(shown)
        })
    }
}

/// A link to a page of the app: `href` is relative to the app's base (`/import`). It carries
/// `aria-current="page"` while its page is shown — only on exactly `href` when `exact`, else
/// on `href` and the pages below it.
#[component]
pub fn A(
    #[prop(into)] href: String,
    #[prop(optional)] exact: bool,
    children: Children,
) -> impl IntoView {
    let location = use_context::<Location>();
    let address = location.map_or_else(|| href.clone(), |l| l.href(&href));
    let current = move || {
        location
            .is_some_and(|l| l.path.with(|p| is_current(p, &href, exact)))
            .then_some("page")
    };
    view! { <a href=address aria-current=current>{children()}</a> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_pages_and_parameters() {
        assert_eq!(resolve("/").0, Page::Groups);
        assert_eq!(resolve("").0, Page::Groups);
        assert_eq!(resolve("/import/").0, Page::Import);
        let (page, params) = resolve("/groups/8e3c-41");
        assert_eq!(page, Page::Group);
        assert_eq!(params.get("id").as_deref(), Some("8e3c-41"));
        let (page, params) = resolve("/externals/guest/u1");
        assert_eq!(page, Page::Person);
        assert_eq!(params.get("kind").as_deref(), Some("guest"));
        assert_eq!(params.get("id").as_deref(), Some("u1"));
        assert_eq!(params.get("other"), None);
        assert_eq!(resolve("/externals").0, Page::Externals);
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for path in [
            "/nope",
            "/groups",
            "/groups/1/2",
            "/externals/guest",
            "/Import",
        ] {
            assert_eq!(resolve(path), (Page::NotFound, Params::default()), "{path}");
        }
    }

    #[test]
    fn parameters_are_percent_decoded() {
        let (_, params) = resolve("/groups/a%20b%C3%A9");
        assert_eq!(params.get("id").as_deref(), Some("a bé"));
        // Not an escape, or not UTF-8: kept as written.
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("%zz"), "%zz");
        assert_eq!(percent_decoded("%FF"), "%FF");
    }

    #[test]
    fn paths_are_relative_to_the_base() {
        assert_eq!(
            within_base("/app/groups/1", "/app").as_deref(),
            Some("/groups/1")
        );
        assert_eq!(within_base("/app", "/app").as_deref(), Some("/"));
        assert_eq!(within_base("/app/", "/app").as_deref(), Some("/"));
        assert_eq!(within_base("/apple", "/app"), None);
        assert_eq!(within_base("/other", "/app"), None);
        assert_eq!(within_base("/import", "").as_deref(), Some("/import"));
    }

    #[test]
    fn links_are_current_on_their_pages() {
        assert!(is_current("/", "/", true));
        assert!(!is_current("/import", "/", true));
        assert!(is_current("/externals", "/externals", false));
        assert!(is_current("/externals/guest/1", "/externals", false));
        assert!(!is_current("/externalsx", "/externals", false));
        assert!(!is_current("/externals/guest/1", "/externals", true));
        assert!(!is_current("/import", "/externals", false));
    }
}
