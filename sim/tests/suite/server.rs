//! Starting and running the sim: HTTP and HTTPS listeners, the served app with its generated
//! `config.json` and rewritten CSP, `/_sim/state` and `/_sim/reset`, start errors, shutdown, and the
//! command line.

use crate::server_support;

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use guestlist_sim::identity::issue_access_token;
use guestlist_sim::state::{GRAPH_AUDIENCE, TENANT_ID};
use guestlist_sim::store::Tenant;
use guestlist_sim::{start, SimConfig, SimError};
use serde_json::{json, Value};
use server_support::*;

fn loopback0() -> Option<SocketAddr> {
    Some("127.0.0.1:0".parse().unwrap())
}

/// `GET url`'s JSON body.
async fn get_json(url: &str) -> Value {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("guestlist-sim-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn https_listener_serves_with_the_generated_certificate() {
    let tmp = TempDir::new("cert");
    let cert_path = tmp.0.join("sim.pem");
    let sim = start(SimConfig {
        http: loopback0(),
        https: loopback0(),
        cert_out: Some(cert_path.clone()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let pem = sim.cert_pem.clone().expect("certificate");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(std::fs::read_to_string(&cert_path).unwrap(), pem);

    let https = sim.https_url.clone().unwrap();
    let port = https.rsplit(':').next().unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    // The certificate covers both 127.0.0.1 and localhost; issuers follow the origin used.
    for origin in [https.clone(), format!("https://localhost:{port}")] {
        let doc: Value = client
            .get(format!(
                "{origin}/{TENANT_ID}/v2.0/.well-known/openid-configuration"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["issuer"], format!("{origin}/{TENANT_ID}/v2.0"));
    }
    // A client that doesn't trust it fails the handshake.
    assert!(reqwest::get(format!("{https}/_sim/config")).await.is_err());
    // Plain HTTP runs alongside.
    let http = sim.http_url.clone().unwrap();
    assert_eq!(
        reqwest::get(format!("{http}/_sim/config"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(sim.base_url(), http);
}

const INDEX: &str = r#"<!doctype html>
<html><head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' https://login.microsoftonline.com https://graph.microsoft.com https://outlook.office365.com; frame-src https://login.microsoftonline.com">
<title>Guestlist</title>
</head><body><script type="module" src="/app.js"></script></body></html>"#;

fn csp_directive(html: &str, name: &str) -> String {
    let start = html.find("content=\"default-src").expect("CSP meta") + "content=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with(name))
        .unwrap_or_else(|| panic!("{name} in {html}"))
        .to_string()
}

#[tokio::test]
async fn serve_dir_serves_the_app_its_config_and_a_csp_that_allows_the_sim() {
    let tmp = TempDir::new("site");
    std::fs::write(tmp.0.join("index.html"), INDEX).unwrap();
    std::fs::write(tmp.0.join("app.js"), "console.log('guestlist');").unwrap();
    std::fs::write(
        tmp.0.join("config.json"),
        r#"{"clientId":"from-the-build"}"#,
    )
    .unwrap();
    let sim = start(SimConfig {
        serve_dir: Some(tmp.0.clone()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let base = sim.base_url().to_string();
    let port = base.rsplit(':').next().unwrap().to_string();

    for path in ["/", "/index.html", "/groups/some-client-route"] {
        let resp = client().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let html = resp.text().await.unwrap();
        let connect = csp_directive(&html, "connect-src");
        assert!(
            connect.contains("https://graph.microsoft.com"),
            "keeps the defaults: {connect}"
        );
        assert!(connect.contains(&base), "{connect}");
        assert!(
            connect.contains(&format!("http://localhost:{port}")),
            "{connect}"
        );
        assert!(csp_directive(&html, "frame-src").contains(&base));
        assert_eq!(
            csp_directive(&html, "script-src"),
            "script-src 'self' 'wasm-unsafe-eval'",
            "others untouched"
        );
    }
    let js = client().get(format!("{base}/app.js")).send().await.unwrap();
    assert_eq!(js.text().await.unwrap(), "console.log('guestlist');");

    // The generated config.json wins over a file of that name, and follows the origin used.
    for origin in [base.clone(), format!("http://localhost:{port}")] {
        let config: Value = get_json(&format!("{origin}/config.json")).await;
        assert_eq!(
            config,
            json!({
                "clientId": guestlist_sim::identity::SIM_CLIENT_ID,
                "tenantId": TENANT_ID,
                "authority": origin,
                "redirectUri": format!("{origin}/redirect.html"),
                "graphBaseUrl": origin,
                "exchangeBaseUrl": origin,
            })
        );
    }
    // The sim's own routes are still there.
    assert_eq!(
        client()
            .get(format!("{base}/_sim/config"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// `cargo xtask demo --script-mode`: the app served by the sim calls Exchange at the sim's other
/// loopback name, a cross-origin call, which `exchangeCorsRefused` refuses as a browser meets
/// Exchange Online; Graph stays usable.
#[tokio::test]
async fn served_app_can_call_exchange_across_origins_so_cors_refusal_shows_script_mode() {
    let tmp = TempDir::new("site-xo");
    std::fs::write(tmp.0.join("index.html"), INDEX).unwrap();
    let sim = start(SimConfig {
        serve_dir: Some(tmp.0.clone()),
        app_exchange_cross_origin: true,
        knobs: guestlist_sim::Knobs {
            exchange_cors_refused: true,
            ..Default::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let base = sim.base_url().trim_end_matches('/').to_string();
    let port = base.rsplit(':').next().unwrap().to_string();
    let other = format!("http://localhost:{port}");
    let config: Value = get_json(&format!("{base}/config.json")).await;
    assert_eq!(config["exchangeBaseUrl"], json!(other));
    assert_eq!(config["graphBaseUrl"], json!(base));
    assert_eq!(config["authority"], json!(base));
    // Opened under the other name, the app's Exchange calls go back across to 127.0.0.1.
    let config: Value = get_json(&format!("{other}/config.json")).await;
    assert_eq!(config["exchangeBaseUrl"], json!(base));
    // The browser's preflight from the app's origin: Exchange refuses it, Graph answers it.
    let preflight = |url: String| {
        client()
            .request(reqwest::Method::OPTIONS, url)
            .header("Origin", base.as_str())
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            )
            .send()
    };
    let exchange = preflight(format!("{other}/adminapi/beta/{TENANT_ID}/InvokeCommand"))
        .await
        .unwrap();
    assert!(
        exchange
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "{:?}",
        exchange.headers()
    );
    let graph = preflight(format!("{base}/v1.0/me")).await.unwrap();
    assert!(graph.headers().get("access-control-allow-origin").is_some());
    assert_eq!(
        guestlist_sim::server::other_loopback_origin("https://localhost"),
        Some("https://127.0.0.1".to_string())
    );
    assert_eq!(
        guestlist_sim::server::other_loopback_origin("http://example.com:80"),
        None
    );
}

#[tokio::test]
async fn state_shows_the_tenant_and_reset_reseeds_it() {
    let sim = sim().await;
    let url = format!("{}/_sim/state", sim.base_url());
    let initial: Value = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(initial, Tenant::seeded(0).snapshot());

    // Change the tenant through Graph: invite a guest.
    let admin = sim
        .state
        .tenant
        .lock()
        .unwrap()
        .accounts()
        .into_iter()
        .find(|a| a.upn == ADMIN)
        .unwrap();
    let token = issue_access_token(&sim.state, &admin, GRAPH_AUDIENCE, &["User.Invite.All"]);
    let resp = client()
        .post(format!("{}/v1.0/invitations", sim.base_url()))
        .bearer_auth(&token)
        .json(&json!({ "invitedUserEmailAddress": "pat@fabrikam.example", "inviteRedirectUrl": "https://myapps.microsoft.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let changed: Value = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(changed, initial);

    let resp = client()
        .post(format!("{}/_sim/reset", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let reset: Value = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reset, initial);

    // Another seed on request.
    let resp = client()
        .post(format!("{}/_sim/reset", sim.base_url()))
        .json(&json!({ "seed": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let reseeded: Value = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reseeded, Tenant::seeded(5).snapshot());
    let resp = client()
        .post(format!("{}/_sim/reset", sim.base_url()))
        .json(&json!({ "seed": "five" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn start_reports_what_is_wrong() {
    let none = start(SimConfig {
        http: None,
        https: None,
        ..SimConfig::default()
    })
    .await;
    assert!(matches!(none, Err(SimError::NoListener)));

    let empty = TempDir::new("empty");
    let no_index = start(SimConfig {
        serve_dir: Some(empty.0.clone()),
        ..SimConfig::default()
    })
    .await;
    assert!(matches!(no_index, Err(SimError::ServeDir { .. })));

    let bad_knobs = guestlist_sim::Knobs {
        throttle_fraction: 2.0,
        ..Default::default()
    };
    assert!(matches!(
        start(SimConfig {
            knobs: bad_knobs,
            ..SimConfig::default()
        })
        .await,
        Err(SimError::Knobs(_))
    ));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let busy = start(SimConfig {
        http: Some(addr),
        ..SimConfig::default()
    })
    .await;
    assert!(matches!(busy, Err(SimError::Bind { addr: a, .. }) if a == addr));
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let sim = sim().await;
    let url = format!("{}/_sim/config", sim.base_url());
    assert_eq!(client().get(&url).send().await.unwrap().status(), 200);
    sim.shutdown().await;
    let err = client()
        .get(&url)
        .send()
        .await
        .expect_err("nothing listens any more");
    assert!(err.is_connect(), "{err:?}");
}

/// Kills the spawned sim process when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_command_line_sets_listeners_seed_and_every_knob() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_guestlist-sim"))
            .args([
                "--http",
                "127.0.0.1:0",
                "--seed",
                "3",
                "--latency-ms",
                "5",
                "--concurrency-limit",
                "4",
                "--throttle-rate-per-sec",
                "50",
                "--throttle-fraction",
                "0.1",
                "--retry-after-secs",
                "9",
                "--unavailable-fraction",
                "0.05",
                "--drop-fraction",
                "0.01",
                "--token-lifetime-secs",
                "120",
                "--exchange-cors-refused",
                "--replication-delay-ms",
                "2500",
                "--graph-app-write-limit",
                "300",
                "--graph-app-write-window-ms",
                "3000",
                "--graph-tenant-write-limit",
                "1800",
                "--graph-tenant-write-window-ms",
                "6000",
                "--registration-problem",
                "web-platform",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sim binary runs"),
    );
    let stdout = child.0.stdout.take().unwrap();
    // Read the printed URL (blocking read on a helper thread, with a deadline here).
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // Keep reading to the end: closing the pipe early would hand the sim a broken stdout.
            if let Some(url) = line.trim().strip_prefix("http ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the sim prints its HTTP URL");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let deadline = Instant::now() + Duration::from_secs(30);
    let config: Value = loop {
        match client().get(format!("{base}/_sim/config")).send().await {
            Ok(r) => break r.json().await.unwrap(),
            Err(e) => {
                assert!(Instant::now() < deadline, "sim not answering: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(
        config,
        json!({
            "latencyMs": 5,
            "concurrencyLimit": 4,
            "throttleRatePerSec": 50,
            "throttleFraction": 0.1,
            "retryAfterSecs": 9,
            "unavailableFraction": 0.05,
            "dropFraction": 0.01,
            "tokenLifetimeSecs": 120,
            "exchangeCorsRefused": true,
            "replicationDelayMs": 2500,
            "graphAppWriteLimit": 300,
            "graphAppWriteWindowMs": 3000,
            "graphTenantWriteLimit": 1800,
            "graphTenantWriteWindowMs": 6000,
            "registrationProblem": "webPlatform",
        })
    );
    let state: Value = client()
        .get(format!("{base}/_sim/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state, Tenant::seeded(3).snapshot());
}

#[test]
fn csp_rewrite_handles_the_minified_release_form() {
    let origins = vec!["https://127.0.0.1:8443".to_string()];
    // As Trunk's release minifier writes it: attributes reordered, http-equiv unquoted.
    let minified = "<head><meta charset=utf-8><meta content=\"default-src 'self'; connect-src 'self' https://graph.microsoft.com; frame-src https://login.microsoftonline.com\" http-equiv=Content-Security-Policy><title>x</title>";
    let out = guestlist_sim::server::rewrite_csp(minified, &origins);
    assert!(
        out.contains("connect-src 'self' https://graph.microsoft.com https://127.0.0.1:8443;"),
        "{out}"
    );
    assert!(out.contains("frame-src https://login.microsoftonline.com https://127.0.0.1:8443\""));
    assert!(out.ends_with("http-equiv=Content-Security-Policy><title>x</title>"));
    // A page without a CSP is left alone.
    let plain = "<head><meta charset=utf-8></head>";
    assert_eq!(guestlist_sim::server::rewrite_csp(plain, &origins), plain);
}
