//! C2SP tlog-cosignature, cosignature/v1 with Ed25519: a witness's statement
//! that, at a given time, the checkpoint was the largest consistent tree
//! head it had seen for that log. The parties each run a witness, so a log
//! operator cannot show different histories to different parties.
//!
//! A cosignature line carries `key ID || timestamp (u64, big-endian) ||
//! Ed25519 signature` (76 bytes) over the message
//! `cosignature/v1\ntime <timestamp>\n<checkpoint note text>`.

use crate::note::{
    COSIGNATURE_V1_KEY_TYPE, KeyName, Note, NoteError, NoteSignature, VerifierKey, key_id, parse_private_key,
    private_key_text, random_seed,
};
use ed25519_dalek::{Signer as _, SigningKey};
use std::str::FromStr;

/// The largest timestamp a cosignature may carry (2^63 - 1).
pub const TIMESTAMP_MAX: u64 = i64::MAX as u64;
const SIGNATURE_BYTES: usize = 8 + 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error("the key {0} is not a cosignature/v1 key (type 0x04)")]
    NotACosignerKey(String),
    #[error("the note carries no cosignature by {0}")]
    Missing(String),
    #[error("the cosignature by {name} is {found} bytes where 72 follow the key ID")]
    WrongLength { name: String, found: usize },
    #[error("the cosignature by {name} has timestamp {timestamp}, beyond 2^63 - 1")]
    TimestampTooLarge { name: String, timestamp: u64 },
    #[error("the cosignature by {name} does not verify")]
    Invalid { name: String },
}

/// The message a cosigner signs.
pub fn cosigned_message(timestamp: u64, checkpoint_text: &str) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}")
}

/// A witness's private key for cosignature/v1. Its text form follows the
/// signed-note signer keys with the cosignature's key type:
/// `PRIVATE+KEY+name+hex(key ID)+base64(0x04 || seed)`.
pub struct Cosigner {
    name: KeyName,
    key: SigningKey,
}

impl Cosigner {
    pub fn from_seed(name: KeyName, seed: [u8; 32]) -> Cosigner {
        Cosigner {
            name,
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// A fresh key from the operating system's random source.
    pub fn generate(name: KeyName) -> Cosigner {
        Cosigner::from_seed(name, random_seed())
    }

    pub fn name(&self) -> &KeyName {
        &self.name
    }

    pub fn verifier(&self) -> VerifierKey {
        VerifierKey::new(self.name.clone(), COSIGNATURE_V1_KEY_TYPE, self.key.verifying_key())
    }

    /// Cosigns a checkpoint's note text at `timestamp` (POSIX seconds).
    pub fn cosign(&self, checkpoint_text: &str, timestamp: u64) -> NoteSignature {
        let message = cosigned_message(timestamp, checkpoint_text);
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(&self.key.sign(message.as_bytes()).to_bytes());
        NoteSignature {
            name: self.name.to_string(),
            key_id: key_id(&self.name, COSIGNATURE_V1_KEY_TYPE, self.key.verifying_key().as_bytes()),
            signature,
        }
    }

    /// The private key in text form. Keep it secret: it is the witness's identity.
    pub fn to_secret_string(&self) -> String {
        private_key_text(
            &self.name,
            self.verifier().id(),
            COSIGNATURE_V1_KEY_TYPE,
            self.key.as_bytes(),
        )
    }
}

impl FromStr for Cosigner {
    type Err = NoteError;

    fn from_str(text: &str) -> Result<Cosigner, NoteError> {
        let (name, seed) = parse_private_key(text.trim_end(), COSIGNATURE_V1_KEY_TYPE, |name, seed| {
            Cosigner::from_seed(name.clone(), *seed).verifier().id()
        })?;
        Ok(Cosigner::from_seed(name, seed))
    }
}

/// Finds and verifies the cosignature of `cosigner` on `note`, returning its timestamp.
pub fn verify_cosignature(note: &Note, cosigner: &VerifierKey) -> Result<u64, CosignatureError> {
    let name = cosigner.name().to_string();
    if cosigner.key_type() != COSIGNATURE_V1_KEY_TYPE {
        return Err(CosignatureError::NotACosignerKey(name));
    }
    let line = note
        .signatures()
        .iter()
        .find(|line| line.name == name && line.key_id == cosigner.id())
        .ok_or_else(|| CosignatureError::Missing(name.clone()))?;
    if line.signature.len() != SIGNATURE_BYTES {
        return Err(CosignatureError::WrongLength {
            name,
            found: line.signature.len(),
        });
    }
    let (timestamp_bytes, signature) = line.signature.split_at(8);
    let timestamp = u64::from_be_bytes(timestamp_bytes.try_into().expect("8 bytes"));
    if timestamp > TIMESTAMP_MAX {
        return Err(CosignatureError::TimestampTooLarge { name, timestamp });
    }
    let message = cosigned_message(timestamp, note.text());
    if !cosigner.verifies(message.as_bytes(), signature) {
        return Err(CosignatureError::Invalid { name });
    }
    Ok(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cosigner_key_reads_back_from_its_text_and_nothing_else_does() {
        let cosigner = Cosigner::from_seed(KeyName::parse("witness.example/afg").unwrap(), [3; 32]);
        let text = cosigner.to_secret_string();
        let back: Cosigner = text.parse().unwrap();
        assert_eq!(back.verifier().to_string(), cosigner.verifier().to_string());
        let note_signer = crate::note::SignerKey::from_seed(KeyName::parse("witness.example/afg").unwrap(), [3; 32]);
        assert!(
            note_signer.to_secret_string().parse::<Cosigner>().is_err(),
            "a log's key is not a cosigner's"
        );
        let changed_id = text.replacen(&format!("{:08x}", cosigner.verifier().id()), "00000000", 1);
        assert!(changed_id.parse::<Cosigner>().is_err());
    }
}
