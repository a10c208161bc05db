//! `cargo xtask demo`: build the app and serve it on 127.0.0.1 until Ctrl-C.
//!
//! Two ways to serve it: the simulated tenant (`guestlist-sim --serve-dir dist`, which also
//! writes a config.json pointing the app at itself, so sign-in works), or a plain static server
//! for when the sim is not wanted (`--static`).
//!
//! `--script-mode` shows script mode: the sim's Exchange refuses the browser's cross-origin
//! calls (`--exchange-cors-refused`), as Exchange Online may, and the app's config.json points
//! its Exchange calls at the sim's other loopback name (`--app-exchange-cross-origin`:
//! `localhost` for an app opened at `127.0.0.1`), so they are cross-origin. Served from the
//! sim's own origin they would not be, and CORS would never come into it.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::serve::{self, Site};
use crate::workspace::Workspace;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Sim,
    Static,
}

/// What `cargo xtask demo` uses without `--sim` / `--static`.
const DEFAULT_BACKEND: Backend = Backend::Sim;

struct Options {
    port: u16,
    backend: Backend,
    build: bool,
    seed: u64,
    script_mode: bool,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options {
        port: 8080,
        backend: DEFAULT_BACKEND,
        build: true,
        seed: 0,
        script_mode: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| Error::Usage(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "--port" => {
                let v = value("--port")?;
                o.port = v
                    .parse()
                    .map_err(|_| Error::Usage(format!("--port {v:?} is not a port number")))?;
            }
            "--seed" => {
                let v = value("--seed")?;
                o.seed = v
                    .parse()
                    .map_err(|_| Error::Usage(format!("--seed {v:?} is not a number")))?;
            }
            "--sim" => o.backend = Backend::Sim,
            "--static" => o.backend = Backend::Static,
            "--no-build" => o.build = false,
            "--script-mode" => o.script_mode = true,
            other => return Err(Error::Usage(format!("unknown option {other:?} for demo"))),
        }
    }
    Ok(o)
}

pub fn run(ws: &Workspace, args: &[String]) -> Result<()> {
    let o = parse(args)?;
    crate::setup::run(ws)?;
    if o.build || !ws.dist().join("index.html").is_file() {
        crate::test::build(ws)?;
    }
    if o.script_mode && o.backend == Backend::Static {
        return Err(Error::Usage(
            "--script-mode needs the simulated tenant; drop --static".into(),
        ));
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], o.port));
    match o.backend {
        Backend::Sim => run_sim(ws, addr, o.seed, o.script_mode),
        Backend::Static => run_static(ws, addr),
    }
}

fn run_sim(ws: &Workspace, addr: SocketAddr, seed: u64, script_mode: bool) -> Result<()> {
    let mut cmd = ws.cargo();
    cmd.args(["run", "--quiet", "-p", "guestlist-sim", "--"])
        .args(["--http", &addr.to_string()])
        .arg("--serve-dir")
        .arg(ws.dist())
        .args(["--seed", &seed.to_string()]);
    if script_mode {
        cmd.args(["--exchange-cors-refused", "--app-exchange-cross-origin"]);
    }
    println!("$ {}", crate::cmd::display(&cmd));
    let mut child = cmd.spawn().map_err(|e| Error::Spawn {
        program: "cargo run -p guestlist-sim".into(),
        source: e,
    })?;
    // The sim compiles first; wait until it answers rather than guessing how long that takes.
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| Error::io("guestlist-sim", e))?
        {
            return Err(Error::Server(format!("guestlist-sim exited ({status})")));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            break;
        }
        if Instant::now() > deadline {
            // Best effort: we are failing anyway, and the child is ours.
            let _ = child.kill();
            return Err(Error::Server(format!(
                "guestlist-sim did not listen on {addr}"
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    announce(
        addr,
        if script_mode {
            "the simulated tenant in script mode: its Exchange refuses this browser's calls \
             (sign in as admin@contoso.onmicrosoft.com / demo)"
        } else {
            "the simulated tenant (sign in as admin@contoso.onmicrosoft.com / demo)"
        },
    );
    let status = child.wait().map_err(|e| Error::io("guestlist-sim", e))?;
    Err(Error::Server(format!("guestlist-sim exited ({status})")))
}

fn run_static(ws: &Workspace, addr: SocketAddr) -> Result<()> {
    let listener = TcpListener::bind(addr).map_err(|e| Error::io(addr.to_string(), e))?;
    let dist = ws.dist();
    let config_json = if dist.join("config.json").is_file() {
        None
    } else {
        Some(static_config(addr))
    };
    announce(
        addr,
        "static files from dist/ (no tenant behind it: sign-in will not work)",
    );
    serve::serve(
        listener,
        Site {
            root: dist,
            config_json,
        },
    )
    .map_err(|e| Error::Server(e.to_string()))
}

/// A config.json for the static demo (keys as src/config.rs reads them): the app starts and
/// shows its shell; the client id is a placeholder, so signing in goes nowhere until the app is
/// registered in Entra (README) — or use the default `--sim`.
fn static_config(addr: SocketAddr) -> String {
    serde_json::json!({
        "clientId": "00000000-0000-0000-0000-000000000000",
        "tenantId": "organizations",
        "redirectUri": format!("http://{addr}/"),
    })
    .to_string()
}

fn announce(addr: SocketAddr, what: &str) {
    println!("\nGuestlist demo: http://{addr}/");
    println!("  serving {what}");
    println!("  Ctrl-C to stop\n");
}
