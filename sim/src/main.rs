//! `guestlist-sim`: run the simulated Microsoft 365 tenant from the command line.
//! See `sim/README.md` for a curl session against it.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use guestlist_sim::{start, Knobs, RegistrationProblem, SimConfig};

/// A simulated Microsoft 365 tenant: Entra ID sign-in (OpenID Connect), Graph v1.0 and Exchange
/// InvokeCommand subsets, with fault-injection knobs.
#[derive(Parser, Debug)]
#[command(name = "guestlist-sim", version)]
struct Args {
    /// Listen for plain HTTP on ADDR (`127.0.0.1:8400`, `localhost:8400` or just a port; port 0
    /// picks a free one). Default when neither --http nor --https is given: 127.0.0.1:8400.
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    http: Option<SocketAddr>,
    /// Listen for HTTPS on ADDR with a self-signed certificate made at start (127.0.0.1, ::1,
    /// localhost).
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    https: Option<SocketAddr>,
    /// Write the HTTPS certificate (PEM) to PATH, for clients to trust.
    #[arg(long, value_name = "PATH")]
    cert_out: Option<PathBuf>,
    /// Seed for the tenant data, the signing key and the random faults.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// Serve the built app from DIR at `/`, with a generated `config.json` pointing at this sim.
    #[arg(long, value_name = "DIR")]
    serve_dir: Option<PathBuf>,
    /// With --serve-dir: point the app's Exchange calls at this sim's other loopback name
    /// (127.0.0.1 <-> localhost), another origin to the browser, so --exchange-cors-refused gives
    /// script mode as it does with Exchange Online.
    #[arg(long)]
    app_exchange_cross_origin: bool,
    /// How long an authorization code can be redeemed, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    auth_code_lifetime_secs: u64,

    /// Added latency per service request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0, help_heading = "Knobs")]
    latency_ms: u64,
    /// Concurrent requests served per service (Graph, Exchange); excess requests wait. 0 = no limit.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Knobs")]
    concurrency_limit: usize,
    /// Answer 429 when a service gets more than N requests in a second. 0 = off.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Knobs")]
    throttle_rate_per_sec: u32,
    /// Answer 429 to this random fraction (0.0-1.0) of service requests.
    #[arg(long, value_name = "F", default_value_t = 0.0, help_heading = "Knobs")]
    throttle_fraction: f64,
    /// `Retry-After` seconds sent with 429 and 503 answers.
    #[arg(long, value_name = "SECS", default_value_t = 1, help_heading = "Knobs")]
    retry_after_secs: u64,
    /// Answer 503 to this random fraction (0.0-1.0) of service requests.
    #[arg(long, value_name = "F", default_value_t = 0.0, help_heading = "Knobs")]
    unavailable_fraction: f64,
    /// Close the connection without an answer for this random fraction (0.0-1.0) of service requests.
    #[arg(long, value_name = "F", default_value_t = 0.0, help_heading = "Knobs")]
    drop_fraction: f64,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 3600,
        help_heading = "Knobs"
    )]
    token_lifetime_secs: u64,
    /// Refuse browser CORS on the Exchange endpoint (the app then works in script mode).
    #[arg(long, help_heading = "Knobs")]
    exchange_cors_refused: bool,
    /// Delay before an object made on one side (Exchange or Graph) is visible on the other, in ms.
    #[arg(long, value_name = "MS", default_value_t = 0, help_heading = "Knobs")]
    replication_delay_ms: u64,
    /// Graph writes per application and tenant allowed in any window (0 = unlimited).
    #[arg(long, value_name = "N", default_value_t = 3000, help_heading = "Knobs")]
    graph_app_write_limit: u32,
    /// Window of the per-application write budget, in ms.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 150_000,
        help_heading = "Knobs"
    )]
    graph_app_write_window_ms: u64,
    /// Graph writes per tenant (all applications) allowed in any window (0 = unlimited).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 18_000,
        help_heading = "Knobs"
    )]
    graph_tenant_write_limit: u32,
    /// Window of the per-tenant write budget, in ms.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 300_000,
        help_heading = "Knobs"
    )]
    graph_tenant_write_window_ms: u64,
    /// Answer sign-in as Entra does for a misregistered app: redirect-uri-not-registered,
    /// web-platform, unknown-client or consent-blocked (sim/README.md, "Sign-in problems").
    #[arg(long, value_name = "PROBLEM", value_parser = parse_problem, help_heading = "Knobs")]
    registration_problem: Option<RegistrationProblem>,
}

fn parse_problem(s: &str) -> Result<RegistrationProblem, String> {
    let camel: String = s
        .split('-')
        .enumerate()
        .map(|(i, w)| {
            let mut c = w.chars();
            match (i, c.next()) {
                (0, Some(f)) => f.to_lowercase().chain(c).collect(),
                (_, Some(f)) => f.to_uppercase().chain(c).collect(),
                (_, None) => String::new(),
            }
        })
        .collect();
    serde_json::from_value(serde_json::Value::String(camel)).map_err(|_| {
        format!(
            "'{s}' is not one of redirect-uri-not-registered, web-platform, unknown-client, \
             consent-blocked"
        )
    })
}

fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let port_of = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| format!("'{s}' is not ADDR:PORT, localhost:PORT or PORT"))
    };
    if let Some(p) = s.strip_prefix("localhost:") {
        return Ok(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            port_of(p)?,
        ));
    }
    Ok(SocketAddr::new(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        port_of(s.trim_start_matches(':'))?,
    ))
}

impl Args {
    fn knobs(&self) -> Knobs {
        Knobs {
            latency_ms: self.latency_ms,
            concurrency_limit: self.concurrency_limit,
            throttle_rate_per_sec: self.throttle_rate_per_sec,
            throttle_fraction: self.throttle_fraction,
            retry_after_secs: self.retry_after_secs,
            unavailable_fraction: self.unavailable_fraction,
            drop_fraction: self.drop_fraction,
            token_lifetime_secs: self.token_lifetime_secs,
            exchange_cors_refused: self.exchange_cors_refused,
            replication_delay_ms: self.replication_delay_ms,
            graph_app_write_limit: self.graph_app_write_limit,
            graph_app_write_window_ms: self.graph_app_write_window_ms,
            graph_tenant_write_limit: self.graph_tenant_write_limit,
            graph_tenant_write_window_ms: self.graph_tenant_write_window_ms,
            registration_problem: self.registration_problem,
        }
    }
}

/// `writeln!` that ignores write errors.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let http = match (args.http, args.https) {
        (None, None) => Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8400)),
        (h, _) => h,
    };
    let config = SimConfig {
        http,
        https: args.https,
        seed: args.seed,
        serve_dir: args.serve_dir.clone(),
        cert_out: args.cert_out.clone(),
        knobs: args.knobs(),
        auth_code_lifetime: Duration::from_secs(args.auth_code_lifetime_secs),
        app_exchange_cross_origin: args.app_exchange_cross_origin,
    };
    let sim = match start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("guestlist-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Written with errors ignored: a closed stdout (e.g. a parent that stopped reading) must not
    // stop the sim.
    let mut out = std::io::stdout().lock();
    say!(out, "guestlist-sim (seed {}) listening:", args.seed);
    if let Some(u) = &sim.http_url {
        say!(out, "  http   {u}");
    }
    if let Some(u) = &sim.https_url {
        match &args.cert_out {
            Some(p) => say!(
                out,
                "  https  {u}  (certificate written to {})",
                p.display()
            ),
            None => say!(
                out,
                "  https  {u}  (self-signed; --cert-out PATH writes the certificate)"
            ),
        }
    }
    say!(out, "  authority  {}", sim.authority());
    say!(out, "  graph      {}/v1.0", sim.base_url());
    say!(
        out,
        "  exchange   {}/adminapi/beta/{}/InvokeCommand",
        sim.base_url(),
        guestlist_sim::state::TENANT_ID
    );
    if let Some(dir) = &args.serve_dir {
        say!(
            out,
            "  app        {}/  (from {})",
            sim.base_url(),
            dir.display()
        );
    }
    say!(out, "Accounts: admin@contoso.onmicrosoft.com, helpdesk@contoso.onmicrosoft.com (password: demo). Ctrl-C stops.");

    let _ = out.flush();
    drop(out);

    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("guestlist-sim: cannot wait for Ctrl-C: {e}");
    }
    sim.shutdown().await;
    ExitCode::SUCCESS
}
