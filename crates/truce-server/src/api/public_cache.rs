//! Answers to anonymous reads, kept until the record changes. What an
//! observer sees depends only on the request and on the record, and the
//! record's version is the log's size (the projections commit in the same
//! transaction as the log), which the engine holds in memory. So an answer
//! stored with the size it was read at is exact for as long as the size is
//! the same: the press and the public, who all ask for the same first pages,
//! are answered from memory, and the first request after a commit reads afresh.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// The most answers kept; past it, those of older versions are dropped, then all.
const ENTRIES_MAX: usize = 4096;

#[derive(Default)]
pub struct PublicCache {
    entries: Mutex<HashMap<String, (u64, Bytes)>>,
}

impl PublicCache {
    /// The answer to `request` read at `version`, if one is kept.
    pub fn get(&self, request: &str, version: u64) -> Option<Bytes> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(request)
            .filter(|(at, _)| *at == version)
            .map(|(_, bytes)| bytes.clone())
    }

    /// Keeps the answer to `request` read at `version`.
    pub fn put(&self, request: String, version: u64, answer: Bytes) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= ENTRIES_MAX {
            entries.retain(|_, (at, _)| *at == version);
            if entries.len() >= ENTRIES_MAX {
                entries.clear();
            }
        }
        entries.insert(request, (version, answer));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_holds_only_for_the_version_it_was_read_at() {
        let cache = PublicCache::default();
        cache.put("/incidents?limit=20".into(), 7, Bytes::from_static(b"[1]"));
        assert_eq!(cache.get("/incidents?limit=20", 7).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(cache.get("/incidents?limit=20", 8), None);
        assert_eq!(cache.get("/incidents?limit=50", 7), None);
    }

    #[test]
    fn it_never_holds_more_than_its_bound() {
        let cache = PublicCache::default();
        for i in 0..(ENTRIES_MAX + 10) {
            cache.put(format!("q{i}"), (i / 1000) as u64, Bytes::new());
        }
        assert!(cache.entries.lock().unwrap().len() <= ENTRIES_MAX);
        assert!(
            cache
                .get(&format!("q{}", ENTRIES_MAX + 9), (ENTRIES_MAX as u64 + 9) / 1000)
                .is_some()
        );
    }
}
