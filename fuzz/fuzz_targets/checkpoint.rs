#![no_main]
//! Checkpoint bodies: parsing never panics, and a parsed body prints back to its text.
use libfuzzer_sys::fuzz_target;
use truce_log::Checkpoint;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(checkpoint) = Checkpoint::parse(text)
    {
        assert_eq!(checkpoint.to_text(), text);
    }
});
