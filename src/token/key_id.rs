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

/// Feeds all 16 bytes to the hasher as one `u128`; the allowlist hashes it with a keyed folded
/// multiply, so ids that share a long prefix still land in different buckets.
impl Hash for KeyId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u128(u128::from_le_bytes(self.0));
    }
}

/// Builds [`KeyIdHasher`]s under one random key, drawn once per process from the OS.
///
/// Key ids minted by this tool are random, but an allowlist can also hold ids that were
/// imported, migrated or typed by hand, and those may share long prefixes; keying a hash of all
/// 16 bytes keeps every lookup one probe whatever the ids (a hash of the first 8 bytes alone
/// made 100,000 ids sharing them take seconds to load).
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyIdHashBuilder {
    key: [u64; 2],
}

impl Default for KeyIdHashBuilder {
    fn default() -> KeyIdHashBuilder {
        static KEY: std::sync::OnceLock<[u64; 2]> = std::sync::OnceLock::new();
        let key = *KEY.get_or_init(|| {
            let mut bytes = [0u8; 16];
            os_random(&mut bytes);
            let (a, b) = bytes.split_at(8);
            [
                u64::from_le_bytes(a.try_into().unwrap_or_default()),
                u64::from_le_bytes(b.try_into().unwrap_or_default()),
            ]
        });
        KeyIdHashBuilder { key }
    }
}

impl std::hash::BuildHasher for KeyIdHashBuilder {
    type Hasher = KeyIdHasher;

    fn build_hasher(&self) -> KeyIdHasher {
        KeyIdHasher {
            key: self.key,
            hash: 0,
        }
    }
}

/// A keyed folded multiply of the two halves of a key id, `(lo ^ k0) × (hi ^ k1)` with the 128
/// bits folded to 64, then one more folded multiply by a fixed odd constant so that the low
/// bits (which pick the bucket) depend on every bit of the id. Two multiplications, no
/// allocation. Not a cryptographic hash: it only keeps a hash table's probes short.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyIdHasher {
    key: [u64; 2],
    hash: u64,
}

/// The 128-bit product of `a` and `b`, its two halves xored together.
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    // Truncation on purpose: the low half.
    (product as u64) ^ ((product >> 64) as u64)
}

impl Hasher for KeyIdHasher {
    fn finish(&self) -> u64 {
        // The fractional digits of pi: any odd constant without structure would do.
        folded_multiply(self.hash, 0x243f_6a88_85a3_08d3)
    }

    fn write_u128(&mut self, n: u128) {
        // Truncations on purpose: the low and the high half of the id.
        let (lo, hi) = (n as u64, (n >> 64) as u64);
        self.hash ^= folded_multiply(lo ^ self.key[0], hi ^ self.key[1]);
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by `KeyId`; any other input still hashes correctly, 16 bytes at a time.
        for chunk in bytes.chunks(16) {
            let mut block = [0u8; 16];
            block[..chunk.len()].copy_from_slice(chunk);
            self.write_u128(u128::from_le_bytes(block));
        }
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
    fn ids_that_share_a_long_prefix_hash_apart() {
        use std::hash::BuildHasher;
        let builder = KeyIdHashBuilder::default();
        let mut hashes = std::collections::HashSet::new();
        let mut buckets = std::collections::HashSet::new();
        for i in 0..10_000u16 {
            // 14 bytes in common: only the last two differ.
            let mut bytes = [0xab; KEY_ID_LEN];
            bytes[14..].copy_from_slice(&i.to_be_bytes());
            let hash = builder.hash_one(KeyId::from_bytes(bytes));
            hashes.insert(hash);
            buckets.insert(hash & 0x3fff);
        }
        assert_eq!(hashes.len(), 10_000);
        // 10,000 ids over 16,384 buckets: about 7,600 distinct ones if the hash spreads them.
        assert!(buckets.len() > 7_000, "{} buckets", buckets.len());
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
