//! Azurite 3.34 (the Azure Storage emulator, npm `azurite`, pinned in `test-servers/azurite/`),
//! its Blob service on a loopback port, in memory, with the well-known development account. It
//! ends with the test process' handle on it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The emulator's well-known account.
pub const ACCOUNT: &str = "devstoreaccount1";
/// The emulator's well-known account key (public; it opens nothing but Azurite).
pub const ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const START_TIMEOUT: Duration = Duration::from_secs(180);

/// A running Azurite Blob service.
#[derive(Debug)]
pub struct Azurite {
    child: Child,
    port: u16,
}

impl Azurite {
    /// Starts Azurite, or says why it cannot (`None`, after a notice naming `test`).
    pub fn start(test: &str) -> Option<Azurite> {
        if !crate::npm::available(test) {
            return None;
        }
        let project: PathBuf = crate::workspace().join("test-servers/azurite");
        let modules = crate::npm::install("azurite", &project, "azurite/dist/src/blob/main.js")
            .unwrap_or_else(|error| panic!("cannot install Azurite: {error}"));
        let mut child = Command::new("node")
            .arg(modules.join("azurite/dist/src/blob/main.js"))
            .args(["--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence"])
            .args(["--skipApiVersionCheck", "--disableTelemetry"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Azurite: {e}"));
        match crate::port_from_stdout(&mut child, START_TIMEOUT, listening_port) {
            Some(port) => Some(Azurite { child, port }),
            None => {
                let _ = child.kill();
                panic!("Azurite did not say where it listens within {START_TIMEOUT:?}");
            }
        }
    }

    /// The Blob endpoint of the account: `http://127.0.0.1:{port}/devstoreaccount1`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/{ACCOUNT}", self.port)
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port of `Azurite Blob service successfully listens on http://127.0.0.1:NNNN`.
fn listening_port(line: &str) -> Option<u16> {
    let url = line.split("successfully listens on ").nth(1)?;
    url.trim().rsplit(':').next()?.trim_end_matches('/').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_port_of_the_listening_line() {
        let line = "Azurite Blob service successfully listens on http://127.0.0.1:41233";
        assert_eq!(listening_port(line), Some(41233));
        assert_eq!(listening_port("Azurite Blob service is starting at http://127.0.0.1:0"), None);
    }
}
