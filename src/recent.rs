//! A small cache of per-folder values for a batch run. A batch walks folder by folder,
//! so the last few folders are all that is worth keeping, and memory stays flat however
//! many folders a run goes through.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The values of the `N` folders asked for last.
#[derive(Debug)]
pub struct RecentFolders<T, const N: usize> {
    recent: Mutex<VecDeque<(PathBuf, T)>>,
}

impl<T, const N: usize> Default for RecentFolders<T, N> {
    fn default() -> Self {
        RecentFolders {
            recent: Mutex::new(VecDeque::with_capacity(N)),
        }
    }
}

impl<T: Clone, const N: usize> RecentFolders<T, N> {
    /// The value for `dir`, made by `make` unless a recent call made it. `make` runs
    /// without the lock, so it may ask this cache too (for a parent folder, say); two
    /// threads may make the same value at once, which costs time, not correctness.
    pub fn get_or_make(&self, dir: &Path, make: impl FnOnce() -> T) -> T {
        let hit = self
            .lock()
            .iter()
            .find(|(seen, _)| seen == dir)
            .map(|(_, value)| value.clone());
        if let Some(value) = hit {
            return value;
        }
        let value = make();
        let mut recent = self.lock();
        if recent.len() == N {
            recent.pop_front();
        }
        recent.push_back((dir.to_owned(), value.clone()));
        value
    }

    /// How many folders it holds now.
    pub fn folders(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<(PathBuf, T)>> {
        // A panic elsewhere cannot leave the cache inconsistent: it only ever holds
        // finished values.
        self.recent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_a_value_once_and_forgets_the_oldest() {
        let cache = RecentFolders::<usize, 2>::default();
        let made = std::cell::Cell::new(0);
        let make = || {
            made.set(made.get() + 1);
            made.get()
        };
        assert_eq!(cache.get_or_make(Path::new("/a"), make), 1);
        assert_eq!(cache.get_or_make(Path::new("/a"), make), 1);
        cache.get_or_make(Path::new("/b"), make);
        cache.get_or_make(Path::new("/c"), make);
        assert_eq!(cache.folders(), 2);
        assert_eq!(cache.get_or_make(Path::new("/a"), make), 4);
    }
}
