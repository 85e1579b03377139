use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    rezerv_bot::cli::main().await
}
