//! The built app (dist/) served on 127.0.0.1 for one test.
//!
//! A plain static server with full control over `config.json` (valid, missing, or any text), so
//! the shell and the configuration error page can be tested without a tenant behind them.
//! Tests that sign in will serve the app through the simulated tenant instead
//! (`guestlist_sim::start` with `serve_dir`, which generates a config.json pointing at itself);
//! that becomes another constructor here returning the same `App`.

use std::net::SocketAddr;
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
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl App {
    /// Serves `dist` on a free port of 127.0.0.1 until the `App` is dropped.
    pub async fn serve(dist: &Path, config: ConfigJson) -> Result<App> {
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
        Ok(App { addr, server })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.server.abort();
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
