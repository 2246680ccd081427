//! Serving: [`SharedVerifier`] swaps the verifier while a server runs, and with the `axum`
//! feature a tower layer and an axum extractor answer as RFC 6750 says.
//!
//! The layer, [`RequireScope`] and [`Authenticated`] are also at the crate root; the service
//! types they produce live only here.

#[cfg(feature = "axum")]
mod middleware;
mod reload;

#[cfg(feature = "axum")]
pub use middleware::{
    Authenticated, AuthenticatedRejection, ClientKeyLayer, ClientKeyService, RequireScope,
    RequireScopeService,
};
pub use reload::SharedVerifier;
