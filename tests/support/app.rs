//! The built app (dist/) served on 127.0.0.1 for one test.
//!
//! Two ways, one `App`:
//! - [`App::serve`]: a plain static server with full control over `config.json` (valid, missing,
//!   or any text), so the shell and the configuration error page can be tested without a tenant;
//! - [`App::through_sim`]: the simulated tenant in-process (`guestlist_sim::start` with
//!   `serve_dir`), which serves dist/ with a config.json pointing at itself, for sign-in tests.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use super::{Error, Result};

/// What the server answers at `/config.json`.
#[derive(Clone, Debug)]
pub enum ConfigJson {
    /// A valid configuration (placeholder client id, Microsoft's endpoints): the shell starts.
    Valid,
    /// 404, as a host without the file answers.
    Missing,
    /// This exact text with status 200 (for invalid-configuration tests).
    Text(String),
}

pub struct App {
    base_url: String,
    host: Host,
    /// What `/config.json` answers (static server only): `None` is a 404.
    config: Option<Arc<Mutex<Option<String>>>>,
}

/// Rewrites index.html before it is served (e.g. a Content-Security-Policy without an
/// endpoint), as an administrator's edit of the deployed file would.
pub type IndexEdit = fn(&str) -> String;

enum Host {
    Static(tokio::task::JoinHandle<()>),
    Sim(Box<guestlist_sim::RunningSim>),
}

impl App {
    /// Serves `dist` on a free port of 127.0.0.1 until the `App` is dropped.
    pub async fn serve(dist: &Path, config: ConfigJson) -> Result<App> {
        App::serve_with(dist, config, None).await
    }

    /// [`App::serve`] with index.html rewritten by `index` (for every path that gets it).
    pub async fn serve_with(
        dist: &Path,
        config: ConfigJson,
        index: Option<IndexEdit>,
    ) -> Result<App> {
        let (listener, addr) = super::bind_app_server().await?;
        let body = Arc::new(Mutex::new(config_body(config, &format!("http://{addr}/"))));
        let served = Arc::clone(&body);
        let config_route = get(move || {
            let body = served.lock().expect("config lock").clone();
            async move {
                match body {
                    Some(text) => (
                        StatusCode::OK,
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CACHE_CONTROL, "no-cache"),
                        ],
                        text,
                    )
                        .into_response(),
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }
        });
        // A single-page app: unknown paths (client-side routes such as /about) get index.html.
        let router = match index {
            None => {
                let files = ServeDir::new(dist).fallback(ServeFile::new(dist.join("index.html")));
                Router::new()
                    .route("/config.json", config_route)
                    .fallback_service(files)
            }
            Some(edit) => {
                let page = dist.join("index.html");
                let index_route = get(move || edited_index(page.clone(), edit));
                let files = ServeDir::new(dist).fallback(index_route.clone());
                Router::new()
                    .route("/", index_route.clone())
                    .route("/index.html", index_route)
                    .route("/config.json", config_route)
                    .fallback_service(files)
            }
        };
        let server = tokio::spawn(async move {
            // Ends only when the test's runtime shuts down or the task is aborted on drop.
            if let Err(e) = axum::serve(listener, router).await {
                eprintln!("app server stopped: {e}");
            }
        });
        Ok(App {
            base_url: format!("http://{addr}"),
            host: Host::Static(server),
            config: Some(body),
        })
    }

    /// From the next request on, `/config.json` answers `config` (static server only), as when
    /// an administrator edits the deployed file.
    pub fn set_config(&self, config: ConfigJson) {
        if let Some(body) = &self.config {
            *body.lock().expect("config lock") = config_body(config, &self.url("/"));
        }
    }

    /// Serves `dist` through the simulated tenant (plain HTTP on a free port, seed 0), as
    /// `cargo xtask demo` does.
    pub async fn through_sim(dist: &Path) -> Result<App> {
        Self::through_sim_with(dist, false).await
    }

    /// [`App::through_sim`] as `cargo xtask demo --script-mode` serves it: the app's Exchange
    /// calls cross to the sim's other loopback name, whose Exchange refuses them (CORS).
    pub async fn through_sim_in_script_mode(dist: &Path) -> Result<App> {
        Self::through_sim_with(dist, true).await
    }

    async fn through_sim_with(dist: &Path, script_mode: bool) -> Result<App> {
        let config = guestlist_sim::SimConfig {
            serve_dir: Some(dist.to_path_buf()),
            app_exchange_cross_origin: script_mode,
            knobs: guestlist_sim::Knobs {
                exchange_cors_refused: script_mode,
                ..guestlist_sim::Knobs::default()
            },
            ..guestlist_sim::SimConfig::default()
        };
        let sim = guestlist_sim::start(config)
            .await
            .map_err(|e| Error::Setup(format!("the simulated tenant did not start: {e}")))?;
        Ok(App {
            base_url: sim.base_url().trim_end_matches('/').to_owned(),
            host: Host::Sim(Box::new(sim)),
            config: None,
        })
    }

    /// The simulated tenant behind the app, if it is served through one.
    pub fn sim(&self) -> Option<&guestlist_sim::RunningSim> {
        match &self.host {
            Host::Sim(sim) => Some(sim),
            Host::Static(_) => None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path.trim_start_matches('/'))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // The sim stops when dropped; the static server is a task of the test's runtime.
        if let Host::Static(server) = &self.host {
            server.abort();
        }
    }
}

fn config_body(config: ConfigJson, redirect_uri: &str) -> Option<String> {
    match config {
        ConfigJson::Valid => Some(valid_config(redirect_uri).to_string()),
        ConfigJson::Missing => None,
        ConfigJson::Text(text) => Some(text),
    }
}

async fn edited_index(page: PathBuf, edit: IndexEdit) -> axum::response::Response {
    match tokio::fs::read_to_string(&page).await {
        Ok(html) => axum::response::Html(edit(&html)).into_response(),
        Err(e) => (StatusCode::NOT_FOUND, e.to_string()).into_response(),
    }
}

/// A complete, valid config.json (keys as src/config.rs reads them). The client id is a
/// placeholder: nothing here signs in.
pub fn valid_config(redirect_uri: &str) -> serde_json::Value {
    serde_json::json!({
        "clientId": "11111111-2222-4333-8444-555555555555",
        "tenantId": "contoso.onmicrosoft.com",
        "redirectUri": redirect_uri,
    })
}
