//! A small cache of per-folder values for a batch run. A batch walks folder by folder,
//! so the last few folders are all that is worth keeping, and memory stays flat however
//! many folders a run goes through.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// A folder's value, made once: a thread that asks while another makes it waits.
type Slot<T> = Arc<OnceLock<T>>;

/// The values of the `N` folders asked for last.
#[derive(Debug)]
pub struct RecentFolders<T, const N: usize> {
    recent: Mutex<VecDeque<(PathBuf, Slot<T>)>>,
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
    /// without the lock, so it may ask this cache too (for a parent folder, say), and
    /// other folders are served meanwhile; a second thread asking for the same folder
    /// waits for the first one's value instead of making it again.
    pub fn get_or_make(&self, dir: &Path, make: impl FnOnce() -> T) -> T {
        let slot = {
            let mut recent = self.lock();
            // The text, not `Path`'s component-wise equality: these paths are all made one
            // way, and the comparison runs for every file against every remembered folder.
            match recent
                .iter()
                .find(|(seen, _)| seen.as_os_str() == dir.as_os_str())
            {
                Some((_, slot)) => Arc::clone(slot),
                None => {
                    if recent.len() == N {
                        recent.pop_front();
                    }
                    let slot = Slot::default();
                    recent.push_back((dir.to_owned(), Arc::clone(&slot)));
                    slot
                }
            }
        };
        slot.get_or_init(make).clone()
    }

    /// How many folders it holds now.
    pub fn folders(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<(PathBuf, Slot<T>)>> {
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

    #[test]
    fn threads_asking_for_one_folder_at_once_make_its_value_once() {
        let cache = RecentFolders::<usize, 2>::default();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    barrier.wait();
                    cache.get_or_make(Path::new("/a"), || {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        made.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
                    })
                });
            }
        });
        assert_eq!(made.into_inner(), 1);
    }
}
