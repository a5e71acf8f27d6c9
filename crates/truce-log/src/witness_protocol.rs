//! The wire format of C2SP tlog-witness: the body of `POST
//! <submission prefix>/add-checkpoint` (an old size line, at most 63
//! consistency proof lines, an empty line, then the signed checkpoint), and
//! the `text/x.tlog.size` body of a 409. Both sides use it: the witness to
//! read requests, the log to write them. No I/O.

use crate::checkpoint::parse_canonical_u64;
use crate::hash::Hash;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The most consistency proof lines a request may carry.
pub const PROOF_LINES_MAX: usize = 63;

/// The content type of a 409's body: the witness's size for the origin.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// Why a request body is not an add-checkpoint request (a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the body is not UTF-8")]
    NotUtf8,
    #[error("the first line is not `old <size>` with a decimal size without leading zeroes")]
    OldSizeLine,
    #[error("proof line {line} is not the base64 of a 32-byte hash")]
    ProofLine { line: usize },
    #[error("more than {PROOF_LINES_MAX} consistency proof lines")]
    TooManyProofLines,
    #[error("no empty line before the checkpoint")]
    NoCheckpoint,
}

/// An add-checkpoint request: the size the client believes the witness
/// holds, the consistency proof from it, and the signed checkpoint's note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint as sent (a note: text, empty line, signatures).
    pub checkpoint: String,
}

impl AddCheckpoint {
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, RequestError> {
        let text = std::str::from_utf8(body).map_err(|_| RequestError::NotUtf8)?;
        let (old_line, mut rest) = text.split_once('\n').ok_or(RequestError::OldSizeLine)?;
        let old_size = old_line
            .strip_prefix("old ")
            .and_then(parse_canonical_u64)
            .ok_or(RequestError::OldSizeLine)?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest.split_once('\n').ok_or(RequestError::NoCheckpoint)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == PROOF_LINES_MAX {
                return Err(RequestError::TooManyProofLines);
            }
            let bytes = BASE64
                .decode(line)
                .map_err(|_| RequestError::ProofLine { line: proof.len() + 2 })?;
            let hash: [u8; 32] = bytes
                .try_into()
                .map_err(|_| RequestError::ProofLine { line: proof.len() + 2 })?;
            proof.push(Hash(hash));
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: rest.to_string(),
        })
    }

    /// The request body.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&BASE64.encode(hash.0));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.checkpoint);
        body
    }
}

/// The size in a 409's `text/x.tlog.size` body: a decimal and a newline.
pub fn parse_size_body(body: &str) -> Option<u64> {
    body.strip_suffix('\n').and_then(parse_canonical_u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKPOINT: &str =
        "example.com/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} example.com/log AAAA\n";

    #[test]
    fn a_request_reads_back_what_was_written() {
        let request = AddCheckpoint {
            old_size: 1,
            proof: vec![Hash([7; 32]), Hash([9; 32])],
            checkpoint: CHECKPOINT.into(),
        };
        assert_eq!(AddCheckpoint::parse(request.to_body().as_bytes()).unwrap(), request);
        let from_zero = AddCheckpoint {
            old_size: 0,
            proof: Vec::new(),
            checkpoint: CHECKPOINT.into(),
        };
        assert!(from_zero.to_body().starts_with("old 0\n\nexample.com/log\n"));
        assert_eq!(AddCheckpoint::parse(from_zero.to_body().as_bytes()).unwrap(), from_zero);
    }

    #[test]
    fn malformed_requests_are_named() {
        let cases: [(&[u8], RequestError); 7] = [
            (b"old 01\n\nx", RequestError::OldSizeLine),
            (b"old -1\n\nx", RequestError::OldSizeLine),
            (b"new 1\n\nx", RequestError::OldSizeLine),
            (b"old 1", RequestError::OldSizeLine),
            (b"old 1\nnot base64!\n\nx", RequestError::ProofLine { line: 2 }),
            (b"old 1\nAAAA\n\nx", RequestError::ProofLine { line: 2 }),
            (b"old 1\n", RequestError::NoCheckpoint),
        ];
        for (body, expected) in cases {
            assert_eq!(
                AddCheckpoint::parse(body),
                Err(expected),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        let line = format!("{}\n", BASE64.encode([0u8; 32]));
        let too_long = format!("old 1\n{}\n{CHECKPOINT}", line.repeat(64));
        assert_eq!(
            AddCheckpoint::parse(too_long.as_bytes()),
            Err(RequestError::TooManyProofLines)
        );
        assert_eq!(AddCheckpoint::parse(&[0xff, b'\n']), Err(RequestError::NotUtf8));
    }

    #[test]
    fn a_size_body_is_a_decimal_and_a_newline() {
        assert_eq!(parse_size_body("42\n"), Some(42));
        assert_eq!(parse_size_body("42"), None);
        assert_eq!(parse_size_body("042\n"), None);
    }
}
