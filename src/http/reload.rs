//! Replacing the verifier while a server runs: reloading `CLIENT_KEYS` and the secrets without a
//! restart, so that a revocation takes effect at once.

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::config::ConfigError;
use crate::error::VerifyError;
use crate::verify::{VerifiedKey, Verifier};

/// A [`Verifier`] that can be replaced while requests are being verified.
///
/// Every clone shares one slot: a [`SharedVerifier::store`] through any clone is seen by all
/// the others at once. Reading it ([`SharedVerifier::load`], [`SharedVerifier::verify`],
/// [`SharedVerifier::verify_authorization`]) never takes a lock and never waits for a reload
/// (the slot is an [`arc_swap::ArcSwap`]); a verification that has started finishes with the
/// verifier it started with.
///
/// Give one clone to the middleware (or keep it in your state) and another to whatever reloads
/// the configuration, such as a `SIGHUP` handler calling [`SharedVerifier::reload_from_env`].
/// A plain [`Verifier`] converts into a `SharedVerifier` that nobody replaces.
///
/// ```
/// use client_keys::{Allowlist, Claims, ClientSecret, Issuer, SharedVerifier, Verifier};
///
/// let secret = ClientSecret::generate();
/// let issued = Issuer::new(&secret).issue(&Claims::new())?;
/// let token = issued.token().expose_secret();
///
/// let shared = SharedVerifier::new(Verifier::new(&secret, issued.key_id().to_string().parse()?));
/// let for_requests = shared.clone();
/// assert!(for_requests.verify(token).is_ok());
///
/// // The operator revokes the key: CLIENT_KEYS no longer lists it.
/// shared.store(Verifier::new(&secret, Allowlist::default()));
/// assert!(for_requests.verify(token).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SharedVerifier {
    slot: Arc<ArcSwap<Verifier>>,
}

impl SharedVerifier {
    /// Starts with `verifier`.
    #[must_use]
    pub fn new(verifier: Verifier) -> SharedVerifier {
        SharedVerifier {
            slot: Arc::new(ArcSwap::from_pointee(verifier)),
        }
    }

    /// Starts with [`Verifier::from_env`]: the environment, after `.env` in the current
    /// directory.
    ///
    /// # Errors
    /// As [`Verifier::from_env`].
    pub fn from_env() -> Result<SharedVerifier, ConfigError> {
        Verifier::from_env().map(SharedVerifier::new)
    }

    /// The current verifier: a snapshot that later stores do not change. Cheap (no lock, one
    /// reference count).
    #[must_use]
    pub fn load(&self) -> Verifier {
        Verifier::clone(&self.slot.load())
    }

    /// [`Verifier::verify`] with the current verifier.
    ///
    /// # Errors
    /// As [`Verifier::verify`].
    pub fn verify(&self, token: &str) -> Result<VerifiedKey, VerifyError> {
        self.slot.load().verify(token)
    }

    /// [`Verifier::verify_authorization`] with the current verifier.
    ///
    /// # Errors
    /// As [`Verifier::verify_authorization`].
    pub fn verify_authorization(&self, header_value: &str) -> Result<VerifiedKey, VerifyError> {
        self.slot.load().verify_authorization(header_value)
    }

    /// The current verifier, without touching its reference count (for the middleware).
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn current(&self) -> arc_swap::Guard<Arc<Verifier>> {
        self.slot.load()
    }

    /// Replaces the verifier for every clone; verifications that start afterwards use it.
    pub fn store(&self, verifier: Verifier) {
        self.slot.store(Arc::new(verifier));
    }

    /// Reads the configuration again, as [`Verifier::from_env`] does, and stores it with the
    /// current verifier's policy ([`Verifier::accepting`], [`Verifier::with_max_access_ttl`]).
    ///
    /// On error the current verifier stays in place, and the error names the variable and the
    /// fix. Only the `.env` file can change while a process runs: a variable set in the process
    /// environment wins over the file and keeps its value.
    ///
    /// # Errors
    /// As [`Verifier::from_env`]; the current verifier stays in place.
    pub fn reload_from_env(&self) -> Result<(), ConfigError> {
        let fresh = Verifier::from_env()?;
        self.store(self.slot.load().policy_onto(fresh));
        Ok(())
    }
}

impl From<Verifier> for SharedVerifier {
    fn from(verifier: Verifier) -> SharedVerifier {
        SharedVerifier::new(verifier)
    }
}

impl fmt::Debug for SharedVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedVerifier")
            .field(&**self.slot.load())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::allowlist::Allowlist;
    use crate::issue::Issuer;
    use crate::token::claims::Claims;
    use crate::token::secret::ClientSecret;

    const SECRET: &str = "8f1d6a3c2b4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e";

    fn secret() -> ClientSecret {
        SECRET.parse().expect("a valid secret")
    }

    fn verifier(keys: &str) -> Verifier {
        Verifier::new(&secret(), Allowlist::parse(keys))
    }

    #[test]
    fn clones_share_the_slot_and_snapshots_do_not_change() {
        let issued = Issuer::new(&secret())
            .issue(&Claims::new())
            .expect("test setup");
        let token = issued.token().expose_secret();
        let shared = SharedVerifier::from(verifier(&issued.key_id().to_string()));
        let clone = shared.clone();
        let snapshot = shared.load();

        clone.store(verifier(""));

        assert!(matches!(
            shared.verify(token),
            Err(VerifyError::KeyNotAllowed { .. })
        ));
        assert!(
            shared
                .verify_authorization(&format!("Bearer {token}"))
                .is_err()
        );
        assert_eq!(
            snapshot
                .verify(token)
                .expect("the snapshot still accepts it")
                .key_id(),
            issued.key_id()
        );
    }

    #[test]
    fn a_reload_keeps_the_verifiers_policy() {
        let dir = std::env::temp_dir().join(format!("ck-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let issued = Issuer::new(&secret()).issue(&Claims::new()).expect("mints");
        std::fs::write(
            dir.join(".env"),
            format!("CLIENT_SECRET={SECRET}\nCLIENT_KEYS={}\n", issued.key_id()),
        )
        .expect("writes");
        let access_only =
            verifier("").accepting(crate::Accept::Only(crate::TokenKind::AccessToken));
        let shared = SharedVerifier::new(access_only);
        let fresh =
            Verifier::from_config(&crate::Config::from_env_file(dir.join(".env")).expect("loads"))
                .expect("verifier");
        shared.store(shared.load().policy_onto(fresh));
        assert!(matches!(
            shared.verify(issued.token().expose_secret()),
            Err(VerifyError::WrongKind { .. })
        ));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn debug_shows_no_secret() {
        let shared = SharedVerifier::new(verifier(""));
        let text = format!("{shared:?}");
        assert!(text.starts_with("SharedVerifier(Verifier {"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }
}
