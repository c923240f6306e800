//! The `intune-dw` command; see [`intune_dw::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(intune_dw::cli::EXIT_USAGE);
        }
    };
    let env = |name: &str| std::env::var(name).ok();
    let mut stdout = std::io::stdout();
    ExitCode::from(runtime.block_on(intune_dw::cli::run(std::env::args_os(), &env, &mut stdout)))
}
