//! Turning errors into one sentence on stderr and a documented exit code.

use std::fmt;
use std::process::ExitCode;

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
    /// What was asked for is not there, e.g. revoking an id not in CLIENT_KEYS (exit 1).
    NotFound(String),
}

impl Failure {
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Rejected(_) | Failure::NotFound(_) => ExitCode::from(1),
            Failure::Usage(_) | Failure::Config(_) | Failure::Claim(_) | Failure::Io(_) => {
                ExitCode::from(2)
            }
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(text) | Failure::Io(text) | Failure::NotFound(text) => f.write_str(text),
            Failure::Config(e) => write!(f, "{e}"),
            Failure::Claim(e) => write!(f, "{e}"),
            Failure::Rejected(e) => write!(f, "token rejected: {e}"),
        }
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
