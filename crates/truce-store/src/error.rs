//! Errors of the store. Corruption (the stored tree disagrees with its own
//! checkpoint) is fatal and distinct from a failed write, which leaves the log
//! as it was.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("the log is corrupt: {0}")]
    Corrupt(String),
    #[error("the log at {path} was made for origin {found:?}, but the key is for {expected:?}")]
    WrongOrigin {
        path: String,
        found: String,
        expected: String,
    },
    #[error("the log is locked: {0}")]
    Locked(String),
    #[error("signing the checkpoint failed: {0}")]
    Signing(String),
    #[error("the batch holding this entry was not stored: {0}")]
    BatchFailed(String),
    /// The disk (or the database's allowance of it) is full: nothing of the
    /// batch was stored, and writes fail until space returns.
    #[error("the storage is full; nothing was stored: {0}")]
    StorageFull(String),
    #[error("the sequencer has stopped")]
    SequencerStopped,
}

impl StoreError {
    /// Whether this failed for want of space (SQLite's `SQLITE_FULL`, or
    /// the file system's ENOSPC), which time and an operator cure, rather
    /// than for a fault.
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::StorageFull(_) => true,
            StoreError::Database(error) => is_full(error),
            _ => false,
        }
    }
}

/// Whether SQLite failed for want of space.
pub fn is_full(error: &rusqlite::Error) -> bool {
    matches!(error.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull))
}

/// Whether a file operation failed for want of space.
pub fn is_io_full(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::StorageFull || error.raw_os_error() == Some(28)
}
