//! File-system helpers that never leave a half-written file or tree behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Every file under `dir`, recursively, sorted; empty when `dir` does not exist.
pub fn files_under(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, flushed to
/// disk, then renamed over the target. Readers see the old file or the new one, never a mix.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Applies every write and delete, or — if one fails — restores what was already changed and
/// returns the error, so the tree is either fully updated or untouched. Directories left empty by
/// deletes are removed.
pub fn apply_all_or_nothing(writes: &[(PathBuf, &str)], deletes: &[PathBuf]) -> anyhow::Result<()> {
    // The previous content of every touched file (`None`: it did not exist).
    let mut undo: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
    let result = (|| {
        for (path, text) in writes {
            let previous = std::fs::read(path).ok();
            write_atomic(path, text.as_bytes())?;
            undo.push((path.clone(), previous));
        }
        for path in deletes {
            let previous = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            std::fs::remove_file(path).with_context(|| format!("cannot delete {}", path.display()))?;
            undo.push((path.clone(), Some(previous)));
        }
        anyhow::Ok(())
    })();
    if let Err(error) = result {
        for (path, previous) in undo.into_iter().rev() {
            // Best effort: the original error is what the user needs to see.
            let _ = match previous {
                Some(bytes) => write_atomic(&path, &bytes),
                None => std::fs::remove_file(&path).map_err(Into::into),
            };
        }
        return Err(error.context("nothing was changed"));
    }
    for path in deletes {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_batch_restores_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("kept.rs");
        std::fs::write(&kept, "old").unwrap();
        let created = dir.path().join("sub/new.rs");
        // A directory where a file should be written makes the second write fail.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        let writes = vec![(kept.clone(), "new"), (created.clone(), "fresh"), (blocked.clone(), "x")];
        let error = apply_all_or_nothing(&writes, &[]).unwrap_err();
        assert!(format!("{error:#}").contains("nothing was changed"), "{error:#}");
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "old");
        assert!(!created.exists());
    }

    #[test]
    fn writes_and_deletes_apply_and_empty_dirs_go() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("a/b/gone.rs");
        std::fs::create_dir_all(gone.parent().unwrap()).unwrap();
        std::fs::write(&gone, "x").unwrap();
        let written = dir.path().join("c.rs");
        apply_all_or_nothing(&[(written.clone(), "c")], std::slice::from_ref(&gone)).unwrap();
        assert_eq!(std::fs::read_to_string(written).unwrap(), "c");
        assert!(!dir.path().join("a").exists());
        assert_eq!(files_under(dir.path()).unwrap(), vec![dir.path().join("c.rs")]);
    }
}
