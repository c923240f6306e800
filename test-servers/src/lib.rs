//! Real servers for the tests, started on loopback ports and stopped when dropped:
//!
//! - [`bookshop`]: SAP CAP (`@sap/cds` 9 on Node.js, an in-memory SQLite database) serving the
//!   bookshop of `cap/`, a real OData v4 server;
//! - [`azurite`]: Azurite, the Azure Storage emulator, as an object store;
//! - [`postgres`]: a private PostgreSQL server (`initdb` into a temporary folder).
//!
//! Each `start` prints a notice and returns `None` where its programs are missing (Node.js and
//! npm; PostgreSQL's server binaries), so a test skips; `.ci/run` installs them where they are
//! missing. The npm packages are installed by the tests themselves, once ([`npm`]).

pub mod azurite;
pub mod bookshop;
pub mod npm;
pub mod postgres;

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::Duration;

/// Reads the child's stdout to its end on a thread of its own (so the child never blocks on a
/// full pipe) and returns the port `find` reads in a line, within `timeout`.
fn port_from_stdout(child: &mut Child, timeout: Duration, find: fn(&str) -> Option<u16>) -> Option<u16> {
    let stdout = child.stdout.take()?;
    let (found, port) = mpsc::channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = find(&line)
                && let Some(found) = found.take()
            {
                let _ = found.send(port);
            }
        }
    });
    port.recv_timeout(timeout).ok()
}

/// The workspace's folder.
fn workspace() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("test-servers is in the workspace").to_owned()
}
