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
    lower_hex(&hasher.finalize().into())
}

/// 32 bytes as 64 lower-case hex digits (a commitment is made for every
/// group of every event: `hex::encode`'s iterator of chars showed in the
/// import's profile).
pub fn lower_hex(bytes: &[u8; 32]) -> String {
    let mut digits = [0u8; 64];
    hex::encode_to_slice(bytes, &mut digits).expect("64 digits for 32 bytes");
    String::from_utf8(digits.to_vec()).expect("hex digits are ASCII")
}

/// A commitment's salt: 32 random bytes, written as 64 lower-case hex
/// digits wherever it is read (an opening served, a `disclosed` event). A
/// text that is not one is refused when read, not when checked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Salt(pub [u8; 32]);

impl Serialize for Salt {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&lower_hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Salt {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Salt, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Salt::parse(&text).ok_or_else(|| serde::de::Error::custom("a salt is 64 lower-case hex digits (32 bytes)"))
    }
}

impl Salt {
    /// The salt written as `text`, if it is 64 lower-case hex digits.
    pub fn parse(text: &str) -> Option<Salt> {
        if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Salt(bytes))
    }
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

    #[test]
    fn a_salt_is_read_only_as_64_lower_case_hex_digits() {
        let salt = Salt([0xab; 32]);
        let text = serde_json::to_string(&salt).unwrap();
        assert_eq!(text, format!("\"{}\"", "ab".repeat(32)));
        assert_eq!(serde_json::from_str::<Salt>(&text).unwrap(), salt);
        for bad in [
            "AB".repeat(32),
            "ab".repeat(31),
            "ab".repeat(33),
            format!("{}zz", "ab".repeat(31)),
        ] {
            let error = serde_json::from_str::<Salt>(&format!("\"{bad}\"")).unwrap_err();
            assert!(error.to_string().contains("64 lower-case hex digits"), "{bad}: {error}");
        }
        assert_eq!(lower_hex(&[0x0f; 32]), "0f".repeat(32));
    }
}
