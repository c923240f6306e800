//! The wire fuzz targets' checks (`fuzz/src/wire.rs`), run in the normal suite over every input
//! the fuzzers ever failed on (`fuzz/regressions/{page,next_link}/`) and over the samples the
//! fuzzers are seeded with, so a fixed crash stays fixed and the checks stay in working order.

#[path = "../../fuzz/src/regressions.rs"]
mod regressions;
#[path = "../../fuzz/src/wire.rs"]
mod wire;

use regressions::inputs;

use std::path::Path;

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
