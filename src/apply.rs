//! `--write`: puts a rewrite in place of the original, atomically. The new text goes to
//! a temp file in the same folder (so the rename cannot cross file systems), gets the
//! original's permissions (and owner, where allowed), is synced, and is renamed over the
//! original. Readers see the old file or the new one, never half of either; on any
//! failure the temp file is removed and the original is left as it was.
//!
//! It refuses when the file changed since restage read it (another tool or an editor
//! wrote it meanwhile), when the file is read-only, when the user may not write the
//! file itself (a rename needs only a writable folder, and would replace a file the user
//! may not write without complaint), and when it belongs to another user, which only
//! root can keep (the replacement would take it over).
//!
//! Symlinks: the file a symlink points at is rewritten, in its own folder, and the link
//! stays a link (renaming over the link itself would turn it into a copy).

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::walk::io_message;

/// Why a rewrite was not written; the file is as it was.
#[derive(Debug, PartialEq, Eq)]
pub enum ApplyError {
    ReadOnly,
    Changed,
    /// The file belongs to another user (the user may write it through its group),
    /// which a replacement by a file of the user's own cannot keep.
    Owner,
    Io(String),
}

impl ApplyError {
    /// The error as a sentence about the file shown as `path`.
    pub fn message(&self, path: &str) -> String {
        match self {
            ApplyError::ReadOnly => format!("cannot write {path}: the file is read-only"),
            ApplyError::Changed => {
                format!("not written: {path} changed since restage read it; run restage again")
            }
            ApplyError::Owner => format!(
                "cannot write {path}: it belongs to another user, and the rewrite, which replaces the file, would take it over"
            ),
            ApplyError::Io(reason) => format!("cannot write {path}: {reason}"),
        }
    }
}

/// Replaces the file at `path`, whose contents were `original` when read, with `new`.
pub fn write_atomically(path: &Path, original: &[u8], new: &[u8]) -> Result<(), ApplyError> {
    let io = |error: std::io::Error| ApplyError::Io(io_message(&error));
    let target = fs::canonicalize(path).map_err(io)?;
    let metadata = fs::metadata(&target).map_err(io)?;
    if metadata.permissions().readonly() {
        return Err(ApplyError::ReadOnly);
    }
    may_write(&target).map_err(io)?;
    if fs::read(&target).map_err(io)? != original {
        return Err(ApplyError::Changed);
    }
    let folder = target.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".restage-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(io)?;
    temp.write_all(new).map_err(io)?;
    // The owner first: a change of owner clears the setuid and setgid bits, which the
    // mode then puts back.
    keep_owner(temp.as_file(), &metadata)?;
    temp.as_file()
        .set_permissions(metadata.permissions())
        .map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    // The last look before the rename: a write that lands between here and the rename
    // is the only one that can still be lost.
    if fs::read(&target).map_err(io)? != original {
        return Err(ApplyError::Changed);
    }
    temp.persist(&target).map_err(|error| io(error.error))?;
    Ok(())
}

/// Whether the user may write the file itself, as `open` for writing would judge (the
/// effective user and groups, ACLs included), without opening it.
#[cfg(unix)]
fn may_write(file: &Path) -> std::io::Result<()> {
    use rustix::fs::{Access, AtFlags, CWD, accessat};
    accessat(CWD, file, Access::WRITE_OK, AtFlags::EACCESS).map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn may_write(_file: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Gives the temp file the original's owner and group. Only root can give a file to
/// another user; anyone else keeps the group where they are in it, and is refused a
/// file of another user rather than taking it over.
#[cfg(unix)]
fn keep_owner(file: &fs::File, metadata: &fs::Metadata) -> Result<(), ApplyError> {
    use std::os::unix::fs::{MetadataExt, fchown};
    if fchown(file, Some(metadata.uid()), Some(metadata.gid())).is_ok() {
        return Ok(());
    }
    // A group the user is not in stays the user's own: as any new file of theirs.
    let _ = fchown(file, None, Some(metadata.gid()));
    match file.metadata() {
        Ok(temp) if temp.uid() == metadata.uid() => Ok(()),
        Ok(_) => Err(ApplyError::Owner),
        Err(error) => Err(ApplyError::Io(io_message(&error))),
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &fs::File, _metadata: &fs::Metadata) -> Result<(), ApplyError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".restage-"))
            .collect()
    }

    #[test]
    fn replaces_the_file_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        fs::write(&path, "old\r\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomically(&path, b"old\r\n", b"new\r\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new\r\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn refuses_a_file_that_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        fs::write(&path, "edited meanwhile\n").unwrap();
        let error = write_atomically(&path, b"as read\n", b"rewrite\n").unwrap_err();
        assert_eq!(error, ApplyError::Changed);
        assert_eq!(fs::read(&path).unwrap(), b"edited meanwhile\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn refuses_a_read_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        fs::write(&path, "old\n").unwrap();
        let mut permissions = fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&path, permissions).unwrap();
        let error = write_atomically(&path, b"old\n", b"new\n").unwrap_err();
        assert_eq!(error, ApplyError::ReadOnly);
        assert_eq!(fs::read(&path).unwrap(), b"old\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/Dockerfile");
        fs::write(&target, "old\n").unwrap();
        let link = dir.path().join("Dockerfile");
        std::os::unix::fs::symlink("real/Dockerfile", &link).unwrap();
        write_atomically(&link, b"old\n", b"new\n").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&target).unwrap(), b"new\n");
        assert!(leftovers(dir.path()).is_empty() && leftovers(&dir.path().join("real")).is_empty());
    }
}
