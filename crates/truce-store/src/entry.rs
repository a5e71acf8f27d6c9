//! A log entry: bytes that fit an entry bundle's uint16 length prefix.

use truce_log::tile::ENTRY_BYTES_MAX;

/// The bytes of one log entry, at most 65,535 of them. Made once at the
/// edge; inside, every `LogEntry` is known to fit an entry bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry(Vec<u8>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a log entry is at most {ENTRY_BYTES_MAX} bytes, this one is {0}")]
pub struct EntryTooLarge(pub usize);

impl LogEntry {
    pub fn new(bytes: Vec<u8>) -> Result<LogEntry, EntryTooLarge> {
        if bytes.len() > ENTRY_BYTES_MAX {
            return Err(EntryTooLarge(bytes.len()));
        }
        Ok(LogEntry(bytes))
    }

    /// The empty entry (a valid entry, if not a useful one).
    pub fn empty() -> LogEntry {
        LogEntry(Vec::new())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}
