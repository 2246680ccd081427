//! The `key_id`: 16 random bytes naming one client key in `CLIENT_KEYS`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::token::secret::os_random;

/// Length of a key id in bytes (shown as 32 lowercase hex characters).
pub const KEY_ID_LEN: usize = 16;

/// The identifier of one client key: 16 random bytes, written as 32 lowercase hex characters.
///
/// A key id is not a credential (it only names a key in the `CLIENT_KEYS` allowlist), so it has
/// a `Display` and can be logged.
///
/// ```
/// use client_keys::KeyId;
///
/// let id: KeyId = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e".parse()?;
/// assert_eq!(id.to_string(), "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e");
/// # Ok::<(), client_keys::InvalidKeyId>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyId([u8; KEY_ID_LEN]);

impl KeyId {
    /// Draws a fresh key id from the operating system's CSPRNG.
    #[must_use]
    pub fn generate() -> KeyId {
        let mut bytes = [0u8; KEY_ID_LEN];
        os_random(&mut bytes);
        KeyId(bytes)
    }

    /// Wraps 16 raw bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; KEY_ID_LEN]) -> KeyId {
        KeyId(bytes)
    }

    /// The 16 raw bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }

    /// The 32 lowercase hex characters, without allocating.
    pub(crate) fn hex(&self) -> [u8; 2 * KEY_ID_LEN] {
        let mut out = [0u8; 2 * KEY_ID_LEN];
        // Cannot fail: the output is exactly twice the input.
        let _ = hex::encode_to_slice(self.0, &mut out);
        out
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        // The buffer holds only ASCII hex digits.
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// Hashes the first eight bytes only: key ids are uniformly random, and the ones looked up on
/// the hot path come out of an authenticated decryption, so an attacker cannot choose them.
/// Paired with the crate's identity hasher this makes an allowlist lookup one multiply-free probe.
impl Hash for KeyId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut first = [0u8; 8];
        first.copy_from_slice(&self.0[..8]);
        state.write_u64(u64::from_le_bytes(first));
    }
}

/// A hasher that passes a `u64` through: only for [`KeyId`] (see its `Hash`).
#[derive(Default, Clone, Copy, Debug)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by `KeyId`; fold any other input so the hasher stays correct.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The text is not a key id (32 hex characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidKeyId;

impl fmt::Display for InvalidKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key id is 32 hexadecimal characters")
    }
}

impl std::error::Error for InvalidKeyId {}

impl FromStr for KeyId {
    type Err = InvalidKeyId;

    /// Parses 32 hex characters (either case).
    fn from_str(text: &str) -> Result<KeyId, InvalidKeyId> {
        let mut bytes = [0u8; KEY_ID_LEN];
        if text.len() != 2 * KEY_ID_LEN {
            return Err(InvalidKeyId);
        }
        hex::decode_to_slice(text, &mut bytes).map_err(|_| InvalidKeyId)?;
        Ok(KeyId(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_case() {
        let id = KeyId::generate();
        let text = id.to_string();
        assert_eq!(text.len(), 32);
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(text.parse::<KeyId>(), Ok(id));
        assert_eq!(text.to_uppercase().parse::<KeyId>(), Ok(id));
        assert_eq!(format!("{id:?}"), format!("KeyId({text})"));
    }

    #[test]
    fn rejects_other_text() {
        for bad in [
            "",
            "another-key",
            "3f2a",
            &"0".repeat(31),
            &"0".repeat(33),
            &"g".repeat(32),
        ] {
            assert_eq!(bad.parse::<KeyId>(), Err(InvalidKeyId), "{bad:?}");
        }
    }
}
