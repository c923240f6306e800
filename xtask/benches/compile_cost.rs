//! What a generated crate costs its users to compile: lines, bytes, `cargo check` wall time and
//! peak memory (the largest rustc), for the crate generated from Microsoft Graph v1.0 (whole, and
//! with the feature of one entity set, `users`) and for the Warehouse client, against a floor measured in the same run: `cargo check` of an empty crate
//! with the same dependencies.
//!
//! `cargo bench -p xtask --bench compile_cost` (add `-- --quick` to skip Graph). Each crate is
//! checked once to build its dependencies, then cleaned of itself and checked again: the second
//! check is the one measured, in a child process of its own so that its peak memory is its own.
//! Needs the shared corpus (`../shared/`, or `INTUNE_DW_SHARED_DIR`) for Graph.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn bench_dir() -> PathBuf {
    workspace_root().join("target/compile-cost")
}

/// One measured `cargo check`.
struct Cost {
    seconds: f64,
    peak_mib: f64,
}

/// Runs `cargo check` of `manifest` (package `package`) in `target`, in a child of this process,
/// and reports its time and the peak resident memory of its largest descendant.
fn measure(manifest: &Path, package: &str, target: &Path, features: &[&str]) -> Cost {
    let output = Command::new(std::env::current_exe().unwrap())
        .arg("--measure")
        .arg(manifest)
        .arg(package)
        .arg(target)
        .arg(features.join(","))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "measuring {package} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout.lines().find_map(|l| l.strip_prefix("cost ")).expect("a cost line");
    let mut parts = line.split(' ').map(|p| p.parse::<f64>().unwrap());
    Cost { seconds: parts.next().unwrap(), peak_mib: parts.next().unwrap() }
}

fn cargo(manifest: &Path, target: &Path, args: &[&str], features: &str) -> std::process::Output {
    let mut command = Command::new(env!("CARGO"));
    command.args(args).arg("--manifest-path").arg(manifest).env("CARGO_TARGET_DIR", target).env("RUSTFLAGS", "");
    if !features.is_empty() {
        command.args(["--no-default-features", "--features", features]);
    }
    command.output().unwrap()
}

/// The `--measure` child: warm the dependencies, clean the package, time its check.
fn measure_child(args: &[String]) {
    let [manifest, package, target, features] = args else {
        panic!("usage: --measure MANIFEST PACKAGE TARGET FEATURES")
    };
    let (manifest, target) = (Path::new(manifest), Path::new(target));
    let warm = cargo(manifest, target, &["check", "--quiet", "--offline"], features);
    assert!(warm.status.success(), "{}", String::from_utf8_lossy(&warm.stderr));
    let clean = cargo(manifest, target, &["clean", "--quiet", "--offline", "-p", package], "");
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    // The warm-up's peak is this process's children's peak too, so the measured check runs in a
    // process of its own, which reports its children's peak.
    let output = Command::new(std::env::current_exe().unwrap()).arg("--measure-inner").args(args).output().unwrap();
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    std::process::exit(output.status.code().unwrap_or(1));
}

fn measure_inner(args: &[String]) {
    let [manifest, _package, target, features] = args else { panic!("usage") };
    let start = Instant::now();
    let check = cargo(Path::new(manifest), Path::new(target), &["check", "--quiet", "--offline"], features);
    let seconds = start.elapsed().as_secs_f64();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    println!("cost {seconds:.2} {:.0}", children_peak_mib());
}

/// The peak resident memory of the largest waited-for descendant, in MiB.
fn children_peak_mib() -> f64 {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    usage.max_rss() as f64 / 1024.0 // kilobytes on Linux
}

/// Lines and bytes of the `.rs` files under `dir`.
fn size(dir: &Path) -> (usize, usize) {
    let mut lines = 0;
    let mut bytes = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                lines += text.lines().count();
                bytes += text.len();
            }
        }
    }
    (lines, bytes)
}

fn generate(metadata: &Path, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--metadata"])
        .arg(metadata)
        .arg("--out")
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success(), "generate {}", metadata.display());
    std::fs::copy(workspace_root().join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
}

/// An empty crate with the runtime's dependencies: the floor.
fn floor_crate(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let runtime = workspace_root().join("runtime");
    let manifest = format!(
        "[package]\nname = \"floor\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[workspace]\n\n[dependencies]\nodata-runtime = {{ path = {:?} }}\n",
        runtime.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "//! Nothing but the dependencies.\n").unwrap();
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--measure") => return measure_child(&args[1..]),
        Some("--measure-inner") => return measure_inner(&args[1..]),
        _ => {}
    }
    let quick = args.iter().any(|a| a == "--quick");
    let dir = bench_dir();
    let target = dir.join("target");
    let floor_dir = dir.join("floor");
    floor_crate(&floor_dir);
    let floor = measure(&floor_dir.join("Cargo.toml"), "floor", &target, &[]);

    let mut rows: Vec<(String, (usize, usize), Cost)> = Vec::new();
    let client = workspace_root().join("generated-client");
    let client_size = size(&client.join("src/v1_0"));
    let client_cost = measure(&client.join("Cargo.toml"), "intune-dw-client", &target, &["v1_0"]);
    rows.push(("Warehouse client (v1_0)".to_owned(), client_size, client_cost));

    let shared =
        std::env::var_os("INTUNE_DW_SHARED_DIR").map_or_else(|| workspace_root().join("../shared"), PathBuf::from);
    let graph = shared.join("corpora/graph-v1.0-2026-08-03.xml");
    if quick {
        eprintln!("notice: --quick: Microsoft Graph skipped");
    } else if graph.exists() {
        let out = dir.join("graph");
        generate(&graph, &out);
        let cost = measure(&out.join("Cargo.toml"), "graph", &target, &[]);
        let graph_size = size(&out.join("src"));
        rows.push(("Microsoft Graph v1.0 crate".to_owned(), graph_size, cost));
        // A user of one entity set: its feature alone (the lines are the whole crate's).
        let cost = measure(&out.join("Cargo.toml"), "graph", &target, &["users"]);
        rows.push(("Graph, feature `users` only".to_owned(), graph_size, cost));
    } else {
        eprintln!("notice: {} not found; Microsoft Graph skipped", graph.display());
    }

    println!(
        "\ncargo check of a generated crate, dependencies pre-built (floor: an empty crate on the runtime, {:.2} s, {:.0} MiB)",
        floor.seconds, floor.peak_mib
    );
    println!(
        "{:<30} {:>9} {:>11} {:>9} {:>8} {:>10} {:>8}",
        "crate", "lines", "bytes", "check s", "× floor", "peak MiB", "× floor"
    );
    for (name, (lines, bytes), cost) in rows {
        println!(
            "{name:<30} {lines:>9} {bytes:>11} {:>9.2} {:>8.1} {:>10.0} {:>8.1}",
            cost.seconds,
            cost.seconds / floor.seconds,
            cost.peak_mib,
            cost.peak_mib / floor.peak_mib
        );
    }
}
