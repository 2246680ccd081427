//! Serving: swapping the verifier while a server runs, and (feature `axum`) the tower layer and
//! axum extractor that answer as RFC 6750 says.

#[cfg(feature = "axum")]
pub(crate) mod middleware;
pub(crate) mod reload;
