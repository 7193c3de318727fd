//! `hubsync-sandbox`: a local HubSpot-compatible portal on 127.0.0.1.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use hubsync_sandbox::{
    AccountType, ApiTier, ControlSecret, FaultConfig, Fixture, LifecycleBackward, OAuthClient, PrivateToken, Sandbox,
    SandboxConfig,
};

/// A local HubSpot-compatible portal: CRM contacts, companies, deals, properties, owners, account
/// info and OAuth, with HubSpot's validation, limits and error bodies, plus fault injection and a
/// control API under /__sandbox/. It prints its address, then a secret made for this start:
/// control requests must send it in the X-Hubsync-Sandbox-Secret header, address a loopback host
/// and send JSON.
#[derive(Parser, Debug)]
#[command(name = "hubsync-sandbox", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Generate this many realistic contacts (with owners, custom property values, and the
    /// companies and deals they belong to).
    #[arg(long, default_value_t = 0)]
    seed_contacts: usize,
    /// Seed for generated data and fault injection.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Load a fixture (JSON: portal, properties, companyProperties, dealProperties, owners,
    /// contacts, companies, deals, oauthClients, privateTokens).
    #[arg(long, value_name = "FILE.json")]
    fixture: Option<PathBuf>,
    /// Keep the portal in this SQLite file (reopened as it was on the next start).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Portal (hub) id.
    #[arg(long)]
    portal_id: Option<u64>,
    /// The kind of account the portal says it is (account-info's accountType): STANDARD
    /// (production), SANDBOX, DEVELOPER_TEST or APP_DEVELOPER.
    #[arg(long, value_enum, ignore_case = true, default_value = "SANDBOX")]
    account_type: AccountType,
    /// Accept this private-app token (repeatable).
    #[arg(long = "private-token", value_name = "TOKEN")]
    private_tokens: Vec<String>,
    /// API tier of private apps: sets the 10-second burst and the daily limit.
    #[arg(long, value_enum, default_value = "starter")]
    tier: ApiTier,
    /// Register an OAuth app with this client id (with --client-secret and --redirect-uri).
    #[arg(long, requires_all = ["client_secret", "redirect_uri"])]
    client_id: Option<String>,
    #[arg(long)]
    client_secret: Option<String>,
    /// A redirect URI of the OAuth app, matched exactly, port included (repeatable).
    #[arg(long = "redirect-uri")]
    redirect_uri: Vec<String>,
    /// Approve OAuth requests at once, without the consent page.
    #[arg(long)]
    oauth_auto_approve: bool,
    /// On "Cancel", redirect back with error=access_denied (HubSpot sends nothing back).
    #[arg(long)]
    oauth_deny_redirects: bool,
    /// Lifetime of OAuth access tokens, in seconds.
    #[arg(long, default_value_t = 1800)]
    access_token_ttl: u64,
    /// Turn off the 10-second, daily and search limits.
    #[arg(long)]
    no_rate_limit: bool,
    /// Delay before a write becomes visible to search, in milliseconds (HubSpot's search lags
    /// its writes by a few seconds).
    #[arg(long, default_value_t = hubsync_sandbox::config::DEFAULT_SEARCH_DELAY_MS)]
    search_delay_ms: u64,
    /// What a backwards lifecycle stage write does.
    #[arg(long, value_enum, default_value = "ignore")]
    lifecycle_backward: LifecycleBackward,
    /// Probability of a 429 (TEN_SECONDLY_ROLLING) per request.
    #[arg(long, default_value_t = 0.0)]
    fault_429: f64,
    /// Probability of a 423 Locked.
    #[arg(long, default_value_t = 0.0)]
    fault_423: f64,
    /// Probability of a 502 Bad Gateway.
    #[arg(long, default_value_t = 0.0)]
    fault_502: f64,
    /// Probability of a 503 Service Unavailable.
    #[arg(long, default_value_t = 0.0)]
    fault_503: f64,
    /// Probability of a 504 Gateway Timeout.
    #[arg(long, default_value_t = 0.0)]
    fault_504: f64,
    /// Probability the connection is closed before the request is handled.
    #[arg(long, default_value_t = 0.0)]
    fault_drop: f64,
    /// Probability the request is handled and then the connection closed without a reply.
    #[arg(long, default_value_t = 0.0)]
    fault_drop_after: f64,
    /// Probability the reply's body is cut off halfway.
    #[arg(long, default_value_t = 0.0)]
    fault_truncate: f64,
    /// Added latency in milliseconds.
    #[arg(long, default_value_t = 0)]
    fault_latency_ms: u64,
    /// Probability a request gets the added latency.
    #[arg(long, default_value_t = 1.0)]
    fault_latency_probability: f64,
    /// Only paths containing this get faults (repeatable).
    #[arg(long = "fault-path")]
    fault_paths: Vec<String>,
}

impl Args {
    fn into_config(self) -> anyhow::Result<SandboxConfig> {
        let mut config = SandboxConfig {
            port: self.port,
            seed: self.seed,
            seed_contacts: self.seed_contacts,
            db_path: self.db,
            private_tokens: self.private_tokens.into_iter().map(PrivateToken::new).collect(),
            oauth_auto_approve: self.oauth_auto_approve,
            oauth_deny_redirects: self.oauth_deny_redirects,
            access_token_ttl_secs: self.access_token_ttl,
            rate_limits: !self.no_rate_limit,
            tier: self.tier,
            search_visibility_delay_ms: self.search_delay_ms,
            lifecycle_backward: self.lifecycle_backward,
            faults: FaultConfig {
                rate_limited: self.fault_429,
                locked: self.fault_423,
                bad_gateway: self.fault_502,
                unavailable: self.fault_503,
                gateway_timeout: self.fault_504,
                drop_before: self.fault_drop,
                drop_after: self.fault_drop_after,
                truncate: self.fault_truncate,
                latency_ms: self.fault_latency_ms,
                latency_probability: self.fault_latency_probability,
                paths: self.fault_paths,
            },
            control_secret: Some(ControlSecret::generate()),
            ..SandboxConfig::default()
        };
        if let Some(id) = self.portal_id {
            config.portal.portal_id = id;
        }
        config.portal.account_type = self.account_type;
        if let (Some(client_id), Some(client_secret)) = (self.client_id, self.client_secret) {
            config.oauth_clients.push(OAuthClient {
                client_id,
                client_secret,
                redirect_uris: self.redirect_uri,
                app_id: 2_000_001,
            });
        }
        if let Some(path) = self.fixture {
            config.fixture = Some(Fixture::from_file(&path).map_err(anyhow::Error::msg)?);
        }
        config.faults.validate().map_err(anyhow::Error::msg).context("invalid --fault-* flags")?;
        Ok(config)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "hubsync_sandbox=info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let config = Args::parse().into_config()?;
    let sandbox = Sandbox::start(config).await.context("could not start the sandbox")?;
    // Tests and scripts read these lines to learn the port and the control API's secret.
    println!("listening on {}", sandbox.base_url());
    println!("control secret: {}", sandbox.control_secret().unwrap_or_default());
    std::io::stdout().flush()?;
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    sandbox.shutdown().await;
    Ok(())
}
