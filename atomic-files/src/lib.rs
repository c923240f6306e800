//! Files and folders that are replaced in one atomic step: whenever the process is killed, the
//! target holds its old contents or its new ones, never a mix or nothing (once it existed).
//!
//! - [`AtomicFile`] and [`write`]: a file written to a temporary file beside the target, synced,
//!   renamed over it, and the directory synced, so the rename is durable too;
//! - [`replace_dir`] and [`replace_tree`]: a folder built beside the target and swapped with it
//!   in one `renameat2(RENAME_EXCHANGE)` (Linux; `RENAME_SWAP` on macOS; elsewhere two renames);
//! - what a killed run leaves beside a target (`.{name}.atomic-…`, hidden) is removed by the
//!   next write of that target.
//!
//! Shared by `xtask` (generated trees, fetched documents) and `intune-dw` (exports).

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The marker of every temporary name, after `.{target name}`.
const MARKER: &str = ".atomic-";

/// A file being written under a temporary name beside its target, renamed into place by
/// [`commit`](AtomicFile::commit); dropped without a commit, the temporary file is removed and
/// the target is untouched.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    file: BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (its directory is created if needed), removing what killed writes
    /// of it left behind.
    pub fn create(path: &Path) -> anyhow::Result<AtomicFile> {
        let dir = parent(path);
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let prefix = temporary_prefix(path)?;
        remove_leftovers(dir, &prefix);
        let file = tempfile::Builder::new()
            .prefix(&prefix)
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        Ok(AtomicFile { path: path.to_owned(), file: BufWriter::new(file) })
    }

    /// Where to write.
    pub fn writer(&mut self) -> &mut (dyn Write + Send) {
        &mut self.file
    }

    /// Flushes and syncs the file, renames it over the target and syncs the directory.
    pub fn commit(self) -> anyhow::Result<()> {
        let path = self.path;
        let file = self
            .file
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.as_file().sync_all().with_context(|| format!("cannot write {}", path.display()))?;
        file.persist(&path).with_context(|| format!("cannot replace {}", path.display()))?;
        sync_dir(parent(&path));
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Writes `contents` to `path` atomically (see [`AtomicFile`]).
pub fn write(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(contents).with_context(|| format!("cannot write {}", path.display()))?;
    file.commit()
}

/// Replaces the folder `dir` by what `build` writes into the (empty) folder it is given, in one
/// atomic step: the new folder is built beside `dir`, then swapped with it. An error of `build`
/// leaves `dir` as it was. Returns what `build` returned.
pub fn replace_dir<T>(dir: &Path, build: impl FnOnce(&Path) -> anyhow::Result<T>) -> anyhow::Result<T> {
    replace_dir_with(dir, |staging, _| build(staging), &mut |_| Ok(()))
}

/// Replaces the folder `dir` by a tree holding exactly `files` (paths relative to `dir` → text),
/// atomically (see [`replace_dir`]). Files whose text is unchanged are hard-linked from the old
/// tree, so their modification times survive (and cargo does not rebuild them).
pub fn replace_tree(dir: &Path, files: &BTreeMap<String, String>) -> anyhow::Result<()> {
    replace_tree_with(dir, files, &mut |_| Ok(()))
}

/// A point between two file-system changes, where tests inject failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Before staging the file with this index.
    Stage(usize),
    /// Before the swap.
    Swap,
    /// After the swap, before the old tree is removed.
    Cleanup,
}

type Hook<'a> = &'a mut dyn FnMut(Step) -> std::io::Result<()>;

fn replace_tree_with(dir: &Path, files: &BTreeMap<String, String>, before: Hook) -> anyhow::Result<()> {
    let stage_all = |staging: &Path, before: Hook| -> anyhow::Result<()> {
        for (index, (path, text)) in files.iter().enumerate() {
            before(Step::Stage(index))?;
            stage(&dir.join(path), &staging.join(path), text.as_bytes())?;
        }
        Ok(())
    };
    replace_dir_with(dir, stage_all, before)
}

fn replace_dir_with<T>(
    dir: &Path,
    build: impl FnOnce(&Path, Hook) -> anyhow::Result<T>,
    before: Hook,
) -> anyhow::Result<T> {
    let staging = sibling(dir, "staging")?;
    remove_dir_if_present(&staging)?;
    let built = (|| -> anyhow::Result<T> {
        std::fs::create_dir_all(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
        let value = build(&staging, &mut *before)?;
        before(Step::Swap)?;
        swap(&staging, dir)?;
        Ok(value)
    })();
    let value = match built {
        Ok(value) => value,
        Err(error) => {
            // Nothing under `dir` was touched.
            let _ = std::fs::remove_dir_all(&staging);
            return Err(error.context(format!("{} was left as it was", dir.display())));
        }
    };
    sync_dir(parent(dir));
    // The new tree is in place; what is left is the old one, which the next run removes if this
    // fails.
    if before(Step::Cleanup).is_ok() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    Ok(value)
}

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

/// The directory of `path` (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// `.{name}.atomic-`: the prefix of the temporary files of `path`.
fn temporary_prefix(path: &Path) -> anyhow::Result<String> {
    let name = path.file_name().with_context(|| format!("{} has no file name", path.display()))?;
    Ok(format!(".{}{MARKER}", name.to_string_lossy()))
}

/// `.{name}.atomic-{what}` beside `dir`: hidden, and never a Rust module name.
fn sibling(dir: &Path, what: &str) -> anyhow::Result<PathBuf> {
    let prefix = temporary_prefix(dir)?;
    Ok(dir.with_file_name(format!("{prefix}{what}")))
}

/// Removes the temporary files named `{prefix}…` in `dir` (best effort).
fn remove_leftovers(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn remove_dir_if_present(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// Puts `contents` at `staged`: a hard link to `current` when that already holds them.
fn stage(current: &Path, staged: &Path, contents: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = staged.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let unchanged = std::fs::read(current).is_ok_and(|bytes| bytes == contents);
    if unchanged && std::fs::hard_link(current, staged).is_ok() {
        return Ok(());
    }
    let mut file = std::fs::File::create(staged).with_context(|| format!("cannot create {}", staged.display()))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", staged.display()))
}

/// Moves the tree `staging` to `dir`, and whatever was at `dir` to `staging`, atomically.
fn swap(staging: &Path, dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return std::fs::rename(staging, dir).with_context(|| format!("cannot move {} into place", dir.display()));
    }
    exchange(staging, dir).with_context(|| format!("cannot swap the new {} into place", dir.display()))
}

/// `renameat2(RENAME_EXCHANGE)` (Linux) or `renameatx_np(RENAME_SWAP)` (macOS): one step.
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(Into::into)
}

/// Elsewhere, two renames: a kill between them leaves the old tree at `a` and no `b`.
#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let old = b.with_file_name(format!("{}.old", a.file_name().unwrap_or_default().to_string_lossy()));
    std::fs::rename(b, &old)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&old, a)
}

/// Makes a rename in `dir` durable (best effort: not every platform can open a directory).
fn sync_dir(dir: &Path) {
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect()
    }

    /// The files under `dir` and their text, relative to `dir`.
    fn read_tree(dir: &Path) -> BTreeMap<String, String> {
        files_under(dir)
            .unwrap()
            .into_iter()
            .map(|path| {
                let relative = path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                (relative, std::fs::read_to_string(&path).unwrap())
            })
            .collect()
    }

    #[test]
    fn a_failure_at_any_step_leaves_the_old_tree_or_the_new_one() {
        let old = tree(&[("lib.rs", "old lib"), ("a/mod.rs", "a"), ("gone.rs", "gone")]);
        let new = tree(&[("lib.rs", "new lib"), ("a/mod.rs", "a"), ("b/c.rs", "c")]);
        let steps: Vec<Step> = (0..new.len()).map(Step::Stage).chain([Step::Swap, Step::Cleanup]).collect();
        for &failing in &steps {
            let root = tempfile::tempdir().unwrap();
            let dir = root.path().join("src");
            replace_tree(&dir, &old).unwrap();
            let result = replace_tree_with(&dir, &new, &mut |step| {
                if step == failing { Err(std::io::Error::other("injected")) } else { Ok(()) }
            });
            let expected = if failing == Step::Cleanup { &new } else { &old };
            assert_eq!(&read_tree(&dir), expected, "failure before {failing:?}");
            assert_eq!(result.is_ok(), failing == Step::Cleanup, "{failing:?}: {result:?}");
            // The next run finishes the job, whatever was left beside the tree.
            replace_tree(&dir, &new).unwrap();
            assert_eq!(read_tree(&dir), new);
            let left: Vec<_> = std::fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(left, ["src"], "{failing:?}: nothing left beside the tree");
        }
    }

    /// What a run killed inside `write_atomic` leaves is its temporary file; the target is
    /// untouched, and the next write removes the leftover.
    #[test]
    fn a_killed_write_leaves_the_old_file_and_its_leftover_is_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("metadata.xml");
        write(&target, b"old").unwrap();
        let leftover = dir.path().join(".metadata.xml.atomic-killed");
        std::fs::write(&leftover, b"half of the ne").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        write(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["metadata.xml"]);
    }

    #[test]
    fn unchanged_files_keep_their_modification_time() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("src");
        replace_tree(&dir, &tree(&[("same.rs", "same"), ("changed.rs", "v1")])).unwrap();
        let before = std::fs::metadata(dir.join("same.rs")).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        replace_tree(&dir, &tree(&[("same.rs", "same"), ("changed.rs", "v2")])).unwrap();
        assert_eq!(std::fs::metadata(dir.join("same.rs")).unwrap().modified().unwrap(), before);
        assert_eq!(std::fs::read_to_string(dir.join("changed.rs")).unwrap(), "v2");
    }
}
