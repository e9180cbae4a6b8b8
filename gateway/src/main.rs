// mimalloc: the cache-hit path is allocation-heavy (many small strings per card), so the
// allocator shows in its CPU (what glibc's cost: dev-docs/decisions/mimalloc.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

use cardmesh_gateway::cli::{curl_command, judge_document, probe, read_input, Cli, Command, ValidateArgs};
use cardmesh_gateway::config::{self, Config, EnvOverrides};
use cardmesh_gateway::{http, telemetry, verify, Gateway};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve { config: None }) {
        Command::Serve { config } => serve(config),
        Command::Sign { secret, curl, file } => sign(secret, curl, file),
        Command::Validate(args) => validate(args),
    }
}

fn serve(config_file: Option<std::path::PathBuf>) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cardmesh-gateway: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The OTLP exporter's channel lives on the runtime, so telemetry starts inside it.
    let telemetry = match runtime.block_on(async { telemetry::init(&config::telemetry_env()) }) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cardmesh-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::load(config_file.as_deref(), &EnvOverrides::from_process()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("cardmesh-gateway: {e}");
            return ExitCode::from(2);
        }
    };
    if config.allow_unsigned {
        tracing::warn!(
            "CARDMESH_ALLOW_UNSIGNED is on: requests without a signature are accepted; never use this in production"
        );
    }
    let code = runtime.block_on(async move {
        // Before the listeners: from the first request on, SIGTERM starts the drain rather
        // than ending the process.
        let signals = match http::os_signals() {
            Ok(signals) => signals,
            Err(e) => {
                eprintln!("cardmesh-gateway: cannot listen for SIGTERM and Ctrl-C: {e}");
                return ExitCode::FAILURE;
            }
        };
        let (listen, admin_listen) = (config.listen, config.admin_listen);
        let gateway = match Gateway::new(config) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("cardmesh-gateway: {e}");
                return ExitCode::from(2);
            }
        };
        if let Err(e) = gateway.connect_cache().await {
            eprintln!("cardmesh-gateway: {e}");
            return ExitCode::from(2);
        }
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cardmesh-gateway: cannot listen on {listen} (listen / CARDMESH_LISTEN): {e}");
                return ExitCode::FAILURE;
            }
        };
        let admin = match tokio::net::TcpListener::bind(admin_listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!(
                    "cardmesh-gateway: cannot listen on {admin_listen} (admin_listen / CARDMESH_ADMIN_LISTEN): {e}"
                );
                return ExitCode::FAILURE;
            }
        };
        // Until SIGTERM or Ctrl-C, then the drain and the grace period (`[shutdown]`); the
        // admin listener stops last, so metrics stay readable while requests finish.
        match http::run(gateway, listener, admin, signals).await {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cardmesh-gateway: server error: {e}");
                ExitCode::FAILURE
            }
        }
    });
    // Sends the last spans while the runtime (and the exporter's channel) still runs.
    telemetry.shutdown();
    code
}

fn sign(secret: Option<String>, curl: Option<String>, file: Option<std::path::PathBuf>) -> ExitCode {
    let secret = secret.or_else(first_signing_secret);
    let Some(secret) = secret else {
        eprintln!("cardmesh-gateway sign: give --secret or set CARDMESH_SIGNING_SECRETS");
        return ExitCode::from(2);
    };
    let body = match read_input(file.as_ref()) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cardmesh-gateway sign: cannot read the body: {e}");
            return ExitCode::from(2);
        }
    };
    let signature = verify::sign(&secret, &body);
    match curl {
        None => println!("{signature}"),
        Some(url) => match std::str::from_utf8(&body) {
            Ok(text) => println!("{}", curl_command(&url, text, &signature)),
            Err(_) => {
                eprintln!("cardmesh-gateway sign: --curl needs a UTF-8 body");
                return ExitCode::from(2);
            }
        },
    }
    ExitCode::SUCCESS
}

fn validate(args: ValidateArgs) -> ExitCode {
    let judgement = match &args.url {
        Some(url) => {
            // Only --secret signs: a probe never borrows the gateway's own signing secret.
            let secret = args.secret.clone();
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("cardmesh-gateway validate: cannot start the runtime: {e}");
                    return ExitCode::from(2);
                }
            };
            match runtime.block_on(probe(url, secret.as_deref(), &args)) {
                Ok(judgement) => judgement,
                Err(e) => {
                    eprintln!("cardmesh-gateway validate: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        None => match read_input(args.file.as_ref()) {
            Ok(input) => judge_document(&input, &args.keys),
            Err(e) => {
                eprintln!("cardmesh-gateway validate: cannot read the input: {e}");
                return ExitCode::from(2);
            }
        },
    };
    print!("{}", judgement.render(args.format, args.strict));
    ExitCode::from(judgement.exit_code(args.strict))
}

/// The first of CARDMESH_SIGNING_SECRETS, if any (`sign` only).
fn first_signing_secret() -> Option<String> {
    std::env::var("CARDMESH_SIGNING_SECRETS")
        .ok()
        .and_then(|s| s.split(',').map(str::trim).find(|s| !s.is_empty()).map(str::to_owned))
}
