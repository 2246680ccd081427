//! `client-keys-gateway`: client-key authentication for any backend, behind a reverse proxy's
//! forward-auth hook. A thin layer over `client_keys::gateway`; see docs/GATEWAY.md.
//!
//! Exit codes: 0 after a graceful shutdown (SIGTERM, Ctrl-C), 1 when a listener cannot be
//! bound or fails, 2 for a usage error.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use client_keys::gateway::{Gateway, GatewayOptions};
use client_keys::http::{ServeLimits, shutdown_signal};
use client_keys::{Accept, TokenKind};

/// Client-key authentication for nginx `auth_request`, Caddy `forward_auth`, Traefik
/// `ForwardAuth`, Envoy `ext_authz` and ingress-nginx.
///
/// Reads CLIENT_SECRET, CLIENT_SECRET_PREVIOUS and CLIENT_KEYS (or CLIENT_SECRET_FILE,
/// CLIENT_SECRET_PREVIOUS_FILE, CLIENT_KEYS_FILE) from the environment and .env; reloads on
/// SIGHUP and when those files change. Logs go to stderr (RUST_LOG filters them).
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Address of the decision endpoint (/verify) and of POST /auth/token; port 0 picks a free
    /// port.
    #[arg(
        long,
        env = "CLIENT_KEYS_GATEWAY_LISTEN",
        hide_env_values = true,
        default_value = "127.0.0.1:8080"
    )]
    listen: SocketAddr,

    /// Address of /healthz, /readyz and /metrics.
    #[arg(
        long,
        env = "CLIENT_KEYS_GATEWAY_ADMIN_LISTEN",
        hide_env_values = true,
        default_value = "127.0.0.1:9090"
    )]
    admin_listen: SocketAddr,

    /// The .env file read under the environment (skipped when it does not exist).
    #[arg(
        long,
        env = "CLIENT_KEYS_GATEWAY_ENV_FILE",
        hide_env_values = true,
        default_value = ".env"
    )]
    env_file: std::path::PathBuf,

    /// Which tokens /verify accepts.
    #[arg(long, env = "CLIENT_KEYS_GATEWAY_ACCEPT", hide_env_values = true, value_enum, default_value_t = Kinds::All)]
    accept: Kinds,

    /// The realm of the WWW-Authenticate challenges.
    #[arg(
        long,
        env = "CLIENT_KEYS_GATEWAY_REALM",
        hide_env_values = true,
        default_value = "api"
    )]
    realm: String,

    /// Log lines as text or as JSON objects.
    #[arg(long, env = "CLIENT_KEYS_GATEWAY_LOG_FORMAT", hide_env_values = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    /// Most connections served at once on the main listener (the admin one takes at most 32)
    /// [default: the open-file limit less 64].
    #[arg(
        long,
        env = "CLIENT_KEYS_GATEWAY_MAX_CONNECTIONS",
        hide_env_values = true
    )]
    max_connections: Option<usize>,

    /// Seconds a connection has to send a request's headers, counted from when it waits for
    /// one (so also the idle keep-alive timeout).
    #[arg(
        long,
        env = "CLIENT_KEYS_GATEWAY_HEADER_READ_TIMEOUT",
        hide_env_values = true,
        default_value_t = 2.0
    )]
    header_read_timeout: f64,

    /// Worker threads serving requests [default: one per core]. Next to the proxy on a small
    /// machine, 1 leaves the cores to the proxy (docs/PERFORMANCE.md).
    #[arg(long, env = "CLIENT_KEYS_GATEWAY_THREADS", hide_env_values = true)]
    threads: Option<usize>,

    /// Milliseconds between checks of the configuration files for changes.
    #[arg(
        long,
        env = "CLIENT_KEYS_GATEWAY_WATCH_INTERVAL_MS",
        hide_env_values = true,
        default_value_t = 1000
    )]
    watch_interval_ms: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kinds {
    /// Client keys and access tokens.
    All,
    /// Client keys only.
    ClientKey,
    /// Access tokens only.
    AccessToken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = cli.threads {
        builder.worker_threads(threads.max(1));
    }
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    // Signal handlers before anything else, so that a SIGTERM or SIGHUP during start-up
    // neither kills the process nor is lost.
    let shutdown = shutdown_signal()?;
    let hangups = Gateway::hangups()?;

    let header_read_timeout = Duration::try_from_secs_f64(cli.header_read_timeout)
        .map_err(|_| "--header-read-timeout must be a positive number of seconds")?;
    let mut limits = ServeLimits::default().with_header_read_timeout(header_read_timeout);
    if let Some(max) = cli.max_connections {
        limits = limits.with_max_connections(max);
    }
    let accept = match cli.accept {
        Kinds::All => Accept::All,
        Kinds::ClientKey => Accept::Only(TokenKind::ClientKey),
        Kinds::AccessToken => Accept::Only(TokenKind::AccessToken),
    };
    let options = GatewayOptions::default()
        .accepting(accept)
        .with_realm(&cli.realm)?
        .with_limits(limits)
        .with_env_file(cli.env_file)
        .with_watch_interval(Duration::from_millis(cli.watch_interval_ms));

    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
    let admin = tokio::net::TcpListener::bind(cli.admin_listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.admin_listen))?;

    let limits = options.limits().to_string();
    let gateway = Gateway::new(options);
    // A configuration that does not load leaves the gateway running and not ready (503): it
    // is logged, and the next SIGHUP or file change tries again.
    let loading = gateway.clone();
    let _ = tokio::task::spawn_blocking(move || loading.reload()).await;

    tracing::info!(%limits, "serving");
    println!("listening on http://{}", listener.local_addr()?);
    println!("admin listening on http://{}", admin.local_addr()?);
    gateway.run_with(listener, admin, hangups, shutdown).await?;
    Ok(())
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
fn init_logging(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|text| text.parse::<tracing_subscriber::filter::Targets>().ok())
        .unwrap_or_else(|| {
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO)
        });
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr),
            )
            .init(),
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
            )
            .init(),
    }
}
