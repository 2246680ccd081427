//! Long-lived server-to-server API keys that need no database.
//!
//! An operator mints a key with the `issue-client-key` binary (or [`Issuer`]): a random
//! [`KeyId`] encrypted with AES-256-GCM under a key derived from `CLIENT_SECRET` into an opaque
//! bearer token, `ckey_…`. The key id goes into the `CLIENT_KEYS` allowlist; the token goes to
//! the client. A server checks `Authorization: Bearer <token>` with a [`Verifier`]: the token
//! must decrypt under the secret and its key id must be in `CLIENT_KEYS`. Revoking a key is
//! removing its id from `CLIENT_KEYS`. Nothing is stored anywhere else.
//!
//! | you want to | use |
//! | --- | --- |
//! | check requests on a server | [`Verifier::from_env`], then [`Verifier::verify_authorization`] |
//! | mint keys from code | [`Issuer`] with [`Claims`] |
//! | see what a leaked token is | [`Verifier::inspect`] |
//! | parse configuration yourself | [`Config`], [`ClientSecret`], [`Allowlist`] |
//! | protect an axum or tower service (feature `axum`) | `ClientKeyLayer`, `RequireScope`, `Authenticated` |
//! | reload the configuration without a restart | [`SharedVerifier`] |
//! | hand out short-lived tokens | [`Verifier::exchange`] with [`AccessRequest`] |
//! | edit `.env` as the CLI does | [`ConfigFile`] (and [`EnvFile`] underneath) |
//!
//! ```
//! use client_keys::{Claims, Issuer, Verifier, VerifyError};
//!
//! // Operator, once per client (normally `issue-client-key --save`).
//! let secret = ClientSecret::generate();
//! let issued = Issuer::from_secret(&secret).issue(&Claims::new().with_name("billing"))?;
//!
//! // Server, on every request.
//! let verifier = Verifier::new(&secret.to_hex(), &issued.key_id().to_string())?;
//! let header = format!("Bearer {}", issued.token().expose_secret());
//! let key = verifier.verify_authorization(&header)?;
//! assert_eq!(key.name(), Some("billing"));
//!
//! // Revoked: the same token, an allowlist without its id.
//! let revoked = Verifier::new(&secret.to_hex(), "")?;
//! assert!(matches!(revoked.verify_authorization(&header), Err(VerifyError::KeyNotAllowed { .. })));
//! # use client_keys::ClientSecret;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The token format is specified in `docs/FORMAT.md`; the threat model in `docs/SECURITY.md`.
#![forbid(unsafe_code)]

mod access;
mod bearer;
mod config;
mod error;
mod http;
mod issue;
#[cfg(feature = "operator")]
mod operator;
mod token;
mod verify;

pub use access::{
    AccessRequest, AccessToken, DEFAULT_ACCESS_TTL, DEFAULT_MAX_ACCESS_TTL, ExchangeError,
};
pub use bearer::bearer_token;
pub use config::allowlist::Allowlist;
pub use config::{CLIENT_KEYS, CLIENT_SECRET, CLIENT_SECRET_PREVIOUS, Config};
pub use error::{ClaimError, ConfigError, SecretProblem, VerifyError};
#[cfg(feature = "axum")]
pub use http::middleware::{
    Authenticated, AuthenticatedRejection, ClientKeyLayer, ClientKeyService, RequireScope,
    RequireScopeService,
};
pub use http::reload::SharedVerifier;
pub use issue::{IssuedKey, Issuer};
#[cfg(feature = "operator")]
pub use operator::check::{CheckReport, Finding, Severity};
#[cfg(feature = "operator")]
pub use operator::config_file::{ConfigFile, ConfigFileError, Initialized, Revoked, Rotated};
#[cfg(feature = "danger-test-hooks")]
pub use operator::env_file::CommitStage;
#[cfg(feature = "operator")]
pub use operator::env_file::{EnvFile, EnvFileError, is_readable_by_others};
pub use token::claims::{
    Claims, MAX_CLAIMS_LEN, MAX_EXPIRES_AT, MAX_METADATA, MAX_METADATA_KEY_LEN,
    MAX_METADATA_VALUE_LEN, MAX_NAME_LEN, MAX_SCOPE_LEN, MAX_SCOPES, MAX_SESSION_ID_LEN,
};
pub use token::key_id::{InvalidKeyId, KEY_ID_LEN, KeyId};
pub use token::secret::{ClientSecret, SECRET_LEN};
pub use token::{MAX_TOKEN_LEN, SecretToken, TokenKind};
pub use verify::{Inspection, VerifiedKey, Verifier};
