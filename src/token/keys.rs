//! Purpose keys derived from a `CLIENT_SECRET` with HKDF-SHA256, and the keyring of the current
//! and previous secrets.

use std::fmt;

use aes_gcm::aead::KeyInit;
use aes_gcm::{Aes256Gcm, Key};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::token::TokenKind;
use crate::token::secret::ClientSecret;

/// Length of the secret identifier carried in every token.
pub(crate) const SECRET_ID_LEN: usize = 4;

/// HKDF-Extract salt: fixes the domain of every derivation to this format.
pub(crate) const HKDF_SALT: &[u8] = b"client-keys/v1";
/// HKDF-Expand labels, one per purpose; a new purpose gets a new label.
pub(crate) const LABEL_SECRET_ID: &[u8] = b"client-keys/v1 secret-id";
pub(crate) const LABEL_CLIENT_KEY: &[u8] = b"client-keys/v1 client-key aes-256-gcm";
pub(crate) const LABEL_ACCESS_TOKEN: &[u8] = b"client-keys/v1 access-token aes-256-gcm";
pub(crate) const LABEL_ACCESS_NONCE: &[u8] = b"client-keys/v1 access-token nonce hmac-sha256";

/// The public identifier of a `CLIENT_SECRET`: 4 bytes derived from it, carried in every token
/// minted under it, shown as 8 hex characters. It tells secrets apart in logs and reports and
/// reveals nothing about the secret.
///
/// ```
/// use client_keys::ClientSecret;
///
/// let secret = ClientSecret::generate();
/// assert_eq!(secret.id().to_string().len(), 8);
/// assert_eq!(secret.id(), secret.id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretId(pub(crate) [u8; SECRET_ID_LEN]);

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hex = [0u8; 2 * SECRET_ID_LEN];
        // Cannot fail: the output is exactly twice the input.
        let _ = hex::encode_to_slice(self.0, &mut hex);
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretId({self})")
    }
}

/// Everything derived from one secret, computed once when a verifier or issuer is built.
#[derive(Clone)]
pub(crate) struct SecretKeys {
    id: SecretId,
    client_key: Aes256Gcm,
    access_token: Aes256Gcm,
    access_nonce: Zeroizing<[u8; 32]>,
}

/// HKDF-Extract of a secret: the pseudorandom key every purpose key is expanded from.
fn extract(secret: &ClientSecret) -> Hkdf<Sha256> {
    Hkdf::<Sha256>::new(Some(HKDF_SALT), secret.as_bytes())
}

/// The public identifier of a secret, carried in every token it mints.
pub(crate) fn secret_id(secret: &ClientSecret) -> SecretId {
    id_from(&extract(secret))
}

fn id_from(hkdf: &Hkdf<Sha256>) -> SecretId {
    let mut id = [0u8; SECRET_ID_LEN];
    #[allow(clippy::expect_used)]
    hkdf.expand(LABEL_SECRET_ID, &mut id)
        .expect("4 bytes is a valid HKDF output length");
    SecretId(id)
}

impl SecretKeys {
    pub(crate) fn derive(secret: &ClientSecret) -> SecretKeys {
        let hkdf = extract(secret);
        let expand = |label: &[u8]| {
            let mut okm = Zeroizing::new([0u8; 32]);
            // 32 bytes is far below HKDF-SHA256's 8160-byte limit.
            #[allow(clippy::expect_used)]
            hkdf.expand(label, &mut okm[..])
                .expect("32 bytes is a valid HKDF output length");
            okm
        };
        let cipher = |label: &[u8]| Aes256Gcm::new(&Key::<Aes256Gcm>::from(*expand(label)));
        SecretKeys {
            id: id_from(&hkdf),
            client_key: cipher(LABEL_CLIENT_KEY),
            access_token: cipher(LABEL_ACCESS_TOKEN),
            access_nonce: expand(LABEL_ACCESS_NONCE),
        }
    }

    /// The public identifier of the secret.
    pub(crate) fn id(&self) -> SecretId {
        self.id
    }

    pub(crate) fn cipher(&self, kind: TokenKind) -> &Aes256Gcm {
        match kind {
            TokenKind::ClientKey => &self.client_key,
            TokenKind::AccessToken => &self.access_token,
        }
    }

    /// The HMAC-SHA256 key from which access-token nonces are computed.
    pub(crate) fn access_nonce_key(&self) -> &[u8; 32] {
        &self.access_nonce
    }
}

impl fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKeys")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The current secret first, then the previous ones (verify only), in configuration order.
#[derive(Debug, Clone)]
pub(crate) struct Keyring {
    keys: Vec<SecretKeys>,
}

impl Keyring {
    pub(crate) fn new(current: &ClientSecret, previous: &[ClientSecret]) -> Keyring {
        let keys = std::iter::once(current)
            .chain(previous)
            .map(SecretKeys::derive)
            .collect();
        Keyring { keys }
    }

    /// Adds a previous secret (after those already there).
    pub(crate) fn push_previous(&mut self, secret: &ClientSecret) {
        self.keys.push(SecretKeys::derive(secret));
    }

    /// The secret at `index` (0 = current), as [`Keyring::with_id`] numbers them.
    pub(crate) fn get(&self, index: usize) -> Option<&SecretKeys> {
        self.keys.get(index)
    }

    /// The secrets whose identifier is `id`, with their position (0 = current).
    pub(crate) fn with_id(&self, id: SecretId) -> impl Iterator<Item = (usize, &SecretKeys)> {
        self.keys
            .iter()
            .enumerate()
            .filter(move |(_, k)| k.id == id)
    }

    /// Identifiers, current first.
    pub(crate) fn ids(&self) -> impl Iterator<Item = SecretId> + '_ {
        self.keys.iter().map(|k| k.id)
    }
}
