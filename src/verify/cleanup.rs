//! What a verification leaves behind, and its removal: every image tag and container
//! `restage verify` makes is registered here before it exists, and removed when the
//! guard drops (after success, a difference, an error or a panic alike) unless the user
//! asked to keep them. A killed process cannot run this; the `restage.verify` label
//! finds the leftovers then.

use std::sync::Mutex;

use super::docker::Docker;

pub struct Cleanup {
    docker: Docker,
    keep: bool,
    containers: Mutex<Vec<String>>,
    images: Mutex<Vec<String>>,
}

impl Cleanup {
    pub fn new(docker: Docker, keep: bool) -> Cleanup {
        Cleanup {
            docker,
            keep,
            containers: Mutex::new(Vec::new()),
            images: Mutex::new(Vec::new()),
        }
    }

    /// Registers a container name; call before the container is created.
    pub fn container(&self, name: &str) -> String {
        lock(&self.containers).push(name.to_owned());
        name.to_owned()
    }

    /// Registers an image tag; call before the image is built.
    pub fn image(&self, tag: &str) -> String {
        lock(&self.images).push(tag.to_owned());
        tag.to_owned()
    }

    /// Removes the containers now (they hold their images), keeping the images for later.
    pub fn remove_containers(&self) {
        if self.keep {
            return;
        }
        for name in lock(&self.containers).drain(..) {
            self.docker.remove_container(&name);
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        self.remove_containers();
        for tag in lock(&self.images).drain(..) {
            self.docker.remove_image(&tag);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
