//! The built app (dist/) served on 127.0.0.1 for one test.
//!
//! Two ways, one `App`:
//! - [`App::serve`]: a plain static server with full control over `config.json` (valid, missing,
//!   or any text), so the shell and the configuration error page can be tested without a tenant;
//! - [`App::through_sim`]: the simulated tenant in-process (`guestlist_sim::start` with
//!   `serve_dir`), which serves dist/ with a config.json pointing at itself, for sign-in tests.

use std::path::Path;
use std::sync::Arc;

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
}

enum Host {
    Static(tokio::task::JoinHandle<()>),
    Sim(Box<guestlist_sim::RunningSim>),
}

impl App {
    /// Serves `dist` on a free port of 127.0.0.1 until the `App` is dropped.
    pub async fn serve(dist: &Path, config: ConfigJson) -> Result<App> {
        let (listener, addr) = super::bind_app_server().await?;
        let body = match config {
            ConfigJson::Valid => Some(valid_config(&format!("http://{addr}/")).to_string()),
            ConfigJson::Missing => None,
            ConfigJson::Text(text) => Some(text),
        };
        let body = Arc::new(body);
        let config_route = get(move || {
            let body = Arc::clone(&body);
            async move {
                match body.as_ref() {
                    Some(text) => (
                        StatusCode::OK,
                        [(header::CONTENT_TYPE, "application/json")],
                        text.clone(),
                    )
                        .into_response(),
                    None => StatusCode::NOT_FOUND.into_response(),
                }
            }
        });
        // A single-page app: unknown paths (client-side routes such as /about) get index.html.
        let files = ServeDir::new(dist).fallback(ServeFile::new(dist.join("index.html")));
        let router = Router::new()
            .route("/config.json", config_route)
            .fallback_service(files);
        let server = tokio::spawn(async move {
            // Ends only when the test's runtime shuts down or the task is aborted on drop.
            if let Err(e) = axum::serve(listener, router).await {
                eprintln!("app server stopped: {e}");
            }
        });
        Ok(App {
            base_url: format!("http://{addr}"),
            host: Host::Static(server),
        })
    }

    /// Serves `dist` through the simulated tenant (plain HTTP on a free port, seed 0).
    pub async fn through_sim(dist: &Path) -> Result<App> {
        let config = guestlist_sim::SimConfig {
            serve_dir: Some(dist.to_path_buf()),
            ..guestlist_sim::SimConfig::default()
        };
        let sim = guestlist_sim::start(config)
            .await
            .map_err(|e| Error::Setup(format!("the simulated tenant did not start: {e}")))?;
        Ok(App {
            base_url: sim.base_url().trim_end_matches('/').to_owned(),
            host: Host::Sim(Box::new(sim)),
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

/// A complete, valid config.json (keys as src/config.rs reads them). The client id is a
/// placeholder: nothing here signs in.
pub fn valid_config(redirect_uri: &str) -> serde_json::Value {
    serde_json::json!({
        "clientId": "11111111-2222-4333-8444-555555555555",
        "tenantId": "contoso.onmicrosoft.com",
        "redirectUri": redirect_uri,
    })
}
