//! A headless Chromium for one test: its own chromedriver on a free port, its own fresh
//! profile, both gone when the `Browser` is dropped (also when the test panics).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

use super::wait::{self, Poll};
use super::{a11y, output_dir, Error, Result, DEADLINE};

/// Chromium flags for a headless run as root in a container: no sandbox (it needs user
/// namespaces root does not get), no GPU, /tmp instead of a small /dev/shm, and nothing that
/// phones home or runs first-run UI.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
];

pub struct Options {
    /// Browser language (`navigator.language`), e.g. "en-US" or "nl-NL".
    pub lang: String,
    pub window: (u32, u32),
    /// Report `prefers-color-scheme: dark`, as a system in dark mode does.
    pub dark: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lang: "en-US".into(),
            window: (1280, 800),
            dark: false,
        }
    }
}

pub struct Browser {
    pub client: Client,
    /// Names screenshots and failure artefacts.
    label: String,
    driver: Child,
    driver_port: u16,
    session: Option<String>,
    _profile: tempfile::TempDir,
}

const REPLACED: &str = "the element was replaced by a re-render";

/// Failure artefacts get a sequence number so several per test do not overwrite each other.
static FAILURES: AtomicUsize = AtomicUsize::new(0);

impl Browser {
    pub async fn start(label: &str) -> Result<Browser> {
        Browser::start_with(label, Options::default()).await
    }

    pub async fn start_with(label: &str, options: Options) -> Result<Browser> {
        let chromium = find_program(
            "CHROME_BIN",
            &["chromium", "chromium-browser", "google-chrome"],
        )?;
        let chromedriver = find_program("CHROMEDRIVER", &["chromedriver"])?;
        let profile = tempfile::Builder::new()
            .prefix("guestlist-e2e-profile-")
            .tempdir()
            .map_err(|source| Error::Io {
                what: "creating a Chromium profile directory".into(),
                source,
            })?;

        let port = free_port()?;
        let log_path = output_dir("logs")?.join(format!("chromedriver-{label}.log"));
        let log = std::fs::File::create(&log_path).map_err(|source| Error::Io {
            what: format!("creating {}", log_path.display()),
            source,
        })?;
        let log_err = log.try_clone().map_err(|source| Error::Io {
            what: "duplicating the log handle".into(),
            source,
        })?;
        let mut driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            // On Linux Chromium takes its UI language (and so navigator.language) from the
            // environment; chromedriver passes its environment on to the browser.
            .env("LANGUAGE", options.lang.replace('-', "_"))
            .env("LANG", format!("{}.UTF-8", options.lang.replace('-', "_")))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|source| Error::Io {
                what: format!("starting {}", chromedriver.display()),
                source,
            })?;

        // Wait until chromedriver listens: it takes a moment, more on a busy machine.
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = driver.try_wait() {
                return Err(Error::Setup(format!(
                    "chromedriver exited ({status}); see {}",
                    log_path.display()
                )));
            }
            if started.elapsed() > DEADLINE {
                // We are failing anyway; the process is ours.
                let _ = driver.kill();
                return Err(Error::Setup(format!(
                    "chromedriver did not listen on port {port}; see {}",
                    log_path.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--lang={}", options.lang));
        args.push(format!(
            "--window-size={},{}",
            options.window.0, options.window.1
        ));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": { "intl.accept_languages": options.lang },
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("json! of an object literal is an object")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let connected = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match connected {
            Ok(c) => c,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                return Err(e.into());
            }
        };
        let session = client.session_id().await?;
        let browser = Browser {
            client,
            label: label.to_owned(),
            driver,
            driver_port: port,
            session,
            _profile: profile,
        };
        if options.dark {
            // The media feature a system in dark mode reports; stays set across navigations.
            browser
                .cdp(
                    "Emulation.setEmulatedMedia",
                    json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] }),
                )
                .await?;
        }
        Ok(browser)
    }

    /// A Chrome DevTools Protocol command through chromedriver (`goog/cdp/execute`).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        Ok(self
            .client
            .issue_cmd(Chromedriver {
                path: "goog/cdp/execute",
                body: json!({ "cmd": cmd, "params": params }).to_string(),
            })
            .await?)
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        Ok(self.client.goto(url).await?)
    }

    /// Waits until exactly one visible element has `role` and accessible name `name`, checks
    /// the pair against Chromium's accessibility tree and returns the element.
    pub async fn find(&self, role: &str, name: &str) -> Result<Element> {
        self.find_inner(role, Some(name)).await
    }

    /// Like [`Browser::find`] for elements that have no name (a page's only `banner`, `main`).
    pub async fn find_unnamed(&self, role: &str) -> Result<Element> {
        self.find_inner(role, None).await
    }

    async fn find_inner(&self, role: &str, name: Option<&str>) -> Result<Element> {
        let what = match name {
            Some(n) => format!("exactly one {role} named {n:?}"),
            None => format!("exactly one {role}"),
        };
        let found = wait::until(&what, DEADLINE, || async {
            let mut q = a11y::query(&self.client, role, name).await?;
            if q.matches.len() != 1 {
                let n = q.matches.len();
                return Ok(Poll::NotYet(format!(
                    "{n} matches; the page has: {}",
                    q.seen.join(", ")
                )));
            }
            let element = q.matches.remove(0);
            let verified = match name {
                Some(n) => a11y::verify(&self.client, &element, role, n).await,
                None => a11y::verify_role(&self.client, &element, role).await,
            };
            match verified {
                Ok(()) => Ok(Poll::Ready(element)),
                // Re-rendered between the query and the check: look again.
                Err(e) if e.is_stale_element() => Ok(Poll::NotYet(REPLACED.into())),
                Err(e) => Err(e),
            }
        })
        .await;
        match found {
            Ok(e) => Ok(e),
            Err(e) => Err(self.with_artefacts(e).await),
        }
    }

    /// Finds the element as [`Browser::find`] does and clicks it. When the page replaces the
    /// element between the two (a re-render), the handle goes stale and the new element is
    /// found and clicked, as a person would; any other failure is returned.
    pub async fn click(&self, role: &str, name: &str) -> Result<()> {
        let started = Instant::now();
        loop {
            // `find` waits for the element and saves the page if it never comes.
            let element = self.find(role, name).await?;
            match element.click().await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_stale_element_reference() && started.elapsed() < DEADLINE => {}
                Err(e) => return Err(self.with_artefacts(e.into()).await),
            }
        }
    }

    /// Waits until no visible element has `role` and name `name` any more.
    pub async fn wait_gone(&self, role: &str, name: &str) -> Result<()> {
        let what = format!("{role} {name:?} to disappear");
        let done = wait::until(&what, DEADLINE, || async {
            let q = a11y::query(&self.client, role, Some(name)).await?;
            Ok(if q.matches.is_empty() {
                Poll::Ready(())
            } else {
                Poll::NotYet(format!("still there; the page has: {}", q.seen.join(", ")))
            })
        })
        .await;
        match done {
            Ok(()) => Ok(()),
            Err(e) => Err(self.with_artefacts(e).await),
        }
    }

    /// Waits until the page's visible text contains `needle`; returns the text.
    pub async fn wait_text(&self, needle: &str) -> Result<String> {
        self.wait_text_within(needle, DEADLINE).await
    }

    /// [`Browser::wait_text`] with a deadline of its own, for what takes longer (a long run).
    pub async fn wait_text_within(&self, needle: &str, deadline: Duration) -> Result<String> {
        let what = format!("the page to say {needle:?}");
        let found = wait::until(&what, deadline, || async {
            let text = self.eval("return document.body.innerText").await?;
            let text = text.as_str().unwrap_or_default().to_owned();
            Ok(if text.contains(needle) {
                Poll::Ready(text)
            } else {
                // The end of the page: where results, reports and messages appear.
                let skip = text.chars().count().saturating_sub(2000);
                Poll::NotYet(text.chars().skip(skip).collect())
            })
        })
        .await;
        match found {
            Ok(text) => Ok(text),
            Err(e) => Err(self.with_artefacts(e).await),
        }
    }

    /// Runs a script in the page and returns its JSON result.
    pub async fn eval(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Saves a PNG of the viewport as `test-output/e2e/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let path = output_dir("e2e")?.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|source| Error::Io {
            what: format!("writing {}", path.display()),
            source,
        })?;
        Ok(path)
    }

    /// Saves what the page looked like (screenshot, DOM, browser console) under
    /// test-output/e2e/failures/ and names the files in the returned error.
    async fn with_artefacts(&self, error: Error) -> Error {
        let n = FAILURES.fetch_add(1, Ordering::Relaxed);
        let stem = format!("{}-{n}", self.label);
        let Ok(dir) = output_dir("e2e/failures") else {
            return error;
        };
        let mut saved = Vec::new();
        if let Ok(png) = self.client.screenshot().await {
            let p = dir.join(format!("{stem}.png"));
            if std::fs::write(&p, png).is_ok() {
                saved.push(p);
            }
        }
        if let Ok(html) = self.client.source().await {
            let p = dir.join(format!("{stem}.html"));
            if std::fs::write(&p, html).is_ok() {
                saved.push(p);
            }
        }
        if let Ok(log) = self.console_log().await {
            let p = dir.join(format!("{stem}.console.txt"));
            if std::fs::write(&p, log.join("\n")).is_ok() {
                saved.push(p);
            }
        }
        if saved.is_empty() {
            return error;
        }
        let files: Vec<String> = saved.iter().map(|p| p.display().to_string()).collect();
        Error::Check(format!("{error}\n  page saved as: {}", files.join(", ")))
    }

    /// The browser console since the last call (chromedriver's log endpoint).
    pub async fn console_log(&self) -> Result<Vec<String>> {
        let value = self
            .client
            .issue_cmd(Chromedriver {
                path: "se/log",
                body: json!({ "type": "browser" }).to_string(),
            })
            .await?;
        Ok(value
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {}",
                            e["level"].as_str().unwrap_or(""),
                            e["message"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Ends the WebDriver session (Chromium quits) and stops chromedriver.
    pub async fn close(mut self) -> Result<()> {
        self.session = None;
        self.client.clone().close().await?;
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed early never called close(): end the session by hand so Chromium
        // quits, without needing the (possibly stopping) async runtime.
        if let Some(session) = self.session.take() {
            delete_session_blocking(self.driver_port, &session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn delete_session_blocking(port: u16, session: &str) {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // chromedriver answers once the browser has quit; read exactly that one response (it may
    // keep the connection open, so reading to the end would wait for the timeout).
    let mut response = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        response.extend_from_slice(&chunk[..n]);
        if response_complete(&response) {
            break;
        }
    }
}

/// Whether `bytes` holds a whole HTTP response with a Content-Length body.
fn response_complete(bytes: &[u8]) -> bool {
    let Some(head_end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    bytes.len() >= head_end + 4 + length
}

/// A chromedriver command outside the W3C set: `POST /session/{id}/{path}` with `body`.
#[derive(Debug)]
struct Chromedriver {
    path: &'static str,
    body: String,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Chromedriver {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.clone()))
    }
}

fn free_port() -> Result<u16> {
    // The OS picks a free port; we release it for chromedriver a moment later.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|source| Error::Io {
        what: "finding a free port".into(),
        source,
    })?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|source| Error::Io {
            what: "finding a free port".into(),
            source,
        })
}

/// `$ENV_VAR` if set, else the first of `names` on PATH.
fn find_program(env_var: &str, names: &[&str]) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(env_var) {
        return Ok(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            Error::Setup(format!(
                "none of {names:?} on PATH (or set {env_var}); run `cargo xtask setup`"
            ))
        })
}
