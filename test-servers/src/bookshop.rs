//! The bookshop of `cap/` (a small SAP CAP service: `@sap/cds` 9 on Node.js, an in-memory SQLite
//! database filled from `cap/db/data/`, the driver `sql.js`, so nothing native is built), served
//! on a loopback port. The server ends when the test process that started it does, however it
//! ends.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
        if !crate::npm::available(test) {
            return None;
        }
        let project = project_dir();
        let modules = match crate::npm::install("cap", &project, ".bin/cds-serve") {
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
    crate::workspace().join("cap")
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
    match crate::port_from_stdout(&mut child, START_TIMEOUT, listening_port) {
        Some(port) => Ok(Bookshop { child, port }),
        None => {
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
