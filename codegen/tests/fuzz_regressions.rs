//! The metadata fuzz targets' checks (`fuzz/src/metadata.rs`), run in the normal suite over every
//! input the fuzzers ever failed on (`fuzz/regressions/{csdl,diff}/`) and over the fixtures the
//! fuzzers are seeded with, so a fixed crash stays fixed and the checks stay in working order.

mod support;

#[path = "../../fuzz/src/metadata.rs"]
mod metadata;
#[path = "../../fuzz/src/regressions.rs"]
mod regressions;

use std::path::PathBuf;

/// The committed inputs of one target, by file name.
fn committed(target: &str) -> Vec<(String, Vec<u8>)> {
    regressions::inputs(&support::workspace_root().join("fuzz/regressions").join(target))
}

fn fixtures() -> Vec<PathBuf> {
    let root = support::workspace_root();
    let mut documents = vec![root.join("fixtures/v1.0/metadata.xml"), root.join("fixtures/beta/metadata.xml")];
    let cases = root.join("codegen/tests/goldens/cases");
    documents.extend(
        std::fs::read_dir(cases)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "xml")),
    );
    documents
}

#[test]
fn csdl_regressions_and_fixtures_pass_the_fuzz_check() {
    for (name, input) in committed("csdl") {
        eprintln!("csdl regression {name}");
        metadata::csdl(&input);
    }
    for document in fixtures() {
        metadata::csdl(&std::fs::read(document).unwrap());
    }
}

#[test]
fn diff_regressions_and_fixture_pairs_pass_the_fuzz_check() {
    for (name, input) in committed("diff") {
        eprintln!("diff regression {name}");
        metadata::diff(&input);
    }
    let documents: Vec<Vec<u8>> = fixtures().into_iter().map(|path| std::fs::read(path).unwrap()).collect();
    for pair in documents.windows(2) {
        metadata::diff(&[pair[0].as_slice(), b"\0", pair[1].as_slice()].concat());
        metadata::diff(&pair[0]);
    }
}
