//! The committed inputs of a fuzz target (`fuzz/regressions/<target>/`), for the workspace's
//! tests that replay them (included there through `#[path]`; not part of the fuzz crate).

use std::path::Path;

/// Every file under `dir` but `.gitkeep`, as (file name, bytes), sorted by name.
pub fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().is_some_and(|name| name != ".gitkeep"))
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap()))
        .collect();
    inputs.sort();
    inputs
}
