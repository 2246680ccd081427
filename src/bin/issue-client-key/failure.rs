//! Turning errors into one sentence on stderr and a documented exit code.

use std::fmt;
use std::process::ExitCode;

use client_keys::operator::ConfigFileError;
use client_keys::{ClaimError, ConfigError, VerifyError};

/// Why the command failed. `Display` never contains a secret or a token.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad arguments (exit 2).
    Usage(String),
    /// Bad configuration (exit 2).
    Config(ConfigError),
    /// A claim breaks a limit (exit 2).
    Claim(ClaimError),
    /// Reading or writing failed (exit 2).
    Io(String),
    /// The token was refused (exit 1).
    Rejected(VerifyError),
    /// Editing the .env file was refused (exit 2, or 1 when the key id was not listed).
    ConfigFile(ConfigFileError),
    /// `check` found errors; the report is already printed (exit 2).
    Unhealthy,
}

impl Failure {
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Rejected(_) => ExitCode::from(1),
            Failure::ConfigFile(e) if e.is_not_found() => ExitCode::from(1),
            _ => ExitCode::from(2),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(text) | Failure::Io(text) => f.write_str(text),
            Failure::Config(e) => with_causes(f, e),
            Failure::Claim(e) => write!(f, "{e}"),
            Failure::Rejected(e) => write!(f, "token rejected: {e}"),
            Failure::ConfigFile(e) => with_causes(f, e),
            Failure::Unhealthy => f.write_str("the configuration is not healthy (see above)"),
        }
    }
}

/// The error, then each underlying cause not already in its text (e.g. the OS's reason).
fn with_causes(f: &mut fmt::Formatter<'_>, error: &dyn std::error::Error) -> fmt::Result {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let more = e.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = e.source();
    }
    f.write_str(&text)
}

impl From<ConfigFileError> for Failure {
    fn from(e: ConfigFileError) -> Failure {
        Failure::ConfigFile(e)
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        Failure::Config(e)
    }
}

impl From<ClaimError> for Failure {
    fn from(e: ClaimError) -> Failure {
        Failure::Claim(e)
    }
}
