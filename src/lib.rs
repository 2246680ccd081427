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
//! | see what a leaked token is | [`Inspector`] |
//! | parse configuration yourself | [`Config`], [`ClientSecret`], [`Allowlist`] |
//! | protect an axum or tower service (feature `axum`) | `ClientKeyLayer`, `RequireScope`, `Authenticated` (and [`http`]) |
//! | reload the configuration without a restart | [`SharedVerifier`] |
//! | authenticate for any backend behind nginx, Caddy, Traefik or Envoy (feature `gateway`) | `gateway::Gateway`, the `client-keys-gateway` binary |
//! | hand out short-lived tokens | [`AccessIssuer`] with [`AccessRequest`] |
//! | edit `.env` as the CLI does (feature `operator`) | `operator::ConfigFile`, `operator::EnvFile` |
//! | the format's limits and the defaults | [`limits`] |
//!
//! ```
//! use client_keys::{Allowlist, Claims, ClientSecret, Issuer, Verifier, VerifyError};
//!
//! // Operator, once per client (normally `issue-client-key --save`).
//! let secret = ClientSecret::generate();
//! let issued = Issuer::new(&secret).issue(&Claims::new().with_name("billing"))?;
//!
//! // Server, on every request.
//! let verifier = Verifier::new(&secret, issued.key_id().to_string().parse()?);
//! let header = format!("Bearer {}", issued.token().expose_secret());
//! let key = verifier.verify_authorization(&header)?;
//! assert_eq!(key.name(), Some("billing"));
//!
//! // Revoked: the same token, an allowlist without its id.
//! let revoked = Verifier::new(&secret, Allowlist::default());
//! assert!(matches!(revoked.verify_authorization(&header), Err(VerifyError::KeyNotAllowed { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The token format is specified in `docs/FORMAT.md`; the threat model in `docs/SECURITY.md`.
#![forbid(unsafe_code)]

mod access;
mod bearer;
mod config;
mod error;
#[cfg(feature = "gateway")]
pub mod gateway;
pub mod http;
mod inspect;
mod issue;
#[cfg(feature = "legacy")]
mod legacy;
#[cfg(feature = "operator")]
pub mod operator;
mod token;
mod verify;

pub use access::{AccessIssuer, AccessRequest, AccessToken, ExchangeError};
pub use bearer::bearer_token;
pub use config::allowlist::Allowlist;
pub use config::revoked::{
    InvalidRevokedSession, RevokedSession, RevokedSessionProblem, RevokedSessions,
};
pub use config::{Config, ConfigError, InvalidSecret, Variable};
pub use error::{InvalidHeader, LegacyRefusal, VerifyError};
pub use http::SharedVerifier;
#[cfg(feature = "axum")]
pub use http::{Authenticated, ClientKeyLayer, RequireScope};
pub use inspect::{Inspection, Inspector};
pub use issue::{IssuedKey, Issuer};
pub use token::claims::{ClaimError, Claims};
pub use token::client_id::{ClientId, LegacyId};
pub use token::key_id::{InvalidKeyId, KeyId};
pub use token::keys::SecretId;
pub use token::secret::{ClientSecret, SecretProblem};
pub use token::{Malformed, SecretToken, TokenKind};
pub use verify::{Accept, VerifiedKey, Verifier};

/// The format's limits and the library's defaults, in one place.
pub mod limits {
    pub use crate::access::{DEFAULT_ACCESS_TTL, DEFAULT_MAX_ACCESS_TTL};
    pub use crate::token::MAX_TOKEN_LEN;
    pub use crate::token::claims::{
        MAX_CLAIMS_LEN, MAX_EXPIRES_AT, MAX_METADATA, MAX_METADATA_KEY_LEN, MAX_METADATA_VALUE_LEN,
        MAX_NAME_LEN, MAX_SCOPE_LEN, MAX_SCOPES, MAX_SESSION_ID_LEN,
    };
    pub use crate::token::client_id::MAX_LEGACY_ID_LEN;
    pub use crate::token::key_id::KEY_ID_LEN;
    pub use crate::token::secret::SECRET_LEN;
    pub use crate::verify::{CLOCK_SKEW, MAX_ACCESS_TTL};
}
