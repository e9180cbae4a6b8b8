// mimalloc: the cache-hit path is allocation-heavy (many small strings per card), so the
// allocator shows in its CPU (what glibc's cost: dev-docs/decisions/mimalloc.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

use cardmesh_gateway::cli::{
    curl_command, judge_document, probe, read_input, Cli, Command, CommandError, ValidateArgs,
};
use cardmesh_gateway::config::{self, Config, EnvOverrides};
use cardmesh_gateway::{http, telemetry, verify, Gateway};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let done = match cli.command.unwrap_or(Command::Serve { config: None }) {
        Command::Serve { config } => serve(config),
        Command::Sign { secret, curl, file } => sign(secret, curl, file),
        Command::Validate(args) => validate(args),
    };
    // Every command's failure is printed here, once, and ends the process with its status.
    done.unwrap_or_else(|e| {
        eprintln!("cardmesh-gateway{}: {e}", e.command());
        e.exit_code()
    })
}

fn serve(config_file: Option<std::path::PathBuf>) -> Result<ExitCode, CommandError> {
    let runtime = tokio::runtime::Runtime::new().map_err(CommandError::Runtime)?;
    // The OTLP exporter's channel lives on the runtime, so telemetry starts inside it.
    let telemetry =
        runtime.block_on(async { telemetry::init(&config::telemetry_env()) }).map_err(CommandError::Telemetry)?;
    let served = Config::load(config_file.as_deref(), &EnvOverrides::from_process())
        .map_err(CommandError::from)
        .and_then(|config| runtime.block_on(run(config)));
    // Sends the last spans while the runtime (and the exporter's channel) still runs.
    telemetry.shutdown();
    served
}

/// Serves until SIGTERM or Ctrl-C, then the drain and the grace period (`[shutdown]`); the
/// admin listener stops last, so metrics stay readable while requests finish.
async fn run(config: Config) -> Result<ExitCode, CommandError> {
    if config.allow_unsigned {
        tracing::warn!(
            "CARDMESH_ALLOW_UNSIGNED is on: requests without a signature are accepted; never use this in production"
        );
    }
    // Before the listeners: from the first request on, SIGTERM starts the drain rather than
    // ending the process.
    let signals = http::os_signals().map_err(CommandError::Signals)?;
    let (listen, admin_listen) = (config.listen, config.admin_listen);
    let gateway = Gateway::new(config)?;
    gateway.connect_cache().await?;
    let bind = |address, setting| async move {
        tokio::net::TcpListener::bind(address).await.map_err(|source| CommandError::Listen { address, setting, source })
    };
    let listener = bind(listen, "listen / CARDMESH_LISTEN").await?;
    let admin = bind(admin_listen, "admin_listen / CARDMESH_ADMIN_LISTEN").await?;
    http::run(gateway, listener, admin, signals).await.map_err(CommandError::Server)?;
    Ok(ExitCode::SUCCESS)
}

fn sign(
    secret: Option<String>,
    curl: Option<String>,
    file: Option<std::path::PathBuf>,
) -> Result<ExitCode, CommandError> {
    let secret =
        secret.or_else(|| EnvOverrides::from_process().first_signing_secret()).ok_or(CommandError::NoSecret)?;
    let body = read_input(file.as_ref()).map_err(CommandError::ReadBody)?;
    let signature = verify::sign(&secret, &body);
    match curl {
        None => println!("{signature}"),
        Some(url) => {
            let text = std::str::from_utf8(&body).map_err(|_| CommandError::CurlNeedsUtf8)?;
            println!("{}", curl_command(&url, text, &signature));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(args: ValidateArgs) -> Result<ExitCode, CommandError> {
    let judgement = match &args.url {
        Some(url) => {
            // Only --secret signs: a probe never borrows the gateway's own signing secret.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(CommandError::ProbeRuntime)?;
            runtime.block_on(probe(url, args.secret.as_deref(), &args)).map_err(CommandError::Probe)?
        }
        None => judge_document(&read_input(args.file.as_ref()).map_err(CommandError::ReadInput)?, &args.keys),
    };
    print!("{}", judgement.render(args.format, args.strict));
    Ok(ExitCode::from(judgement.exit_code(args.strict)))
}
