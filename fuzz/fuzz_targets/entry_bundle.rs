#![no_main]
//! Entry bundles: decoding never panics, and decoded entries encode back to the bundle.
use libfuzzer_sys::fuzz_target;
use truce_log::tile::{decode_entry_bundle, encode_entry_bundle};

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = decode_entry_bundle(data) {
        assert_eq!(encode_entry_bundle(entries), data);
    }
});
