//! npm packages installed once per `package-lock.json` (`npm ci --ignore-scripts`, so nothing
//! native is built) into a cache folder outside the repository: `$ODATA_RS_NPM_CACHE/{name}`,
//! else `$XDG_CACHE_HOME/odata-rs/{name}-<lock hash>`, else `~/.cache/…`.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// Whether `node` and `npm` run; else prints a notice naming `test` and returns `false`.
pub fn available(test: &str) -> bool {
    for tool in ["node", "npm"] {
        if Command::new(tool).arg("--version").output().is_err() {
            eprintln!("notice: {test} skipped: `{tool}` is not installed (the tests need Node.js and npm)");
            return false;
        }
    }
    true
}

/// The folder holding the installed `node_modules` of `project`'s lock file, `name` naming it.
fn cache_dir(name: &str, lock: &[u8]) -> PathBuf {
    if let Some(dir) = std::env::var_os("ODATA_RS_NPM_CACHE") {
        return PathBuf::from(dir).join(name);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let hash: String = Sha256::digest(lock).iter().take(8).map(|b| format!("{b:02x}")).collect();
    base.join("odata-rs").join(format!("{name}-{hash}"))
}

/// Installs the packages of `project` (its `package.json` and `package-lock.json`) once, and
/// returns their `node_modules`; `ready` (relative to it) says an install is complete. Installs
/// into a folder of this process, renamed into place when complete, so that concurrent test
/// processes neither wait for nor see a half-done install.
pub fn install(name: &str, project: &Path, ready: &str) -> Result<PathBuf, String> {
    let lock = std::fs::read(project.join("package-lock.json")).map_err(|e| e.to_string())?;
    let cache = cache_dir(name, &lock);
    let modules = cache.join("node_modules");
    if modules.join(ready).exists() {
        return Ok(modules);
    }
    let staging = cache.with_extension(format!("installing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(project.join(file), staging.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    let output = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel", "error"])
        .current_dir(&staging)
        .output()
        .map_err(|e| format!("npm ci: {e}"))?;
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(format!("npm ci failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    if let Some(parent) = cache.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    // Another process may have finished first: its install is as good as this one.
    if std::fs::rename(&staging, &cache).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    Ok(modules)
}
