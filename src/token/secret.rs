//! `CLIENT_SECRET`: the 32-byte root secret every key is minted under.

use std::fmt;

use rand::TryRng;
use rand::rngs::SysRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::token::keys::SecretId;

/// Length of a client secret in bytes.
pub const SECRET_LEN: usize = 32;

/// The root secret (`CLIENT_SECRET`), 32 bytes.
///
/// It has no `Display`, a redacted `Debug`, no `==`, and is zeroized on drop. Tokens are never
/// encrypted under these bytes directly: [`crate::Verifier`] and [`crate::Issuer`] derive one key
/// per purpose from it with HKDF-SHA256 (see `docs/FORMAT.md`).
///
/// ```
/// use client_keys::ClientSecret;
///
/// let secret = ClientSecret::generate();
/// let hex = secret.to_hex();
/// assert_eq!(hex.len(), 64);
/// let again = ClientSecret::from_hex(&hex)?;
/// assert_eq!(format!("{again:?}"), "ClientSecret([redacted])");
/// # Ok::<(), client_keys::SecretProblem>(())
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ClientSecret([u8; SECRET_LEN]);

impl ClientSecret {
    /// Draws a fresh secret from the operating system's CSPRNG.
    ///
    /// # Panics
    /// If the operating system cannot provide random bytes (there is no safe fallback).
    #[must_use]
    pub fn generate() -> ClientSecret {
        let mut bytes = [0u8; SECRET_LEN];
        os_random(&mut bytes);
        ClientSecret(bytes)
    }

    /// Parses the 64 hexadecimal characters of `CLIENT_SECRET` (either case).
    ///
    /// # Errors
    /// What is wrong with the text (empty, whitespace around it, quoted, wrong length, not
    /// hex), without ever containing the value.
    pub fn from_hex(text: &str) -> Result<ClientSecret, SecretProblem> {
        if text.is_empty() {
            return Err(SecretProblem::Empty);
        }
        if text.trim() != text {
            return Err(SecretProblem::Whitespace);
        }
        let quoted = |q: char| text.len() >= 2 && text.starts_with(q) && text.ends_with(q);
        if quoted('"') || quoted('\'') {
            return Err(SecretProblem::Quoted);
        }
        let chars = text.chars().count();
        if chars != 2 * SECRET_LEN {
            return Err(SecretProblem::WrongLength { chars });
        }
        if let Some(position) = text.chars().position(|c| !c.is_ascii_hexdigit()) {
            return Err(SecretProblem::NotHex {
                position: position + 1,
            });
        }
        let mut bytes = [0u8; SECRET_LEN];
        hex::decode_to_slice(text, &mut bytes)
            .map_err(|_| SecretProblem::NotHex { position: 0 })?;
        Ok(ClientSecret(bytes))
    }

    /// The secret as 64 lowercase hex characters, in a buffer that is wiped on drop.
    ///
    /// Only for writing the secret where it belongs (a `.env` file, `issue-client-key secret`).
    #[must_use]
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    /// The secret's public identifier: every token minted under the secret carries it, so it
    /// can be shown and logged to tell secrets apart.
    #[must_use]
    pub fn id(&self) -> SecretId {
        crate::token::keys::secret_id(self)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }
}

impl std::str::FromStr for ClientSecret {
    type Err = SecretProblem;

    /// [`ClientSecret::from_hex`].
    fn from_str(text: &str) -> Result<ClientSecret, SecretProblem> {
        ClientSecret::from_hex(text)
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

/// What is wrong with a secret's text (it is never repeated back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretProblem {
    /// The value is empty.
    Empty,
    /// The value starts or ends with whitespace.
    Whitespace,
    /// The value is wrapped in quotes that became part of it.
    Quoted,
    /// The value is not 64 characters long.
    WrongLength {
        /// How many characters it has.
        chars: usize,
    },
    /// A character is not a hexadecimal digit.
    NotHex {
        /// 1-based position of the first such character.
        position: usize,
    },
}

impl fmt::Display for SecretProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretProblem::Empty => f.write_str("is empty"),
            SecretProblem::Whitespace => f.write_str("has whitespace around it"),
            SecretProblem::Quoted => f.write_str("is wrapped in quotes that are part of the value"),
            SecretProblem::WrongLength { chars } => write!(f, "is {chars} characters long"),
            SecretProblem::NotHex { position } => {
                write!(
                    f,
                    "has a character that is not hexadecimal at position {position}"
                )
            }
        }
    }
}

impl std::error::Error for SecretProblem {}

/// Fills `buf` from the operating system's CSPRNG.
///
/// # Panics
/// If the operating system has no randomness to give: minting with a weak nonce or key id would
/// be worse than stopping.
pub(crate) fn os_random(buf: &mut [u8]) {
    #[allow(clippy::expect_used)]
    SysRng
        .try_fill_bytes(buf)
        .expect("the operating system's random number generator failed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_upper_and_lower_case() {
        let lower = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let upper = lower.to_uppercase();
        let a = ClientSecret::from_hex(lower).expect("lower");
        let b = ClientSecret::from_hex(&upper).expect("upper");
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_eq!(a.to_hex().as_str(), lower);
    }

    #[test]
    fn names_each_problem() {
        let good = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        assert_eq!(
            ClientSecret::from_hex("").unwrap_err(),
            SecretProblem::Empty
        );
        assert_eq!(
            ClientSecret::from_hex(&good[..63]).unwrap_err(),
            SecretProblem::WrongLength { chars: 63 }
        );
        assert_eq!(
            ClientSecret::from_hex(&format!("{good}0")).unwrap_err(),
            SecretProblem::WrongLength { chars: 65 }
        );
        assert_eq!(
            ClientSecret::from_hex(&format!(" {good}")).unwrap_err(),
            SecretProblem::Whitespace
        );
        assert_eq!(
            ClientSecret::from_hex(&format!("\"{good}\"")).unwrap_err(),
            SecretProblem::Quoted
        );
        assert_eq!(
            ClientSecret::from_hex(&format!("'{good}'")).unwrap_err(),
            SecretProblem::Quoted
        );
        let mut bad = good.to_string();
        bad.replace_range(10..11, "g");
        assert_eq!(
            ClientSecret::from_hex(&bad).unwrap_err(),
            SecretProblem::NotHex { position: 11 }
        );
        // Lengths and positions count characters, not bytes.
        let accented = format!("é{}", &good[1..]);
        assert_eq!(
            ClientSecret::from_hex(&accented).unwrap_err(),
            SecretProblem::NotHex { position: 1 }
        );
        let short = format!("é{}", &good[2..]);
        assert_eq!(
            ClientSecret::from_hex(&short).unwrap_err(),
            SecretProblem::WrongLength { chars: 63 }
        );
    }

    #[test]
    fn generated_secrets_differ() {
        let a = ClientSecret::generate();
        let b = ClientSecret::generate();
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_ne!(a.as_bytes(), &[0u8; SECRET_LEN]);
    }
}
