//! The `cairn` binary: see `cairn --help`.

use clap::Parser;

use cairn_api::cli::{Cli, Command, run_offline, serve_config};

// mimalloc instead of the system allocator: evaluation, JSON and the HTTP
// stack allocate many small short-lived objects, and the stacking engine
// runs about 9 % faster with it (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    cairn_api::telemetry::init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            let config = serve_config(&args)?;
            actix_web::rt::System::new().block_on(async move {
                let running = cairn_api::start(config).await?;
                running.run().await?;
                anyhow::Ok(())
            })
        }
        other => run_offline(other),
    }
}
