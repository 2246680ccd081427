//! Helpers shared by the integration tests: the binary as a user runs it, and verifiers and
//! issuers built from the variables' text.

use std::path::Path;

use assert_cmd::Command;

/// The binary, run in `dir`, with none of our variables inherited from the test's environment.
#[allow(dead_code)]
pub(crate) fn cli(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("issue-client-key").expect("binary built");
    cmd.current_dir(dir);
    for variable in client_keys::Variable::ALL {
        cmd.env_remove(variable.name())
            .env_remove(format!("{}_FILE", variable.name()));
    }
    cmd
}

/// A verifier from the text of `CLIENT_SECRET` and `CLIENT_KEYS`, as a server reading its
/// environment builds one.
#[allow(dead_code)]
pub(crate) fn verifier(
    secret: &str,
    keys: &str,
) -> Result<client_keys::Verifier, client_keys::ConfigError> {
    let config = client_keys::Config::from_values(secret, None, Some(keys))?;
    client_keys::Verifier::from_config(&config)
}

/// An issuer from the text of `CLIENT_SECRET`.
#[allow(dead_code)]
pub(crate) fn issuer(secret: &str) -> Result<client_keys::Issuer, client_keys::ConfigError> {
    let config = client_keys::Config::from_values(secret, None, None)?;
    Ok(client_keys::Issuer::new(config.secret()))
}

/// Runs `cmd`, which must succeed, and parses its stdout as JSON.
#[allow(dead_code)]
pub(crate) fn success_json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}
