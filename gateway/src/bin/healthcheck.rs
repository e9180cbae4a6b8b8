//! `cardmesh-healthcheck`: the container health probe shipped in every cardmesh image.
//!
//! ```text
//! cardmesh-healthcheck grpc ADDR [SERVICE]   gRPC health check (grpc.health.v1); healthy when SERVING
//! cardmesh-healthcheck http URL              HTTP/1.1 GET; healthy on a 2xx status
//! ```
//!
//! `ADDR` is `host:port` or `http://host:port`; `SERVICE` defaults to `""` (the whole server).
//! Exits `0` when healthy and `1` otherwise (`2` on a usage error), printing one line.
//! Never hangs: everything, connecting included, runs under one 3 s deadline. Images have no
//! curl or grpc_health_probe, so this binary is what compose healthchecks run.

use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

/// Deadline of the whole check.
const DEADLINE: Duration = Duration::from_secs(3);

const USAGE: &str = "usage: cardmesh-healthcheck grpc ADDR [SERVICE] | cardmesh-healthcheck http URL";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["grpc", addr] => Check::Grpc { addr: (*addr).to_owned(), service: String::new() },
        ["grpc", addr, service] => Check::Grpc { addr: (*addr).to_owned(), service: (*service).to_owned() },
        ["http", url] => Check::Http { url: (*url).to_owned() },
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("unhealthy: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async { tokio::time::timeout(DEADLINE, check.run()).await });
    let code = match outcome {
        Ok(Ok(what)) => {
            println!("healthy: {what}");
            0
        }
        Ok(Err(why)) => {
            eprintln!("unhealthy: {why}");
            1
        }
        Err(_) => {
            eprintln!("unhealthy: no answer within {DEADLINE:?}");
            1
        }
    };
    // Exit at once: a stuck DNS lookup on the blocking pool must not delay the exit.
    std::process::exit(code)
}

enum Check {
    Grpc { addr: String, service: String },
    Http { url: String },
}

impl Check {
    async fn run(self) -> Result<String, String> {
        match self {
            Check::Grpc { addr, service } => grpc(&addr, service).await,
            Check::Http { url } => http(&url).await,
        }
    }
}

async fn grpc(addr: &str, service: String) -> Result<String, String> {
    let uri = if addr.contains("://") { addr.to_owned() } else { format!("http://{addr}") };
    let endpoint = tonic::transport::Endpoint::from_shared(uri.clone())
        .map_err(|e| format!("{uri}: not a gRPC address: {e}"))?
        .connect_timeout(DEADLINE);
    let channel = endpoint.connect().await.map_err(|e| format!("{uri}: cannot connect: {e}"))?;
    let reply = HealthClient::new(channel)
        .check(HealthCheckRequest { service: service.clone() })
        .await
        .map_err(|status| format!("{uri}: health check failed: {} {}", status.code(), status.message()))?;
    let status = reply.into_inner().status;
    let name = ServingStatus::try_from(status).map_or("UNKNOWN", |s| s.as_str_name());
    if status == ServingStatus::Serving as i32 {
        Ok(format!("{uri} service {service:?} is {name}"))
    } else {
        Err(format!("{uri} service {service:?} is {name}"))
    }
}

async fn http(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url}: not a URL: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!("{url}: only http:// URLs are supported"));
    }
    let host = parsed.host_str().ok_or_else(|| format!("{url}: no host"))?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    let mut target = parsed.path().to_owned();
    if let Some(query) = parsed.query() {
        target.push('?');
        target.push_str(query);
    }
    let host_header = match parsed.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    // `Url` keeps IPv6 hosts bracketed; connect() wants them bare.
    let connect_host = host.trim_start_matches('[').trim_end_matches(']');

    let mut stream =
        TcpStream::connect((connect_host, port)).await.map_err(|e| format!("{url}: cannot connect: {e}"))?;
    let request = format!(
        "GET {target} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: cardmesh-healthcheck\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.map_err(|e| format!("{url}: cannot send: {e}"))?;

    // Only the status line matters: read until its end (or 1 KiB).
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.contains(&b'\n') && head.len() < 1024 {
        let n = stream.read(&mut buf).await.map_err(|e| format!("{url}: cannot read: {e}"))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or_default().trim();
    let code: u16 = line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("{url}: not an HTTP answer: {line:?}"))?;
    if (200..300).contains(&code) {
        Ok(format!("{url} answered {code}"))
    } else {
        Err(format!("{url} answered {code}"))
    }
}
