//! Helpers shared by the integration tests: the binary as a user runs it, verifiers and
//! issuers built from the variables' text, a child process's output line by line, and
//! Trivial's tokens made by Ruby's `jwt` gem.

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

/// The lines of `stream` (a child process's output), read on a thread.
#[allow(dead_code)]
pub(crate) fn lines(
    stream: impl std::io::Read + Send + 'static,
) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead as _;

    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Runs Ruby with the `jwt` gem (and `json`, `openssl`, `securerandom`, `base64`): `script`
/// prints one token per line. A missing `ruby` or `jwt` fails the test (`.ci/run` installs
/// Debian's `ruby` and `ruby-jwt`).
#[allow(dead_code)]
pub(crate) fn ruby(script: &str, args: &[&str]) -> Vec<String> {
    let out = std::process::Command::new("ruby")
        .args([
            "-rjwt",
            "-rjson",
            "-ropenssl",
            "-rsecurerandom",
            "-rbase64",
            "-e",
            script,
        ])
        .args(args)
        .output()
        .expect("ruby runs (install ruby and ruby-jwt)");
    assert!(
        out.status.success(),
        "ruby failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A Trivial client key for `key_id`, made as Trivial's `issue_client_key!` makes it:
/// `JWT.encode({key_id: …}, CLIENT_SECRET, 'HS256')`.
#[allow(dead_code)]
pub(crate) fn trivial_token(key_id: &str, secret: &str) -> String {
    let mut tokens = ruby(
        "puts JWT.encode({key_id: ARGV[0]}, ARGV[1], 'HS256')",
        &[key_id, secret],
    );
    tokens.pop().expect("a token")
}
