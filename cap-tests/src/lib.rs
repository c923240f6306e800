//! Starts the bookshop of `cap/` (a small SAP CAP service: `@sap/cds` 9 on Node.js, an in-memory
//! SQLite database filled from `cap/db/data/`) on a loopback port, for tests that need a real
//! OData v4 server that no one here wrote.
//!
//! The npm packages are installed once per `package-lock.json` (`npm ci --ignore-scripts`, the
//! database driver being `sql.js`, so nothing native is built) into a cache folder outside the
//! repository: `$ODATA_RS_CAP_CACHE`, else `$XDG_CACHE_HOME/odata-rs/cap-<lock hash>`, else
//! `~/.cache/…`. The server ends when the test process that started it does, however it ends.
//! Without `node` and `npm`, [`Bookshop::start`] prints a notice and returns `None`, and the
//! test skips; `.ci/run` installs them where they are missing.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// How long the server may take to start (the first start also installs the packages).
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// A running bookshop server.
#[derive(Debug)]
pub struct Bookshop {
    child: Child,
    port: u16,
}

impl Bookshop {
    /// Starts a server, or says why it cannot (`None`, after a notice naming `test`).
    pub fn start(test: &str) -> Option<Bookshop> {
        for tool in ["node", "npm"] {
            if Command::new(tool).arg("--version").output().is_err() {
                eprintln!("notice: {test} skipped: `{tool}` is not installed (the tests need Node.js and npm)");
                return None;
            }
        }
        let project = project_dir();
        let modules = match install(&project) {
            Ok(modules) => modules,
            Err(error) => panic!("cannot install the bookshop's npm packages: {error}"),
        };
        Some(serve(&project, &modules).unwrap_or_else(|error| panic!("cannot start the bookshop: {error}")))
    }

    /// The root of the anonymous catalog service: `http://127.0.0.1:{port}/catalog`.
    pub fn catalog(&self) -> String {
        format!("http://127.0.0.1:{}/catalog", self.port)
    }

    /// The root of the admin service (basic authentication, role `admin`).
    pub fn admin(&self) -> String {
        format!("http://127.0.0.1:{}/admin", self.port)
    }
}

impl Drop for Bookshop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CAP project: `cap/` of the workspace.
pub fn project_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("cap-tests is in the workspace").join("cap")
}

/// The folder holding the installed `node_modules` of this lock file.
fn cache_dir(lock: &[u8]) -> PathBuf {
    if let Some(dir) = std::env::var_os("ODATA_RS_CAP_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let hash: String = Sha256::digest(lock).iter().take(8).map(|b| format!("{b:02x}")).collect();
    base.join("odata-rs").join(format!("cap-{hash}"))
}

/// Installs the packages once: into a folder of this process, renamed into place when complete,
/// so that concurrent test processes neither wait for nor see a half-done install.
fn install(project: &Path) -> Result<PathBuf, String> {
    let lock = std::fs::read(project.join("package-lock.json")).map_err(|e| e.to_string())?;
    let cache = cache_dir(&lock);
    let modules = cache.join("node_modules");
    if modules.join(".bin/cds-serve").exists() {
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

fn serve(project: &Path, modules: &Path) -> Result<Bookshop, String> {
    // The server logs every refused request; a log file keeps the test output readable.
    let log_path = std::env::temp_dir().join(format!("odata-rs-bookshop-{}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let mut child = Command::new(modules.join(".bin/cds-serve"))
        .args(["--port", "0"])
        .current_dir(project)
        .env("NODE_PATH", modules)
        .env("CAP_PARENT_PID", std::process::id().to_string())
        .env("HOST", "127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cds-serve: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let (found, port) = mpsc::channel();
    // Reads the log to the end, so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = listening_port(&line)
                && let Some(found) = found.take()
            {
                let _ = found.send(port);
            }
        }
    });
    match port.recv_timeout(START_TIMEOUT) {
        Ok(port) => Ok(Bookshop { child, port }),
        Err(_) => {
            let _ = child.kill();
            Err(format!("no `server listening` line within {START_TIMEOUT:?}; see {}", log_path.display()))
        }
    }
}

/// The port of `[cds] - server listening on { url: 'http://localhost:NNNN' }`.
fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split("server listening on").nth(1)?;
    let url = rest.split('\'').nth(1)?;
    url.rsplit(':').next()?.trim_end_matches('/').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_of_the_listening_line() {
        let line = "[cds] - server listening on { url: 'http://localhost:40105' }";
        assert_eq!(listening_port(line), Some(40105));
        assert_eq!(listening_port("[cds] - loaded model from 3 file(s):"), None);
    }
}

/// The workspace's README, whose Rust examples (the typed queries of `cap-client`, and the
/// Warehouse client's) are compiled as doc tests here.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
