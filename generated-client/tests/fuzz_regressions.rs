//! The wire fuzz targets' checks (`fuzz/src/wire.rs`), run in the normal suite over every input
//! the fuzzers ever failed on (`fuzz/regressions/{page,next_link}/`) and over the samples the
//! fuzzers are seeded with, so a fixed crash stays fixed and the checks stay in working order.

#[path = "../../fuzz/src/wire.rs"]
mod wire;

use std::path::Path;

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().is_some_and(|name| name != ".gitkeep"))
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap()))
        .collect();
    inputs.sort();
    inputs
}

fn workspace(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

#[test]
fn page_regressions_and_samples_pass_the_fuzz_check() {
    for (name, input) in inputs(&workspace("fuzz/regressions/page")) {
        eprintln!("page regression {name}");
        wire::page(&input);
    }
    for (_, sample) in inputs(&workspace("fixtures/v1.0/samples")) {
        wire::page(&sample);
    }
}

#[test]
fn next_link_regressions_pass_the_fuzz_check() {
    for (name, input) in inputs(&workspace("fuzz/regressions/next_link")) {
        eprintln!("next_link regression {name}");
        wire::next_link(&input);
    }
    for link in
        ["devices?$skiptoken=2", "//evil.example/x", "http://[::1", "https://FEF.msua06.manage.microsoft.com:443/x"]
    {
        wire::next_link(link.as_bytes());
    }
}
