#![no_main]
//! Signed notes from anywhere: parsing never panics, and a parsed note
//! prints back to the bytes it came from.
use libfuzzer_sys::fuzz_target;
use truce_log::Note;

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = Note::parse(data) {
        assert_eq!(note.to_text().as_bytes(), data);
    }
});
