#![no_main]
//! Verifier and signer keys: parsing never panics, and parsed keys print back unchanged.
use libfuzzer_sys::fuzz_target;
use truce_log::{SignerKey, VerifierKey};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = text.parse::<VerifierKey>() {
            assert_eq!(key.to_string(), text);
        }
        if let Ok(key) = text.parse::<SignerKey>() {
            assert_eq!(key.to_secret_string(), text);
        }
    }
});
