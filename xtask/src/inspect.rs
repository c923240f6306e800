//! `cargo xtask inspect FILE [--json] [--strict]`: parse and resolve a CSDL document and summarise it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use codegen::csdl::{Counts, Model};

use crate::report::{self, Strictness};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The CSDL XML document.
    file: PathBuf,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    strictness: Strictness,
}

#[derive(serde::Serialize)]
struct Summary<'a> {
    odata_version: &'static str,
    namespaces: Vec<&'a str>,
    counts: Counts,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let Some(model) = report::load(&args.file, args.strictness.strict)? else { return Ok(ExitCode::FAILURE) };
    let summary = Summary {
        odata_version: model.version.as_str(),
        namespaces: model.schemas.iter().map(|s| s.namespace.as_str()).collect(),
        counts: model.counts(),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&summary)?)?;
    } else {
        print_human(&mut out, &args.file, &model, &summary)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_human(out: &mut impl Write, file: &std::path::Path, model: &Model, summary: &Summary) -> std::io::Result<()> {
    writeln!(out, "{}: OData {} CSDL", file.display(), summary.odata_version)?;
    for schema in &model.schemas {
        match &schema.alias {
            Some(alias) => writeln!(out, "  schema {} (alias {alias})", schema.namespace),
            None => writeln!(out, "  schema {}", schema.namespace),
        }?;
    }
    for reference in &model.references {
        let namespaces: Vec<_> = reference.includes.iter().map(|i| i.namespace.as_str()).collect();
        writeln!(out, "  references {} ({})", reference.uri, namespaces.join(", "))?;
    }
    let c = summary.counts;
    let rows = [
        ("entity types", c.entity_types),
        ("complex types", c.complex_types),
        ("enum types", c.enum_types),
        ("type definitions", c.type_definitions),
        ("terms", c.terms),
        ("actions", c.actions),
        ("functions", c.functions),
        ("entity sets", c.entity_sets),
        ("singletons", c.singletons),
        ("action imports", c.action_imports),
        ("function imports", c.function_imports),
        ("properties", c.properties),
        ("navigation properties", c.navigation_properties),
    ];
    for (label, count) in rows {
        writeln!(out, "  {label:<22} {count:>6}")?;
    }
    for (schema, container) in model.entity_containers() {
        writeln!(out, "  container {}.{}:", schema.namespace, container.name)?;
        for set in &container.entity_sets {
            let key: Vec<_> = model
                .entity_type(&set.entity_type)
                .map(|ty| model.effective_key(ty).iter().map(|k| k.name.as_str()).collect())
                .unwrap_or_default();
            writeln!(out, "    {:<48} {} key ({})", set.name, set.entity_type.name, key.join(", "))?;
        }
    }
    Ok(())
}
