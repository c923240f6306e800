//! The generator's speed, as ratios against a floor measured in the same run: how much slower
//! than roxmltree's bare XML parse each stage is, on the largest document at hand (Microsoft Graph
//! v1.0 from the shared corpus, else the v1.0 Warehouse fixture).
//!
//! A second group measures hostile input: one element with 200,000 attributes, which roxmltree's
//! pairwise duplicate check would take many seconds over, against the floor of a document of the
//! same size whose attributes are spread over elements of 8; and a document whose every element
//! has the most attributes the reader accepts.
//!
//! `cargo bench -p codegen --bench pipeline` prints criterion's timings, then the ratio tables.
//! Ratios, not absolute times, are what to compare across machines and runs.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::Criterion;

fn document() -> (String, Vec<u8>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = std::env::var_os("INTUNE_DW_SHARED_DIR").map_or_else(|| root.join("../shared"), PathBuf::from);
    let graph = shared.join("corpora/graph-v1.0-2026-08-03.xml");
    match std::fs::read(&graph) {
        Ok(bytes) => ("Microsoft Graph v1.0".to_owned(), bytes),
        Err(_) => {
            eprintln!("notice: {} not found; benchmarking the v1.0 fixture instead", graph.display());
            ("Warehouse v1.0 fixture".to_owned(), std::fs::read(root.join("fixtures/v1.0/metadata.xml")).unwrap())
        }
    }
}

fn options() -> codegen::Options {
    let header = codegen::Header { command: "cargo bench".to_owned(), source_name: "bench.xml".to_owned() };
    codegen::Options::standalone("bench", header)
}

/// (benchmark id, what it measures); the first is the floor.
const STAGES: [(&str, &str); 5] = [
    ("xml_floor", "roxmltree parse (floor)"),
    ("csdl_parse", "csdl::parse: read + resolve"),
    ("diff_self", "diff::compare of two models"),
    ("generate", "generate: parse → plan → emit → format"),
    ("format_output", "syn parse + prettyplease of generate's output"),
];

/// (benchmark id, what it measures) of the hostile group; the first is its floor.
const HOSTILE: [(&str, &str); 3] = [
    ("xml_floor_spread", "roxmltree parse, 8 attributes an element (floor)"),
    ("csdl_parse_one_element", "csdl::parse, 200,000 attributes on one element"),
    ("csdl_parse_at_limit", "csdl::parse, MAX_ATTRIBUTES on every element"),
];

/// A schema whose elements carry `per_element` attributes each, `total` in all.
fn attributes_document(total: usize, per_element: usize) -> String {
    let mut body = String::new();
    for start in (0..total).step_by(per_element) {
        body.push_str("<Foo");
        for i in start..(start + per_element).min(total) {
            body.push_str(&format!(" a{i}=\"\""));
        }
        body.push_str("/>\n");
    }
    format!(
        "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\"><edmx:DataServices>\
         <Schema xmlns=\"urn:x\" Namespace=\"NS\">{body}</Schema></edmx:DataServices></edmx:Edmx>"
    )
}

fn main() {
    let (label, bytes) = document();
    let text = std::str::from_utf8(&bytes).unwrap();
    let model = codegen::csdl::parse(text).unwrap().model;
    let options = options();
    let mut criterion = Criterion::default().configure_from_args().sample_size(10);
    {
        let mut group = criterion.benchmark_group("pipeline");
        group.bench_function(STAGES[0].0, |b| {
            b.iter(|| roxmltree::Document::parse(black_box(text)).unwrap().descendants().count())
        });
        group.bench_function(STAGES[1].0, |b| b.iter(|| codegen::csdl::parse(black_box(text)).unwrap()));
        group.bench_function(STAGES[2].0, |b| b.iter(|| codegen::diff::compare(black_box(&model), black_box(&model))));
        group.bench_function(STAGES[3].0, |b| b.iter(|| codegen::generate(black_box(&bytes), &options).unwrap()));
        // What any generator must at least do with this output: parse it and format it.
        let files = codegen::generate(&bytes, &options).unwrap();
        group.bench_function(STAGES[4].0, |b| {
            b.iter(|| {
                files
                    .values()
                    .map(|text| prettyplease::unparse(&syn::parse_file(black_box(text)).unwrap()).len())
                    .sum::<usize>()
            })
        });
        group.finish();
    }
    const ATTRIBUTES: usize = 200_000;
    let spread = attributes_document(ATTRIBUTES, 8);
    let one_element = attributes_document(ATTRIBUTES, ATTRIBUTES);
    let at_limit = attributes_document(ATTRIBUTES, codegen::csdl::MAX_ATTRIBUTES);
    assert!(codegen::csdl::parse(&one_element).is_err(), "refused by the attribute limit");
    {
        let mut group = criterion.benchmark_group("hostile");
        group.bench_function(HOSTILE[0].0, |b| {
            b.iter(|| roxmltree::Document::parse(black_box(&spread)).unwrap().descendants().count())
        });
        group.bench_function(HOSTILE[1].0, |b| b.iter(|| codegen::csdl::parse(black_box(&one_element)).is_err()));
        group.bench_function(HOSTILE[2].0, |b| b.iter(|| codegen::csdl::parse(black_box(&at_limit)).is_ok()));
        group.finish();
    }
    criterion.final_summary();
    report("pipeline", &STAGES, &label, bytes.len());
    if let (Some(generate), Some(parse), Some(format)) =
        (mean("pipeline", "generate"), mean("pipeline", "csdl_parse"), mean("pipeline", "format_output"))
    {
        println!(
            "  generate ÷ (csdl::parse + formatting its output): {:.2} (goal: at most 1.5)",
            generate / (parse + format)
        );
    }
    report("hostile", &HOSTILE, "200,000 attributes", one_element.len());
}

/// Reads criterion's estimates of `group` back and prints each stage as a multiple of the floor
/// (the first stage).
fn report(group: &str, stages: &[(&str, &str)], label: &str, size: usize) {
    let mean = |id: &str| mean(group, id);
    let Some(floor) = mean(stages[0].0) else {
        eprintln!("no estimates under {} (was the floor filtered out?)", criterion_dir().join(group).display());
        return;
    };
    println!("\n{label} ({} KiB), mean times as multiples of the floor:", size / 1024);
    for (id, what) in stages {
        if let Some(ns) = mean(id) {
            println!("  {what:<50} {:>8.2} ms  {:>6.1}x", ns / 1e6, ns / floor);
        }
    }
}

/// Criterion's mean estimate of one benchmark, in nanoseconds.
fn mean(group: &str, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(criterion_dir().join(group).join(id).join("new/estimates.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"), PathBuf::from)
        .join("criterion")
}
