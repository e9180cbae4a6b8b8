//! The `cardmesh-gateway` binary's subcommands and startup checks.

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cardmesh-gateway"));
    for (name, _) in cardmesh_gateway::config::ENV_VARS.iter().chain(cardmesh_gateway::config::TELEMETRY_ENV_VARS) {
        cmd.env_remove(name);
    }
    cmd
}

fn run_with_stdin(mut cmd: Command, input: &[u8]) -> std::process::Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // A command may exit before reading its input (for example on a usage error); its exit
    // status and output are what the tests check, so a closed pipe is not a failure here.
    match child.stdin.take().unwrap().write_all(input) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.unwrap(),
    }
    child.wait_with_output().unwrap()
}

#[test]
fn sign_prints_the_hmac_of_stdin() {
    let mut cmd = bin();
    cmd.args(["sign", "--secret", "Jefe"]);
    let out = run_with_stdin(cmd, b"what do ya want for nothing?");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn sign_prints_a_curl_with_the_signature() {
    let mut cmd = bin();
    cmd.args(["sign", "--curl", "http://127.0.0.1:8080/"]).env("CARDMESH_SIGNING_SECRETS", "dev,other");
    let body = br#"{"cardKeys":["usage"],"customer":{"id":"c","email":"o'neil@example.com"}}"#;
    let out = run_with_stdin(cmd, body);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("curl "), "{text}");
    assert!(text.contains(&cardmesh_gateway::verify::sign("dev", body)), "{text}");
    assert!(text.contains(r"o'\''neil"), "quotes are escaped for the shell: {text}");
}

#[test]
fn sign_without_a_secret_says_how_to_give_one() {
    let out = run_with_stdin(
        {
            let mut c = bin();
            c.arg("sign");
            c
        },
        b"{}",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--secret"));
}

#[test]
fn serve_refuses_to_start_without_a_secret() {
    let out = bin().arg("serve").stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CARDMESH_SIGNING_SECRETS"), "{err}");
}

#[test]
fn serve_refuses_an_otlp_endpoint_that_is_not_a_url() {
    let out = bin()
        .arg("serve")
        .env("CARDMESH_ALLOW_UNSIGNED", "true")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "{err}");
}

#[test]
fn serve_names_the_admin_listener_it_cannot_bind() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = bin()
        .arg("serve")
        .env("CARDMESH_ALLOW_UNSIGNED", "true")
        .env("CARDMESH_LISTEN", "127.0.0.1:0")
        .env("CARDMESH_ADMIN_LISTEN", taken.local_addr().unwrap().to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CARDMESH_ADMIN_LISTEN"), "{err}");
}

#[test]
fn validate_accepts_a_good_response_and_lists_violations_of_a_bad_one() {
    let mut cmd = bin();
    cmd.arg("validate");
    let good = br#"{"cards":[{"key":"usage","timeToLiveSeconds":60,"components":[{"componentText":{"text":"hi"}}]},{"key":"x","components":null}]}"#;
    let out = run_with_stdin(cmd, good);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let mut cmd = bin();
    cmd.arg("validate");
    let bad = br#"{"cards":[{"key":"usage","components":[{"componentRow":{"rowMainContent":[{"componentContainer":{"containerContent":[{"componentDivider":{}}]}}],"rowAsideContent":[{"componentBadge":{"badgeLabel":""}}]}}]}]}"#;
    let out = run_with_stdin(cmd, bad);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("cards[0].components[0].componentRow.rowMainContent[0]"), "{text}");
    assert!(text.contains("rowAsideContent[0].componentBadge.badgeLabel"), "{text}");
}

#[test]
fn serve_refuses_to_start_with_an_unreadable_tls_file_naming_it() {
    let out = bin()
        .arg("serve")
        .env("CARDMESH_ALLOW_UNSIGNED", "true")
        .env("CARDMESH_LISTEN", "127.0.0.1:0")
        .env("CARDMESH_TLS_CERT_FILE", "/nonexistent/cards.pem")
        .env("CARDMESH_TLS_KEY_FILE", "/nonexistent/cards.key")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tls: cannot read /nonexistent/cards.pem"), "{err}");
}
