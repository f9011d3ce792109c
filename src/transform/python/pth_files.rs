//! The `.pth` files in the target folders. Python reads them in its site folders only, at
//! start, not in a `PYTHONPATH` folder: setuptools' `distutils-precedence.pth` (the only
//! `distutils` on Python 3.12 and later), the `-nspkg.pth` files that make Python 2's
//! namespace packages (`google-*`, `zope.*`) and any other start-up hook a package
//! installs would be lost. Where the install wrote any, the builder writes a
//! `sitecustomize.py` into the first target folder that hands each folder with one to
//! `site.addsitedir`, which reads them as site-packages' were read in the original.

use crate::transform::Decision;

/// The script that, where any folder given as an argument has a `.pth` file, writes
/// `sitecustomize.py` into the first one, calling `site.addsitedir` on each such folder,
/// the last first as on PYTHONPATH (Python 2's namespace packages take their folders in
/// that order). A `sitecustomize` already in one of them (a package's own module or
/// package) stops the build: the new one would hide it, or it would hide the new one.
/// It runs on Python 2.7 and 3.
pub const SCRIPT: &str = "import os, sys; \
pth = [t for t in sys.argv[1:] if any(n.endswith('.pth') for n in os.listdir(t))]; \
[sys.exit(os.path.join(t, n) + ' exists: restage cannot make the .pth files of ' + ', '.join(pth) + ' read') for t in sys.argv[1:] for n in os.listdir(t) if pth and n.split('.')[0] == 'sitecustomize']; \
pth and open(os.path.join(sys.argv[1], 'sitecustomize.py'), 'w').write(''.join(['import site' + chr(10)] + ['site.addsitedir(%r)' % t + chr(10) for t in reversed(pth)]))";

/// Why the builder may write `sitecustomize.py` into `folders`.
pub fn decision(folders: &[String]) -> Decision {
    Decision::new(
        format!(
            "where the install wrote `.pth` files into {}, the builder writes a sitecustomize.py that reads them (site.addsitedir)",
            folders.join(", ")
        ),
        "Python reads .pth files in site-packages only, not in a PYTHONPATH folder: setuptools' distutils (Python 3.12+), Python 2's namespace packages (google-*, zope.*) and other start-up hooks would be lost",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::python::interpreters::interpreters;
    use std::fs;
    use std::path::Path;
    use std::process::{Command, Output};

    /// A target folder whose `.pth` files do what packages' do: one runs an import
    /// line at start, the other adds a folder to `sys.path`.
    fn target_with_pth_files(target: &Path) {
        fs::write(
            target.join("hook.pth"),
            "import os; os.environ['PTH_HOOK'] = 'ran'\n",
        )
        .unwrap();
        fs::write(target.join("extra.pth"), "extra\n").unwrap();
        fs::create_dir(target.join("extra")).unwrap();
        fs::write(target.join("extra/beside.py"), "NAME = 'beside'\n").unwrap();
    }

    fn run(python: &Path, arguments: &[&str], pythonpath: &str) -> Output {
        Command::new(python)
            .args(arguments)
            .env("PYTHONPATH", pythonpath)
            .env_remove("PYTHONHOME")
            .output()
            .expect("the interpreter runs")
    }

    const PROBE: &str = "import os, beside; print(os.environ.get('PTH_HOOK') + ' ' + beside.NAME)";

    /// Without the script the `.pth` files of a PYTHONPATH folder are not read; after it,
    /// with every interpreter the machine has, they are, from whichever folder they are in.
    #[test]
    fn the_script_makes_pth_files_read_from_pythonpath() {
        for python in interpreters() {
            let dir = tempfile::tempdir().unwrap();
            let (first, second) = (dir.path().join("pydeps"), dir.path().join("pydeps-2"));
            fs::create_dir(&first).unwrap();
            fs::create_dir(&second).unwrap();
            target_with_pth_files(&second);
            let (first, second) = (first.to_str().unwrap(), second.to_str().unwrap());
            let pythonpath = format!("{second}:{first}");

            let before = run(&python.path, &["-c", PROBE], &pythonpath);
            assert!(!before.status.success(), "{python:?} read them unaided");

            let script = run(&python.path, &["-c", SCRIPT, first, second], "");
            assert!(script.status.success(), "{python:?}: {script:?}");
            let after = run(&python.path, &["-c", PROBE], &pythonpath);
            assert!(after.status.success(), "{python:?}: {after:?}");
            assert_eq!(String::from_utf8_lossy(&after.stdout).trim(), "ran beside");
        }
    }

    /// Folders without a `.pth` file get no `sitecustomize.py`.
    #[test]
    fn without_pth_files_nothing_is_written() {
        for python in interpreters() {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join("six.py"), "").unwrap();
            let target = dir.path().to_str().unwrap();
            let script = run(&python.path, &["-c", SCRIPT, target], "");
            assert!(script.status.success(), "{python:?}: {script:?}");
            assert!(!dir.path().join("sitecustomize.py").exists(), "{python:?}");
        }
    }

    /// A package's own `sitecustomize`, a module or a package, in any folder, stops the
    /// build with a message, untouched.
    #[test]
    fn a_packaged_sitecustomize_stops_the_build() {
        for python in interpreters() {
            for own in ["sitecustomize.py", "sitecustomize/__init__.py"] {
                let dir = tempfile::tempdir().unwrap();
                let (first, second) = (dir.path().join("a"), dir.path().join("b"));
                fs::create_dir_all(second.join("sitecustomize")).unwrap();
                fs::create_dir(&first).unwrap();
                target_with_pth_files(&first);
                fs::write(second.join(own), "OWN = 1\n").unwrap();
                let arguments = [first.to_str().unwrap(), second.to_str().unwrap()];
                let script = run(
                    &python.path,
                    &[&["-c", SCRIPT][..], &arguments].concat(),
                    "",
                );
                assert!(!script.status.success(), "{python:?} {own}");
                assert!(
                    String::from_utf8_lossy(&script.stderr).contains("exists: restage cannot"),
                    "{python:?}: {script:?}"
                );
                assert!(!first.join("sitecustomize.py").exists(), "{python:?} {own}");
                assert_eq!(fs::read_to_string(second.join(own)).unwrap(), "OWN = 1\n");
            }
        }
    }

    /// The final stage may run Python between its copies of the folders (see `between`):
    /// the first folder's `sitecustomize.py` then names a later folder that is not there
    /// yet. Python starts all the same, with every interpreter the machine has, and
    /// reads the `.pth` files of the folder that is there.
    #[test]
    fn a_later_folder_not_there_yet_is_passed_over() {
        for python in interpreters() {
            let dir = tempfile::tempdir().unwrap();
            let (first, second) = (dir.path().join("pydeps"), dir.path().join("pydeps-2"));
            fs::create_dir(&first).unwrap();
            fs::create_dir(&second).unwrap();
            target_with_pth_files(&first);
            fs::write(second.join("later.pth"), "import os\n").unwrap();
            let arguments = [first.to_str().unwrap(), second.to_str().unwrap()];
            let script = run(
                &python.path,
                &[&["-c", SCRIPT][..], &arguments].concat(),
                "",
            );
            assert!(script.status.success(), "{python:?}: {script:?}");
            fs::remove_dir_all(&second).unwrap();
            let probe = run(&python.path, &["-c", PROBE], arguments[0]);
            assert!(probe.status.success(), "{python:?}: {probe:?}");
            assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "ran beside");
        }
    }

    /// With `.pth` files in both folders, the later folder's are read first, as its
    /// packages come first on PYTHONPATH.
    #[test]
    fn the_later_folder_is_read_first() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("pydeps"), dir.path().join("pydeps-2"));
        for folder in [&first, &second] {
            fs::create_dir(folder).unwrap();
            fs::write(folder.join("x.pth"), "").unwrap();
        }
        let (first, second) = (first.to_str().unwrap(), second.to_str().unwrap());
        let script = run(Path::new("python3"), &["-c", SCRIPT, first, second], "");
        assert!(script.status.success(), "{script:?}");
        let written = fs::read_to_string(Path::new(first).join("sitecustomize.py")).unwrap();
        assert_eq!(
            written,
            format!("import site\nsite.addsitedir('{second}')\nsite.addsitedir('{first}')\n")
        );
    }
}
