//! `cargo xtask generate`, killed (SIGKILL) at random moments while it replaces one generated
//! crate by another, leaves the old tree or the new one — never a mix — and a manifest that
//! names every crate the tree uses.

#[path = "../../codegen/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn generate(metadata: &Path, out: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(["generate", "--metadata"]).arg(metadata).arg("--out").arg(out);
    command.stdout(Stdio::null()).stderr(Stdio::null());
    command
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.to_string_lossy().into_owned(), std::fs::read(&path).unwrap());
            }
        }
    }
    files.into_iter().map(|(path, bytes)| (path[dir.to_string_lossy().len()..].to_owned(), bytes)).collect()
}

/// A small xorshift, so the kill moments are random-looking but the same on every run.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn killing_generate_at_any_moment_leaves_the_old_or_the_new_crate() {
    let root = support::workspace_root();
    let documents = [root.join("fixtures/v1.0/metadata.xml"), root.join("fixtures/beta/metadata.xml")];
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("crate");

    // The two complete states, and how long a whole run takes.
    let mut states = Vec::new();
    let mut longest = Duration::ZERO;
    for document in &documents {
        let started = Instant::now();
        assert!(generate(document, &out).status().unwrap().success());
        longest = longest.max(started.elapsed());
        states.push(tree(&out.join("src")));
    }
    assert_ne!(states[0], states[1]);

    let mut seed = 0x9E37_79B9_7F4A_7C15;
    let mut interrupted = 0;
    for run in 0..24 {
        let document = &documents[run % 2];
        let mut child = generate(document, &out).spawn().unwrap();
        let delay = Duration::from_micros(next(&mut seed) % (longest.as_micros() as u64 + 1));
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let now = tree(&out.join("src"));
        assert!(now == states[0] || now == states[1], "run {run}: killed after {delay:?}, the tree is a mix");
        let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
        for name in ["serde", "serde_json", "time", "uuid"] {
            let used = now.values().any(|text| String::from_utf8_lossy(text).contains(&format!("::{name}::")));
            assert!(
                !used || manifest.contains(&format!("\n{name} = ")),
                "run {run}: {name} is used but not a dependency"
            );
        }
        let beside: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            // What a kill leaves: the staging tree and the manifest's temporary file, both hidden.
            .filter(|name| !name.starts_with(".src.atomic-") && !name.starts_with(".Cargo.toml.atomic-"))
            .collect();
        assert!(beside.iter().all(|name| name == "src" || name == "Cargo.toml"), "run {run}: {beside:?}");
    }
    assert!(interrupted >= 6, "only {interrupted} of 24 runs were killed mid-way");

    // A run after all the kills completes, and cleans up what they left.
    assert!(generate(&documents[0], &out).status().unwrap().success());
    assert_eq!(tree(&out.join("src")), states[0]);
    let mut left: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["Cargo.toml", "src"]);
}
