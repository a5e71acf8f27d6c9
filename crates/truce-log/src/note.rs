//! C2SP signed notes with Ed25519 keys: key names and IDs, the verifier and
//! signer key encodings, and notes (text, a blank line, signature lines).
//!
//! The rules follow c2sp.org/signed-note and the Go reference
//! (golang.org/x/mod/sumdb/note): a key name is non-empty UTF-8 without
//! whitespace or `+`; a key ID is the first four bytes of
//! SHA-256(name || "\n" || type || public key); a signature line is
//! `— <name> <base64(key ID || signature)>`; the note splits at its last
//! blank line.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The signature type byte of an Ed25519 note signature.
pub const ED25519_KEY_TYPE: u8 = 0x01;
/// The signature type byte of a C2SP cosignature/v1 (see [`crate::cosignature`]).
pub const COSIGNATURE_V1_KEY_TYPE: u8 = 0x04;
/// Notes with more signature lines than this are refused, as in the Go reference.
pub const SIGNATURES_MAX: usize = 100;
/// The start of every signature line: an em dash (U+2014) and a space.
pub const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// Why a key, a note or a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("key name {0:?} is empty or holds whitespace or '+'")]
    InvalidKeyName(String),
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),
    #[error("malformed signer key: {0}")]
    MalformedSignerKey(&'static str),
    #[error("malformed note: {0}")]
    MalformedNote(String),
    #[error("the signature by {name} (key ID {key_id:08x}) does not verify")]
    InvalidSignature { name: String, key_id: u32 },
    #[error("the note has no signature from a trusted key")]
    NoTrustedSignature,
}

/// The name of a key: non-empty UTF-8 without whitespace or `+`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyName(String);

impl KeyName {
    pub fn parse(name: &str) -> Result<KeyName, NoteError> {
        let valid = !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+');
        if valid {
            Ok(KeyName(name.to_string()))
        } else {
            Err(NoteError::InvalidKeyName(name.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key ID: the first four bytes of SHA-256(name || "\n" || type || public key).
pub fn key_id(name: &KeyName, key_type: u8, public_key: &[u8]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_str().as_bytes());
    hasher.update(b"\n");
    hasher.update([key_type]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A public key that verifies note signatures, with its name, type and ID.
/// Its text form is `name+hex(key ID)+base64(type || public key)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: KeyName,
    key_type: u8,
    key: VerifyingKey,
    id: u32,
}

impl VerifierKey {
    pub fn new(name: KeyName, key_type: u8, key: VerifyingKey) -> VerifierKey {
        let id = key_id(&name, key_type, key.as_bytes());
        VerifierKey {
            name,
            key_type,
            key,
            id,
        }
    }

    pub fn name(&self) -> &KeyName {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn key_type(&self) -> u8 {
        self.key_type
    }

    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether this key made `signature` (the bytes after the key ID) over `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify_strict(message, &signature).is_ok()
    }
}

impl FromStr for VerifierKey {
    type Err = NoteError;

    fn from_str(text: &str) -> Result<VerifierKey, NoteError> {
        let bad = NoteError::MalformedVerifierKey;
        // The base64 key may itself hold '+': split at the first two only.
        let (name, rest) = text.split_once('+').ok_or(bad("expected name+keyid+key"))?;
        let (id_hex, key_b64) = rest.split_once('+').ok_or(bad("expected name+keyid+key"))?;
        let name = KeyName::parse(name)?;
        let id = parse_key_id(id_hex).ok_or(bad("the key ID is not 8 lowercase hex digits"))?;
        let key_bytes = BASE64
            .decode(key_b64)
            .map_err(|_| bad("the key is not standard base64"))?;
        let (&key_type, public_key) = key_bytes.split_first().ok_or(bad("the key is empty"))?;
        if key_type != ED25519_KEY_TYPE && key_type != COSIGNATURE_V1_KEY_TYPE {
            return Err(bad("unknown key type"));
        }
        let public_key: [u8; 32] = public_key.try_into().map_err(|_| bad("an Ed25519 key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&public_key).map_err(|_| bad("not an Ed25519 public key"))?;
        let verifier = VerifierKey::new(name, key_type, key);
        if verifier.id != id {
            return Err(bad("the key ID does not match the name and key"));
        }
        Ok(verifier)
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut key = vec![self.key_type];
        key.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.id, BASE64.encode(key))
    }
}

fn parse_key_id(text: &str) -> Option<u32> {
    let lower_hex = text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    lower_hex.then(|| u32::from_str_radix(text, 16).ok()).flatten()
}

/// A private Ed25519 key that signs notes. Its text form, as in the Go
/// reference, is `PRIVATE+KEY+name+hex(key ID)+base64(0x01 || seed)`.
#[derive(Clone)]
pub struct SignerKey {
    name: KeyName,
    key: SigningKey,
    id: u32,
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignerKey({}+{:08x})", self.name, self.id)
    }
}

impl SignerKey {
    pub fn from_seed(name: KeyName, seed: [u8; 32]) -> SignerKey {
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(&name, ED25519_KEY_TYPE, key.verifying_key().as_bytes());
        SignerKey { name, key, id }
    }

    /// A fresh key from the operating system's random source.
    pub fn generate(name: KeyName) -> SignerKey {
        SignerKey::from_seed(name, random_seed())
    }

    pub fn name(&self) -> &KeyName {
        &self.name
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn verifier(&self) -> VerifierKey {
        VerifierKey::new(self.name.clone(), ED25519_KEY_TYPE, self.key.verifying_key())
    }

    pub fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// The private key in text form. Keep it secret: it is the log's identity.
    pub fn to_secret_string(&self) -> String {
        private_key_text(&self.name, self.id, ED25519_KEY_TYPE, self.key.as_bytes())
    }
}

/// A fresh Ed25519 seed from the operating system's random source.
pub(crate) fn random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    seed
}

/// A private key's text form: `PRIVATE+KEY+name+hex(key ID)+base64(type || seed)`.
pub(crate) fn private_key_text(name: &KeyName, id: u32, key_type: u8, seed: &[u8; 32]) -> String {
    let mut key = vec![key_type];
    key.extend_from_slice(seed);
    format!("PRIVATE+KEY+{name}+{id:08x}+{}", BASE64.encode(key))
}

/// Reads a private key's text form written by [`private_key_text`] for a
/// key of `key_type`, and checks its key ID against its name and key.
pub(crate) fn parse_private_key(
    text: &str,
    key_type: u8,
    id_of: impl FnOnce(&KeyName, &[u8; 32]) -> u32,
) -> Result<(KeyName, [u8; 32]), NoteError> {
    let bad = NoteError::MalformedSignerKey;
    let shape = "expected PRIVATE+KEY+name+keyid+key";
    let rest = text.strip_prefix("PRIVATE+KEY+").ok_or(bad(shape))?;
    // The base64 key may itself hold '+': split at the first two only.
    let (name, rest) = rest.split_once('+').ok_or(bad(shape))?;
    let (id_hex, key_b64) = rest.split_once('+').ok_or(bad(shape))?;
    let name = KeyName::parse(name)?;
    let id = parse_key_id(id_hex).ok_or(bad("the key ID is not 8 lowercase hex digits"))?;
    let key_bytes = BASE64
        .decode(key_b64)
        .map_err(|_| bad("the key is not standard base64"))?;
    let (&found_type, seed) = key_bytes.split_first().ok_or(bad("the key is empty"))?;
    if found_type != key_type {
        return Err(bad("unknown key type"));
    }
    let seed: [u8; 32] = seed.try_into().map_err(|_| bad("an Ed25519 seed is 32 bytes"))?;
    if id_of(&name, &seed) != id {
        return Err(bad("the key ID does not match the name and key"));
    }
    Ok((name, seed))
}

impl FromStr for SignerKey {
    type Err = NoteError;

    fn from_str(text: &str) -> Result<SignerKey, NoteError> {
        let (name, seed) = parse_private_key(text, ED25519_KEY_TYPE, |name, seed| {
            SignerKey::from_seed(name.clone(), *seed).id
        })?;
        Ok(SignerKey::from_seed(name, seed))
    }
}

/// One signature line of a note, not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears in a note, without its newline.
    pub fn line(&self) -> String {
        let mut bytes = self.key_id.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        format!("{SIGNATURE_LINE_PREFIX}{} {}", self.name, BASE64.encode(bytes))
    }
}

/// A signed note, parsed but not yet trusted: its text (ending in a newline)
/// and its signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// Parses a note, refusing every malformed form: invalid UTF-8, ASCII
    /// control characters other than newline, no blank line before the
    /// signatures, a signature block that does not end in a newline, a line
    /// without the em dash, a bad key name, a signature that is not base64 or
    /// is shorter than five bytes, or more than [`SIGNATURES_MAX`] lines.
    pub fn parse(message: &[u8]) -> Result<Note, NoteError> {
        let malformed = |why: &str| NoteError::MalformedNote(why.to_string());
        let message = std::str::from_utf8(message).map_err(|_| malformed("not valid UTF-8"))?;
        if message.chars().any(|c| c < ' ' && c != '\n') {
            return Err(malformed("holds an ASCII control character other than newline"));
        }
        let split = message
            .rfind("\n\n")
            .ok_or(malformed("no blank line before the signatures"))?;
        let (text, signature_block) = (&message[..split + 1], &message[split + 2..]);
        if signature_block.is_empty() || !signature_block.ends_with('\n') {
            return Err(malformed("the signature block is empty or does not end in a newline"));
        }
        let lines: Vec<&str> = signature_block[..signature_block.len() - 1].split('\n').collect();
        if lines.len() > SIGNATURES_MAX {
            return Err(malformed("more than 100 signatures"));
        }
        let signatures = lines
            .iter()
            .map(|line| parse_signature_line(line))
            .collect::<Result<_, _>>()?;
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Checks the signatures by the trusted Ed25519 `keys`: any such signature
    /// that fails is an error, and at least one must be present. Signatures by
    /// other keys are ignored, as the spec asks.
    pub fn verify(&self, keys: &[VerifierKey]) -> Result<Vec<VerifierKey>, NoteError> {
        let mut verified: Vec<VerifierKey> = Vec::new();
        for signature in &self.signatures {
            let key = keys.iter().find(|key| {
                key.key_type == ED25519_KEY_TYPE && key.name.as_str() == signature.name && key.id == signature.key_id
            });
            let Some(key) = key else { continue };
            if !key.verifies(self.text.as_bytes(), &signature.signature) {
                return Err(NoteError::InvalidSignature {
                    name: signature.name.clone(),
                    key_id: signature.key_id,
                });
            }
            if !verified.contains(key) {
                verified.push(key.clone());
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoTrustedSignature);
        }
        Ok(verified)
    }

    /// Signs `text` (which must be a valid note text: see [`check_note_text`]).
    pub fn sign(text: &str, signer: &SignerKey) -> Result<Note, NoteError> {
        check_note_text(text)?;
        let signature = NoteSignature {
            name: signer.name.to_string(),
            key_id: signer.id,
            signature: signer.sign_bytes(text.as_bytes()).to_vec(),
        };
        Ok(Note {
            text: text.to_string(),
            signatures: vec![signature],
        })
    }

    /// Adds a signature line, such as a witness's cosignature.
    pub fn add_signature(&mut self, signature: NoteSignature) {
        self.signatures.push(signature);
    }

    /// The note as sent: text, a blank line, one line per signature.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.line());
            out.push('\n');
        }
        out
    }
}

/// A note text is non-empty, ends in a newline and holds no ASCII control
/// character other than newline.
pub fn check_note_text(text: &str) -> Result<(), NoteError> {
    let malformed = |why: &str| Err(NoteError::MalformedNote(why.to_string()));
    if !text.ends_with('\n') {
        return malformed("the text must end in a newline");
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return malformed("the text holds an ASCII control character other than newline");
    }
    Ok(())
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, NoteError> {
    let malformed = |why: &str| NoteError::MalformedNote(format!("signature line {line:?}: {why}"));
    let rest = line
        .strip_prefix(SIGNATURE_LINE_PREFIX)
        .ok_or(malformed("does not start with an em dash and a space"))?;
    let (name, encoded) = rest
        .split_once(' ')
        .ok_or(malformed("no space between name and signature"))?;
    KeyName::parse(name).map_err(|_| malformed("invalid key name"))?;
    let bytes = BASE64
        .decode(encoded)
        .map_err(|_| malformed("the signature is not standard base64"))?;
    if encoded.is_empty() || bytes.len() < 5 {
        return Err(malformed("the signature is shorter than a key ID and one byte"));
    }
    Ok(NoteSignature {
        name: name.to_string(),
        key_id: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        signature: bytes[4..].to_vec(),
    })
}
