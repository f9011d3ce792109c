//! The final stage's base: the slim variant of a full `node:X`, which lacks the system
//! libraries (and their headers) that the full image has and a native addon built there
//! may link against. Where restage sees the package.json, the final stage installs the
//! library of each such dependency it knows; where it sees none, it cannot tell, and the
//! final stage stays on the full base, as Python's does with requirements it cannot read.

use super::Layout;
use crate::transform::packages::{self, Manager as SystemManager};
use crate::transform::plan::Step;
use crate::transform::{Decision, final_image, full_base};

/// Dependencies that link a system library the slim image lacks, and that library.
/// (pg-native and libpq build against libpq-dev, which the full image has.)
const LINKED: &[(&str, &str)] = &[("pg-native", "libpq5"), ("libpq", "libpq5")];

impl Layout<'_> {
    /// The final stage's image and the decision that says why.
    pub(super) fn final_base(&self, slim_gain: &str, same_gain: &str) -> (String, Decision) {
        let input = self.input;
        let base = &input.stage.base;
        match base.slim() {
            Some(slim) if input.options.slim && !self.project.seen => full_base(
                input,
                &slim,
                "restage sees no package.json in the build context, so not whether a dependency is a native addon that links a system library only the full image has (pg-native: libpq)",
            ),
            _ => final_image(input, slim_gain, same_gain),
        }
    }

    /// The final stage's install of the libraries that the app's native addons link
    /// against and the slim `final_image` lacks; an error when a library's name differs
    /// between the Debian releases the image may be built on.
    pub(super) fn linked_libraries(&mut self, final_image: &str) -> Result<Option<Step>, String> {
        if final_image == self.input.stage.base.image.raw {
            return Ok(None);
        }
        let release = self.input.stage.base.release();
        let mut libraries: Vec<&str> = Vec::new();
        for (addon, library) in LINKED {
            if !self.project.dependencies.iter().any(|dep| dep == addon) {
                continue;
            }
            let library = packages::debian_name(library, release)?;
            self.decisions.push(Decision::new(
                format!("`{library}` installed in the final stage"),
                format!(
                    "`{addon}` (a dependency in package.json) links against it, and `{final_image}` lacks it"
                ),
            ));
            if !libraries.contains(&library) {
                libraries.push(library);
            }
        }
        Ok((!libraries.is_empty())
            .then(|| Step::New(packages::install_line(SystemManager::Apt, &libraries))))
    }
}
