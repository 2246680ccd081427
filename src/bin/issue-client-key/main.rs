//! `issue-client-key`: a thin command-line layer over the `client_keys` library.

mod cli;
mod failure;
mod time;

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use client_keys::{
    AccessRequest, CLIENT_KEYS, CLIENT_SECRET, CheckReport, Claims, ClientSecret, Config,
    ConfigFile, ExchangeError, Inspection, Issuer, TokenKind, VerifiedKey, Verifier,
    is_readable_by_others,
};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use crate::cli::{Cli, Command, EnvFileArg, ExchangeArgs, IssueArgs, RevokeArgs, TokenArg};
use crate::failure::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // clap quotes the offending argument, which may be a token typed in the wrong place.
            eprint!("{}", failure::redact(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        None => issue(&cli.issue),
        Some(Command::Secret) => secret(),
        Some(Command::Verify(args)) => verify(&args),
        Some(Command::Inspect(args)) => inspect(&args),
        Some(Command::Exchange(args)) => exchange(&args),
        Some(Command::Init(args)) => init(&args),
        Some(Command::Revoke(args)) => revoke(&args),
        Some(Command::Rotate(args)) => rotate(&args),
        Some(Command::Check(args)) => check(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!(
                "issue-client-key: {}",
                failure::redact(&failure.to_string())
            );
            failure.exit_code()
        }
    }
}

/// Mints one key and prints `{"key_id": ..., "key_access_token": ...}`.
fn issue(args: &IssueArgs) -> Result<(), Failure> {
    let claims = claims_from(args)?;
    let config = load_config(&args.env)?;
    let issued = Issuer::from_secret(config.secret()).issue(&claims)?;
    let key_id = issued.key_id();
    // Saved before anything is printed: a printed token always has its key id saved.
    let saved = if args.save {
        let file = env_file(&args.env);
        file.save_key_id(key_id)?;
        Some(file)
    } else {
        None
    };
    let output = Zeroizing::new(format!(
        "{{\"key_id\": \"{}\", \"key_access_token\": \"{}\"}}\n",
        issued.key_id(),
        issued.token().expose_secret()
    ));
    write_stdout(&output)?;
    match saved {
        Some(file) => {
            eprintln!(
                "Saved key_id {key_id} to CLIENT_KEYS in {}.",
                file.path().display()
            );
            if std::env::var_os(CLIENT_KEYS).is_some() {
                eprintln!(
                    "warning: CLIENT_KEYS is also set in the environment, which wins over the \
                     file: add the key_id there too"
                );
            }
            eprintln!(
                "Next: reload or restart the servers that read it, then hand the \
                 key_access_token to the client over a secure channel."
            );
        }
        None => eprintln!(
            "Next: add the key_id to CLIENT_KEYS (e.g. `CLIENT_KEYS=\"..., {key_id}\"`) or mint \
             with --save, then hand the key_access_token to the client over a secure channel."
        ),
    }
    eprintln!(
        "The token cannot be shown again: if it is lost, issue a new key and revoke this one."
    );
    Ok(())
}

/// Creates the `.env` file with a fresh secret.
fn init(args: &EnvFileArg) -> Result<(), Failure> {
    let file = env_file(args);
    let done = file.init()?;
    let path = file.path().display();
    if done.created {
        eprintln!(
            "Created {path} (mode 0600) with a fresh CLIENT_SECRET (secret id {}) and an empty CLIENT_KEYS.",
            done.secret_id
        );
    } else {
        let keys = if done.added_client_keys {
            " and an empty CLIENT_KEYS"
        } else {
            ""
        };
        eprintln!(
            "Added a fresh CLIENT_SECRET (secret id {}){keys} to {path}; the rest of the file is unchanged.",
            done.secret_id
        );
    }
    if is_readable_by_others(file.path()).unwrap_or(false) {
        eprintln!(
            "warning: {path} now holds CLIENT_SECRET and is readable by group or others: run `chmod 600 {path}`"
        );
    }
    eprintln!(
        "Next: `issue-client-key --save --name CLIENT` mints a key and adds its id to CLIENT_KEYS. Keep {path} out of version control."
    );
    Ok(())
}

/// Removes a key id from `CLIENT_KEYS`.
fn revoke(args: &RevokeArgs) -> Result<(), Failure> {
    let input = read_token(Some(args.key.as_str()))?;
    let input = bare(&input);
    let prefixes = [
        TokenKind::ClientKey.prefix(),
        TokenKind::AccessToken.prefix(),
    ];
    let entry = if prefixes.iter().any(|p| input.starts_with(p)) {
        let config = load_config(&args.env)?;
        let allowlist = config.allowlist().cloned().unwrap_or_default();
        let found = Verifier::from_config(&config.with_allowlist(allowlist))?
            .inspect(input)
            .map_err(Failure::Rejected)?;
        found.key_id().to_string()
    } else {
        input.to_string()
    };
    let file = env_file(&args.env);
    let revoked = file.revoke(&entry)?;
    println!(
        "revoked {} (removed from CLIENT_KEYS in {}; {} key(s) remain)",
        revoked.entry,
        file.path().display(),
        revoked.remaining
    );
    if std::env::var_os(CLIENT_KEYS).is_some() {
        eprintln!(
            "warning: CLIENT_KEYS is also set in the environment, which wins over the file: remove the id there too"
        );
    }
    eprintln!(
        "Reload or restart the servers that read {} for the revocation to take effect (the example server reloads on SIGHUP).",
        file.path().display()
    );
    Ok(())
}

/// What was pasted, without the quotes or the `Bearer ` of a copied header around it.
fn bare(input: &str) -> &str {
    let input = input.trim();
    let input = ["\"", "'"]
        .iter()
        .find_map(|q| input.strip_prefix(q).and_then(|i| i.strip_suffix(q)))
        .unwrap_or(input)
        .trim();
    match input.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => input,
    }
}

/// Replaces the secret, keeping the old one for verification.
fn rotate(args: &EnvFileArg) -> Result<(), Failure> {
    let file = env_file(args);
    let done = file.rotate()?;
    let path = file.path().display();
    eprintln!(
        "Rotated CLIENT_SECRET in {path}: new keys are minted under secret id {new}.\n\
         The old secret (id {old}) is now first in CLIENT_SECRET_PREVIOUS ({n} secret(s) there): \
         keys minted under it keep verifying until you remove it from CLIENT_SECRET_PREVIOUS.\n\
         Next: reload or restart your servers, issue new keys to clients (`issue-client-key --save`), \
         revoke their old ones, then remove the old secret from CLIENT_SECRET_PREVIOUS.",
        new = done.new_secret_id,
        old = done.old_secret_id,
        n = done.previous_secrets,
    );
    if std::env::var_os(CLIENT_SECRET).is_some() {
        eprintln!(
            "warning: CLIENT_SECRET is also set in the environment, which wins over {path}: update it there too"
        );
    }
    Ok(())
}

/// Prints a health report of the configuration.
fn check(args: &EnvFileArg) -> Result<(), Failure> {
    let report = CheckReport::run(args.env_file.as_deref());
    write_stdout(&format!("{report}\n"))?;
    if report.is_healthy() {
        Ok(())
    } else {
        Err(Failure::Unhealthy)
    }
}

/// The file that `--save`, `init`, `revoke` and `rotate` edit.
fn env_file(args: &EnvFileArg) -> ConfigFile {
    ConfigFile::new(args.env_file.clone().unwrap_or_else(|| ".env".into()))
}

/// Prints a fresh `CLIENT_SECRET`.
fn secret() -> Result<(), Failure> {
    let hex = ClientSecret::generate().to_hex();
    let mut line = Zeroizing::new(String::with_capacity(65));
    line.push_str(&hex);
    line.push('\n');
    write_stdout(&line)
}

/// Checks a token as the server would.
fn verify(args: &TokenArg) -> Result<(), Failure> {
    let token = read_token(args.token.as_deref())?;
    let verifier = Verifier::from_config(&load_config(&args.env)?)?;
    let key = verifier.verify(&token).map_err(Failure::Rejected)?;
    print_json(&verified_json(&key))
}

/// The longest access token an operator can mint from the command line.
const MAX_CLI_ACCESS_TTL: Duration = Duration::from_secs(24 * 3600);

/// Exchanges a client key for an access token.
fn exchange(args: &ExchangeArgs) -> Result<(), Failure> {
    let token = read_token(args.token.as_deref())?;
    let mut request = AccessRequest::new();
    if let Some(text) = &args.ttl {
        let ttl = time::parse_duration(text)
            .map(Duration::from_secs)
            .filter(|ttl| *ttl <= MAX_CLI_ACCESS_TTL)
            .ok_or_else(|| {
                Failure::Usage("--ttl is not a duration of at most 24h (e.g. 15m, 2h)".into())
            })?;
        request = request.with_ttl(ttl);
    }
    if let Some(session_id) = &args.session_id {
        request = request.with_session_id(session_id.as_str());
    }
    for scope in &args.scopes {
        request = request.with_scope(scope.as_str());
    }
    let verifier =
        Verifier::from_config(&load_config(&args.env)?)?.with_max_access_ttl(MAX_CLI_ACCESS_TTL);
    let access = verifier.exchange(&token, &request).map_err(|e| match e {
        ExchangeError::InvalidClient(e) => Failure::Rejected(e),
        other => Failure::Usage(other.to_string()),
    })?;
    let output = Zeroizing::new(format!(
        "{{\"access_token\": \"{}\", \"expires_in\": {}, \"token_type\": \"{}\"}}\n",
        access.token().expose_secret(),
        access.expires_in(),
        access.token_type()
    ));
    write_stdout(&output)
}

/// Decrypts a token without the allowlist.
fn inspect(args: &TokenArg) -> Result<(), Failure> {
    let token = read_token(args.token.as_deref())?;
    let config = load_config(&args.env)?;
    let keys_set = config.allowlist().is_some();
    let allowlist = config.allowlist().cloned().unwrap_or_default();
    let verifier = Verifier::from_config(&config.with_allowlist(allowlist))?;
    let found = verifier.inspect(&token).map_err(Failure::Rejected)?;
    print_json(&inspection_json(&found, keys_set))
}

/// Reads the configuration, warning when the file holding `CLIENT_SECRET` is not private.
fn load_config(env: &EnvFileArg) -> Result<Config, Failure> {
    let config = match &env.env_file {
        Some(path) => Config::from_env_file(path)?,
        None => Config::from_env()?,
    };
    let exposed = config
        .secret_file()
        .filter(|p| is_readable_by_others(p).unwrap_or(false));
    if let Some(path) = exposed {
        let path = path.display();
        eprintln!(
            "warning: {path} holds CLIENT_SECRET and is readable by group or others: run `chmod 600 {path}`"
        );
    }
    Ok(config)
}

fn claims_from(args: &IssueArgs) -> Result<Claims, Failure> {
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

/// The token argument, or the first line of stdin when it is absent or `-`.
fn read_token(arg: Option<&str>) -> Result<Zeroizing<String>, Failure> {
    if let Some(token) = arg.filter(|t| *t != "-") {
        return Ok(Zeroizing::new(token.trim().to_owned()));
    }
    let mut input = Zeroizing::new(String::new());
    // Far more than any token; the library refuses long input before decoding it.
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut input)
        .map_err(|e| Failure::Io(format!("cannot read the token from stdin: {e}")))?;
    let token = input.trim();
    if token.is_empty() {
        return Err(Failure::Usage(
            "no token: pass it as an argument or on stdin".into(),
        ));
    }
    Ok(Zeroizing::new(token.to_owned()))
}

fn verified_json(key: &VerifiedKey) -> Value {
    let mut object = claims_json(key.key_id().to_string(), key.claims());
    object.insert("kind".into(), json!(kind_name(key.kind())));
    Value::Object(object)
}

fn inspection_json(found: &Inspection, keys_set: bool) -> Value {
    let mut object = claims_json(found.key_id().to_string(), found.claims());
    object.insert("kind".into(), json!(kind_name(found.kind())));
    object.insert(
        "in_client_keys".into(),
        if keys_set {
            json!(found.in_allowlist())
        } else {
            Value::Null
        },
    );
    object.insert("expired".into(), json!(found.is_expired()));
    let secret = match found.secret_index() {
        0 => "CLIENT_SECRET".to_owned(),
        n => format!("CLIENT_SECRET_PREVIOUS entry {n}"),
    };
    object.insert("minted_under".into(), json!(secret));
    Value::Object(object)
}

fn claims_json(key_id: String, claims: &Claims) -> Map<String, Value> {
    let metadata: Map<String, Value> = claims
        .metadata()
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let mut object = Map::new();
    object.insert("key_id".into(), json!(key_id));
    object.insert("name".into(), json!(claims.name()));
    object.insert("scopes".into(), json!(claims.scopes()));
    object.insert("metadata".into(), Value::Object(metadata));
    object.insert(
        "expires_at".into(),
        json!(claims.expires_at().map(time::format_unix)),
    );
    if let Some(session_id) = claims.session_id() {
        object.insert("session_id".into(), json!(session_id));
    }
    object
}

fn kind_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::AccessToken => "access_token",
        _ => "client_key",
    }
}

fn print_json(value: &Value) -> Result<(), Failure> {
    write_stdout(&format!("{value}\n"))
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Io(format!("cannot write to stdout: {e}")))
}
