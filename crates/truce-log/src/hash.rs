//! RFC 9162 hashing: the leaf and node prefixes and the 32-byte [`Hash`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use std::fmt;

/// Length in bytes of every hash in the log (SHA-256).
pub const HASH_BYTES: usize = 32;

/// A SHA-256 hash. Every hash in the tree, every root and every proof element
/// has exactly this length; a value of any other length never becomes a `Hash`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_BYTES]);

/// Why bytes or text could not become a [`Hash`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashDecodeError {
    #[error("a hash must be {HASH_BYTES} bytes, found {0}")]
    WrongLength(usize),
    #[error("a hash must be standard base64: {0}")]
    NotBase64(String),
}

impl Hash {
    /// The root of the empty tree: SHA-256 of no bytes (RFC 9162, 2.1.1).
    pub fn empty_tree_root() -> Hash {
        Hash(Sha256::digest([]).into())
    }

    pub fn from_slice(bytes: &[u8]) -> Result<Hash, HashDecodeError> {
        let array: [u8; HASH_BYTES] = bytes
            .try_into()
            .map_err(|_| HashDecodeError::WrongLength(bytes.len()))?;
        Ok(Hash(array))
    }

    /// Parses standard base64 (with padding), the encoding of checkpoints and of the JSON API.
    pub fn from_base64(text: &str) -> Result<Hash, HashDecodeError> {
        let bytes = BASE64
            .decode(text)
            .map_err(|error| HashDecodeError::NotBase64(error.to_string()))?;
        Hash::from_slice(&bytes)
    }

    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; HASH_BYTES] {
        &self.0
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

/// The hash of a leaf: SHA-256(0x00 || entry) (RFC 9162, 2.1.1).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    Hash(hasher.finalize().into())
}

/// The hash of an interior node: SHA-256(0x01 || left || right) (RFC 9162, 2.1.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut input = [0u8; 1 + 2 * HASH_BYTES];
    input[0] = 0x01;
    input[1..1 + HASH_BYTES].copy_from_slice(&left.0);
    input[1 + HASH_BYTES..].copy_from_slice(&right.0);
    Hash(Sha256::digest(input).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_root_is_sha256_of_nothing() {
        assert_eq!(
            Hash::empty_tree_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_hash_of_empty_entry_matches_rfc_vector() {
        // The first of the RFC 6962 test leaves of transparency-dev/merkle.
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn hashes_of_other_lengths_are_refused() {
        assert_eq!(Hash::from_slice(&[0; 31]), Err(HashDecodeError::WrongLength(31)));
        assert_eq!(
            Hash::from_base64("ZG9uJ3QgY2FyZSAy"),
            Err(HashDecodeError::WrongLength(12))
        );
        assert!(matches!(
            Hash::from_base64("not base64!"),
            Err(HashDecodeError::NotBase64(_))
        ));
    }
}
