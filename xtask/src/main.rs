//! Maintainer commands for the Intune Data Warehouse client: `cargo xtask <command>`.

mod codegen;
mod diff;
mod fetch;
mod generate;
mod inspect;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Maintainer commands: inspect CSDL, regenerate the client, diff and fetch schemas"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and resolve a CSDL `$metadata` document and summarise it.
    Inspect(inspect::Args),
    /// Regenerate the client's v1.0 and beta modules from the fixtures (`--check`: verify only).
    Codegen(codegen::Args),
    /// Generate a standalone client crate for any OData v4 CSDL document.
    Generate(generate::Args),
    /// Compare two CSDL documents and classify each change's impact on the generated crate.
    Diff(diff::Args),
    /// Download a live `$metadata`, validate it, replace the fixture and print the diff.
    Fetch(fetch::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Codegen(args) => codegen::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Fetch(args) => fetch::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
