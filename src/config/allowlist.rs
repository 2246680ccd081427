//! `CLIENT_KEYS`: the allowlist of key ids that may authenticate.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use crate::token::key_id::{KeyId, KeyIdHashBuilder};

/// The parsed `CLIENT_KEYS` allowlist.
///
/// The text is comma-separated; whitespace around entries is trimmed and empty entries are
/// ignored, so `"a1…, b2…,"` is two ids. Entries of 32 hex characters (either case) are key ids
/// minted by this tool; any other non-empty entry (such as `another-key` from an older
/// deployment) is kept as given and reported by [`Allowlist::legacy_entries`]: no token of this
/// format can carry it. A lookup is one hash probe whatever the number of ids.
///
/// ```
/// use client_keys::{Allowlist, KeyId};
///
/// let list: Allowlist = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e, another-key,".parse().unwrap();
/// assert_eq!(list.len(), 2);
/// assert!(list.contains(&"3F2A9C1E5B7D4F6A8C0E2B4D6F8A1C3E".parse::<KeyId>()?));
/// assert!(list.contains_entry("another-key"));
/// # Ok::<(), client_keys::InvalidKeyId>(())
/// ```
#[derive(Clone, Default)]
pub struct Allowlist {
    ids: HashSet<KeyId, KeyIdHashBuilder>,
    legacy: HashSet<Box<str>>,
    duplicates: usize,
}

impl Allowlist {
    /// Parses the text of `CLIENT_KEYS`. Every text is a valid allowlist.
    #[must_use]
    pub fn parse(text: &str) -> Allowlist {
        let mut list = Allowlist::default();
        for entry in entries(text) {
            let new = match entry.parse::<KeyId>() {
                Ok(id) => list.ids.insert(id),
                Err(_) => list.legacy.insert(entry.into()),
            };
            list.duplicates += usize::from(!new);
        }
        list
    }

    /// Whether `key_id` may authenticate.
    #[inline]
    #[must_use]
    pub fn contains(&self, key_id: &KeyId) -> bool {
        self.ids.contains(key_id)
    }

    /// Whether the entry `text` (a key id in either case, or any other id) is listed.
    #[must_use]
    pub fn contains_entry(&self, text: &str) -> bool {
        let text = text.trim();
        match text.parse::<KeyId>() {
            Ok(id) => self.ids.contains(&id),
            Err(_) => self.legacy.contains(text),
        }
    }

    /// Number of distinct entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len() + self.legacy.len()
    }

    /// Whether no entry is listed (every token is refused).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries repeat an earlier one.
    #[must_use]
    pub fn duplicates(&self) -> usize {
        self.duplicates
    }

    /// Entries that are not key ids of this format, sorted.
    #[must_use]
    pub fn legacy_entries(&self) -> Vec<&str> {
        let mut legacy: Vec<&str> = self.legacy.iter().map(AsRef::as_ref).collect();
        legacy.sort_unstable();
        legacy
    }
}

/// The trimmed, non-empty entries of a `CLIENT_KEYS` text, in order.
pub(crate) fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|e| !e.is_empty())
}

impl FromStr for Allowlist {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Allowlist, Self::Err> {
        Ok(Allowlist::parse(text))
    }
}

impl fmt::Debug for Allowlist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Allowlist")
            .field("key_ids", &self.ids.len())
            .field("legacy", &self.legacy.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e";
    const B: &str = "00000000000000000000000000000001";

    #[test]
    fn trims_ignores_empty_and_counts_duplicates() {
        let list = Allowlist::parse(&format!(" {A} ,, {B},another-key, {},", A.to_uppercase()));
        assert_eq!(list.len(), 3);
        assert_eq!(list.duplicates(), 1);
        assert!(list.contains(&A.parse().expect("id")));
        assert!(list.contains(&B.parse().expect("id")));
        assert!(list.contains_entry("another-key"));
        assert!(!list.contains_entry("another"));
        assert_eq!(list.legacy_entries(), ["another-key"]);
        assert!(!list.contains(&KeyId::generate()));
    }

    #[test]
    fn empty_text_is_an_empty_list() {
        for text in ["", " ", ",", " , ,"] {
            assert!(Allowlist::parse(text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn ids_that_share_their_first_half_are_distinct() {
        let a: KeyId = "0102030405060708aaaaaaaaaaaaaaaa".parse().expect("id");
        let b: KeyId = "0102030405060708bbbbbbbbbbbbbbbb".parse().expect("id");
        let list = Allowlist::parse(&a.to_string());
        assert!(list.contains(&a));
        assert!(!list.contains(&b));
    }
}
