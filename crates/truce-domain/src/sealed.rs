//! Sealed fields: what must never reach the public log (who submitted a
//! report, a protected source). The log carries only a salted SHA-256
//! commitment; the plaintext is stored apart, shown to the roles cleared for
//! it, who can check it against the commitment. The salt makes the
//! commitment useless for guessing a short name.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitter_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected_source: Option<String>,
}

impl SealedFields {
    pub fn is_empty(&self) -> bool {
        self.submitter_identity.is_none() && self.protected_source.is_none()
    }

    /// The canonical bytes the commitment covers.
    pub fn plaintext(&self) -> String {
        serde_json::to_string(self).expect("strings serialize")
    }
}

/// `hex(SHA-256(salt || plaintext))`.
pub fn commitment(salt: &[u8; 32], plaintext: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(plaintext.as_bytes());
    hex::encode(hasher.finalize())
}

/// Whether `plaintext` with `salt` is what `commitment` committed to.
pub fn opens(commitment_hex: &str, salt: &[u8; 32], plaintext: &str) -> bool {
    commitment(salt, plaintext) == commitment_hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commitment_opens_only_with_its_salt_and_plaintext() {
        let fields = SealedFields {
            submitter_identity: Some("Maj. A. Khan".into()),
            protected_source: None,
        };
        let salt = [7u8; 32];
        let sealed = commitment(&salt, &fields.plaintext());
        assert!(opens(&sealed, &salt, &fields.plaintext()));
        assert!(!opens(&sealed, &[8u8; 32], &fields.plaintext()));
        assert!(!opens(&sealed, &salt, r#"{"submitter_identity":"Maj. B. Khan"}"#));
    }
}
