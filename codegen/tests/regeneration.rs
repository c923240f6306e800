//! Quiet regeneration: a change to one entity type changes the files that type reaches, plus the
//! root module (which alone records the source's sha256), so the pull request that regenerates
//! a client shows the schema change, not every file.

mod support;

use std::collections::BTreeSet;

fn options() -> codegen::Options {
    let header = codegen::Header {
        command: "cargo xtask codegen".to_owned(),
        source_name: "fixtures/v1.0/metadata.xml".to_owned(),
    };
    let mut options = codegen::Options::standalone("Regeneration", header);
    options.api_version = Some("v1.0".to_owned());
    options
}

/// The files whose text differs between the two outputs.
fn changed(before: &codegen::Files, after: &codegen::Files) -> BTreeSet<String> {
    before.keys().chain(after.keys()).filter(|path| before.get(*path) != after.get(*path)).cloned().collect()
}

#[test]
fn adding_a_property_changes_only_the_files_it_reaches() {
    let source = String::from_utf8(support::read(&support::fixture("v1.0/metadata.xml"))).unwrap();
    let before = codegen::generate(source.as_bytes(), &options()).unwrap();

    // One property more on `device`, the row type of `devices` alone.
    let device = source.find(r#"<EntityType Name="device">"#).expect("the device entity type");
    let at = device + source[device..].find("<Property ").unwrap();
    let edited = format!(r#"{}<Property Name="assetTag" Type="Edm.String"/>{}"#, &source[..at], &source[at..]);
    let after = codegen::generate(edited.as_bytes(), &options()).unwrap();
    let expected: BTreeSet<String> = ["src/devices.rs", "src/lib.rs"].map(str::to_owned).into();
    assert_eq!(changed(&before, &after), expected);
    assert!(after["src/devices.rs"].contains("pub asset_tag:"));
    assert!(after["src/lib.rs"].lines().next().unwrap().contains("sha256"));
    assert!(!after["src/devices.rs"].lines().next().unwrap().contains("sha256"));
}
