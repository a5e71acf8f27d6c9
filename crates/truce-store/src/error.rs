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
    #[error("the sequencer has stopped")]
    SequencerStopped,
}
