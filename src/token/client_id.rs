//! Who a verified token belongs to: a key id of this tool, or an id of a Trivial deployment.

use std::fmt;

use crate::token::TokenKind;
use crate::token::key_id::KeyId;

/// The longest legacy id accepted, in bytes (Trivial's are 30 hex characters).
pub const MAX_LEGACY_ID_LEN: usize = 64;

/// The identity of a verified token, as listed in `CLIENT_KEYS`: a [`KeyId`] minted by this
/// tool or, for a Trivial JWT accepted during a migration (`CLIENT_SECRET_LEGACY`), the id
/// Trivial listed. It displays as the text in `CLIENT_KEYS`, and compares equal to
/// the [`KeyId`] it holds. Cloning the id of a key of this tool copies 16 bytes.
///
/// ```
/// use client_keys::{ClientId, KeyId};
///
/// let id: KeyId = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e".parse()?;
/// let client = ClientId::Key(id);
/// assert_eq!(client, id);
/// assert_eq!(client.to_string(), "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e");
/// assert_eq!(client.as_key_id(), Some(id));
/// assert!(!client.is_legacy());
/// # Ok::<(), client_keys::InvalidKeyId>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum ClientId {
    /// A key id minted by this tool.
    Key(KeyId),
    /// The id of a Trivial client key (a legacy JWT's `key_id`).
    Legacy(LegacyId),
}

impl ClientId {
    /// The key id, unless this is a legacy id.
    #[must_use]
    pub fn as_key_id(&self) -> Option<KeyId> {
        match self {
            ClientId::Key(id) => Some(*id),
            ClientId::Legacy(_) => None,
        }
    }

    /// The name of the kind of a token of this id, as logs, headers and JSON give it:
    /// [`TokenKind::name`], or `legacy_client_key` for a Trivial token.
    #[must_use]
    pub fn kind_name(&self, kind: TokenKind) -> &'static str {
        if self.is_legacy() {
            "legacy_client_key"
        } else {
            kind.name()
        }
    }

    /// Whether this is the id of a Trivial client key.
    #[must_use]
    pub const fn is_legacy(&self) -> bool {
        matches!(self, ClientId::Legacy(_))
    }
}

impl From<KeyId> for ClientId {
    fn from(id: KeyId) -> ClientId {
        ClientId::Key(id)
    }
}

impl PartialEq<KeyId> for ClientId {
    fn eq(&self, other: &KeyId) -> bool {
        self.as_key_id() == Some(*other)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientId::Key(id) => id.fmt(f),
            ClientId::Legacy(id) => f.write_str(id.as_str()),
        }
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientId::Key(id) => id.fmt(f),
            ClientId::Legacy(id) => write!(f, "LegacyId({:?})", id.as_str()),
        }
    }
}

/// The id of a Trivial client key: 1 to [`MAX_LEGACY_ID_LEN`] visible ASCII characters other
/// than `,` (what a `CLIENT_KEYS` entry can be).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LegacyId(Box<str>);

impl LegacyId {
    /// `text` as a legacy id, if it can be one.
    #[must_use]
    pub fn new(text: &str) -> Option<LegacyId> {
        let valid = (1..=MAX_LEGACY_ID_LEN).contains(&text.len())
            && text
                .bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && b != b',');
        valid.then(|| LegacyId(text.into()))
    }

    /// The id as listed in `CLIENT_KEYS`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LegacyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LegacyId({:?})", self.as_str())
    }
}

impl fmt::Display for LegacyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_ids_are_what_a_client_keys_entry_can_be() {
        let trivial = "0123456789abcdef0123456789abcd";
        let id = LegacyId::new(trivial).expect("an id");
        assert_eq!(id.as_str(), trivial);
        let client = ClientId::Legacy(id);
        assert_eq!(client.to_string(), trivial);
        assert!(client.is_legacy());
        assert_eq!(client.as_key_id(), None);
        assert!(LegacyId::new(&"x".repeat(MAX_LEGACY_ID_LEN)).is_some());
        for bad in [
            "",
            "a b",
            "a,b",
            "caf\u{e9}",
            "tab\t",
            &"x".repeat(MAX_LEGACY_ID_LEN + 1),
        ] {
            assert!(LegacyId::new(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_key_id_compares_and_displays_as_itself() {
        let key = KeyId::generate();
        assert_eq!(ClientId::from(key), key);
        assert_eq!(ClientId::from(key).to_string(), key.to_string());
        let legacy = ClientId::Legacy(LegacyId::new("another-key").expect("an id"));
        assert_ne!(legacy, key);
    }
}
