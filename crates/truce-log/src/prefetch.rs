//! Fetching ahead of the verifier's walk. The walk asks for the entry
//! bundles and level-0 tiles in an order known before it starts (bundle 0,
//! tile 0, bundle 1, tile 1, ...); over a network each request is mostly
//! waiting, so a few threads fetch the next ones while the walk hashes the
//! last, at most a window ahead (bounded memory). Whatever else the walk
//! asks for (a higher level's tile) is fetched when asked.

use crate::client::TileSource;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

/// How many fetches run at once, and how far ahead of the walk they may go:
/// at most `WINDOW` files, and no new fetch while `BUFFERED_MAX` bytes wait
/// (a bundle may hold 16 MiB; a hostile server's answers stay bounded).
pub const THREADS: usize = 8;
const WINDOW: usize = 64;
const BUFFERED_MAX: usize = 64 << 20;

type Fetched = Result<Option<Vec<u8>>, String>;

struct Slots {
    /// The next position no thread has claimed.
    next: usize,
    /// The position the walk will ask for next.
    consumed: usize,
    done: HashMap<usize, Fetched>,
    /// Bytes fetched and not yet taken by the walk.
    buffered: usize,
    stop: bool,
}

/// A source that serves `paths`, in their order, from fetches made ahead.
pub struct Prefetch<'a> {
    source: &'a dyn TileSource,
    paths: Vec<String>,
    slots: Mutex<Slots>,
    changed: Condvar,
}

impl<'a> Prefetch<'a> {
    pub fn new(source: &'a dyn TileSource, paths: Vec<String>) -> Prefetch<'a> {
        Prefetch {
            source,
            paths,
            slots: Mutex::new(Slots {
                next: 0,
                consumed: 0,
                done: HashMap::new(),
                buffered: 0,
                stop: false,
            }),
            changed: Condvar::new(),
        }
    }

    /// Runs `walk` against this source while `THREADS` threads fetch ahead of it.
    pub fn run<T>(&self, walk: impl FnOnce(&dyn TileSource) -> T) -> T {
        std::thread::scope(|scope| {
            for _ in 0..THREADS.min(self.paths.len()) {
                scope.spawn(|| self.fetch_ahead());
            }
            // The fetchers stop however the walk ends, a panic included.
            let _stop = StopOnDrop(self);
            walk(self)
        })
    }

    fn fetch_ahead(&self) {
        loop {
            let position = {
                let mut slots = self.slots.lock().expect("no fetcher panics holding the lock");
                while !slots.stop
                    && slots.next < self.paths.len()
                    && (slots.next >= slots.consumed + WINDOW || slots.buffered > BUFFERED_MAX)
                {
                    slots = self.changed.wait(slots).expect("no fetcher panics holding the lock");
                }
                if slots.stop || slots.next >= self.paths.len() {
                    return;
                }
                slots.next += 1;
                slots.next - 1
            };
            let path = &self.paths[position];
            // A fetch that panics is an error of its path, not a walk waiting for ever.
            let fetched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.source.fetch(path)))
                .unwrap_or_else(|_| Err(format!("fetching {path} failed unexpectedly")));
            let mut slots = self.slots.lock().expect("no fetcher panics holding the lock");
            slots.buffered += fetched.as_ref().ok().and_then(Option::as_ref).map_or(0, Vec::len);
            slots.done.insert(position, fetched);
            drop(slots);
            self.changed.notify_all();
        }
    }
}

/// Tells the fetchers to stop when dropped.
struct StopOnDrop<'p, 'a>(&'p Prefetch<'a>);

impl Drop for StopOnDrop<'_, '_> {
    fn drop(&mut self) {
        // Even after a panic elsewhere: the flag is all that is set.
        let mut slots = match self.0.slots.lock() {
            Ok(slots) => slots,
            Err(poisoned) => poisoned.into_inner(),
        };
        slots.stop = true;
        drop(slots);
        self.0.changed.notify_all();
    }
}

impl TileSource for Prefetch<'_> {
    fn fetch(&self, path: &str) -> Fetched {
        let mut slots = self.slots.lock().expect("no fetcher panics holding the lock");
        let position = slots.consumed;
        if self.paths.get(position).map(String::as_str) != Some(path) {
            drop(slots);
            return self.source.fetch(path);
        }
        loop {
            if let Some(fetched) = slots.done.remove(&position) {
                slots.consumed += 1;
                slots.buffered -= fetched.as_ref().ok().and_then(Option::as_ref).map_or(0, Vec::len);
                drop(slots);
                self.changed.notify_all();
                return fetched;
            }
            slots = self.changed.wait(slots).expect("no fetcher panics holding the lock");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counted {
        calls: AtomicUsize,
    }

    impl TileSource for Counted {
        fn fetch(&self, path: &str) -> Fetched {
            self.calls.fetch_add(1, Ordering::SeqCst);
            match path {
                "missing" => Ok(None),
                "broken" => Err("connection reset".into()),
                _ => Ok(Some(path.as_bytes().to_vec())),
            }
        }
    }

    #[test]
    fn the_walk_gets_each_path_s_bytes_in_its_order_and_others_when_it_asks() {
        let source = Counted {
            calls: AtomicUsize::new(0),
        };
        let paths: Vec<String> = (0..500).map(|i| format!("tile/entries/{i}")).collect();
        let prefetch = Prefetch::new(&source, paths.clone());
        prefetch.run(|walk| {
            for (i, path) in paths.iter().enumerate() {
                assert_eq!(walk.fetch(path).unwrap().unwrap(), path.as_bytes());
                if i % 100 == 0 {
                    assert_eq!(walk.fetch("tile/1/000").unwrap().unwrap(), b"tile/1/000");
                }
            }
            assert_eq!(walk.fetch("missing").unwrap(), None);
        });
        assert_eq!(source.calls.load(Ordering::SeqCst), 500 + 5 + 1);
    }

    #[test]
    fn a_walk_that_stops_early_ends_the_fetchers_and_errors_come_through() {
        let source = Counted {
            calls: AtomicUsize::new(0),
        };
        let paths: Vec<String> = ["a", "broken", "c"]
            .into_iter()
            .chain((0..1000).map(|_| "x"))
            .map(String::from)
            .collect();
        let prefetch = Prefetch::new(&source, paths);
        let error = prefetch.run(|walk| {
            walk.fetch("a").unwrap();
            walk.fetch("broken").unwrap_err()
        });
        assert_eq!(error, "connection reset");
        // At most a window (and the fetches under way) past where the walk stopped.
        assert!(source.calls.load(Ordering::SeqCst) <= 2 + WINDOW + THREADS);
    }
}
