//! Serving: [`SharedVerifier`] swaps the verifier while a server runs, and with the `axum`
//! feature a tower layer and an axum extractor answer as RFC 6750 says, [`token_endpoint`]
//! serves `POST /auth/token`, and [`serve`] runs an app with the limits a server on the
//! internet needs.
//!
//! The layer, [`RequireScope`] and [`Authenticated`] are also at the crate root; the service
//! types they produce live only here.

#[cfg(feature = "axum")]
mod exchange;
#[cfg(feature = "axum")]
pub(crate) mod middleware;
mod reload;
#[cfg(feature = "axum")]
mod serve;

#[cfg(feature = "axum")]
pub use exchange::{MAX_TOKEN_REQUEST, token_endpoint};
#[cfg(feature = "axum")]
pub use middleware::{
    Authenticated, AuthenticatedRejection, ClientKeyLayer, ClientKeyService, RequireScope,
    RequireScopeService,
};
pub use reload::SharedVerifier;
#[cfg(feature = "axum")]
pub use serve::{ServeLimits, serve, shutdown_signal};
