//! Command-line arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use client_keys::{AccessRequest, Claims};

use crate::failure::Failure;
use crate::time;

const AFTER_HELP: &str = "\
Configuration comes from the environment and from .env in the current directory (or
--env-file); a variable set in the environment wins over the file:
  CLIENT_SECRET            64 hex characters; new keys are minted under it
  CLIENT_SECRET_PREVIOUS   older secrets, comma-separated, whose keys still verify
  CLIENT_KEYS              allowed key ids, comma-separated (revoke = remove an id)
  CLIENT_REVOKED_SESSIONS  access-token sessions refused (revoke <access token> adds one)
  CLIENT_SECRET_LEGACY     Trivial's old secret, while its tokens are still accepted (migrate)
  Each can also be read from a file named by <NAME>_FILE.

Exit codes: 0 success, 1 token rejected (verify, inspect, exchange) or key id not found
(revoke), 2 usage or configuration error.";

/// Mint long-lived API keys for server-to-server clients, with no database.
///
/// With no command, mints one key: prints {"key_id":"...","key_access_token":"..."} on
/// stdout. Add the key_id to CLIENT_KEYS (or pass --save) and hand the token to the client:
/// it cannot be shown again.
#[derive(Debug, Parser)]
#[command(name = "issue-client-key", version, after_help = AFTER_HELP)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    #[command(flatten)]
    pub(crate) issue: IssueArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print a fresh CLIENT_SECRET (64 hex characters), like `openssl rand -hex 32`.
    Secret,
    /// Create the .env file with a fresh CLIENT_SECRET and an empty CLIENT_KEYS (mode 0600).
    Init(EnvFileArg),
    /// Check a token as the server would (from stdin when TOKEN is absent).
    ///
    /// Prints the key's id and claims as JSON and exits 0, or prints why it was refused on
    /// stderr and exits 1.
    Verify(TokenArg),
    /// Decrypt a token without the allowlist and show what it is (for a leaked token).
    ///
    /// Shows the key id, the claims, which secret minted it, and whether the key id is in
    /// CLIENT_KEYS. Exits 1 if the token does not decrypt under any configured secret.
    Inspect(TokenArg),
    /// Exchange a client key for a short-lived access token (from stdin when TOKEN is absent).
    ///
    /// Prints {"access_token": ..., "expires_in": N, "token_type": "Bearer"}. The access token
    /// verifies until it expires or its client key is revoked.
    Exchange(ExchangeArgs),
    /// Remove a key from CLIENT_KEYS (by key id or token), or revoke one access token's session.
    ///
    /// Given an access token, or a key id with --session, only that session is revoked
    /// (CLIENT_REVOKED_SESSIONS): the key and its other sessions keep working.
    Revoke(RevokeArgs),
    /// Replace CLIENT_SECRET with a fresh one; the old one moves to CLIENT_SECRET_PREVIOUS.
    ///
    /// Keys minted under the old secret keep verifying until you remove it from
    /// CLIENT_SECRET_PREVIOUS.
    Rotate(EnvFileArg),
    /// Migrate a Trivial .env: a fresh CLIENT_SECRET, the old one kept as CLIENT_SECRET_LEGACY.
    ///
    /// CLIENT_KEYS is kept as it is, and every other line of the file too. Servers that read
    /// CLIENT_SECRET_LEGACY keep accepting Trivial's tokens while clients move to new keys.
    /// Refuses (exit 2) to run twice.
    Migrate(EnvFileArg),
    /// Validate the configuration and print a summary that shows no secret.
    ///
    /// Exits 0 when healthy, 2 when not.
    Check(EnvFileArg),
}

#[derive(Debug, Args)]
pub(crate) struct IssueArgs {
    /// A label for the key (at most 64 bytes).
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// A scope the key grants (repeat for several), e.g. --scope read --scope write.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub(crate) scopes: Vec<String>,

    /// Metadata returned on verification (repeat for several), e.g. --meta team=billing.
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    pub(crate) metadata: Vec<String>,

    /// The key expires after DURATION: a number and a unit, s m h d w (e.g. 90d, 12h, 1h30m).
    #[arg(long, value_name = "DURATION", conflicts_with = "expires_at")]
    pub(crate) expires_in: Option<String>,

    /// The key expires at DATE: RFC 3339 date (midnight UTC) or date-time, e.g. 2027-01-31
    /// or 2027-01-31T12:00:00Z.
    #[arg(long, value_name = "DATE")]
    pub(crate) expires_at: Option<String>,

    /// Add the new key id to CLIENT_KEYS in the .env file before printing the token.
    #[arg(long)]
    pub(crate) save: bool,

    #[command(flatten)]
    pub(crate) env: EnvFileArg,
}

#[derive(Debug, Args)]
pub(crate) struct EnvFileArg {
    /// The .env file to read (and, for init, --save, revoke, rotate and migrate, to edit).
    #[arg(long, value_name = "PATH")]
    pub(crate) env_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct TokenArg {
    /// The token; read from stdin when absent or `-` (keeps it out of shell history).
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,

    #[command(flatten)]
    pub(crate) env: EnvFileArg,
}

#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    /// A key id to remove from CLIENT_KEYS, or a token: a client key's id is removed, an
    /// access token's session alone is revoked. With --session or --default-session, the
    /// parent's key id. Read from stdin when `-`.
    #[arg(value_name = "KEY_ID_OR_TOKEN")]
    pub(crate) key: String,

    /// Revoke this session of the key KEY_ID instead of the key: its access tokens are refused
    /// (CLIENT_REVOKED_SESSIONS), the key and its other sessions keep working.
    #[arg(long, value_name = "SESSION_ID", conflicts_with = "default_session")]
    pub(crate) session: Option<String>,

    /// Revoke the access tokens of KEY_ID that were exchanged without a session id.
    #[arg(long)]
    pub(crate) default_session: bool,

    #[command(flatten)]
    pub(crate) env: EnvFileArg,
}

#[derive(Debug, Args)]
pub(crate) struct ExchangeArgs {
    /// The client key; read from stdin when absent or `-`.
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,

    /// Lifetime of the access token (default 2h, at most 24h), e.g. 15m, 2h.
    #[arg(long, value_name = "DURATION")]
    pub(crate) ttl: Option<String>,

    /// A session id (1 to 64 visible ASCII characters); another id gives another token.
    #[arg(long, value_name = "ID")]
    pub(crate) session_id: Option<String>,

    /// Narrow the token to this scope (repeat for several); each must be the client key's.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub(crate) scopes: Vec<String>,

    #[command(flatten)]
    pub(crate) env: EnvFileArg,
}

/// The claims `--name`, `--scope`, `--meta`, `--expires-in` and `--expires-at` ask for.
pub(crate) fn claims(args: &IssueArgs) -> Result<Claims, Failure> {
    let mut claims = Claims::new();
    if let Some(name) = &args.name {
        claims = claims.with_name(name.as_str());
    }
    for scope in &args.scopes {
        claims = claims.with_scope(scope.as_str());
    }
    for pair in &args.metadata {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            Failure::Usage("a --meta value is not KEY=VALUE (e.g. --meta team=billing)".into())
        })?;
        claims = claims.with_metadata(key, value);
    }
    if let Some(text) = &args.expires_in {
        let seconds = time::parse_duration(text).ok_or_else(|| {
            Failure::Usage(
                "--expires-in is not a duration: use a number and a unit, s m h d w (e.g. 90d, \
                 12h, 30m, 45s, 1h30m)"
                    .into(),
            )
        })?;
        claims = claims.with_expires_in(Duration::from_secs(seconds));
    }
    if let Some(text) = &args.expires_at {
        let at = time::parse_date(text).ok_or_else(|| {
            Failure::Usage(
                "--expires-at is not an RFC 3339 date or date-time (e.g. 2027-01-31 or \
                 2027-01-31T12:00:00Z)"
                    .into(),
            )
        })?;
        let at =
            u64::try_from(at).map_err(|_| Failure::Usage("--expires-at is before 1970".into()))?;
        claims = claims.with_expires_at(at);
    }
    claims.validate()?;
    Ok(claims)
}

/// The access token `--ttl`, `--session-id` and `--scope` ask for.
pub(crate) fn access_request(args: &ExchangeArgs) -> Result<AccessRequest, Failure> {
    let mut request = AccessRequest::new();
    if let Some(text) = &args.ttl {
        let ttl = time::parse_duration(text)
            .filter(|&ttl| (1..=24 * 3600).contains(&ttl))
            .ok_or_else(|| {
                Failure::Usage("--ttl is not a duration of at most 24h (e.g. 15m, 2h)".into())
            })?;
        request = request.with_ttl(Duration::from_secs(ttl));
    }
    if let Some(session_id) = &args.session_id {
        request = request.with_session_id(session_id.as_str());
    }
    for scope in &args.scopes {
        request = request.with_scope(scope.as_str());
    }
    Ok(request)
}
