//! `issue-client-key`: a thin command-line layer over the `client_keys` library.

mod cli;
mod failure;
mod output;
mod time;

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use client_keys::operator::{CheckReport, ConfigFile, TokenRevoked, pasted_token, redact};
use client_keys::{
    AccessIssuer, ClientSecret, Config, ExchangeError, Inspector, Issuer, KeyId, Variable, Verifier,
};
use zeroize::Zeroizing;

use crate::cli::{Cli, Command, EnvFileArg, ExchangeArgs, IssueArgs, RevokeArgs, TokenArg};
use crate::failure::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // clap quotes the offending argument, which may be a token typed in the wrong place.
            eprint!("{}", redact(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        None => issue(&cli.issue),
        Some(Command::Secret) => output::secret(&ClientSecret::generate()),
        Some(Command::Verify(args)) => verify(&args),
        Some(Command::Inspect(args)) => inspect(&args),
        Some(Command::Exchange(args)) => exchange(&args),
        Some(Command::Init(args)) => init(&args),
        Some(Command::Revoke(args)) => revoke(&args),
        Some(Command::Rotate(args)) => rotate(&args),
        Some(Command::Migrate(args)) => migrate(&args),
        Some(Command::Check(args)) => check(&args),
    };
    result.map_or_else(
        |failure| {
            eprintln!("issue-client-key: {}", redact(&failure.to_string()));
            failure.exit_code()
        },
        |()| ExitCode::SUCCESS,
    )
}

/// Mints one key and prints `{"key_id": ..., "key_access_token": ...}`.
fn issue(args: &IssueArgs) -> Result<(), Failure> {
    let claims = cli::claims(args)?;
    let config = load_config(&args.env)?;
    let file = args.save.then(|| env_file(&args.env));
    // A token nobody sees is a key nobody holds: with --save, it would stay allowed.
    if file.is_some() && output::stdout_is_null() {
        return Err(Failure::Io(
            "stdout is /dev/null (or was closed), so the token would be lost while its key id \
             is saved: send stdout to a file or a pipe (nothing was minted or saved)"
                .into(),
        ));
    }
    let issued = Issuer::new(config.secret()).issue(&claims)?;
    // Saved before anything is printed: a printed token always has its key id saved.
    if let Some(file) = &file {
        file.save_key_id_minted_under(issued.key_id(), config.secret())?;
    }
    if let Err(e) = output::issued(&issued) {
        return Err(match &file {
            Some(file) => unsave(file, issued.key_id(), &e),
            None => e,
        });
    }
    output::after_issue(issued.key_id(), file.as_ref().map(ConfigFile::path));
    Ok(())
}

/// The token could not be printed after its key id was saved: removes the id again (one
/// atomic edit), or says which id to revoke.
fn unsave(file: &ConfigFile, key_id: client_keys::KeyId, printing: &Failure) -> Failure {
    match file.revoke(&key_id.to_string()) {
        Ok(_) => Failure::Io(format!(
            "{printing}: the token was not shown, so its key id {key_id} was removed from \
             CLIENT_KEYS in {} again (nothing to revoke); mint again",
            file.path().display()
        )),
        Err(e) => Failure::Io(format!(
            "{printing}: the token was not shown, and its key id {key_id} could not be removed \
             from CLIENT_KEYS ({e}): revoke it with `issue-client-key revoke {key_id}`"
        )),
    }
}

/// Creates the `.env` file with a fresh secret.
fn init(args: &EnvFileArg) -> Result<(), Failure> {
    let file = env_file(args);
    let done = file.init()?;
    output::after_init(&done, file.path());
    output::warn_if_readable(file.path());
    Ok(())
}

/// Removes a key id from `CLIENT_KEYS` (given the id or a client key), or revokes one session
/// of access tokens (given an access token, or the parent's id and `--session`).
fn revoke(args: &RevokeArgs) -> Result<(), Failure> {
    let input = read_input(Some(args.key.as_str()))?;
    let input = pasted_token(&input);
    let file = env_file(&args.env);
    output::warn_if_readable(file.path());
    let revoked = if args.session.is_some() || args.default_session {
        let parent: KeyId = input.parse().map_err(|_| {
            Failure::Usage(
                "--session and --default-session take the parent key's id (32 hex characters), \
                 not a token: `issue-client-key revoke --session SESSION_ID KEY_ID`"
                    .to_owned(),
            )
        })?;
        TokenRevoked::Session(file.revoke_session(parent, args.session.as_deref())?)
    } else if looks_like_a_token(input) {
        file.revoke_token(input)?
    } else {
        TokenRevoked::Key(file.revoke(input)?)
    };
    match revoked {
        TokenRevoked::Key(key) => {
            output::after_revoke(&key, file.path());
            output::warn_if_overridden(Variable::ClientKeys, "remove the id there too");
        }
        TokenRevoked::Session(session) => {
            output::after_revoke_session(&session, file.path());
            output::warn_if_overridden(Variable::ClientRevokedSessions, "add the entry there too");
        }
    }
    Ok(())
}

/// Replaces the secret, keeping the old one for verification.
fn rotate(args: &EnvFileArg) -> Result<(), Failure> {
    let file = env_file(args);
    output::warn_if_readable(file.path());
    let done = file.rotate()?;
    output::after_rotate(&done, file.path());
    output::warn_if_overridden(Variable::ClientSecret, "update it there too");
    Ok(())
}

/// Turns a Trivial `.env` into a client-keys one: the old secret into `CLIENT_SECRET_LEGACY`,
/// a fresh `CLIENT_SECRET`, `CLIENT_KEYS` kept.
fn migrate(args: &EnvFileArg) -> Result<(), Failure> {
    let file = env_file(args);
    output::warn_if_readable(file.path());
    let done = file.migrate()?;
    output::after_migrate(&done, file.path());
    output::warn_if_overridden(
        Variable::ClientSecret,
        "servers read that one, not the file's: set it to the file's new CLIENT_SECRET and \
         CLIENT_SECRET_LEGACY to its old value, or unset it",
    );
    output::warn_if_overridden(
        Variable::ClientSecretLegacy,
        "servers read that one, not the file's: make it the file's value too, or unset it",
    );
    Ok(())
}

/// Prints a health report of the configuration.
fn check(args: &EnvFileArg) -> Result<(), Failure> {
    let report = CheckReport::run(args.env_file.as_deref());
    output::write_stdout(&format!("{report}\n"))?;
    if report.is_healthy() {
        Ok(())
    } else {
        Err(Failure::Unhealthy)
    }
}

/// Checks a token as the server would.
fn verify(args: &TokenArg) -> Result<(), Failure> {
    let token = read_input(args.token.as_deref())?;
    let verifier = Verifier::from_config(&load_config(&args.env)?)?;
    let key = verifier
        .verify(pasted_token(&token))
        .map_err(Failure::Rejected)?;
    output::verified(&key)
}

/// Decrypts a token with the secrets alone.
fn inspect(args: &TokenArg) -> Result<(), Failure> {
    let token = read_input(args.token.as_deref())?;
    let found = Inspector::from_config(&load_config(&args.env)?)
        .inspect(pasted_token(&token))
        .map_err(Failure::Rejected)?;
    output::inspected(&found)
}

/// The longest access token an operator can mint from the command line.
const MAX_CLI_ACCESS_TTL: Duration = Duration::from_secs(24 * 3600);

/// Exchanges a client key for an access token.
fn exchange(args: &ExchangeArgs) -> Result<(), Failure> {
    let token = read_input(args.token.as_deref())?;
    let request = cli::access_request(args)?;
    let verifier = Verifier::from_config(&load_config(&args.env)?)?;
    let issuer = AccessIssuer::new(verifier).with_max_ttl(MAX_CLI_ACCESS_TTL);
    let access = issuer
        .exchange(pasted_token(&token), &request)
        .map_err(|e| match e {
            ExchangeError::InvalidClient(e) => Failure::Rejected(e),
            other => Failure::Usage(other.to_string()),
        })?;
    output::access(&access)
}

/// The file that `--save`, `init`, `revoke`, `rotate` and `migrate` edit.
fn env_file(args: &EnvFileArg) -> ConfigFile {
    ConfigFile::new(args.env_file.clone().unwrap_or_else(|| ".env".into()))
}

/// Reads the configuration, warning when the `.env` file is readable by group or others.
fn load_config(env: &EnvFileArg) -> Result<Config, Failure> {
    let config = match &env.env_file {
        Some(path) => Config::from_env_file(path)?,
        None => Config::from_env()?,
    };
    output::warn_if_readable(env_file(env).path());
    Ok(config)
}

/// Whether `input` starts like a token (any case) rather than a key id.
fn looks_like_a_token(input: &str) -> bool {
    let prefix = input.get(..5).unwrap_or_default().to_ascii_lowercase();
    [
        client_keys::TokenKind::ClientKey,
        client_keys::TokenKind::AccessToken,
    ]
    .iter()
    .any(|kind| prefix == kind.prefix())
        // A JWT: Trivial's client keys, during a migration.
        || (input.starts_with("eyJ") && input.matches('.').count() == 2)
}

/// The argument, or stdin when it is absent or `-` (a token kept out of shell history).
fn read_input(arg: Option<&str>) -> Result<Zeroizing<String>, Failure> {
    if let Some(text) = arg.filter(|t| *t != "-") {
        return Ok(Zeroizing::new(text.to_owned()));
    }
    let mut input = Zeroizing::new(String::new());
    // Far more than any token; the library refuses long input before decoding it.
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut input)
        .map_err(|e| Failure::Io(format!("cannot read the token from stdin: {e}")))?;
    if input.trim_ascii().is_empty() {
        return Err(Failure::Usage(
            "no token: pass it as an argument or on stdin".into(),
        ));
    }
    Ok(input)
}
