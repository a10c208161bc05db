//! Shared helpers for the end-to-end tests (`tests/e2e*.rs`): a headless Chromium driven through
//! chromedriver, the built app served on 127.0.0.1, elements found by role and accessible name,
//! and polling with a deadline.
//!
//! Each e2e test crate uses a different subset of these helpers.
#![allow(dead_code)]

pub mod a11y;
pub mod app;
pub mod axe;
pub mod browser;
pub mod externals;
pub mod wait;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where `cargo xtask test` tells us the built app is (Trunk's dist/).
pub const DIST_ENV: &str = "GUESTLIST_DIST";

/// How long a condition may take before a test gives up. Generous: CI shares two cores between
/// Chromium, chromedriver and the test; a condition that holds returns at once anyway.
pub const DEADLINE: Duration = Duration::from_secs(30);

#[derive(thiserror::Error)]
pub enum Error {
    #[error("WebDriver command failed: {0}")]
    WebDriver(#[from] fantoccini::error::CmdError),

    #[error("could not start a WebDriver session: {0}")]
    NewSession(#[from] fantoccini::error::NewSessionError),

    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{0}")]
    Setup(String),

    #[error("timed out after {secs:.0}s waiting for {what}{}", last.as_deref().map(|l| format!("\n  last seen: {l}")).unwrap_or_default())]
    Timeout {
        what: String,
        secs: f64,
        last: Option<String>,
    },

    /// The JavaScript role/name computation and Chromium's own accessibility tree disagree.
    #[error("accessibility mismatch for {role} {name:?}: Chromium computes role {computed_role:?}, name {computed_name:?}")]
    A11yMismatch {
        role: String,
        name: String,
        computed_role: String,
        computed_name: String,
    },

    #[error("unexpected answer from the page: {0}")]
    Page(String),

    #[error("{0}")]
    Check(String),
}

impl Error {
    /// The element handle points at a node the page has since replaced.
    pub fn is_stale_element(&self) -> bool {
        matches!(self, Error::WebDriver(e) if e.is_stale_element_reference())
    }
}

// Tests return `Result<(), Error>`; libtest prints a failing test's error with `Debug`, and the
// `Display` text is the readable one.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)?;
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            write!(f, "\n  caused by: {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Like `assert!`, but as an `Err` so the test's browser is closed cleanly.
pub fn check(ok: bool, message: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Check(message()))
    }
}

/// A text template of the app's with its `{name}` placeholders filled in, as src/i18n/ fills
/// them: `fill("Add {name} as a target", &[("name", "Sales")])`.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    args.iter().fold(template.to_owned(), |t, (k, v)| {
        t.replace(&format!("{{{k}}}"), v)
    })
}

/// A listener for the app's server on a free port of 127.0.0.1, and its address.
pub async fn bind_app_server() -> Result<(tokio::net::TcpListener, std::net::SocketAddr)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|source| Error::Io {
            what: "binding the app server".into(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Io {
        what: "reading the app server's address".into(),
        source,
    })?;
    Ok((listener, addr))
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The built app: `$GUESTLIST_DIST`, else `<repo>/dist`.
pub fn dist_dir() -> Result<PathBuf> {
    let dist = std::env::var_os(DIST_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist"));
    if dist.join("index.html").is_file() {
        Ok(dist)
    } else {
        Err(Error::Setup(format!(
            "no built app at {} (set {DIST_ENV} or run `cargo xtask test --only build,e2e`)",
            dist.display()
        )))
    }
}

/// `<repo>/test-output/<sub>` (git-ignored), created if needed.
pub fn output_dir(sub: &str) -> Result<PathBuf> {
    let dir = repo_root().join("test-output").join(sub);
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        what: format!("creating {}", dir.display()),
        source,
    })?;
    Ok(dir)
}
