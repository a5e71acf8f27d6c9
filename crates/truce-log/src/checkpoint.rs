//! C2SP tlog-checkpoint: the note text that commits a log to a tree size and
//! root, `origin\nsize\nbase64(root)\n` followed by optional extension lines.

use crate::hash::Hash;
use crate::note::{Note, NoteError, SignerKey, VerifierKey, check_note_text};

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    #[error("the checkpoint is for origin {found:?}, not {expected:?}")]
    WrongOrigin { found: String, expected: String },
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// The body of a checkpoint. The origin identifies the log; by convention it
/// is also the name of the log's signing key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Extension lines, each non-empty, in order.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: origin, size and root on three lines, then the extensions.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, self.root.to_base64());
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Parses a checkpoint body, refusing an empty origin, a size that is not
    /// canonical decimal (no sign, no leading zero), a root that is not the
    /// standard base64 of 32 bytes, an empty extension line, or a text that does
    /// not end in a newline.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let malformed = CheckpointError::Malformed;
        check_note_text(text)
            .map_err(|_| malformed("the text must end in a newline and hold no control characters"))?;
        let mut lines = text[..text.len() - 1].split('\n');
        let origin = lines
            .next()
            .filter(|origin| !origin.is_empty())
            .ok_or(malformed("empty origin line"))?;
        let size_text = lines.next().ok_or(malformed("no tree size line"))?;
        let size =
            parse_canonical_u64(size_text).ok_or(malformed("the tree size is not a canonical decimal number"))?;
        let root_text = lines.next().ok_or(malformed("no root hash line"))?;
        let root = Hash::from_base64(root_text).map_err(|_| malformed("the root is not the base64 of 32 bytes"))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(malformed("an extension line is empty"));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint into a note.
    pub fn sign(&self, signer: &SignerKey) -> Result<Note, NoteError> {
        Note::sign(&self.to_text(), signer)
    }
}

/// Parses canonical ASCII decimal: digits only, no sign, no leading zero
/// (except `0` itself), within u64. Tree sizes and indexes are written so.
pub fn parse_canonical_u64(text: &str) -> Option<u64> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// A checkpoint whose signature by the log's key has been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: Note,
}

impl SignedCheckpoint {
    /// Opens a signed checkpoint: the note must parse, carry a valid signature
    /// by `log_key`, and its origin must be the key's name.
    pub fn open(message: &[u8], log_key: &VerifierKey) -> Result<SignedCheckpoint, CheckpointError> {
        let note = Note::parse(message)?;
        note.verify(std::slice::from_ref(log_key))?;
        let checkpoint = Checkpoint::parse(note.text())?;
        if checkpoint.origin != log_key.name().as_str() {
            return Err(CheckpointError::WrongOrigin {
                found: checkpoint.origin,
                expected: log_key.name().to_string(),
            });
        }
        Ok(SignedCheckpoint { checkpoint, note })
    }
}
